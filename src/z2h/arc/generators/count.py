"""Counting objects: into the output (a bar as long as the commonest colour's object count, a
histogram of every colour's count), or into a colour (each box recoloured by what it holds)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import components, per_grid
from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    box_ring,
    place,
    polyomino,
    scatter,
)
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene, transform_scene
from z2h.arc.task import Pair


def counted_scene(r: Rand, counts: Sequence[int], palette: Sequence[int]) -> Scene:
    """Small objects scattered on a canvas big enough for them, ``counts[i]`` of colour
    ``palette[i]`` (fewer where some do not fit: the caller counts what was placed)."""
    total = sum(counts)
    least = min(24, 5 + round((total * 10) ** 0.5))  # about ten cells of room per object
    height, width = r.scaled(least, 24), r.scaled(least, 24)
    background = 0 if r.bool(0.8) else r.colors(1, exclude=tuple(palette))[0]
    colours = [c for c, n in zip(palette, counts, strict=True) for _ in range(n)]
    r.shuffle(colours)
    masks = [polyomino(r, r.scaled(1, 5), 3, 3) for _ in colours]
    objs = scatter(r, height, width, masks, colours, ("shape",), gap=1, required=1)
    if r.difficulty[1] > 0.5:  # harder tasks: objects of a main colour with accent cells
        accent = r.colors(1, exclude=(*palette, background))[0]
        _accented(r, objs, accent, r.random.random())
    return Scene(height, width, background, objs)


def _accented(r: Rand, objs: Sequence[Obj], accent: int, share: float) -> None:
    """Give about ``share`` of ``objs`` (three cells or more) a few cells of ``accent``, fewer
    than half of each, so the object's main colour (the one it is counted by) stays its own."""
    for o in objs:
        if o.size >= 3 and r.bool(share):
            colors = o.colors.copy()
            at = np.flatnonzero(o.mask)
            for i in r.sample(at.tolist(), r.randint(1, (o.size - 1) // 2)):
                colors.flat[i] = accent
            o.colors = colors


def count_colors(grid: np.ndarray) -> Counter:
    """The solvers' count: main colour -> number of objects (corners connect; an object's main
    colour holds more than half of its cells: a few cells of an accent colour do not count)."""
    background = most_common_color(grid)
    if not _mixed(grid, background):  # every object of one colour: its first cell tells it
        return Counter(
            int(grid[runs[0][0], runs[0][1]])
            for _, runs in components(grid, background, diagonal=True)
        )
    found = components(grid, background, diagonal=True, multicolor=True)
    label = np.full(grid.shape, -1, np.int32)  # each cell's object
    for k, (_, runs) in enumerate(found):
        for row, a, b in runs:
            label[row, a:b] = k
    at = label >= 0
    # (objects, 10): each object's cells of each colour, in one count
    tally = np.bincount(label[at] * 10 + grid[at], minlength=10 * len(found)).reshape(-1, 10)
    main = tally.argmax(axis=1)
    if (2 * tally.max(axis=1) <= tally.sum(axis=1)).any():
        raise CannotSolve("an object has no main colour")
    return Counter(main.tolist())


def _mixed(grid: np.ndarray, background: int) -> bool:
    """Whether two cells of different colours, neither the background, touch (corners too)."""
    filled = grid != background
    for a, b, fa, fb in (
        (grid[:, :-1], grid[:, 1:], filled[:, :-1], filled[:, 1:]),
        (grid[:-1], grid[1:], filled[:-1], filled[1:]),
        (grid[:-1, :-1], grid[1:, 1:], filled[:-1, :-1], filled[1:, 1:]),
        (grid[:-1, 1:], grid[1:, :-1], filled[:-1, 1:], filled[1:, :-1]),
    ):
        if (fa & fb & (a != b)).any():
            return True
    return False


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
        k = r.scaled(1, 4)
        top = r.scaled(2, 8)
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
        k = r.scaled(2, 4)
        counts = r.sample(range(1, r.scaled(max(k, 3), 6) + 1), k)
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


@register
class RecolorByCount(Generator):
    name = "recolor_by_count"
    concepts = ("counting", "containment", "interaction", "recolor", "objects")
    description = (
        "recolour each box by how many dots it holds (the count -> colour map is the task's)"
    )
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        k = r.scaled(2, 4)
        counts = sorted(r.sample(range(1, r.scaled(k, 5) + 1), k))  # harder: more, larger counts
        box, dot, *targets = r.colors(len(counts) + 2, exclude=(0,))
        return {
            "box": box,
            "dot": dot,
            "map": [[n, c] for n, c in zip(counts, targets, strict=True)],
        }

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        mapping = dict((n, c) for n, c in params["map"])
        # every count of the map in every pair (so each demonstration shows the whole map),
        # and some more boxes at difficulty
        counts = r.shuffle(list(mapping) + [r.choice(list(mapping)) for _ in range(r.scaled(0, 2))])
        # harder tasks: dots of two cells, the second of a trim colour (a dot of two colours
        # is one dot); the boxes stay of one colour, as a recolour takes all of an object
        trim = None
        if r.difficulty[1] > 0.5 and r.bool(0.75):
            used = (0, params["box"], params["dot"], *mapping.values())
            trim = r.colors(1, exclude=used)[0]
        dw = 1 if trim is None else 2  # a dot's width
        interiors = [_interior(r, n, dw) for n in counts]
        area = sum((ih + 3) * (iw + 3) for ih, iw, _ in interiors)
        least = min(26, max(8, round((2 * area) ** 0.5)))  # room for the boxes, twice over
        height, width = r.scaled(least, 26), r.scaled(least, 26)
        background = 0 if r.bool(0.8) else r.colors(1, exclude=(params["box"], params["dot"]))[0]
        if trim == background:
            raise Reject("trim colour is the background")
        rings = [box_ring(ih + 2, iw + 2) for ih, iw, _ in interiors]
        spots = place(r, height, width, rings, gap=1)
        objs: list[Obj] = []
        boxes: list[tuple[Obj, int]] = []
        for ring, (_, _, dots), (top, left), n in zip(rings, interiors, spots, counts, strict=True):
            box = Obj.filled(
                len(objs), ring, params["box"], (top, left), 0, ("outline", "rectangle")
            )
            objs.append(box)
            boxes.append((box, n))
            for dr, dc in dots:
                objs.append(_dot(len(objs), params["dot"], trim, dw, (top + 1 + dr, left + 1 + dc)))
        # loose dots outside every box: counted by no one
        taken = [
            (t, lf, ring.shape[0], ring.shape[1])
            for ring, (t, lf) in zip(rings, spots, strict=True)
        ]
        loose = place(
            r,
            height,
            width,
            [np.ones((1, dw), bool)] * r.scaled(0, 3),
            gap=1,
            boxes=taken,
            required=0,
        )
        for spot in loose:
            if spot is not None:
                objs.append(_dot(len(objs), params["dot"], trim, dw, spot))
        recolored = {box.id: box.recolored(mapping[n]) for box, n in boxes}
        out = [recolored.get(o.id, o) for o in objs]
        held = {box.id: n for box, n in boxes}
        corr = [
            Match(
                o.id,
                o.id,
                [{"op": "recolor", "from": params["box"], "to": mapping[held[o.id]]}]
                if o.id in held
                else [],
            )
            for o in objs
        ]
        return Example(
            Scene(height, width, background, objs), Scene(height, width, background, out), corr
        )

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        table: dict[int, int] = {}
        for p in demos:
            if p.output is None or p.output.shape != p.input.shape:
                raise CannotSolve("a demonstration changes the grid's size")
            for n, runs in _containers(p.input):
                row, a, _ = runs[0]
                # (one cell tells the colour; a box that comes out in several fails the check
                # of the answer against the demonstration's output)
                if table.setdefault(n, int(p.output[row, a])) != table[n]:
                    raise CannotSolve(f"boxes holding {n} objects come out in two colours")
        out = grid.copy()
        for n, runs in _containers(grid):
            if n not in table:
                raise CannotSolve(f"no demonstration shows a box holding {n} objects")
            for row, a, b in runs:
                out[row, a:b] = table[n]
        return out


def _interior(r: Rand, n: int, dw: int) -> tuple[int, int, list[tuple[int, int]]]:
    """A box's interior (height, width) with room for ``n`` dots ``dw`` cells wide a cell
    apart, and the dots' top-left cells in it."""
    while True:  # an interior with room for n dots a cell apart
        ih, iw = r.randint(1, 5), r.randint(dw, 4 + dw)
        if ((ih + 1) // 2) * ((iw + 1) // (dw + 1)) >= n:
            break
    # dots on every other row and every (dw + 1)th column, the lattice shifted where the
    # interior leaves room: always room for n, never two dots touching
    dr, dc = r.below(2 - ih % 2), r.below(1 + (iw + 1) % (dw + 1))
    lattice = [(i, j) for i in range(dr, ih, 2) for j in range(dc, iw - dw + 1, dw + 1)]
    return ih, iw, r.sample(lattice, n)


def _dot(i: int, color: int, trim: int | None, dw: int, pos: tuple[int, int]) -> Obj:
    """A dot: one cell, or ``dw`` = 2 cells whose second is of the ``trim`` colour."""
    dot = Obj.filled(i, np.ones((1, dw), bool), color, pos, 0, ("point",))
    if dw == 2:
        dot.colors[0, 1] = trim
    return dot


@per_grid
def _containers(grid: np.ndarray) -> list[tuple[int, list[tuple[int, int, int]]]]:
    """Each one-colour object whose box holds others strictly inside it: (how many, its
    runs). What it holds is counted as objects of any colours (a dot of two colours is one)."""
    background = most_common_color(grid)
    found = components(grid, background, diagonal=True)
    out = []
    for (top, left, h, w), runs in found:
        if h < 3 or w < 3:
            continue  # no room inside
        inside = grid[top + 1 : top + h - 1, left + 1 : left + w - 1].copy()
        for row, a, b in runs:  # the box's own cells inside its box (a wall across) are not held
            if top < row < top + h - 1:
                inside[row - top - 1, max(a - left - 1, 0) : b - left - 1] = background
        if (inside == background).all():
            continue
        n = len(components(inside, background, diagonal=True, multicolor=True))
        out.append((n, runs))
    return out
