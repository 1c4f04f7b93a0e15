"""Heuristic labels for a task that comes without them (a real ARC task): objects, a few
meaningful relations, and for each pair which input object became which output object, by
which actions. Every row it writes is true: it is kept only if replaying it gives the output
object's cells (``z2h.arc.replay``); what no cheap chain of actions explains is said plainly
(``reshape``, ``merge``, ``split``, ``replaced``), never guessed.

Steps, per task:

1. objects: one segmentation for the whole task, the one that explains the most output cells
   among 8-connected components of many colours (a sprite is one object), of one colour, or
   4-connected of one colour; or the objects a trained objects model proposes;
2. per pair, objects matched one to one by the cheapest exact explanation (identity, a move, a
   recolouring, one of the square's symmetries, a scale-up, and chains of these);
3. leftovers: further copies, parts that split or merge, markers stamped over, reshapes of
   overlapping objects; the rest deleted or created;
4. one explanation per task: where several chains explain a row, the one the task uses most.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from z2h.arc.grid import most_common_color
from z2h.arc.labels import GridLabels, Match, PairLabels, TaskLabels, grid_labels
from z2h.arc.objects import find_objects
from z2h.arc.relations import Relation, relations
from z2h.arc.replay import Cell, ReplayError, apply_actions, clip
from z2h.arc.scene import Obj, Scene, transform
from z2h.arc.task import Pair, Task

Action = dict[str, Any]
# a segmenter: (a grid, its background) -> its objects (ids 0, 1, ... in row-major order of
# their first cell)
Segmenter = Callable[[np.ndarray, int], list[Obj]]

_SYMMETRIES: tuple[tuple[str, int, Action | None], ...] = (
    ("rotate", 0, None),
    ("flip_h", 1, {"op": "flip", "axis": "h"}),
    ("flip_v", 1, {"op": "flip", "axis": "v"}),
    ("transpose", 1, {"op": "transpose"}),
    ("rotate", 1, {"op": "rotate", "k": 1}),
    ("rotate", 2, {"op": "rotate", "k": 2}),
    ("rotate", 3, {"op": "rotate", "k": 3}),
)
SEGMENTATIONS = ("multi8", "color8", "color4")  # tried in this order; ties keep the first


def segment(grid: np.ndarray, how: str, background: int | None = None) -> list[Obj]:
    """The grid's objects on ``background`` (default: its most common colour): ``multi8``
    8-connected of any colours, ``color8`` / ``color4`` 8- or 4-connected of one colour."""
    bg = most_common_color(grid) if background is None else background
    conn = 4 if how == "color4" else 8
    return find_objects(grid, connectivity=conn, multicolor=how == "multi8", background=bg)


def pair_background(pair: Pair) -> int:
    """The background of both grids of a pair: the input's most common colour (an output, a
    crop of one object, may hold more of the object's colour than of the background)."""
    return most_common_color(pair.input)


def objects_from_sets(
    grid: np.ndarray, sets: Iterable[Iterable[int]], background: int | None = None
) -> list[Obj]:
    """Objects made of the given flat cell indices (an objects model's answer), ids in
    row-major order of their first cell. With ``background``, cells of another colour that no
    set holds become objects too (8-connected, one colour), so the objects paint the grid."""
    width = grid.shape[1]
    groups = [sorted(s) for s in sets if s]
    if background is not None:
        left = grid.copy()
        left.ravel()[[i for g in groups for i in g]] = background
        for o in find_objects(left, connectivity=8, background=background):
            rows, cols = o.cells()
            groups.append(sorted((rows * width + cols).tolist()))
    out = []
    for k, cells in enumerate(sorted(groups)):
        rows, cols = [i // width for i in cells], [i % width for i in cells]
        r0, c0 = min(rows), min(cols)
        mask = np.zeros((max(rows) - r0 + 1, max(cols) - c0 + 1), bool)
        mask[[r - r0 for r in rows], [c - c0 for c in cols]] = True
        colors = grid[r0 : r0 + mask.shape[0], c0 : c0 + mask.shape[1]] * mask
        out.append(Obj(k, mask, colors.astype(np.uint8), (r0, c0), 0, ("proposed",)))
    return out


def grid_actions(inp: np.ndarray, out: np.ndarray) -> list[Action]:
    """A whole-grid operation that turns ``inp`` into ``out``, if a simple one does."""
    for op, k, action in _SYMMETRIES[1:]:
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


# Objects as facts for matching.


@dataclass
class _MatchFacts:
    id: int
    cells: list[Cell]  # sorted (row, col, colour)
    places: frozenset[tuple[int, int]]
    top: int
    left: int
    shape: frozenset[tuple[int, int]]  # places relative to the box's top-left
    # (op, k, factor) -> the cells turned and scaled, as _relative gives them (each input meets
    # several outputs of one shape: computed once)
    turned: dict[tuple, tuple[int, int, dict[tuple[int, int], int]]] = field(default_factory=dict)

    def turn(self, op: str, k: int, f: int) -> tuple[int, int, dict[tuple[int, int], int]]:
        key = (op, k, f)
        if key not in self.turned:
            self.turned[key] = _relative(apply_actions(self.cells, _chain(op, k, f)))
        return self.turned[key]

    @classmethod
    def of(cls, o: Obj) -> _MatchFacts:
        cells = sorted((int(r), int(c), int(k)) for r, c, k in o.cell_array().tolist())
        places = frozenset((r, c) for r, c, _ in cells)
        top = min(r for r, _ in places)
        left = min(c for _, c in places)
        return cls(
            o.id, cells, places, top, left, frozenset((r - top, c - left) for r, c in places)
        )


def _relative(cells: list[Cell]) -> tuple[int, int, dict[tuple[int, int], int]]:
    top = min(r for r, _, _ in cells)
    left = min(c for _, c, _ in cells)
    return top, left, {(r - top, c - left): k for r, c, k in cells}


def _recolors(
    src: dict[tuple[int, int], int], dst: dict[tuple[int, int], int]
) -> list[Action] | None:
    """Recolour actions turning ``src``'s colours into ``dst``'s (same places), or None."""
    mapping: dict[int, int] = {}
    for p, a in src.items():
        if mapping.setdefault(a, dst[p]) != dst[p]:
            return None
    changes = {a: b for a, b in mapping.items() if a != b}
    if len(changes) == 2 and all(changes.get(b) == a for a, b in changes.items()):
        return [{"op": "swap", "colors": sorted(changes)}]
    # subtle: recolour a colour only once nothing later maps onto it, or cells would be
    # recoloured twice
    ordered = sorted(changes, key=lambda a: a in changes.values())
    if any(b in changes and ordered.index(b) < ordered.index(a) for a, b in changes.items()):
        return None
    return [{"op": "recolor", "from": a, "to": changes[a]} for a in ordered]


@lru_cache(maxsize=4096)
def _shape_chains(shape: frozenset[tuple[int, int]]) -> dict[frozenset, list[tuple]]:
    """For a shape (places relative to its box), each shape it takes under the square's
    symmetries and the scale-ups -> the chains (as tuples of op, arg) that give it."""
    plain = [(r, c, 0) for r, c in shape]
    out: dict[frozenset, list[tuple]] = {}
    for f in range(1, MAX_SCALE + 1):
        if len(plain) * f * f > 900:
            break
        # a lone cell is the same under every symmetry: saying it turned would be noise
        for op, k, action in _SYMMETRIES[: 1 if len(plain) == 1 else None]:
            chain = ([] if action is None else [action]) + (
                [{"op": "scale", "factor": f}] if f > 1 else []
            )
            _, _, rel = _relative(apply_actions(plain, chain))
            out.setdefault(frozenset(rel), []).append((op, k, f))
    return out


def _chain(op: str, k: int, f: int) -> list[Action]:
    sym = next(a for o, kk, a in _SYMMETRIES if (o, kk) == (op, k))
    return ([] if sym is None else [dict(sym)]) + ([{"op": "scale", "factor": f}] if f > 1 else [])


def explanations(a: _MatchFacts, b: _MatchFacts, size: tuple[int, int]) -> list[list[Action]]:
    """Every cheap chain of actions that turns ``a``'s cells exactly into ``b``'s, checked by
    replay, cheapest first."""
    found = []
    _, _, want = _relative(b.cells)
    for op, k, f in _shape_chains(a.shape).get(b.shape, ()):
        chain = _chain(op, k, f)
        top, left, rel = a.turn(op, k, f)
        colours = _recolors(rel, want)
        if colours is None:
            continue
        by = [b.top - top, b.left - left]
        if len(a.cells) == 1 and f == 1 and colours and any(by):
            continue  # a lone cell elsewhere in another colour: a guess, not a match
        full = chain + colours + ([{"op": "move", "by": by}] if any(by) else [])
        if clip(apply_actions(a.cells, full), *size) == b.cells:
            found.append(full)
    found.sort(key=len)
    return found


def _cost(chain: list[Action], a: _MatchFacts, b: _MatchFacts) -> float:
    far = abs(b.top - a.top) + abs(b.left - a.left)
    return len(chain) + far / 100


# Matching one pair.


@dataclass
class _Row:
    input_id: int | None
    output_id: int | None
    actions: list[Action]
    options: list[list[Action]] | None = None  # other exact chains (one is picked per task)


NEAREST = 8  # look-alike output objects considered per input object
MAX_SCALE = 5  # the largest scale-up looked for
# the fewest cells an object needs to be called a copy (a lone cell like another is created,
# not copied: saying which of many look-alikes it copies would be a guess)
MIN_COPY = 2


def _candidates(
    fin: list[_MatchFacts], fout: list[_MatchFacts], size: tuple[int, int]
) -> list[tuple[float, int, int, list[list[Action]]]]:
    """(cost, input id, output id, chains) of every exact explanation, cheapest first; each
    input meets only output objects of a shape it can take, the nearest ``NEAREST`` of them."""
    by_shape: dict[frozenset, list[_MatchFacts]] = {}
    for b in fout:
        by_shape.setdefault(b.shape, []).append(b)
    found = []
    for a in fin:
        near = [b for key in _shape_chains(a.shape) for b in by_shape.get(key, ())]
        near.sort(key=lambda b, a=a: abs(b.top - a.top) + abs(b.left - a.left))
        for b in near[:NEAREST]:
            chains = explanations(a, b, size)
            if chains:
                found.append((_cost(chains[0], a, b), a.id, b.id, chains))
    found.sort(key=lambda x: (x[0], x[1], x[2]))
    return found


def _match_exact(fin, fout, size) -> tuple[list[_Row], dict[int, list[tuple[int, list]]]]:
    """Greedy one-to-one matching by cost; also every input's explanations of each output
    (for copies)."""
    rows, used_in, used_out = [], set(), set()
    explains: dict[int, list[tuple[int, list[list[Action]]]]] = {}
    for _, ia, ib, chains in _candidates(fin, fout, size):
        explains.setdefault(ib, []).append((ia, chains))
        if ia in used_in or ib in used_out:
            continue
        used_in.add(ia)
        used_out.add(ib)
        rows.append(_Row(ia, ib, chains[0], chains))
    return rows, explains


def _inside(part: list[Cell], whole: _MatchFacts) -> bool:
    """Whether the cells ``part`` (place and colour) are all cells of ``whole``."""
    return set(part) <= set(whole.cells)


@dataclass
class _Free:
    """The objects of one pair that no row names yet."""

    fin: list[_MatchFacts]
    fout: list[_MatchFacts]
    done_in: set[int]
    done_out: set[int]

    def inputs(self) -> list[_MatchFacts]:
        return [a for a in self.fin if a.id not in self.done_in]

    def outputs(self) -> list[_MatchFacts]:
        return [b for b in self.fout if b.id not in self.done_out]


def _leftovers(
    free: _Free, rows: list[_Row], explains: dict, chains: Sequence[list[Action]], size
) -> list[_Row]:
    """Rows for the objects the one-to-one matching left: merges, reshapes in place, copies,
    splits, other reshapes, replaced markers; the rest deleted or created."""
    extra = _merges(free, chains, size)
    extra += _reshapes(free, half=True)
    extra += _copies(free, explains)
    extra += _splits(free)
    extra += _reshapes(free, half=False)
    extra += _gone(free.fin, free.fout, rows + extra, free.done_in)
    extra += [_Row(None, b.id, []) for b in free.outputs()]
    return extra


def _copies(free: _Free, explains: dict) -> list[_Row]:
    """Further copies of a matched input object (same colours: a recoloured look-alike
    elsewhere is not called a copy)."""
    out = []
    for b in free.outputs():
        if len(b.cells) < MIN_COPY:
            continue
        for ia, chains in explains.get(b.id, ()):
            plain = [c for c in chains if not any(x["op"] in ("recolor", "swap") for x in c)]
            if ia in free.done_in and plain:
                out.append(_Row(ia, b.id, [COPY, *plain[0]], [[COPY, *c] for c in plain]))
                free.done_out.add(b.id)
                break
    return out


COPY: Action = {"op": "copy"}


def _splits(free: _Free) -> list[_Row]:
    """Free output objects inside one free input object that make it up exactly."""
    out = []
    for a in free.inputs():
        parts = [b for b in free.outputs() if _inside(b.cells, a)]
        if len(parts) >= 2 and set(a.cells) == {c for b in parts for c in b.cells}:
            into = [b.id for b in parts]
            out += [_Row(a.id, i, [{"op": "split", "into": into}]) for i in into]
            free.done_in.add(a.id)
            free.done_out.update(into)
    return out


def _merges(free: _Free, chains: Sequence[list[Action]], size) -> list[_Row]:
    """Free input objects that, in place or after one of the task's common chains, lie inside
    one free output object: merged into it (with ``reshape`` where they do not fill it)."""
    out = []
    for b in free.outputs():
        parts: list[tuple[_MatchFacts, list[Action], list[Cell]]] = []
        for a in free.inputs():
            for chain in ([], *chains):
                try:
                    cells = clip(apply_actions(a.cells, chain), *size)
                except ReplayError:
                    continue
                if cells and _inside(cells, b):
                    parts.append((a, chain, cells))
                    break
        if not parts or (len(parts) == 1 and not parts[0][1]):
            continue  # one object in place inside a bigger one: a reshape, said below
        ids = [a.id for a, _, _ in parts]
        exact = set(b.cells) == {c for _, _, cells in parts for c in cells}
        for a, chain, _ in parts:
            acts = list(chain)
            if len(parts) > 1:
                acts.append({"op": "merge", "with": [i for i in ids if i != a.id]})
            if not exact:
                acts.append({"op": "reshape"})
            out.append(_Row(a.id, b.id, acts))
        free.done_in.update(ids)
        free.done_out.add(b.id)
    return out


def _reshapes(free: _Free, half: bool) -> list[_Row]:
    """Free input and output objects that overlap and share a colour: the same object with
    other cells (``reshape``), the largest overlaps first; ``half``: only where the overlap is
    at least half of each (before copies are looked for: the object in place, cleaned, is
    truer than a look-alike copied from elsewhere)."""
    pairs = []
    for a in free.inputs():
        colours = {k for _, _, k in a.cells}
        for b in free.outputs():
            if not colours & {k for _, _, k in b.cells}:
                continue
            overlap = len(a.places & b.places)
            if overlap and (not half or 2 * overlap >= max(len(a.cells), len(b.cells))):
                pairs.append((-overlap, a.id, b.id))
    out = []
    for _, ia, ib in sorted(pairs):
        if ia in free.done_in or ib in free.done_out:
            continue
        free.done_in.add(ia)
        free.done_out.add(ib)
        out.append(_Row(ia, ib, [{"op": "reshape"}]))
    return out


def _gone(fin, fout, rows: list[_Row], done_in: set) -> list[_Row]:
    """Rows for input objects still free: replaced (wholly under an output object that another
    input object became by an exact chain: a copy stamped on it, a shape moved onto it), or
    deleted."""
    exact = {
        r.output_id: r.input_id
        for r in rows
        if r.input_id is not None and r.output_id is not None and _explained(r)
    }
    out = []
    for a in fin:
        if a.id in done_in:
            continue
        over = [
            exact[b.id]
            for b in fout
            if b.id in exact and exact[b.id] != a.id and a.places <= b.places
        ]
        out.append(_Row(a.id, None, [{"op": "replaced", "by": over[0]}] if over else []))
        done_in.add(a.id)
    return out


def match_pair(
    inp: list[Obj], out: list[Obj], size: tuple[int, int], chains: Sequence[list[Action]] = ()
) -> list[_Row]:
    """The rows of one pair (see the module docstring), before the task-wide choice;
    ``chains``: the task's common chains, tried on objects that merge."""
    fin, fout = [_MatchFacts.of(o) for o in inp], [_MatchFacts.of(o) for o in out]
    rows, explains = _match_exact(fin, fout, size)
    free = _Free(fin, fout, {r.input_id for r in rows}, {r.output_id for r in rows})
    return rows + _leftovers(free, rows, explains, chains, size)


# One task.

RELATION_KINDS_KEPT = ("inside", "touching", "same_shape", "occludes")  # the meaningful ones
RELATIONS_PER_OBJECT = 4  # at most this many relations name any one object


def meaningful_relations(objs: Sequence[Any]) -> list[Relation]:
    """The relations worth reading (containment, contact, repeated shapes), at most
    ``RELATIONS_PER_OBJECT`` per object: not the all-pairs list of bands and colours."""
    if len(objs) > 200:  # the pairwise pass grows as the square: skip the noisiest grids
        return []
    seen: Counter[int] = Counter()
    kept = []
    by_kind: dict[str, list[Relation]] = {k: [] for k in RELATION_KINDS_KEPT}
    for rel in relations(objs):
        if rel.kind in by_kind:
            by_kind[rel.kind].append(rel)
    for kind in RELATION_KINDS_KEPT:
        for rel in by_kind[kind]:
            if seen[rel.a] < RELATIONS_PER_OBJECT and seen[rel.b] < RELATIONS_PER_OBJECT:
                kept.append(rel)
                seen[rel.a] += 1
                seen[rel.b] += 1
    return kept


def _grid(objs: list[Obj], grid: np.ndarray, background: int) -> GridLabels:
    scene = Scene(grid.shape[0], grid.shape[1], background, objs)
    gl = grid_labels(scene, relations_limit=0)  # relations chosen below, not all pairs
    gl.relations = meaningful_relations(gl.objects)
    return gl


def _signature(chain: list[Action]) -> tuple[str, ...]:
    return tuple(a["op"] for a in chain)


def _choose(rows_per_pair: list[list[_Row]], grid_ops: set[str]) -> None:
    """One explanation per task: each row with several exact chains takes the chain whose ops
    the most of the task's rows could use (a chain with the task's whole-grid op first; the
    cheapest, then the first found, on a tie)."""
    counts: Counter[tuple[str, ...]] = Counter()
    for rows in rows_per_pair:
        for r in rows:
            counts.update({_signature(c) for c in (r.options or [r.actions])})

    def score(chain: list[Action]) -> tuple[bool, int, int]:
        sig = _signature(chain)
        return bool(grid_ops & set(sig)), counts[sig], -len(chain)

    for rows in rows_per_pair:
        for r in rows:
            if r.options and len(r.options) > 1:
                r.actions = max(r.options, key=score)


def _task_grid_actions(task: Task) -> list[list[Action]]:
    """Each pair's whole-grid action, kept only where one kind of action explains every
    pair that has an output (one explanation per task)."""
    found = [
        [] if p.output is None else grid_actions(p.input, p.output) for _, _, p in task.pairs()
    ]
    shown = [f for f, (_, _, p) in zip(found, task.pairs(), strict=True) if p.output is not None]
    ops = {tuple(a["op"] for a in f) for f in shown}
    if len(ops) == 1 and () not in ops:
        return found
    return [[] for _ in found]


@dataclass
class _Labelled:
    pairs: list[PairLabels]
    unexplained: int  # output cells in objects no exact chain explains


COMMON_CHAINS = 4  # the most used chains of a task tried again on objects left over


def _common_chains(rows_per_pair: list[list[_Row]]) -> list[list[Action]]:
    """The chains (with at least one action, no copy) the task's exact rows use most."""
    counts = Counter(
        json.dumps(r.actions, sort_keys=True)
        for rows in rows_per_pair
        for r in rows
        if r.options and r.actions and r.actions[0] != COPY
    )
    return [json.loads(c) for c, n in counts.most_common(COMMON_CHAINS) if n >= 2]


def _explained(r: _Row) -> bool:
    """Whether a row explains its output object by a chain (not created, not reshaped)."""
    return r.input_id is not None and not any(a["op"] == "reshape" for a in r.actions)


def _label_with(task: Task, segmenter: Segmenter, background: int | None = None) -> _Labelled:
    pairs = [p for _, _, p in task.pairs()]
    bgs = [pair_background(p) if background is None else background for p in pairs]
    scenes = [
        (segmenter(p.input, bg), None if p.output is None else segmenter(p.output, bg))
        for p, bg in zip(pairs, bgs, strict=True)
    ]
    rows = [
        [] if sout is None else match_pair(sin, sout, p.output.shape)
        for (sin, sout), p in zip(scenes, pairs, strict=True)
    ]
    chains = _common_chains(rows)
    if chains:  # a second pass: objects the first left may merge after the task's chain
        for k, ((sin, sout), p) in enumerate(zip(scenes, pairs, strict=True)):
            if sout is not None and any(r.input_id is None or r.output_id is None for r in rows[k]):
                rows[k] = match_pair(sin, sout, p.output.shape, chains)
    actions = _task_grid_actions(task)
    _choose(rows, {a["op"] for acts in actions for a in acts})
    out, unexplained = [], 0
    for p, bg, (sin, sout), prow, acts in zip(pairs, bgs, scenes, rows, actions, strict=True):
        gin = _grid(sin, p.input, bg)
        if sout is None:
            out.append(PairLabels(gin, None))
            continue
        gout = _grid(sout, p.output, bg)
        sizes = {o.id: len(o.cells) for o in gout.objects}
        for r in prow:
            if r.output_id is not None and not _explained(r):
                unexplained += sizes[r.output_id]
        corr = [Match(r.input_id, r.output_id, r.actions) for r in prow]
        out.append(PairLabels(gin, gout, corr, acts))
    return _Labelled(out, unexplained)


GUARD_ROUNDS = 3  # checker passes of the last guard (a fix can expose another row)


def _make_true(task: Task, labels: TaskLabels) -> None:
    """The last guard: a row the checker still rejects says ``reshape`` (an object said
    deleted that is still in view is joined to the output object over it; every row of a
    rejected merge or split says ``reshape`` after it), and whole-grid actions it rejects are
    dropped."""
    from z2h.arc.checklabels import check_task

    where = {
        f"task {task.id}: {s} pair {i}": pl
        for s in ("train", "test")
        for i, pl in enumerate(getattr(labels, s))
    }
    for _ in range(GUARD_ROUNDS):
        _, false = check_task(task, labels)
        if not false:
            return
        for f in false:
            pl = where[f.where]
            if f.row is None:
                pl.actions = []
            else:
                _reshape_row(pl, pl.correspondence[f.row])


def _reshape_row(pl: PairLabels, m: Match) -> None:
    ops = [a["op"] for a in m.actions]
    group = next((op for op in ("merge", "split") if op in ops), None)
    if group is not None:  # the whole group says what it cannot replay
        for x in pl.correspondence:
            joins = x.output_id == m.output_id if group == "merge" else x.input_id == m.input_id
            if joins and any(a["op"] == group for a in x.actions):
                cut = [a["op"] for a in x.actions].index(group) + 1
                x.actions = [*x.actions[:cut], {"op": "reshape"}]
        return
    if m.output_id is None and pl.output is not None:
        m.output_id = _object_over(pl, m.input_id)
    m.actions = [{"op": "reshape"}] if m.output_id is not None else []


def _object_over(pl: PairLabels, input_id: int) -> int | None:
    """The output object over an input object's first cell (placed by the pair's crop)."""
    top, left = 0, 0
    for a in pl.actions:
        if a.get("op") == "crop":
            top, left = a["box"][:2]
    r, c, _ = next(o for o in pl.input.objects if o.id == input_id).cells[0]
    for o in reversed(pl.output.objects):
        if any(x[0] == r - top and x[1] == c - left for x in o.cells):
            return o.id
    return None


def heuristic_labels(
    task: Task,
    objects: Segmenter | None = None,
    source: str = "",
    background: int | None = None,
    segmentations: Sequence[str] = SEGMENTATIONS,
) -> TaskLabels:
    """Labels for a task that has none (see the module docstring); every row passes the
    checker (``replay_ok`` records it). ``objects``: a segmenter to use instead of trying the
    connected components (``source`` says which, e.g. an objects model's run);
    ``background``: the colour to take as every grid's background instead of each input's
    most common; ``segmentations``: the kinds of components tried."""
    if objects is not None:
        tried = {source or "proposed": _label_with(task, objects, background)}
    else:
        tried = {
            how: _label_with(task, lambda g, bg, how=how: segment(g, how, bg), background)
            for how in segmentations
        }
    how = min(tried, key=lambda k: tried[k].unexplained)  # dicts keep order: ties keep the first
    pairs = tried[how].pairs
    n_train = len(task.train)
    labels = TaskLabels(
        task.id,
        None,
        None,
        None,
        None,
        {"source": "heuristic", "objects": how, "relations_per_object": RELATIONS_PER_OBJECT},
        pairs[:n_train],
        pairs[n_train:],
        provenance="model" if objects is not None else "heuristic",
    )
    _make_true(task, labels)
    from z2h.arc.checklabels import replay_ok

    labels.replay_ok = replay_ok(task, labels)
    return labels


def model_segmenter(run: str) -> Segmenter:
    """A segmenter from a trained objects model's run directory (torch needed). A grid larger
    than the model's canvas falls back to 8-connected components of many colours."""
    from z2h.arc.models.registry import load_run
    from z2h.errors import Z2HError

    model = load_run(run).model
    if not hasattr(model, "find"):
        raise Z2HError(f"--objects-model {run}: the run's model does not propose objects")

    def objects(grid: np.ndarray, background: int) -> list[Obj]:
        try:
            return objects_from_sets(grid, model.find([grid])[0], background)
        except Z2HError:  # larger than the canvas
            return segment(grid, "multi8", background)

    return objects
