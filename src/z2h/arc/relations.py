"""Relations between the objects of one grid, computed from their cells alone.

Symmetric relations are listed once per pair, ``a`` before ``b`` in the objects' order;
``inside`` and ``occludes`` are directed (``a`` inside ``b``; ``a`` paints over cells of ``b``).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any, NamedTuple

from z2h.arc.scene import Obj

# kind -> what it means for (a, b); the order here is the order relations are listed in
RELATION_KINDS: dict[str, str] = {
    "same_color": "the same set of colours",
    "same_shape": "the same cells up to translation (colours aside)",
    "same_size": "the same number of cells",
    "same_row_band": "their boxes share at least one row",
    "same_col_band": "their boxes share at least one column",
    "aligned_row": "their boxes have the same centre row",
    "aligned_col": "their boxes have the same centre column",
    "inside": "a's box lies strictly inside b's box (b contains a)",
    "touching": "a cell of a shares a side with a cell of b",
    "occludes": "a is painted later and covers cells of b",
    "boxes_overlap": "their boxes share at least one cell",
}
SYMMETRIC = frozenset(RELATION_KINDS) - {"inside", "occludes"}

_STRIDE = 256  # cell key = (row + 64) * 256 + (col + 64): rows and cols may fall off the canvas


class Relation(NamedTuple):
    kind: str
    a: int  # object id
    b: int  # object id


class _RelationFacts:
    """What the pairwise tests need about one object, computed once, in plain Python (faster
    than numpy calls for the few cells an ARC object has). The cell keys, the cell set and the
    shape are built only when a pair's boxes say they could matter: most pairs are far apart."""

    __slots__ = (
        "_cells",
        "_keys",
        "_listed",
        "_shape",
        "box",
        "colors",
        "corner",
        "dims",
        "id",
        "size",
    )

    def __init__(
        self,
        obj_id: int,
        cells: list[list[int]],
        box: list[int] | None = None,
        colors: list[int] | None = None,
    ) -> None:
        if box is None:
            rows = [c[0] for c in cells]
            cols = [c[1] for c in cells]
            top, left = min(rows), min(cols)
            box = [top, left, max(rows) - top + 1, max(cols) - left + 1]
        top, left, h, w = box
        self.corner = (top + 64) * _STRIDE + left + 64
        self.id = obj_id
        self.box = (top, left, top + h - 1, left + w - 1)  # inclusive
        self.dims = (h, w)
        self._listed = cells
        self._keys: list[int] | None = None
        self.size = len(cells)
        self.colors = frozenset(c[2] for c in cells) if colors is None else frozenset(colors)
        self._cells: frozenset[int] | None = None
        self._shape: frozenset[int] | None = None

    @property
    def keys(self) -> list[int]:
        """One int per cell, row-major (cheaper to hash and offset than a pair)."""
        if self._keys is None:
            self._keys = [(r + 64) * _STRIDE + c + 64 for r, c, _ in self._listed]
        return self._keys

    @property
    def cells(self) -> frozenset[int]:
        if self._cells is None:
            self._cells = frozenset(self.keys)
        return self._cells

    def touches(self, other: _RelationFacts) -> bool:
        """Whether a cell of ``other``, not one of this object's, shares a side with one of
        this object's cells: looked for from the object with fewer cells, stopping at the
        first (cheaper than the ring of neighbours of a big object, built for each pair)."""
        mine, theirs = self.cells, other.cells
        if len(mine) <= len(theirs):
            for k in self.keys:
                for y in (k - 1, k + 1, k - _STRIDE, k + _STRIDE):
                    if y in theirs and y not in mine:
                        return True
            return False
        for y in other.keys:
            if y not in mine and (
                y - 1 in mine or y + 1 in mine or y - _STRIDE in mine or y + _STRIDE in mine
            ):
                return True
        return False

    @property
    def shape_key(self) -> frozenset[int]:
        """The cells, translated to the box."""
        if self._shape is None:
            corner = self.corner
            self._shape = frozenset(k - corner for k in self.keys)
        return self._shape


def relations(objs: Sequence[Any]) -> list[Relation]:
    """Every relation among ``objs`` (see ``RELATION_KINDS``), given in paint order.

    ``objs`` are scene objects (``Obj``) or object labels (anything with ``id`` and ``cells``,
    a list of [row, col, colour]); objects without cells are skipped.
    """
    if len(objs) < 2:  # (a fifth of generated grids: nothing to pair up)
        return []
    facts = []
    for o in objs:
        if isinstance(o, Obj):
            cells = o.cell_array().tolist()
            if cells:
                facts.append(_RelationFacts(o.id, cells))
        elif o.cells:  # a label: its box and colours are already known
            facts.append(_RelationFacts(o.id, o.cells, o.box, o.colors))
    out: dict[str, list[Relation]] = {k: [] for k in RELATION_KINDS}
    same_color, same_shape, same_size = out["same_color"], out["same_shape"], out["same_size"]
    row_band, col_band = out["same_row_band"], out["same_col_band"]
    aligned_row, aligned_col = out["aligned_row"], out["aligned_col"]
    inside, touching, occludes = out["inside"], out["touching"], out["occludes"]
    overlap = out["boxes_overlap"]
    # subtle: tuple.__new__ skips the NamedTuple's Python-level __new__ (same tuple, a third
    # of the cost); grids list hundreds of relations, so this is a real share of labelling
    new, R = tuple.__new__, Relation
    # each object's facts unpacked once into a flat tuple: the pair loop below runs n^2 / 2
    # times and reads them as locals instead of as attributes
    rows = [(*f.box, f.id, f.colors, f.size, f.dims, f) for f in facts]
    for i, (at, al, ab, ar, a, a_colors, a_size, a_dims, fa) in enumerate(rows):
        a_row, a_col = at + ab, al + ar  # twice the centre
        a_area = a_dims[0] * a_dims[1]
        for bt, bl, bb, br, b, b_colors, b_size, b_dims, fb in rows[i + 1 :]:
            if a_colors == b_colors:
                same_color.append(new(R, ("same_color", a, b)))
            if a_size == b_size:
                # the same cells up to translation needs the same count and the same box; two
                # that fill their equal boxes (dots, solid rectangles) need no more checking
                if a_dims == b_dims and (a_size == a_area or fa.shape_key == fb.shape_key):
                    same_shape.append(new(R, ("same_shape", a, b)))
                same_size.append(new(R, ("same_size", a, b)))
            rows_meet = at <= bb and bt <= ab
            cols_meet = al <= br and bl <= ar
            if rows_meet:
                row_band.append(new(R, ("same_row_band", a, b)))
            if cols_meet:
                col_band.append(new(R, ("same_col_band", a, b)))
            if a_row == bt + bb:
                aligned_row.append(new(R, ("aligned_row", a, b)))
            if a_col == bl + br:
                aligned_col.append(new(R, ("aligned_col", a, b)))
            if at > bt and ab < bb and al > bl and ar < br:
                inside.append(new(R, ("inside", a, b)))
            elif bt > at and bb < ab and bl > al and br < ar:
                inside.append(new(R, ("inside", b, a)))
            # subtle: a side neighbour of a lies in a's box grown by one cell, so cells of b
            # can only touch a (or share a cell with it) where the boxes come that close
            if at <= bb + 1 and bt <= ab + 1 and al <= br + 1 and bl <= ar + 1:
                if fa.touches(fb):
                    touching.append(new(R, ("touching", a, b)))
                if rows_meet and cols_meet and not fa.cells.isdisjoint(fb.cells):
                    # b comes later in paint order, so it covers a
                    occludes.append(new(R, ("occludes", b, a)))
            if rows_meet and cols_meet:
                overlap.append(new(R, ("boxes_overlap", a, b)))
    return list(chain.from_iterable(out.values()))  # (out is in RELATION_KINDS order)
