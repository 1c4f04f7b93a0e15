"""Heuristic labels for a task that comes without them (a real ARC task): objects found as
connected components, their relations, and a best-effort correspondence between each pair's
input and output objects (what moved, what was recoloured, rotated or flipped, created or
deleted), plus whole-grid operations (a symmetry, a scale-up, a crop) when one explains the pair.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from z2h.arc.grid import most_common_color
from z2h.arc.labels import GridLabels, Match, PairLabels, TaskLabels, grid_labels
from z2h.arc.objects import find_objects
from z2h.arc.scene import Obj, Scene, transform
from z2h.arc.task import Pair, Task

_SYMMETRY_ACTIONS = (
    ("flip_h", 1, {"op": "flip", "axis": "h"}),
    ("flip_v", 1, {"op": "flip", "axis": "v"}),
    ("transpose", 1, {"op": "transpose"}),
    ("rotate", 1, {"op": "rotate", "k": 1}),
    ("rotate", 2, {"op": "rotate", "k": 2}),
    ("rotate", 3, {"op": "rotate", "k": 3}),
)


def found_scene(grid: np.ndarray, connectivity: int = 8) -> Scene:
    """The grid as a scene of its one-colour connected components on the most common colour."""
    bg = most_common_color(grid)
    objs = find_objects(grid, connectivity=connectivity, background=bg)
    return Scene(grid.shape[0], grid.shape[1], bg, objs)


def grid_actions(inp: np.ndarray, out: np.ndarray) -> list[dict[str, Any]]:
    """A whole-grid operation that turns ``inp`` into ``out``, if a simple one does."""
    for op, k, action in _SYMMETRY_ACTIONS:
        t = transform(inp, op, k)
        if t.shape == out.shape and np.array_equal(t, out):
            return [action]
    (h, w), (oh, ow) = inp.shape, out.shape
    if oh % h == 0 and ow % w == 0 and oh // h == ow // w > 1:
        f = oh // h
        if np.array_equal(np.kron(inp, np.ones((f, f), np.uint8)), out):
            return [{"op": "scale", "factor": f}]
    tiles = oh % h == 0 and ow % w == 0 and (oh > h or ow > w)
    if tiles and np.array_equal(np.tile(inp, (oh // h, ow // w)), out):
        return [{"op": "tile", "reps": [oh // h, ow // w]}]
    if oh <= h and ow <= w and (oh, ow) != (h, w):
        windows = np.lib.stride_tricks.sliding_window_view(inp, (oh, ow))
        hits = np.argwhere((windows == out).all(axis=(2, 3)))
        if len(hits) == 1:
            r, c = (int(v) for v in hits[0])
            return [{"op": "crop", "box": [r, c, oh, ow]}]
    return []


NEAREST = 8  # look-alike output objects considered per input object


class _Facts:
    """What matching needs about one object, computed once (the inner loop is pure Python)."""

    def __init__(self, o: Obj) -> None:
        self.id = o.id
        self.key = (o.mask.shape, o.mask.tobytes())
        # the mask's key under each symmetry -> the action that gives it
        self.turned: dict[tuple, dict[str, Any]] = {}
        for op, k, action in _SYMMETRY_ACTIONS:
            t = transform(o.mask, op, k)
            self.turned.setdefault((t.shape, t.tobytes()), action)
        rows, cols = o.cells()
        self.cells = set(zip(rows.tolist(), cols.tolist(), strict=True))
        self.colors = o.color_set
        self.color = o.color
        self.corner = o.box()[:2]


def _match_score(a: _Facts, b: _Facts) -> tuple[int, list[dict[str, Any]]] | None:
    """How well output object ``b`` is explained as input object ``a`` changed, and how."""
    actions: list[dict[str, Any]] = []
    if a.key == b.key:
        score = 60
    elif b.key in a.turned:
        score, actions = 40, [a.turned[b.key]]
    else:
        overlap = len(a.cells & b.cells)
        if overlap == 0:
            return None
        score = 10 + min(19, overlap)
    if a.colors == b.colors:
        score += 20
    elif len(a.colors) == 1 and len(b.colors) == 1:
        actions.append({"op": "recolor", "from": a.color, "to": b.color})
    by = [b.corner[0] - a.corner[0], b.corner[1] - a.corner[1]]
    if any(by):
        actions.append({"op": "move", "by": by})
        score -= min(9, abs(by[0]) + abs(by[1]))
    else:
        score += 10
    return score, actions


def correspond(inp: list[Obj], out: list[Obj]) -> list[Match]:
    """Greedy best-first matching of output objects to input objects (each used once)."""
    fin, fout = [_Facts(o) for o in inp], [_Facts(o) for o in out]
    # index the outputs by shape and by cell, so each input meets only plausible partners
    by_key: dict[tuple, list[_Facts]] = {}
    by_cell: dict[tuple[int, int], _Facts] = {}
    for b in fout:
        by_key.setdefault(b.key, []).append(b)
        by_cell.update(dict.fromkeys(b.cells, b))
    scored = []
    for a in fin:
        same = [b for key in (a.key, *a.turned) for b in by_key.get(key, ())]
        if len(same) > NEAREST:  # many look-alikes (single cells): only the nearest compete
            ar, ac = a.corner
            same.sort(key=lambda b: abs(b.corner[0] - ar) + abs(b.corner[1] - ac))
            same = same[:NEAREST]
        partners = {b.id: b for b in same}
        partners.update({by_cell[c].id: by_cell[c] for c in a.cells if c in by_cell})
        for b in partners.values():
            s = _match_score(a, b)
            if s is not None:
                scored.append((-s[0], a.id, b.id, s[1]))
    scored.sort(key=lambda x: (x[0], x[1], x[2]))
    used_in: set[int] = set()
    used_out: set[int] = set()
    matches = []
    for _, ia, ib, actions in scored:
        if ia in used_in or ib in used_out:
            continue
        used_in.add(ia)
        used_out.add(ib)
        matches.append(Match(ia, ib, actions))
    matches.sort(key=lambda m: m.input_id)
    matches += [Match(o.id, None) for o in inp if o.id not in used_in]
    matches += [Match(None, o.id) for o in out if o.id not in used_out]
    return matches


RELATIONS_LIMIT = 60  # objects in a grid above which its relations are not listed


def label_pair(pair: Pair) -> PairLabels:
    sin = found_scene(pair.input)
    gin: GridLabels = grid_labels(sin, RELATIONS_LIMIT)
    if pair.output is None:
        return PairLabels(gin, None)
    sout = found_scene(pair.output)
    actions = grid_actions(pair.input, pair.output)
    corr = [] if actions else correspond(sin.objects, sout.objects)
    return PairLabels(gin, grid_labels(sout, RELATIONS_LIMIT), corr, actions)


def heuristic_labels(task: Task) -> TaskLabels:
    """Labels for a task that has none (see the module docstring); ``generator`` is None."""
    return TaskLabels(
        task.id,
        None,
        None,
        None,
        None,
        {
            "source": "heuristic: 8-connected one-colour components",
            "relations_limit": RELATIONS_LIMIT,
        },
        [label_pair(p) for p in task.train],
        [label_pair(p) for p in task.test],
        provenance="heuristic",
    )
