"""Diagonal rays: single-cell markers shoot a ray along one of the four diagonals (the task's),
each cell of its own colour, until the next cell is the edge or another object. The sibling
``lines`` module draws rays along rows and columns only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import fitting_answer, objects_of, per_grid
from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    mask_from_cells,
    patterned,
    place,
    polyomino,
)
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair

DIAGONALS = {"up_left": (-1, -1), "up_right": (-1, 1), "down_left": (1, -1), "down_right": (1, 1)}


def ray(start: tuple[int, int], step: tuple[int, int], blocked: np.ndarray) -> list[tuple]:
    """The cells a ray from ``start`` passes along ``step`` before the edge or a cell that is
    ``blocked`` (the start itself excluded)."""
    height, width = blocked.shape
    (r, c), (dr, dc) = start, step
    out = []
    while 0 <= r + dr < height and 0 <= c + dc < width and not blocked[r + dr, c + dc]:
        r, c = r + dr, c + dc
        out.append((r, c))
    return out


@register
class DiagonalRays(Generator):
    name = "diagonal_rays"
    concepts = ("diagonal", "lines", "contact", "interaction", "objects")
    description = (
        "each single-cell marker shoots a diagonal ray (the task's diagonal) that stops at the "
        "edge or before the first object in its way"
    )
    color_invariant = True
    train_pairs = (2, 5)

    def params(self, r: Rand) -> dict[str, Any]:
        return {"direction": r.choice(tuple(DIAGONALS))}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(6, 30), r.scaled(6, 30)
        step = DIAGONALS[params["direction"]]
        dot = np.ones((1, 1), bool)
        blocks = []
        for _ in range(r.scaled(0, 6)):
            h, w = r.randint(1, r.scaled(2, 8)), r.randint(2, r.scaled(2, 8))
            blocks.append(polyomino(r, r.randint(2, h * w), h, w))
        blocks = [m for m in blocks if m.sum() >= 2]  # markers are the only single cells
        masks = [dot] * r.scaled(1, 6) + blocks
        spots = place(r, height, width, masks, gap=1, required=1)
        palette = r.colors(r.scaled(1, 5), exclude=(0,))
        objs = [
            Obj.filled(0, m, r.choice(palette), p, 0, ("marker",) if m.size == 1 else ("shape",))
            for m, p in zip(masks, spots, strict=True)
            if p is not None
        ]
        for i, o in enumerate(objs):
            o.id = i
            if o.size > 1 and len(palette) > 1 and r.bool():  # a block of two colours
                o.colors = patterned(r, o.mask, r.sample(palette, 2))
        occupied = Scene(height, width, 0, objs).occupancy()
        out, corr, taken = [], [], set()
        for o in objs:
            if "marker" not in o.tags:
                out.append(o)
                corr.append(Match(o.id, o.id))
                continue
            cells = ray(o.pos, step, occupied)
            if taken & set(cells):
                raise Reject("rays cross")
            taken.update(cells)
            every = [o.pos, *cells]
            top, left = min(x for x, _ in every), min(y for _, y in every)
            h = max(x for x, _ in every) - top + 1
            w = max(y for _, y in every) - left + 1
            mask = mask_from_cells(every, top, left, h, w)
            out.append(Obj.filled(o.id, mask, o.color, (top, left), 0, ("marker", "ray")))
            acts = [{"op": "grow", "direction": params["direction"], "by": len(cells)}]
            corr.append(Match(o.id, o.id, acts if cells else []))
        if not taken:
            raise Reject("no ray")
        return Example(Scene(height, width, 0, objs), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        return fitting_answer(grid, demos, tuple(DIAGONALS), _rays, "diagonal")


@per_grid
def _rays(grid: np.ndarray, direction: str) -> np.ndarray:
    """Every single-cell object's ray along ``direction``, over the input's occupancy."""
    bg = most_common_color(grid)
    blocked = grid != bg
    out = grid.copy()
    singles = [o for o in objects_of(grid, True) if o.size == 1]  # (read once per grid)
    if not singles:
        raise CannotSolve("no single-cell markers")
    for o in singles:
        for rc in ray(o.pos, DIAGONALS[direction], blocked):
            out[rc] = grid[o.pos]
    return out
