"""Recolour each object by a property of it (its size, ...), with a mapping the task keeps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators.base import CannotSolve, Example, Generator, Rand, polyomino, scatter
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.objects import find_objects
from z2h.arc.scene import Scene
from z2h.arc.task import Pair


def learn_map(demos: Sequence[Pair], key) -> dict[Any, int]:
    """``key(obj) -> output colour`` learned from the demonstrations: every object of a demo
    input must come out in one colour, and equal keys must agree."""
    table: dict[Any, int] = {}
    for p in demos:
        if p.output is None or p.output.shape != p.input.shape:
            raise CannotSolve("a demonstration changes the grid's size")
        for o in find_objects(p.input, connectivity=8):
            rows, cols = o.cells()
            out = np.unique(p.output[rows, cols])
            if out.size != 1:
                raise CannotSolve("an object does not come out in one colour")
            k = key(o)
            if table.setdefault(k, int(out[0])) != int(out[0]):
                raise CannotSolve(f"objects with {k} come out in two colours")
    return table


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
        height, width = r.int(5, 20), r.int(5, 20)
        n = r.int(3, 9)  # more objects: the demonstrations show more of the size -> colour map
        masks = [polyomino(r, r.choice(sizes), 3, 3) for _ in range(n)]
        inp = scatter(r, height, width, masks, [params["color"]] * n, ("shape",), required=2)
        out, corr = [], []
        for o in inp:
            new = mapping[o.size]
            out.append(o.recolored(new))
            corr.append(Match(o.id, o.id, [{"op": "recolor", "from": params["color"], "to": new}]))
        return Example(Scene(height, width, 0, inp), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        table = learn_map(demos, lambda o: o.size)
        out = grid.copy()
        for o in find_objects(grid, connectivity=8, background=most_common_color(grid)):
            if o.size not in table:
                raise CannotSolve(f"no demonstration shows an object of size {o.size}")
            rows, cols = o.cells()
            out[rows, cols] = table[o.size]
        return out
