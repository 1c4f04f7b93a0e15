"""Containment: the holes of closed outlines are filled, or a box is drawn around each object."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import changed_colors, components, fitting_answer, per_grid
from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    box_ring,
    dilate,
    place,
    polyomino,
)
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair

# Shapes for the generators (never used by the solvers).


def row_convex(r: Rand, height: int, width: int) -> np.ndarray:
    """A random hole-free shape within ``height`` x ``width``: every row one run of cells, each
    run overlapping the one above it (so the shape is 4-connected and encloses nothing); its
    box is tight."""
    cols = np.arange(width)
    starts, stops = [], []
    a, b = 0, width
    for row in range(height):
        if row == 0:
            a = r.below(width)
            b = r.randint(a + 1, width)
        else:
            a = r.below(b)  # starts before the run above ends ...
            b = r.randint(max(a, starts[-1]) + 1, width)  # ... and ends after it starts
        starts.append(a)
        stops.append(b)
    mask = (cols >= np.array(starts)[:, None]) & (cols < np.array(stops)[:, None])
    used = mask.any(axis=0)
    left, right = int(used.argmax()), width - int(used[::-1].argmax())
    return mask[:, left:right]


def outline_around(interior: np.ndarray) -> np.ndarray:
    """The closed one-cell outline (corners included) around a hole-free ``interior``:
    (h, w) -> (h + 2, w + 2) mask."""
    if interior.all():
        return box_ring(interior.shape[0] + 2, interior.shape[1] + 2)
    ring = dilate(interior, diagonal=True)
    ring[1:-1, 1:-1] &= ~interior
    return ring


def open_outline(r: Rand, interior: np.ndarray, gaps: int) -> np.ndarray:
    """``outline_around(interior)`` with ``gaps`` cells removed, each one a door between the
    interior and the outside (a side neighbour of both)."""
    ring = outline_around(interior)
    h, w = ring.shape
    inner = np.zeros((h, w), bool)
    inner[1:-1, 1:-1] = interior
    outside = ~(ring | inner)
    # subtle: cells beyond the box are outside too, so the outside is dilated from a padded copy
    padded = np.ones((h + 2, w + 2), bool)
    padded[1:-1, 1:-1] = outside
    doors = ring & dilate(inner, False)[1:-1, 1:-1] & dilate(padded, False)[2:-2, 2:-2]
    cells = np.argwhere(doors)
    for k in r.sample(range(len(cells)), min(gaps, len(cells))):
        ring[cells[k][0], cells[k][1]] = False
    return ring


def interior_shape(r: Rand, max_side: int) -> np.ndarray:
    """A hole-free interior: a rectangle (ARC's usual box) or a row-convex blob."""
    h, w = r.randint(1, max_side), r.randint(1, max_side)
    if r.bool(0.5):
        return np.ones((h, w), bool)
    return row_convex(r, h, w)


# The solvers' tools.


def enclosed(free: np.ndarray) -> np.ndarray:
    """The cells of ``free`` that no path of side-neighbouring ``free`` cells joins to the
    border of the grid (the holes)."""
    reach = np.zeros_like(free)
    reach[0], reach[-1], reach[:, 0], reach[:, -1] = free[0], free[-1], free[:, 0], free[:, -1]
    # subtle: rather than one cell per step, a reached cell reaches its whole run of free cells
    # along its row, then along its column; a path needs only as many steps as it has turns
    row_runs = _runs(free)
    col_runs = _runs(free.T).T
    while True:
        before = int(reach.sum())
        for runs in (row_runs, col_runs):
            hit = np.bincount(runs[reach], minlength=int(runs.max()) + 1) > 0
            hit[0] = False
            reach = hit[runs]
        if int(reach.sum()) == before:
            return free & ~reach


def _runs(free: np.ndarray) -> np.ndarray:
    """A label (1, 2, ...) for each maximal run of ``free`` cells along a row; 0 elsewhere."""
    flat = np.zeros((free.shape[0], free.shape[1] + 1), bool)
    flat[:, :-1] = free  # a False column ends every row's last run
    flat = flat.ravel()
    starts = flat & ~np.concatenate(([False], flat[:-1]))
    labels = np.cumsum(starts) * flat
    return labels.reshape(free.shape[0], free.shape[1] + 1)[:, :-1]


@register
class FillEnclosed(Generator):
    name = "fill_enclosed"
    concepts = ("containment", "interaction", "fill", "topology")
    description = "fill the holes of closed outlines with the task's colour; open ones stay empty"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"fill": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        fill = params["fill"]
        height, width = r.scaled(6, 24), r.scaled(6, 24)
        background = 0 if r.bool(0.8) else r.colors(1, exclude=(0, fill))[0]
        palette = r.colors(r.scaled(1, 4), exclude=(background, fill))
        n_closed, n_open, n_solid = r.scaled(1, 4), r.scaled(0, 2), r.scaled(0, 3)
        interiors = [interior_shape(r, min(6, height - 2, width - 2)) for _ in range(n_closed)]
        opened = [interior_shape(r, min(6, height - 2, width - 2)) for _ in range(n_open)]
        masks = [outline_around(p) for p in interiors]
        masks += [open_outline(r, p, r.randint(1, 2)) for p in opened]
        masks += [row_convex(r, r.randint(1, 4), r.randint(1, 4)) for _ in range(n_solid)]
        kinds = ["closed"] * n_closed + ["open"] * n_open + ["solid"] * n_solid
        holes = interiors + [None] * (n_open + n_solid)
        positions = place(r, height, width, masks, gap=1, required=1)
        objs, fills, corr = [], [], []
        for mask, kind, hole, pos in zip(masks, kinds, holes, positions, strict=True):
            if pos is None:
                continue
            tags = ("shape",) if kind == "solid" else ("outline", kind)
            obj = Obj.filled(len(objs), mask, r.choice(palette), pos, 0, tags)
            objs.append(obj)
            corr.append(Match(obj.id, obj.id, []))
            if hole is not None:
                fills.append((obj, hole))
        if not fills:
            raise Reject("no_closed_outline")
        filled = []
        for k, (o, hole) in enumerate(fills):
            f = Obj.filled(len(objs) + k, hole, fill, (o.pos[0] + 1, o.pos[1] + 1), 0, ("fill",))
            filled.append(f)
            corr.append(Match(None, f.id, [{"op": "fill", "inside": o.id}]))
        inp = Scene(height, width, background, objs)
        out = Scene(height, width, background, objs + filled)
        return Example(inp, out, corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        colours = changed_colors(demos)
        if len(colours) != 1:
            raise CannotSolve("the demonstrations do not show one fill colour")
        background = most_common_color(grid)
        holes = enclosed(grid == background)
        out = grid.copy()
        out[holes] = colours.pop()
        return out


@register
class BoxAround(Generator):
    name = "box_around"
    concepts = ("containment", "objects", "lines")
    description = (
        "draw a rectangle outline one cell outside each object, in the task's colour "
        "or the object's own"
    )
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        if r.bool(0.5):
            return {"outline": "own"}
        return {"outline": "fixed", "color": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        fixed = params.get("color")
        height, width = r.scaled(7, 26), r.scaled(7, 26)
        taken = (0,) if fixed is None else (0, fixed)
        background = 0 if r.bool(0.8) else r.colors(1, exclude=taken)[0]
        palette = r.colors(r.scaled(1, 4), exclude=(background, *taken[1:]))
        n = r.scaled(1, 6)
        big = r.scaled(4, 7)  # harder: bigger shapes
        masks = [
            polyomino(r, r.scaled(1, big * big), r.randint(1, big), r.randint(1, big))
            for _ in range(n)
        ]
        # a gap of 3 leaves one empty cell between two boxes; the margin leaves room for them
        positions = place(r, height - 2, width - 2, masks, gap=3, required=1)
        placed = [(m, p) for m, p in zip(masks, positions, strict=True) if p is not None]
        objs = [
            Obj.filled(i, m, r.choice(palette), (p[0] + 1, p[1] + 1), 0, ("shape",))
            for i, (m, p) in enumerate(placed)
        ]
        boxes, corr = [], []
        for o in objs:
            h, w = o.mask.shape
            color = o.color if fixed is None else fixed
            b = Obj.filled(
                len(objs) + o.id,
                box_ring(h + 2, w + 2),
                color,
                (o.pos[0] - 1, o.pos[1] - 1),
                0,
                ("outline", "rectangle"),
            )
            boxes.append(b)
            corr.append(Match(o.id, o.id, []))
            corr.append(Match(None, b.id, [{"op": "outline", "around": o.id}]))
        return Example(
            Scene(height, width, background, objs),
            Scene(height, width, background, objs + boxes),
            corr,
        )

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        # the outlines in each object's own colour (None), or all in one colour the
        # demonstrations write: whichever reproduces every demonstration
        colours = [None, *sorted(changed_colors(demos))]
        return fitting_answer(grid, demos, colours, _boxed, "outline colour")


@per_grid
def _pieces(grid: np.ndarray) -> list:
    """The objects ``_boxed`` outlines (remembered: read once for every outline colour)."""
    return components(grid, most_common_color(grid), multicolor=True)


@per_grid
def _boxed(grid: np.ndarray, color: int | None) -> np.ndarray | None:
    """``grid`` with an outline one cell outside each object's box, in ``color`` or (None) the
    object's most common colour; None if an outline would leave the grid."""
    height, width = grid.shape
    out = grid.copy()
    for (top, left, h, w), runs in _pieces(grid):
        t, lf, b, rt = top - 1, left - 1, top + h, left + w  # the outline's rows and columns
        if t < 0 or lf < 0 or b >= height or rt >= width:
            return None
        if color is None:
            counts = np.bincount(np.concatenate([grid[r, a:z] for r, a, z in runs]))
            c = int(counts.argmax())
        else:
            c = color
        out[t, lf : rt + 1] = c
        out[b, lf : rt + 1] = c
        out[t : b + 1, lf] = c
        out[t : b + 1, rt] = c
    return out
