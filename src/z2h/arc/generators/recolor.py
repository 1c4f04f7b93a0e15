"""Recolour each object by a property of it (its size, ...), with a mapping the task keeps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    polyomino,
    scatter,
)
from z2h.arc.generators.registry import register
from z2h.arc.labels import Match
from z2h.arc.objects import components
from z2h.arc.scene import Scene
from z2h.arc.task import Pair


def learn_map(demos: Sequence[Pair], key: Callable[[list[int]], Any]) -> dict[Any, int]:
    """``key(cells) -> output colour`` learned from the demonstrations: each object (the flat
    cell indices of an 8-connected component) of a demo input must come out in one colour, and
    equal keys must agree."""
    table: dict[Any, int] = {}
    for p in demos:
        if p.output is None or p.output.shape != p.input.shape:
            raise CannotSolve("a demonstration changes the grid's size")
        out = p.output.ravel()
        for cells in components(p.input, connectivity=8):
            colours = set(out[cells].tolist())
            if len(colours) != 1:
                raise CannotSolve("an object does not come out in one colour")
            k, colour = key(cells), colours.pop()
            if table.setdefault(k, colour) != colour:
                raise CannotSolve(f"objects with {k} come out in two colours")
    return table


def recolor_by(
    grid: np.ndarray, demos: Sequence[Pair], key: Callable[[list[int]], Any]
) -> np.ndarray:
    """Each object of ``grid`` recoloured by the demonstrations' ``key -> colour`` table."""
    table = learn_map(demos, key)
    out = grid.copy()
    flat = out.ravel()  # a view: writes land in out
    for cells in components(grid, connectivity=8):
        k = key(cells)
        if k not in table:
            raise CannotSolve(f"no demonstration shows an object with {k}")
        flat[cells] = table[k]
    return out


@register
class RecolorBySize(Generator):
    name = "recolor_by_size"
    concepts = ("recolor", "counting", "objects")
    description = "recolour each object by its number of cells (sizes map to colours per task)"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        sizes = sorted(r.sample(range(1, 7), r.int(2, 4)))
        source, *targets = r.colors(len(sizes) + 1, exclude=(0,))
        return {"color": source, "map": [[s, c] for s, c in zip(sizes, targets, strict=True)]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        mapping = dict((s, c) for s, c in params["map"])
        sizes = list(mapping)
        height, width = r.int(6, 20), r.int(6, 20)
        # every size at least once, so each pair shows the whole size -> colour map
        chosen = sizes + [r.choice(sizes) for _ in range(r.int(0, 6))]
        masks = [polyomino(r, size, 3, 3) for size in chosen]
        inp = scatter(r, height, width, masks, [params["color"]] * len(masks), required=1)
        if len({o.size for o in inp}) < len(sizes):
            raise Reject("placement")
        out, corr = [], []
        for o in inp:
            new = mapping[o.size]
            out.append(o.recolored(new))
            corr.append(Match(o.id, o.id, [{"op": "recolor", "from": params["color"], "to": new}]))
        return Example(Scene(height, width, 0, inp), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        return recolor_by(grid, demos, len)
