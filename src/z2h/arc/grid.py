"""ARC grids, with the conventions pinned in one place.

A grid is a numpy ``uint8`` array of shape ``(rows, cols)``, 1 to 30 each way, holding colours 0-9.
Coordinates are ``(row, col)`` everywhere; indices in messages count from 0, as in the JSON lists.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from z2h.errors import Z2HError

MAX_SIZE = 30  # ARC grids are at most 30 x 30
N_COLORS = 10

# The ARC-1/2 palette, colour 0 to 9.
PALETTE: tuple[str, ...] = (
    "#000000",  # 0 black
    "#0074D9",  # 1 blue
    "#FF4136",  # 2 red
    "#2ECC40",  # 3 green
    "#FFDC00",  # 4 yellow
    "#AAAAAA",  # 5 grey
    "#F012BE",  # 6 magenta
    "#FF851B",  # 7 orange
    "#7FDBFF",  # 8 sky
    "#870C25",  # 9 maroon
)
COLOR_NAMES: tuple[str, ...] = (
    "black",
    "blue",
    "red",
    "green",
    "yellow",
    "grey",
    "magenta",
    "orange",
    "sky",
    "maroon",
)


class ArcError(Z2HError):
    """A grid, task, label or prediction file that breaks the ARC conventions, or a bad request."""


def _where(where: str, rest: str) -> str:
    return f"{where}: {rest}" if where else rest


def _find_bad_row(obj: Any, where: str) -> ArcError:
    """The error naming the first row that is not a list of colours of the right length."""
    if not isinstance(obj, (list, tuple)):
        return ArcError(_where(where, f"a grid must be a list of rows, got {type(obj).__name__}"))
    if not obj:
        return ArcError(_where(where, "a grid needs at least one row"))
    width = len(obj[0]) if isinstance(obj[0], (list, tuple)) else None
    for r, row in enumerate(obj):
        if not isinstance(row, (list, tuple)):
            return ArcError(_where(where, f"row {r}: must be a list of colours"))
        if not row:
            return ArcError(_where(where, f"row {r}: no cells"))
        if len(row) != width:
            return ArcError(_where(where, f"row {r}: {len(row)} cells, row 0 has {width}"))
        for c, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                return ArcError(_where(where, f"row {r}: cell {c} is {v!r}, not a colour 0-9"))
            if not 0 <= v < N_COLORS:
                return ArcError(_where(where, f"row {r}: colour {v} (must be 0-9)"))
    return ArcError(_where(where, "not a grid of colours 0-9"))


def checked_grid(obj: Any, where: str = "") -> np.ndarray:
    """Check ``obj`` (a list of rows or an array) is an ARC grid and return it as ``uint8``.

    ``where`` prefixes the message, e.g. ``"task x: train pair 2 input"``; the message then names
    the row and cell at fault.
    """
    if isinstance(obj, np.ndarray):
        arr = obj
        if arr.ndim != 2:
            raise ArcError(_where(where, f"a grid must be 2-D, got shape {arr.shape}"))
        if arr.dtype.kind not in "iu":
            raise ArcError(_where(where, f"a grid holds integers, got dtype {arr.dtype}"))
    else:
        if not isinstance(obj, (list, tuple)) or not obj:
            raise _find_bad_row(obj, where)
        try:
            arr = np.array(obj)
        except ValueError:  # ragged rows
            raise _find_bad_row(obj, where) from None
        # subtle: numpy turns [0, True] into ints; JSON's true is no colour
        if (
            arr.ndim != 2
            or arr.dtype.kind not in "iu"
            or any(type(v) is bool for row in obj for v in row)
        ):
            raise _find_bad_row(obj, where)
    rows, cols = arr.shape
    if not (1 <= rows <= MAX_SIZE and 1 <= cols <= MAX_SIZE):
        raise ArcError(
            _where(where, f"grid is {rows}x{cols}; ARC grids are 1 to {MAX_SIZE} each way")
        )
    # (an unsigned grid, as every rendered one is, cannot go below 0: one reduction, not two)
    if (arr.dtype.kind == "i" and int(arr.min()) < 0) or int(arr.max()) >= N_COLORS:
        r, c = (int(i) for i in np.argwhere((arr < 0) | (arr >= N_COLORS))[0])
        raise ArcError(_where(where, f"row {r}: colour {int(arr[r, c])} (must be 0-9)"))
    return np.ascontiguousarray(arr, dtype=np.uint8)


def grid_to_list(grid: np.ndarray) -> list[list[int]]:
    """A grid as JSON's list of rows of ints."""
    return grid.tolist()


def most_common_color(grid: np.ndarray) -> int:
    """The most frequent colour (the lowest on a tie): ARC's usual background."""
    return int(np.bincount(grid.ravel(), minlength=N_COLORS).argmax())
