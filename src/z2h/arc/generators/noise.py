"""Remove noise: isolated cells of one noise colour lie over and around the objects; the
output is the clean scene, each covered cell given back its object's colour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import changed_colors
from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    grid_side,
    patterned,
    polyomino,
    scatter,
)
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair

# the four pairs of perpendicular neighbours (up/left, up/right, down/left, down/right)
_CORNERS = ((0, 2), (0, 3), (1, 2), (1, 3))


def _ring(width: int) -> tuple[int, ...]:
    """Offsets of a cell and its 8 neighbours in a flat grid padded to ``width + 2`` columns."""
    w = width + 2
    return (-w - 1, -w, -w + 1, -1, 0, 1, w - 1, w, w + 1)


def neighbours(grid: np.ndarray) -> np.ndarray:
    """(4, h, w) int16: each cell's neighbour up, down, left and right (-1 off the canvas)."""
    pad = np.full((grid.shape[0] + 2, grid.shape[1] + 2), -1, np.int16)
    pad[1:-1, 1:-1] = grid
    return np.stack((pad[:-2, 1:-1], pad[2:, 1:-1], pad[1:-1, :-2], pad[1:-1, 2:]))


def corner_color(nb: np.ndarray, exclude: Sequence[int]) -> np.ndarray:
    """(h, w) int16: the colour two perpendicular neighbours of a cell share (-1 if none),
    ignoring the colours in ``exclude``. A cell of a shape has such a pair unless it is a tip;
    a background cell has one only in a notch of a shape."""
    out = np.full(nb.shape[1:], -1, np.int16)
    for a, b in _CORNERS:
        ok = (nb[a] == nb[b]) & (nb[a] >= 0)
        for c in exclude:
            ok &= nb[a] != c
        out = np.where(ok, nb[a], out)
    return out


def _diagonal_mate(
    r: Rand, row: int, col: int, height: int, width: int, valid: set[int], blocked: bytearray
) -> tuple[tuple[int, int], int] | None:
    """A free cell corner to corner with (row, col) where noise may go, with its index in the
    padded ``blocked`` buffer; None when there is none (or ``valid`` is empty)."""
    if not valid:
        return None
    dr, dc = r.choice((-1, 1)), r.choice((-1, 1))
    mr, mc = row + dr, col + dc
    at = (mr + 1) * (width + 2) + mc + 1
    if 0 <= mr < height and 0 <= mc < width and mr * width + mc in valid and not blocked[at]:
        return (mr, mc), at
    return None


@register
class RemoveNoise(Generator):
    name = "remove_noise"
    concepts = ("noise", "denoising", "objects", "occlusion")
    description = "erase the single cells of the task's noise colour, restoring what they covered"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"noise": r.randint(0, 9)}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        noise = params["noise"]
        height, width = grid_side(r, 6, 20), grid_side(r, 6, 20)
        background = 0 if noise != 0 and r.bool(0.75) else r.colors(1, exclude=(noise,))[0]
        palette = r.colors(r.scaled(1, 5), exclude=(background, noise))
        big = r.scaled(4, 8)  # harder: bigger shapes
        masks = [polyomino(r, r.scaled(3, big * big), big, big) for _ in range(r.scaled(1, 7))]
        objs = scatter(r, height, width, masks, [r.choice(palette) for _ in masks], required=1)
        for o in objs:  # some of two colours: noise on them is read back from the pattern
            if len(palette) > 1 and o.size > 2 and r.bool():
                o.colors = patterned(r, o.mask, r.sample(palette, 2))
        clean = Scene(height, width, background, objs)
        grid = clean.render()
        # subtle: noise goes only where the clean cell can be read back from its neighbours
        # (object cells with two perpendicular neighbours of the cell's own colour, background
        # cells outside any notch); objects are a gap apart, so those neighbours are one
        # object's
        corner = corner_color(neighbours(grid), (background,))
        on_bg = grid == background
        over = np.flatnonzero(~on_bg & (corner == grid)).tolist()
        around = np.flatnonzero(on_bg & (corner < 0)).tolist()
        k = r.scaled(2, max(2, height * width // 14))
        k_over = min(len(over), r.randint(0, (k + 1) // 2))
        # harder tasks pair some noise cells corner to corner: two objects that are one
        # component of the noise colour (each still has clean side neighbours to restore from)
        paired = r.random.random() * 0.8 if r.difficulty[1] > 0.5 else 0.0
        valid = set(over).union(around) if paired else set()
        blocked = bytearray((height + 2) * (width + 2))  # 8-neighbourhoods of noise taken
        cells: list[tuple[int, int]] = []
        for pool, want in ((over, k_over), (around, k - k_over)):
            got = 0
            for i in r.sample(pool, min(len(pool), 3 * want)):
                if got >= want:
                    break
                row, col = divmod(i, width)
                at = (row + 1) * (width + 2) + col + 1
                if blocked[at]:
                    continue
                mate = _diagonal_mate(r, row, col, height, width, valid, blocked)
                if mate is not None and r.bool(paired):
                    for d in _ring(width):
                        blocked[mate[1] + d] = 1
                    cells.append(mate[0])
                    got += 1
                for d in _ring(width):
                    blocked[at + d] = 1
                cells.append((row, col))
                got += 1
        if not cells:
            raise Reject("no room for noise")
        dots = [
            Obj.filled(len(objs) + j, np.ones((1, 1), bool), noise, rc, 1, ("noise",))
            for j, rc in enumerate(sorted(cells))
        ]
        inp = Scene(height, width, background, objs + dots)
        gone = [{"op": "delete", "reason": "noise"}]
        corr = [Match(o.id, o.id, []) for o in objs] + [Match(d.id, None, gone) for d in dots]
        return Example(inp, clean, corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        noise = learn_noise_color(demos)
        background = most_common_color(grid)
        if noise == background:
            raise CannotSolve("the noise colour is the background")
        fill = corner_color(neighbours(grid), (background, noise))
        out = grid.copy()
        at = grid == noise
        out[at] = np.where(fill[at] >= 0, fill[at], background)
        return out


def learn_noise_color(demos: Sequence[Pair]) -> int:
    """The one colour every changed cell of every demonstration had in its input."""
    seen = changed_colors(demos, before=True)
    if len(seen) != 1:
        raise CannotSolve(f"the demonstrations change cells of {len(seen)} colours, not one")
    return seen.pop()
