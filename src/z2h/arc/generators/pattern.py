"""Continue a pattern: a tiling that repeats down and across is cut off part-way (the rest of
the grid blank), or has blank holes; the output completes it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import changed_colors
from z2h.arc.generators.base import CannotSolve, Example, Generator, Rand, Reject
from z2h.arc.generators.registry import register
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair

# blank from a column on / from a row on / in reading order / in rectangles inside the pattern
CUTS = ("columns", "rows", "reading", "holes")


def is_primitive(tile: np.ndarray) -> bool:
    """Whether the tiling of ``tile`` has no shorter period down or across than the tile."""
    h, w = tile.shape
    twice = np.concatenate((tile, tile), axis=0)
    if any(np.array_equal(tile, twice[p : p + h]) for p in range(1, h)):
        return False
    twice = np.concatenate((tile, tile), axis=1)
    return not any(np.array_equal(tile, twice[:, p : p + w]) for p in range(1, w))


def random_tile(r: Rand, max_h: int, max_w: int) -> np.ndarray:
    """A primitive tile of 2-4 colours (from 1-9, relabelled later): random cells, or diagonal
    stripes (each row the one above shifted by one)."""
    n_colors = r.scaled(2, 4)
    for _ in range(10):
        if r.bool(0.3) and min(max_h, max_w) >= 2:
            n = r.randint(2, min(max_h, max_w))
            seq = [r.randint(0, n_colors - 1) for _ in range(n)]
            step = r.choice((1, n - 1))
            tile = np.array([[seq[(i * step + j) % n] for j in range(n)] for i in range(n)])
        else:
            h = r.scaled(1, max_h)
            w = r.scaled(2 if h == 1 else 1, max_w)
            tile = np.array([[r.randint(0, n_colors - 1) for _ in range(w)] for _ in range(h)])
        if len(np.unique(tile)) >= 2 and is_primitive(tile):
            return tile
    raise Reject("tile")


def smallest_period(grid: np.ndarray, known: np.ndarray, axis: int) -> int:
    """The smallest shift along ``axis`` under which every pair of known cells agrees (the
    grid's length along the axis when none does)."""
    n = grid.shape[axis]
    for p in range(1, n):
        if axis == 0:
            a, b, both = grid[:-p], grid[p:], known[:-p] & known[p:]
        else:
            a, b, both = grid[:, :-p], grid[:, p:], known[:, :-p] & known[:, p:]
        if both.any() and np.array_equal(a[both], b[both]):
            return p
    return n


@register
class ContinuePattern(Generator):
    name = "continue_pattern"
    concepts = ("pattern", "periodicity", "tiling", "completion")
    description = (
        "a repeating pattern is cut off (columns, rows, reading order) or holed: finish it"
    )
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"cut": r.choice(CUTS), "blank": r.randint(0, 9) if r.bool(0.3) else 0}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        blank, cut = params["blank"], params["cut"]
        height, width = r.scaled(5, 20), r.scaled(5, 20)
        tile = random_tile(r, min(4, (height - 1) // 2), min(4, (width - 1) // 2))
        lut = np.array(r.colors(int(tile.max()) + 1, exclude=(blank,)), np.uint8)
        ph, pw = tile.shape
        full = lut[tile][np.arange(height) % ph][:, np.arange(width) % pw]
        known = np.zeros((height, width), bool)
        # subtle: at least two whole periods stay visible along the cut, so the period is
        # the smallest one the visible part shows
        if cut == "columns":
            known[:, : r.randint(2 * pw, width - 1)] = True
        elif cut == "holes":
            known[:] = True
            for _ in range(r.scaled(1, 3)):
                h, w = r.randint(1, max(1, height // 3)), r.randint(1, max(1, width // 3))
                top, left = r.randint(0, height - h), r.randint(0, width - w)
                known[top : top + h, left : left + w] = False
        else:
            row = r.randint(2 * ph, height - 1)
            known[:row] = True
            if cut == "reading":
                known[row, : r.randint(1, width - 1)] = True
        tags = ("pattern",)
        inp = Obj(0, known, full, (0, 0), 0, tags)
        out = Obj(0, np.ones((height, width), bool), full, (0, 0), 0, tags)
        corr = [Match(0, 0, [{"op": "continue", "period": [ph, pw]}])]
        return Example(Scene(height, width, blank, [inp]), Scene(height, width, blank, [out]), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        blanks = changed_colors(demos, before=True)
        if len(blanks) != 1:
            raise CannotSolve("the demonstrations do not show one blank colour")
        known = grid != blanks.pop()
        pr, pc = smallest_period(grid, known, 0), smallest_period(grid, known, 1)
        rows, cols = np.nonzero(known)
        tile = np.full((pr, pc), -1, np.int16)
        tile[rows % pr, cols % pc] = grid[rows, cols]
        if (tile < 0).any():
            raise CannotSolve("part of the repeating tile is never visible")
        height, width = grid.shape
        out = tile[np.arange(height) % pr][:, np.arange(width) % pc].astype(np.uint8)
        if not np.array_equal(out[known], grid[known]):
            raise CannotSolve("no tiling fits the visible cells")
        return out
