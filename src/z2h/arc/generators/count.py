"""Counting objects into the output: a bar as long as the commonest colour's object count, or a
histogram of every colour's count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import components
from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    polyomino,
    scatter,
)
from z2h.arc.generators.geometry import transform_scene
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair


def counted_scene(r: Rand, counts: Sequence[int], palette: Sequence[int]) -> Scene:
    """Small objects scattered on a canvas big enough for them, ``counts[i]`` of colour
    ``palette[i]`` (fewer where some do not fit: the caller counts what was placed)."""
    total = sum(counts)
    least = min(24, 5 + round((total * 10) ** 0.5))  # about ten cells of room per object
    height, width = r.int(least, 24), r.int(least, 24)
    background = 0 if r.bool(0.8) else r.colors(1, exclude=tuple(palette))[0]
    colours = [c for c, n in zip(palette, counts, strict=True) for _ in range(n)]
    r.shuffle(colours)
    masks = [polyomino(r, r.int(1, 5), 3, 3) for _ in colours]
    objs = scatter(r, height, width, masks, colours, ("shape",), gap=1, required=1)
    return Scene(height, width, background, objs)


def count_colors(grid: np.ndarray) -> Counter:
    """The solvers' count: colour -> number of objects (one colour, corners connect)."""
    return Counter(
        int(grid[runs[0][0], runs[0][1]])
        for _, runs in components(grid, most_common_color(grid), diagonal=True)
    )


@register
class CountBar(Generator):
    name = "count_bar"
    concepts = ("counting", "objects", "majority")
    description = (
        "output a bar of the colour with the most objects, one cell per object "
        "(a row or a column, as the task shows)"
    )
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"orient": r.choice(("row", "column"))}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        k = r.int(1, 4)
        top = r.int(2, 8)
        counts = [top] + [r.randint(1, top - 1) for _ in range(k - 1)]
        inp = counted_scene(r, counts, r.colors(k, exclude=(0,)))
        placed = Counter(o.color for o in inp.objects).most_common()
        if len(placed) > 1 and placed[0][1] == placed[1][1]:
            raise Reject("tie")
        color, n = placed[0]
        if n < 2:
            raise Reject("too_few")  # a one-cell bar shows no orientation
        shape = (1, n) if params["orient"] == "row" else (n, 1)
        bar = Obj.filled(0, np.ones(shape, bool), color, (0, 0), 0, ("bar",))
        out = Scene(shape[0], shape[1], inp.background, [bar])
        corr = [
            Match(o.id, 0, [{"op": "count"}]) if o.color == color else Match(o.id, None, [])
            for o in inp.objects
        ]
        return Example(inp, out, corr, [{"op": "count", "color": color, "n": n}])

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        shapes = {
            "row" if p.output.shape[0] == 1 else "column"
            for p in demos
            if p.output is not None and min(p.output.shape) == 1 and max(p.output.shape) > 1
        }
        if len(shapes) != 1:
            raise CannotSolve("the demonstrations do not show one bar orientation")
        ranked = count_colors(grid).most_common()
        if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
            raise CannotSolve("no colour has the most objects")
        color, n = ranked[0]
        shape = (1, n) if shapes.pop() == "row" else (n, 1)
        return np.full(shape, color, np.uint8)


@register
class CountHistogram(Generator):
    name = "count_histogram"
    concepts = ("counting", "objects", "sorting")
    description = (
        "a histogram of the objects per colour: one bar per colour, longest first, "
        "rising up or reaching right"
    )
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"orient": r.choice(("up", "right"))}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        k = r.int(2, 4)
        counts = r.sample(range(1, r.int(max(k, 3), 6) + 1), k)
        inp = counted_scene(r, counts, r.colors(k, exclude=(0,)))
        placed = Counter(o.color for o in inp.objects).most_common()
        sizes = [n for _, n in placed]
        if len(set(sizes)) != len(sizes) or len(placed) < 2:
            raise Reject("tie")  # equal bars would have no order
        height = sizes[0]
        bars = [
            Obj.filled(j, np.ones((n, 1), bool), c, (height - n, j), 0, ("bar",))
            for j, (c, n) in enumerate(placed)
        ]
        out = Scene(height, len(bars), inp.background, bars)
        if params["orient"] == "right":
            out = transform_scene(out, "rotate", 3)  # a quarter turn clockwise
        bar_of = {c: j for j, (c, _) in enumerate(placed)}
        corr = [Match(o.id, bar_of[o.color], [{"op": "count"}]) for o in inp.objects]
        action = {"op": "histogram", "counts": [[c, n] for c, n in placed]}
        return Example(inp, out, corr, [action])

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        # the orientation, read off each demonstration: reaching right, the longest bar fills
        # the top row; rising up, the top row holds only the longest bar, beside background
        orients = set()
        for p in demos:
            if p.output is None:
                raise CannotSolve("a demonstration has no output")
            top = p.output[0]
            orients.add("up" if (top == most_common_color(p.input)).any() else "right")
        if len(orients) != 1:
            raise CannotSolve("the demonstrations do not show one orientation")
        up = _histogram(grid)
        if up is None:
            raise CannotSolve("two colours have as many objects: the bars have no order")
        return up if orients.pop() == "up" else np.ascontiguousarray(np.rot90(up, -1))


def _histogram(grid: np.ndarray) -> np.ndarray | None:
    """Bars rising from the bottom, one column per colour, the most objects first (None on a
    tie, which has no order)."""
    ranked = count_colors(grid).most_common()
    sizes = [n for _, n in ranked]
    if not ranked or len(set(sizes)) != len(sizes):
        return None
    out = np.full((sizes[0], len(ranked)), most_common_color(grid), np.uint8)
    for j, (c, n) in enumerate(ranked):
        out[sizes[0] - n :, j] = c
    return out
