"""Order: objects standing in a row of slots (or a column) are put in order of size, smallest
first or largest first (the task's), each keeping its height in the row. The ``count`` module's
histogram sorts bars it draws; here the objects themselves move."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import fitting_answer, objects_of, per_grid
from z2h.arc.generators.base import CannotSolve, Example, Generator, Rand, Reject, polyomino
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair

RULES = [(axis, order) for axis in ("row", "col") for order in ("ascending", "descending")]


def _transposed(o: Obj) -> Obj:
    return o.transformed("transpose").at(o.pos[1], o.pos[0])


@register
class SortBySize(Generator):
    name = "sort_by_size"
    concepts = ("order", "sorting", "counting", "move", "objects")
    description = (
        "objects in a row of slots (or a column) are put in order of size, smallest or largest "
        "first (the task's); each keeps its place across the row"
    )
    color_invariant = True
    train_pairs = (2, 5)

    def params(self, r: Rand) -> dict[str, Any]:
        axis, order = r.choice(RULES)
        return {"axis": axis, "order": order}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        n = r.scaled(3, 6)
        most = min(r.scaled(2, 5), 31 // n - 1)  # n slots of most + 1 columns fit in 30
        if most * most < n:
            raise Reject("too few sizes")
        masks = [polyomino(r, k, most, most) for k in r.sample(range(1, most * most + 1), n)]
        sizes = [int(m.sum()) for m in masks]
        if len(set(sizes)) != n:
            raise Reject("sizes tie")
        pitch = max(m.shape[1] for m in masks) + 1
        height = r.randint(most + 1, max(most + 1, r.scaled(6, 30)))
        width = min(30, n * pitch + r.randint(0, 3))
        if n * pitch - 1 > width:
            raise Reject("no room")
        left0 = r.randint(0, width - (n * pitch - 1))
        palette = r.colors(r.scaled(2, 5), exclude=(0,))
        objs = []
        for i, m in enumerate(masks):
            colors = np.array([r.choice(palette) for _ in range(m.size)], np.uint8)
            if r.bool(0.5):  # one colour, or cells of several
                colors[:] = colors[0]
            top = r.randint(0, height - m.shape[0])
            objs.append(Obj(i, m, colors.reshape(m.shape), (top, left0 + i * pitch), 0, ("shape",)))
        sign = 1 if params["order"] == "ascending" else -1
        ranked = sorted(objs, key=lambda o: sign * o.size)
        if [o.id for o in ranked] == [o.id for o in objs]:
            raise Reject("already in order")
        out = [o.at(o.pos[0], left0 + ranked.index(o) * pitch) for o in objs]
        inp_s, out_s = Scene(height, width, 0, objs), Scene(height, width, 0, out)
        if params["axis"] == "col":
            inp_s = Scene(width, height, 0, [_transposed(o) for o in objs])
            out_s = Scene(width, height, 0, [_transposed(o) for o in out])
        corr = []
        for a, b in zip(inp_s.objects, out_s.objects, strict=True):
            by = [b.pos[0] - a.pos[0], b.pos[1] - a.pos[1]]
            acts = [{"op": "sort", "key": "size", "rank": ranked.index(objs[a.id])}]
            corr.append(Match(a.id, b.id, acts + ([{"op": "move", "by": by}] if any(by) else [])))
        return Example(inp_s, out_s, corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        return fitting_answer(grid, demos, RULES, lambda g, rule: _sorted(g, *rule), "order")


@per_grid
def _sorted(grid: np.ndarray, axis: str, order: str) -> np.ndarray:
    """Objects (8-connected, any colours) moved along ``axis`` so their sizes run in
    ``order``: the k-th in order takes the k-th slot (the k-th box edge from the start)."""
    g = grid if axis == "row" else grid.T
    bg = most_common_color(g)
    objs = sorted(objects_of(g, True), key=lambda o: o.box()[1])  # (the same for both orders)
    if len(objs) < 2:
        raise CannotSolve("fewer than two objects")
    sizes = [o.size for o in objs]
    if len(set(sizes)) != len(sizes):
        raise CannotSolve("two objects of one size")
    slots = [o.box()[1] for o in objs]
    sign = 1 if order == "ascending" else -1
    out = np.full(g.shape, bg, np.uint8)
    for k, o in enumerate(sorted(objs, key=lambda o: sign * o.size)):
        top, _, h, w = o.box()
        if slots[k] + w > g.shape[1]:
            raise CannotSolve("an object does not fit its slot")
        block = out[top : top + h, slots[k] : slots[k] + w]
        block[o.mask] = o.colors[o.mask]
    return out if axis == "row" else out.T.copy()
