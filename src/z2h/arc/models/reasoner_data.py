"""The object reasoner's examples: objects as tokens, explanations as targets.

Each object of a grid becomes one row of ``N_FEATURES`` ints (its role and pair, box, grid size,
distances to the far edges, size, main colour, paint order, the action it is known to take, and
its mask and colours sampled on a ``PATCH`` x ``PATCH`` patch). An example is a sequence of such
rows, padded to ``max_tokens``, with one row of ``N_TARGETS`` targets per token:

- explain: a pair's input objects, then its output objects; each input object's targets are its
  action (op and parameters) and the token index of the output object it became (``max_tokens``:
  none, it was deleted);
- solve: every demonstration's input objects carrying their actions (given by the labels or
  inferred by the explain head), then the test input's objects, whose targets are their actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from z2h.arc.grid import most_common_color
from z2h.arc.labels import GridLabels, ObjectLabel, PairLabels, TaskLabels
from z2h.arc.models.encode import EncodingError
from z2h.arc.models.reasoner_actions import (
    COLOR_OPS,
    COLOR_SPAWNS,
    DIRECTION_OPS,
    DIRECTIONS,
    MAX_SHIFT,
    OFFSET_OPS,
    OPS,
    SPAWNS,
    Explanation,
    ObjectAction,
    explain_pair,
)
from z2h.arc.objects import components

PATCH = 6  # an object's mask and colours, sampled on PATCH x PATCH cells
EMPTY_CELL = 10  # a patch cell outside the object
ROLES = ("pad", "explain_in", "explain_out", "demo_in", "test_in")
MAX_SIZE_EMB = 64  # cell counts at or above this share the last embedding
MAX_ORDER = 32  # paint-order indices at or above this share the last embedding
# the columns of a token row; ACTION_COLS hold op+1, colour+1, direction+1, dr+MAX_SHIFT+1,
# dc+MAX_SHIFT+1, spawn+1, spawn colour+1 (0: unknown or not applicable)
FEATURES = ("role", "pair", "top", "left", "height", "width", "grid_h", "grid_w", "below",
            "right", "size", "color", "order")  # fmt: skip
ACTION_COLS = ("a_op", "a_color", "a_dir", "a_dr", "a_dc", "a_spawn", "a_spawn_color")
N_FEATURES = len(FEATURES) + len(ACTION_COLS) + PATCH * PATCH
# targets per token (-1: none): op, colour, direction, dr, dc, spawn, spawn colour, match
TARGETS = ("op", "color", "direction", "dr", "dc", "spawn", "spawn_color", "match")
N_TARGETS = len(TARGETS)
N_OFFSETS = 2 * MAX_SHIFT + 1


def action_targets(a: ObjectAction) -> list[int]:
    """The 7 action targets of one action (-1 where a parameter does not apply)."""
    return [
        OPS.index(a.op),
        a.color if a.op in COLOR_OPS and a.color is not None else -1,
        DIRECTIONS.index(a.direction) if a.op in DIRECTION_OPS and a.direction else -1,
        a.by[0] + MAX_SHIFT if a.op in OFFSET_OPS and a.by else -1,
        a.by[1] + MAX_SHIFT if a.op in OFFSET_OPS and a.by else -1,
        SPAWNS.index(a.spawn),
        a.spawn_color if a.spawn in COLOR_SPAWNS and a.spawn_color is not None else -1,
    ]


def action_of(t: Sequence[int]) -> ObjectAction:
    """The action of 7 targets (``action_targets``' inverse)."""
    op, spawn = OPS[t[0]], SPAWNS[t[5]]
    return ObjectAction(
        op,
        color=int(t[1]) if op in COLOR_OPS else None,
        direction=DIRECTIONS[t[2]] if op in DIRECTION_OPS else None,
        by=(int(t[3]) - MAX_SHIFT, int(t[4]) - MAX_SHIFT) if op in OFFSET_OPS else None,
        spawn=spawn,
        spawn_color=int(t[6]) if spawn in COLOR_SPAWNS else None,
    )


def object_row(
    o: ObjectLabel, gl: GridLabels, role: str, pair: int, order: int, action: ObjectAction | None
) -> list[int]:
    top, left, h, w = o.box
    counts = np.bincount([k for _, _, k in o.cells], minlength=10)
    row = [ROLES.index(role), pair, top, left, h, w, gl.height, gl.width,
           gl.height - top - h, gl.width - left - w, min(len(o.cells), MAX_SIZE_EMB - 1),
           int(counts.argmax()), min(order, MAX_ORDER - 1)]  # fmt: skip
    row += [0] * len(ACTION_COLS) if action is None else [v + 1 for v in action_targets(action)]
    return row + patch(o)


def patch(o: ObjectLabel) -> list[int]:
    """The object's cells on a PATCH x PATCH patch: its box, sampled at the nearest cell when
    the box is larger (EMPTY_CELL where the object has no cell)."""
    top, left, h, w = o.box
    colour = {(r - top, c - left): k for r, c, k in o.cells}
    rows = [i * h // PATCH for i in range(PATCH)] if h > PATCH else list(range(PATCH))
    cols = [j * w // PATCH for j in range(PATCH)] if w > PATCH else list(range(PATCH))
    return [colour.get((r, c), EMPTY_CELL) for r in rows for c in cols]


@dataclass
class Tokens:
    """An example being built: token rows and their targets."""

    rows: list[list[int]]
    targets: list[list[int]]

    def add(self, gl: GridLabels, role: str, pair: int, actions=None, targets=None) -> int:
        """Append ``gl``'s objects; returns the index of the first."""
        start = len(self.rows)
        for k, o in enumerate(gl.objects):
            a = None if actions is None else actions[k]
            self.rows.append(object_row(o, gl, role, pair, k, a))
            self.targets.append([-1] * N_TARGETS if targets is None else targets[k])
        return start

    def arrays(self, max_tokens: int, what: str) -> tuple[np.ndarray, np.ndarray]:
        if len(self.rows) > max_tokens:
            raise EncodingError(
                f"{what}: {len(self.rows)} objects, more than max_tokens={max_tokens}"
            )
        x = np.zeros((max_tokens, N_FEATURES), np.int64)
        y = np.full((max_tokens, N_TARGETS), -1, np.int64)
        if self.rows:
            x[: len(self.rows)] = self.rows
            y[: len(self.rows)] = self.targets
        return x, y


def explain_example(
    pl: PairLabels, ex: Explanation | None, max_tokens: int, what: str = "pair"
) -> tuple[np.ndarray, np.ndarray]:
    """A pair's input objects then its output objects; targets from ``ex`` when given."""
    if pl.output is None:
        raise EncodingError(f"{what}: its output is not labelled")
    tok = Tokens([], [])
    n_in = len(pl.input.objects)
    out_start = n_in
    targets = None
    if ex is not None:
        targets = [
            [*action_targets(a), max_tokens if m is None else out_start + m]
            for a, m in zip(ex.actions, ex.matches, strict=True)
        ]
    tok.add(pl.input, "explain_in", 0, targets=targets)
    tok.add(pl.output, "explain_out", 0)
    return tok.arrays(max_tokens, what)


def solve_example(
    demos: Sequence[tuple[GridLabels, Explanation | None]],
    query: GridLabels,
    answer: Explanation | None,
    max_tokens: int,
    what: str = "task",
) -> tuple[np.ndarray, np.ndarray]:
    """Demonstration inputs carrying their actions (unknown where an explanation is None),
    then the test input's objects (targets: ``answer``'s actions when given). Demonstrations
    that do not fit are dropped from the end (one at least is kept)."""
    demos = list(demos)
    need = len(query.objects)
    while len(demos) > 1 and need + sum(len(g.objects) for g, _ in demos) > max_tokens:
        demos.pop()
    tok = Tokens([], [])
    for k, (gl, ex) in enumerate(demos):
        tok.add(gl, "demo_in", k, actions=None if ex is None else ex.actions)
    targets = None
    if answer is not None:
        targets = [[*action_targets(a), -1] for a in answer.actions]
    tok.add(query, "test_in", len(demos), targets=targets)
    return tok.arrays(max_tokens, what)


def labelled_pairs(labels: TaskLabels) -> list[PairLabels]:
    return [pl for pl in labels.train + labels.test if pl.output is not None]


def training_example(
    labels: TaskLabels, rng: np.random.Generator, explain_frac: float, max_tokens: int
) -> tuple[np.ndarray, np.ndarray]:
    """One explain example (with probability ``explain_frac``) or one solve example of a
    labelled task: a random pair as the question, the others as demonstrations in random
    order, their explanations from the labels."""
    pairs = labelled_pairs(labels)
    if len(pairs) < 2:
        raise EncodingError(f"task {labels.task_id}: needs two labelled pairs")
    q = int(rng.integers(len(pairs)))
    if rng.random() < explain_frac:
        return explain_example(pairs[q], explain_pair(pairs[q]), max_tokens, labels.task_id)
    order = [int(i) for i in rng.permutation(len(pairs)) if i != q]
    demos = [(pairs[i].input, explain_pair(pairs[i])) for i in order]
    return solve_example(demos, pairs[q].input, explain_pair(pairs[q]), max_tokens,
                         labels.task_id)  # fmt: skip


def grid_objects(grid: np.ndarray) -> GridLabels:
    """Objects of an unlabelled grid: its 8-connected one-colour components on the most common
    colour (what a task without labels offers until the objects model stands in)."""
    grid = np.asarray(grid)
    bg = most_common_color(grid)
    h, w = grid.shape
    objs = []
    for k, cells in enumerate(components(grid, 8, False, bg)):
        rc = [[i // w, i % w, int(grid.flat[i])] for i in cells]
        rows, cols = [c[0] for c in rc], [c[1] for c in rc]
        box = [min(rows), min(cols), max(rows) - min(rows) + 1, max(cols) - min(cols) + 1]
        objs.append(ObjectLabel(k, rc, sorted({c[2] for c in rc}), box))
    return GridLabels(h, w, bg, objs, [])
