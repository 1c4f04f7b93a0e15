"""Recolour each object by a property of it (its size, ...), with a mapping the task keeps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import changed_colors, per_grid, single_answer
from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    patterned,
    place,
    polyomino,
    scatter,
)
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.objects import components
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair

# (flat cell indices of an object, the grid's (rows, cols)) -> the property colours follow
Key = Callable[[list[int], tuple[int, int]], Any]


def size_key(cells: list[int], shape: tuple[int, int]) -> int:
    return len(cells)


def shape_key(cells: list[int], shape: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    """The object's cells relative to its box: equal for equal shapes anywhere on the grid."""
    rc = [divmod(i, shape[1]) for i in cells]
    top, left = min(r for r, _ in rc), min(c for _, c in rc)
    return tuple(sorted((r - top, c - left) for r, c in rc))


def learn_map(demos: Sequence[Pair], key: Key) -> dict[Any, int]:
    """``key -> output colour`` learned from the demonstrations: each object (an 8-connected
    component) of a demo input must come out in one colour, and equal keys must agree."""
    table: dict[Any, int] = {}
    for p in demos:
        if p.output is None or p.output.shape != p.input.shape:
            raise CannotSolve("a demonstration changes the grid's size")
        for k, colour in _keyed(p.input, p.output, key):
            if colour is None:
                raise CannotSolve("an object does not come out in one colour")
            if table.setdefault(k, colour) != colour:
                raise CannotSolve(f"objects with {k} come out in two colours")
    return table


@per_grid
def _keyed(input_: np.ndarray, output: np.ndarray, key: Key) -> list[tuple[Any, int | None]]:
    """Each object of one demonstration: its key and the one colour it comes out in (None
    where it comes out in several). Remembered: a task's solver check reads each
    demonstration once, not once for every pair left out."""
    out = output.ravel()
    found: list[tuple[Any, int | None]] = []
    for cells in _objects(input_):
        colours = set(out[cells].tolist())
        if len(colours) != 1:
            found.append((None, None))
            break  # (learn_map stops here)
        found.append((key(cells, input_.shape), colours.pop()))
    return found


@per_grid
def _objects(grid: np.ndarray) -> list[list[int]]:
    """The flat cells of each 8-connected object, of any colours (each demonstration parsed
    once per task)."""
    return components(grid, connectivity=8, multicolor=True)


def recolor_by(
    grid: np.ndarray, demos: Sequence[Pair], key: Callable[[list[int]], Any]
) -> np.ndarray:
    """Each object of ``grid`` recoloured by the demonstrations' ``key -> colour`` table."""
    table = learn_map(demos, key)
    out = grid.copy()
    flat = out.ravel()  # a view: writes land in out
    for cells in _objects(grid):
        k = key(cells, grid.shape)
        if k not in table:
            raise CannotSolve(f"no demonstration shows an object with {k}")
        flat[cells] = table[k]
    return out


def _second_colour(r: Rand, objs: list[Obj], source: int, targets: set[int]) -> None:
    """About half of ``objs`` (three cells or more) patterned in ``source`` and one more
    colour, the same for the pair (none of ``targets``): the property, not the colours, counts."""
    second = r.colors(1, exclude=(0, source, *targets))[0]
    for o in objs:
        if o.size > 2 and r.bool():
            o.colors = patterned(r, o.mask, [source, second])


def _recolor(o: Obj, to: int) -> list[dict[str, Any]]:
    """The actions that take every cell of ``o`` to colour ``to``: one recolour per colour."""
    return [{"op": "recolor", "from": c, "to": to} for c in o.color_set if c != to]


@register
class RecolorBySize(Generator):
    name = "recolor_by_size"
    concepts = ("recolor", "counting", "objects")
    description = "recolour each object by its number of cells (sizes map to colours per task)"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        sizes = sorted(r.sample(range(1, 7), r.scaled(2, 4)))
        source, *targets = r.colors(len(sizes) + 1, exclude=(0,))
        return {"color": source, "map": [[s, c] for s, c in zip(sizes, targets, strict=True)]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        mapping = dict((s, c) for s, c in params["map"])
        sizes = list(mapping)
        height, width = r.scaled(6, 20), r.scaled(6, 20)
        # every size at least once, so each pair shows the whole size -> colour map
        chosen = sizes + [r.choice(sizes) for _ in range(r.scaled(0, 6))]
        masks = [polyomino(r, size, 3, 3) for size in chosen]
        inp = scatter(r, height, width, masks, [params["color"]] * len(masks), required=1)
        if len({o.size for o in inp}) < len(sizes):
            raise Reject("placement")
        _second_colour(r, inp, params["color"], set(mapping.values()))
        out, corr = [], []
        for o in inp:
            new = mapping[o.size]
            out.append(o.recolored(new))
            corr.append(Match(o.id, o.id, _recolor(o, new)))
        return Example(Scene(height, width, 0, inp), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        return recolor_by(grid, demos, size_key)


@register
class RecolorByShape(Generator):
    name = "recolor_by_shape"
    concepts = ("recolor", "shape", "objects")
    description = "recolour each object by its shape (2-3 shapes per task, each with its colour)"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        shapes: list[list[list[int]]] = []
        while len(shapes) < r.scaled(2, 3):
            mask = polyomino(r, r.randint(3, 5), 3, 3)
            cells = np.argwhere(mask).tolist()
            if cells not in shapes:
                shapes.append(cells)
        source, *targets = r.colors(len(shapes) + 1, exclude=(0,))
        return {
            "color": source,
            "shapes": [{"cells": s, "to": t} for s, t in zip(shapes, targets, strict=True)],
        }

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(6, 20), r.scaled(6, 20)
        kinds = params["shapes"]
        chosen = list(range(len(kinds))) + [r.below(len(kinds)) for _ in range(r.scaled(0, 5))]
        masks = []
        for k in chosen:
            cells = kinds[k]["cells"]
            h, w = max(c[0] for c in cells) + 1, max(c[1] for c in cells) + 1
            mask = np.zeros((h, w), bool)
            mask[tuple(np.array(cells).T)] = True
            masks.append(mask)
        positions = place(r, height, width, masks, required=1)
        inp, placed = [], []
        for k, mask, pos in zip(chosen, masks, positions, strict=True):
            if pos is not None:
                inp.append(Obj.filled(len(inp), mask, params["color"], pos, 0, ("shape",)))
                placed.append(k)
        if len(set(placed)) < len(kinds):
            raise Reject("placement")
        _second_colour(r, inp, params["color"], {k["to"] for k in kinds})
        out, corr = [], []
        for o, k in zip(inp, placed, strict=True):
            new = kinds[k]["to"]
            out.append(o.recolored(new))
            corr.append(Match(o.id, o.id, _recolor(o, new)))
        return Example(Scene(height, width, 0, inp), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        return recolor_by(grid, demos, shape_key)


@register
class RecolorTouching(Generator):
    name = "recolor_touching"
    concepts = ("recolor", "contact", "interaction", "objects")
    description = "an object touched (side by side) by a one-cell marker takes the marker's colour"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"color": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(6, 20), r.scaled(6, 20)
        base = params["color"]
        big = r.scaled(3, 7)  # harder: bigger shapes
        masks = [polyomino(r, r.scaled(2, big * big), big, big) for _ in range(r.scaled(2, 6))]
        objs = scatter(r, height, width, masks, [base] * len(masks), required=2)
        grid_owner = np.full((height, width), -1, np.int64)
        for o in objs:
            rows, cols = o.cells()
            grid_owner[rows, cols] = o.id
        owner = grid_owner.tolist()  # (lists: free() reads single cells, many per object)
        marker_colours = [c for c in range(1, 10) if c != base]
        markers: list[Obj] = []
        touched: dict[int, int] = {}
        taken: set[tuple[int, int]] = set()

        def free(rr: int, cc: int) -> bool:
            """Empty, and no side neighbour is a marker or more than one object."""
            if not (0 <= rr < height and 0 <= cc < width) or owner[rr][cc] >= 0:
                return False
            near = set()
            for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                nr, nc = rr + dr, cc + dc
                if (nr, nc) in taken:
                    return False
                if 0 <= nr < height and 0 <= nc < width and owner[nr][nc] >= 0:
                    near.add(owner[nr][nc])
            return len(near) <= 1

        for o in objs:
            if o.id and not r.bool(0.6):
                continue  # the first object is always touched, others by chance
            rows, cols = o.cells()
            spots = [
                (rr + dr, cc + dc)
                for rr, cc in zip(rows.tolist(), cols.tolist(), strict=True)
                for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))
                if free(rr + dr, cc + dc)
            ]
            if not spots:
                continue
            spot = r.choice(spots)
            colour = r.choice(marker_colours)
            taken.add(spot)
            touched[o.id] = colour
            markers.append(
                Obj.filled(
                    len(objs) + len(markers), np.ones((1, 1), bool), colour, spot, 0, ("marker",)
                )
            )
        if not touched:
            raise Reject("no_contact")
        inp = Scene(height, width, 0, objs + markers)
        out_objs = [o.recolored(touched[o.id]) if o.id in touched else o for o in objs] + markers
        corr = [
            Match(
                o.id,
                o.id,
                [{"op": "recolor", "from": base, "to": touched[o.id]}] if o.id in touched else [],
            )
            for o in objs
        ] + [Match(m.id, m.id) for m in markers]
        return Example(inp, Scene(height, width, 0, out_objs), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        # which objects a marker recolours: those of the one colour the demonstrations overwrite
        before = changed_colors(demos, before=True)
        if len(before) != 1:
            raise CannotSolve("the demonstrations do not recolour objects of one colour")
        (base,) = before
        bg = most_common_color(grid)
        height, width = grid.shape
        flat = grid.ravel()
        out = grid.copy()
        out_flat = out.ravel()
        comps = components(grid, connectivity=4, background=bg)
        marker_at = {c[0]: int(flat[c[0]]) for c in comps if len(c) == 1}
        for cells in comps:
            if len(cells) < 2 or flat[cells[0]] != base:
                continue
            seen = set()
            for i in cells:
                r, c = divmod(i, width)
                for j, ok in (
                    (i - width, r > 0),
                    (i + width, r < height - 1),
                    (i - 1, c > 0),
                    (i + 1, c < width - 1),
                ):
                    if ok and j in marker_at:
                        seen.add(marker_at[j])
            if len(seen) > 1:
                raise CannotSolve("an object touches markers of two colours")
            if seen:
                out_flat[cells] = seen.pop()
        return out


def half_key(axis: int) -> Key:
    """Which half of the grid an object's box centre lies in along ``axis`` (0: rows, 1: cols):
    -1 first half, 1 second half, 0 exactly on the middle line."""

    def key(cells: list[int], shape: tuple[int, int]) -> int:
        coords = [divmod(i, shape[1])[axis] for i in cells]
        twice_centre = min(coords) + max(coords)  # twice the box centre
        return (twice_centre > shape[axis] - 1) - (twice_centre < shape[axis] - 1)

    return key


@register
class RecolorByPosition(Generator):
    name = "recolor_by_position"
    concepts = ("recolor", "position", "objects")
    description = (
        "recolour each object by the half of the grid it lies in (top/bottom or left/right)"
    )
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        source, first, second = r.colors(3, exclude=(0,))
        return {
            "axis": r.choice(("rows", "cols")),
            "color": source,
            "first": first,
            "second": second,
        }

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(6, 20), r.scaled(6, 20)
        axis = 0 if params["axis"] == "rows" else 1
        size = (height, width)[axis]
        # each half's extent: the middle line (two for an even size) stays empty, so objects
        # of the two halves never touch
        half = (size - 1) // 2
        objs: list[Obj] = []
        for side, tag in ((0, "first_half"), (1, "second_half")):
            sub = (half, width) if axis == 0 else (height, half)
            big = r.scaled(3, 7)  # harder: bigger shapes
            masks = [polyomino(r, r.scaled(1, big * big), big, big) for _ in range(r.scaled(2, 4))]
            placed = scatter(r, *sub, masks, [params["color"]] * len(masks), required=1)
            shift = (size - half) * side  # the second half starts past the middle
            for o in placed:
                pos = (o.pos[0] + shift, o.pos[1]) if axis == 0 else (o.pos[0], o.pos[1] + shift)
                objs.append(Obj(len(objs), o.mask, o.colors, pos, 0, ("shape", tag)))
        _second_colour(r, objs, params["color"], {params["first"], params["second"]})
        out, corr = [], []
        for o in objs:
            new = params["first"] if "first_half" in o.tags else params["second"]
            out.append(o.recolored(new))
            corr.append(Match(o.id, o.id, _recolor(o, new)))
        return Example(Scene(height, width, 0, objs), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        return single_answer(
            (0, 1), lambda axis: recolor_by(grid, demos, half_key(axis)), "split of the grid"
        )
