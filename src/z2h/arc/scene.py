"""Scenes: a canvas and an ordered list of objects, rendered to an ARC grid.

An object is a mask of cells relative to its position ``(row, col)`` (its top-left corner), the
colour of each cell, a z-order and tags naming its kind. Rendering paints objects in order of
``z``, then list order: later objects paint over earlier ones; cells off the canvas are clipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np

from z2h.arc.grid import MAX_SIZE, ArcError


@dataclass
class Obj:
    id: int
    mask: np.ndarray  # bool (h, w): which cells of the box belong to the object
    colors: np.ndarray  # uint8 (h, w): each cell's colour (read only where mask is True)
    pos: tuple[int, int] = (0, 0)  # (row, col) of the mask's top-left cell on the canvas
    z: int = 0  # paint order: higher z paints later (over lower); ties keep list order
    tags: tuple[str, ...] = ()  # its kind and roles: "rectangle", "line", "sprite", "floor", ...

    @classmethod
    def filled(
        cls,
        id: int,
        mask: np.ndarray,
        color: int,
        pos: tuple[int, int] = (0, 0),
        z: int = 0,
        tags: tuple[str, ...] = (),
    ) -> Obj:
        """A one-colour object."""
        mask = np.asarray(mask, dtype=bool)
        return cls(id, mask, _full(mask.shape, color), (int(pos[0]), int(pos[1])), z, tags)

    @classmethod
    def rect(
        cls,
        id: int,
        height: int,
        width: int,
        color: int,
        pos: tuple[int, int] = (0, 0),
        z: int = 0,
        tags: tuple[str, ...] = ("rectangle",),
    ) -> Obj:
        """A solid one-colour rectangle."""
        return cls.filled(id, np.ones((height, width), bool), color, pos, z, tags)

    @property
    def shape(self) -> tuple[int, int]:
        return self.mask.shape  # type: ignore[return-value]

    @property
    def size(self) -> int:
        """Number of cells."""
        return int(np.count_nonzero(self.mask))  # (exact for a bool mask; cheaper than sum)

    @property
    def color(self) -> int:
        """The object's colour: its most common one (the lowest on a tie)."""
        # plain lists, not bincount: objects are a few cells, and numpy calls cost more here
        cells = self.colors[self.mask].tolist()
        if not cells:
            return 0  # (as bincount's argmax of all zeros)
        return min(set(cells), key=lambda c: (-cells.count(c), c))

    @property
    def color_set(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.colors[self.mask].tolist())))

    def cell_array(self) -> np.ndarray:
        """(n, 3) int64: row, col and colour of each cell, absolute, row-major."""
        rows, cols = np.nonzero(self.mask)
        out = np.empty((rows.size, 3), np.int64)
        out[:, 0] = rows + self.pos[0]
        out[:, 1] = cols + self.pos[1]
        out[:, 2] = self.colors[rows, cols]
        return out

    def cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Absolute (rows, cols) of the object's cells, row-major."""
        r, c = np.nonzero(self.mask)
        return r + self.pos[0], c + self.pos[1]

    def box(self) -> tuple[int, int, int, int]:
        """(top, left, height, width) of the cells' bounding box."""
        rows = self.mask.tolist()  # plain lists: faster than numpy calls on a small mask
        # most masks are tight (a cell on each edge): their box is the mask's own
        if any(rows[0]) and any(rows[-1]) and any(r[0] for r in rows) and any(r[-1] for r in rows):
            return self.pos[0], self.pos[1], len(rows), len(rows[0])
        filled = [i for i, row in enumerate(rows) if any(row)]
        cols = [j for j, col in enumerate(zip(*rows, strict=True)) if any(col)]
        top, left = filled[0], cols[0]
        return self.pos[0] + top, self.pos[1] + left, filled[-1] - top + 1, cols[-1] - left + 1

    # (direct construction, not dataclasses.replace: these run for every object of every pair)
    def moved(self, dr: int, dc: int) -> Obj:
        return Obj(
            self.id, self.mask, self.colors, (self.pos[0] + dr, self.pos[1] + dc), self.z, self.tags
        )

    def at(self, row: int, col: int) -> Obj:
        return Obj(self.id, self.mask, self.colors, (int(row), int(col)), self.z, self.tags)

    def recolored(self, color: int) -> Obj:
        return Obj(self.id, self.mask, _full(self.mask.shape, color), self.pos, self.z, self.tags)

    def transformed(self, op: str, k: int = 1) -> Obj:
        """The object's mask and colours rotated (``op="rotate"``, k quarter turns
        anticlockwise), flipped (``"flip_h"`` mirrors left-right, ``"flip_v"`` up-down) or
        transposed, about its own box; the position is unchanged."""
        mask, colors = transform(self.mask, op, k), transform(self.colors, op, k)
        return Obj(self.id, mask, colors, self.pos, self.z, self.tags)


def _full(shape: tuple[int, ...], color: int) -> np.ndarray:
    """``np.full(shape, color, np.uint8)`` (the same errors for a colour out of range), by
    empty and fill, which is cheaper on tiny arrays; every object is made through here."""
    out = np.empty(shape, np.uint8)
    out.fill(color)
    return out


def transform(a: np.ndarray, op: str, k: int = 1) -> np.ndarray:
    """One of the eight square symmetries applied to a 2-D array (``rotate``: ``k`` quarter
    turns anticlockwise, as ``np.rot90``), as a new C-ordered array (never a view of ``a``)."""
    if op == "rotate":
        k %= 4
        # slicing and copy (C order), not np.rot90: cheaper on ARC-sized arrays; copy, not
        # ascontiguousarray, which returns a view where the slice is already contiguous
        if k == 1:
            return a.T[::-1].copy()
        if k == 2:
            return a[::-1, ::-1].copy()
        if k == 3:
            return a[::-1].T.copy()
        return a.copy()
    if op == "flip_h":
        return a[:, ::-1].copy()
    if op == "flip_v":
        return a[::-1, :].copy()
    if op == "transpose":
        return a.T.copy()
    raise ArcError(f"unknown transform {op!r}; choose rotate, flip_h, flip_v or transpose")


_BY_Z = attrgetter("z")  # (a key read in C: every scene is sorted for rendering and labelling)


@dataclass
class Scene:
    height: int
    width: int
    background: int = 0
    objects: list[Obj] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not (1 <= self.height <= MAX_SIZE and 1 <= self.width <= MAX_SIZE):
            raise ArcError(
                f"a scene is 1 to {MAX_SIZE} cells each way, got {self.height}x{self.width}"
            )

    def painted(self) -> list[Obj]:
        """Objects in paint order: by z, then list order (a stable sort)."""
        return sorted(self.objects, key=_BY_Z)

    def render(self) -> np.ndarray:
        """The grid: the background, then each object painted in order, clipped to the canvas."""
        grid = _full((self.height, self.width), self.background)
        for obj in self.painted():
            paint(grid, obj)
        return grid

    def get(self, obj_id: int) -> Obj:
        for o in self.objects:
            if o.id == obj_id:
                return o
        raise ArcError(f"scene has no object {obj_id}")

    def occupancy(self) -> np.ndarray:
        """A bool grid: True where some object has a cell."""
        occ = np.zeros((self.height, self.width), bool)
        for obj in self.objects:
            paint(occ, obj, value=True)
        return occ


def transform_position(
    box: tuple[int, int], size: tuple[int, int], canvas: tuple[int, int], op: str, k: int
) -> tuple[int, int]:
    """Where a ``size`` block at ``box`` (top, left) lands when the canvas is transformed."""
    (top, left), (h, w), (height, width) = box, size, canvas
    if op == "flip_h":
        return top, width - left - w
    if op == "flip_v":
        return height - top - h, left
    if op == "transpose":
        return left, top
    k %= 4
    if k == 1:  # np.rot90: anticlockwise, (r, c) -> (width - 1 - c, r)
        return width - left - w, top
    if k == 2:
        return height - top - h, width - left - w
    if k == 3:
        return left, height - top - h
    return top, left


def transform_scene(scene: Scene, op: str, k: int = 1) -> Scene:
    """The scene with the whole canvas flipped, rotated or transposed; ids are kept."""
    if op == "rotate" and k % 4 == 0:
        return scene
    swap = op == "transpose" or (op == "rotate" and k % 2 == 1)
    height, width = (scene.width, scene.height) if swap else (scene.height, scene.width)
    objs = []
    for o in scene.objects:
        pos = transform_position(o.pos, o.mask.shape, (scene.height, scene.width), op, k)
        objs.append(o.transformed(op, k).at(*pos))
    return Scene(height, width, scene.background, objs)


def _clip(grid: np.ndarray, obj: Obj) -> tuple[tuple[slice, slice], tuple[slice, slice]] | None:
    """The canvas and object slices of the part of ``obj`` on the canvas (None if off it)."""
    h, w = obj.mask.shape
    r0, c0 = obj.pos
    gr0, gc0 = max(r0, 0), max(c0, 0)
    gr1, gc1 = min(r0 + h, grid.shape[0]), min(c0 + w, grid.shape[1])
    if gr0 >= gr1 or gc0 >= gc1:
        return None
    return (slice(gr0, gr1), slice(gc0, gc1)), (
        slice(gr0 - r0, gr1 - r0),
        slice(gc0 - c0, gc1 - c0),
    )


def paint(grid: np.ndarray, obj: Obj, value: object = None) -> None:
    """Paint ``obj`` onto ``grid`` in place (its colours, or ``value`` everywhere it has cells)."""
    h, w = obj.mask.shape
    r0, c0 = obj.pos
    if r0 >= 0 and c0 >= 0 and r0 + h <= grid.shape[0] and c0 + w <= grid.shape[1]:
        # wholly on the canvas (most objects): no clip slices to work out; the colours sliced
        # to the mask as below, so a malformed object fails as it does there
        source = obj.colors[:h, :w] if value is None else value
        np.copyto(grid[r0 : r0 + h, c0 : c0 + w], source, casting="unsafe", where=obj.mask)
        return
    clip = _clip(grid, obj)
    if clip is None:
        return
    (gs, os_) = clip
    # one copyto with where=, not two boolean-indexing steps (one pass over the cells); unsafe
    # casting, as an indexed assignment would do
    source = obj.colors[os_] if value is None else value
    np.copyto(grid[gs], source, casting="unsafe", where=obj.mask[os_])


def fits(obj: Obj, height: int, width: int) -> bool:
    """Whether every cell of ``obj`` lies on a ``height`` x ``width`` canvas."""
    h, w = obj.mask.shape
    r, c = obj.pos
    return r >= 0 and c >= 0 and r + h <= height and c + w <= width
