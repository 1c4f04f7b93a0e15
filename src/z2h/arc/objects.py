"""Objects found in any grid: connected components, for real tasks that come without labels.

Cells of the background colour belong to no object. Two cells are connected when they are
neighbours (4: sharing a side; 8: sharing a side or a corner) and, unless ``multicolor``, of the
same colour. Objects come in row-major order of their first cell (top row, then left column).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from z2h.arc.grid import ArcError, most_common_color
from z2h.arc.scene import Obj

_OFFSETS = {
    4: ((-1, 0), (0, -1), (0, 1), (1, 0)),
    8: ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)),
}


@lru_cache(maxsize=256)
def _neighbours(height: int, width: int, connectivity: int) -> list[list[int]]:
    """For each flat cell index, the flat indices of its neighbours on the canvas, with -1 for
    each one off the canvas (``components`` keeps a background cell at index -1).

    Built by numpy in one go: grid sizes vary from pair to pair, so tables are built often.
    """
    index = np.full((height + 2, width + 2), -1, np.int64)
    index[1:-1, 1:-1] = np.arange(height * width).reshape(height, width)
    shifted = [
        index[1 + dr : height + 1 + dr, 1 + dc : width + 1 + dc].ravel()
        for dr, dc in _OFFSETS[connectivity]
    ]
    return np.stack(shifted, axis=1).tolist()


def components(
    grid: np.ndarray, connectivity: int = 4, multicolor: bool = False, background: int | None = None
) -> list[list[int]]:
    """The flat cell indices of each connected component (see the module docstring)."""
    if connectivity not in _OFFSETS:
        raise ArcError(f"connectivity must be 4 or 8, got {connectivity}")
    bg = most_common_color(grid) if background is None else background
    height, width = grid.shape
    flat = grid.ravel()
    # subtle: one background cell past the end, which neighbour -1 (off the canvas) reads:
    # it is never the colour of a component, nor foreground
    values = flat.tolist()
    values.append(bg)
    nbrs = _neighbours(height, width, connectivity)
    seen = bytearray(height * width + 1)
    comps = []
    # a plain stack-based flood fill from each unseen foreground cell: grids are at most 900
    # cells, and Python lists beat numpy calls at this size
    for start in (flat != bg).nonzero()[0].tolist():
        if not seen[start]:
            seen[start] = 1
            cells = (
                _fill(start, values, nbrs, seen, bg)
                if multicolor
                else _fill_color(start, values, nbrs, seen)
            )
            cells.sort()
            comps.append(cells)
    return comps


def _fill_color(start: int, values: list[int], nbrs: list[list[int]], seen: bytearray) -> list[int]:
    """The cells joined to ``start`` through cells of its colour (marked in ``seen``)."""
    color = values[start]
    stack = [start]
    cells = []
    while stack:
        i = stack.pop()
        cells.append(i)
        for j in nbrs[i]:
            if values[j] == color and not seen[j]:
                seen[j] = 1
                stack.append(j)
    return cells


def _fill(
    start: int, values: list[int], nbrs: list[list[int]], seen: bytearray, bg: int
) -> list[int]:
    """The cells joined to ``start`` through cells of any colour but ``bg`` (marked in ``seen``)."""
    stack = [start]
    cells = []
    while stack:
        i = stack.pop()
        cells.append(i)
        for j in nbrs[i]:
            if values[j] != bg and not seen[j]:
                seen[j] = 1
                stack.append(j)
    return cells


def find_objects(
    grid: np.ndarray,
    connectivity: int = 4,
    multicolor: bool = False,
    background: int | None = None,
) -> list[Obj]:
    """Connected components of ``grid`` as objects with ids 0, 1, ... (see the module docstring).

    ``background=None`` takes the most common colour; each object is tagged ``"component"``.
    """
    width = grid.shape[1]
    objs = []
    for k, cells in enumerate(components(grid, connectivity, multicolor, background)):
        cols = [i % width for i in cells]
        r0, c0 = cells[0] // width, min(cols)  # cells are sorted: the first is in the top row
        h, w = cells[-1] // width - r0 + 1, max(cols) - c0 + 1
        # the mask filled in a bytearray: cheaper than numpy indexing for a few cells
        buf = bytearray(h * w)
        for i, c in zip(cells, cols, strict=True):
            buf[(i // width - r0) * w + c - c0] = 1
        mask = np.frombuffer(buf, dtype=bool).reshape(h, w)
        colors = grid[r0 : r0 + h, c0 : c0 + w] * mask
        objs.append(Obj(k, mask, colors, (r0, c0), 0, ("component",)))
    return objs
