"""Objects that move under a rule and stop at contact: gravity, move until touching, push."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    moved_by,
    polyomino,
    scatter,
)
from z2h.arc.generators.geometry import transform_scene
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.objects import components
from z2h.arc.scene import Obj, Scene

# direction -> quarter turns (np.rot90) that take "down" to it
DIRECTIONS = {"down": 0, "right": 1, "up": 2, "left": 3}


def fall_steps(objs: list[Obj], height: int) -> tuple[list[Obj], dict[int, int | str]]:
    """Gravity down, one cell at a time: each round every object (lowest first) moves one row
    down if it stays on the canvas and meets no other object; until a round moves none.

    Returns the settled objects and, for each object that moved, what stopped it: the id of
    the object it rests on, or "edge" for the floor.
    """
    cells = {o.id: {(r, c) for r, c, _ in o.cell_array().tolist()} for o in objs}
    owner = {rc: k for k, cs in cells.items() for rc in cs}
    shift = {o.id: 0 for o in objs}
    moving = True
    while moving:
        moving = False
        for k in sorted(
            cells, key=lambda k: (-max(r for r, _ in cells[k]), min(c for _, c in cells[k]))
        ):
            cs = cells[k]
            if all(r + 1 < height and owner.get((r + 1, c), k) == k for r, c in cs):
                for rc in cs:
                    del owner[rc]
                cs = {(r + 1, c) for r, c in cs}
                cells[k] = cs
                owner.update(dict.fromkeys(cs, k))
                shift[k] += 1
                moving = True
    stops: dict[int, int | str] = {}
    for k, cs in cells.items():
        if shift[k]:
            below = sorted({owner.get((r + 1, c), k) for r, c in cs} - {k}, key=str)
            floor = any(r + 1 == height for r, _ in cs)
            stops[k] = "edge" if floor or not below else below[0]
    return [o.moved(shift[o.id], 0) for o in objs], stops


def settle_grid(grid: np.ndarray, background: int) -> np.ndarray:
    """The solver's gravity: connected pieces of the grid fall straight down, each as far as
    it can, lowest first, repeated until nothing moves."""
    height, width = grid.shape
    flat = grid.ravel().tolist()
    pieces = [
        [(i // width, i % width, flat[i]) for i in comp]
        for comp in components(grid, connectivity=8, multicolor=True, background=background)
    ]
    occupied = {(r, c) for p in pieces for r, c, _ in p}
    changed = True
    while changed:
        changed = False
        pieces.sort(key=lambda p: (-max(r for r, _, _ in p), min(c for _, c, _ in p)))
        for i, piece in enumerate(pieces):
            mine = {(r, c) for r, c, _ in piece}
            drop = height
            for r, c, _ in piece:
                if (r + 1, c) in mine:
                    continue
                d = 0
                while r + d + 1 < height and (r + d + 1, c) not in occupied:
                    d += 1
                drop = min(drop, d)
            if drop:
                occupied -= mine
                pieces[i] = [(r + drop, c, v) for r, c, v in piece]
                occupied |= {(r + drop, c) for r, c, _ in piece}
                changed = True
    out = np.full(grid.shape, background, np.uint8)
    for piece in pieces:
        for r, c, v in piece:
            out[r, c] = v
    return out


@register
class Gravity(Generator):
    name = "gravity"
    concepts = ("physics", "gravity", "contact", "interaction", "objects")
    description = "objects fall in the task's direction until they hit the edge or another object"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"direction": r.choice(tuple(DIRECTIONS))}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.int(5, 20), r.int(4, 20)
        n = r.int(1, 7)
        palette = r.colors(r.int(1, 5), exclude=(0,))
        masks = [polyomino(r, r.int(1, 6), 3, 3) for _ in range(n)]
        objs = scatter(r, height, width, masks, [r.choice(palette) for _ in masks], required=1)
        settled, stops = fall_steps(objs, height)
        k = DIRECTIONS[params["direction"]]
        inp = transform_scene(Scene(height, width, 0, objs), "rotate", k)
        out = transform_scene(Scene(height, width, 0, settled), "rotate", k)
        corr = []
        for a, b in zip(inp.objects, out.objects, strict=True):
            by = moved_by(a, b)
            acts: list[dict[str, Any]] = []
            if any(by):
                acts = [{"op": "move", "by": by}, {"op": "stop_at_contact", "with": stops[a.id]}]
            corr.append(Match(a.id, b.id, acts))
        return Example(inp, out, corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Any]) -> np.ndarray:
        k = infer_direction(demos)
        down = np.rot90(grid, -k)  # turn the grid so the fall is downwards
        return np.ascontiguousarray(np.rot90(settle_grid(down, most_common_color(grid)), k))


def infer_direction(demos: Sequence[Any]) -> int:
    """The quarter turns of the fall the demonstrations show: the way their coloured cells'
    mean position moves (pure falls move it along one axis only)."""
    found = set()
    for p in demos:
        if p.output is None or p.output.shape != p.input.shape:
            raise CannotSolve("a demonstration changes the grid's size")
        bg = most_common_color(p.input)
        before, after = np.argwhere(p.input != bg), np.argwhere(p.output != bg)
        if not len(before) or not len(after):
            raise CannotSolve("a demonstration has no objects")
        dr, dc = (after.mean(axis=0) - before.mean(axis=0)).tolist()
        if abs(dr) > abs(dc):
            found.add(DIRECTIONS["down" if dr > 0 else "up"])
        elif abs(dc) > abs(dr):
            found.add(DIRECTIONS["right" if dc > 0 else "left"])
    if len(found) != 1:
        raise CannotSolve("the demonstrations show no single direction of fall")
    return found.pop()
