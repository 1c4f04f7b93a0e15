"""Making verified, labelled tasks: one task from (generator, seed, index, difficulty range).

Everything a task holds follows from those four values, so the same call gives byte-identical
files on any machine, and any subset of a big set (a shard) can be made on its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from z2h.arc.generators.base import Example, Generator, Rand, Reject
from z2h.arc.grid import ArcError
from z2h.arc.labels import GridLabels, PairLabels, TaskLabels, grid_labels
from z2h.arc.task import Pair, Task
from z2h.arc.verify import check_example, grid_key, solver_failures

MAX_ATTEMPTS = 200  # pair draws per task before giving up on it


class GenerationError(ArcError):
    """A generator could not make a valid task within its attempt limit."""


@dataclass
class GeneratedTask:
    task: Task
    labels: TaskLabels
    rejected: Counter = field(default_factory=Counter)  # reason -> pairs rejected


def task_id(name: str, seed: int, index: int) -> str:
    """The reproducible id of a generated task."""
    return f"{name}-{seed}-{index:06d}"


def check_difficulty(difficulty: tuple[float, float]) -> tuple[float, float]:
    lo, hi = (float(v) for v in difficulty)
    if not (0.0 <= lo <= 1.0 and 0.0 <= hi <= 1.0):
        raise ArcError(f"difficulty must lie in [0, 1], got {lo:g},{hi:g}")
    if lo > hi:
        raise ArcError(f"difficulty LO,HI needs LO <= HI, got {lo:g},{hi:g}")
    return lo, hi


@dataclass
class _Candidate:
    example: Example
    pair: Pair
    labels: tuple[GridLabels, GridLabels]


def _draw(gen: Generator, r: Rand, params: dict, seen: set[bytes], rejected: Counter):
    """One candidate pair that passes the per-pair checks, or None (reason counted)."""
    try:
        ex = gen.make_pair(r, params)
    except Reject as e:
        rejected[f"generator:{e.reason}"] += 1
        return None
    try:
        inp, out = ex.input.render(), ex.output.render()
    except (ArcError, ValueError, IndexError):
        rejected["invalid_grid"] += 1
        return None
    key = grid_key(inp)
    if key in seen:
        rejected["duplicate_input"] += 1
        return None
    gl_in, gl_out = grid_labels(ex.input), grid_labels(ex.output)
    reason = check_example(ex, inp, out, gl_in, gl_out)
    if reason is not None:
        rejected[reason] += 1
        return None
    seen.add(key)
    return _Candidate(ex, Pair(inp, out), (gl_in, gl_out))


def make_task(
    gen: Generator,
    seed: int,
    index: int,
    difficulty: tuple[float, float] = (0.0, 1.0),
    max_attempts: int = MAX_ATTEMPTS,
) -> GeneratedTask:
    """A verified, labelled task; raises ``GenerationError`` naming the generator and the
    rejection reasons if ``max_attempts`` pair draws do not make one."""
    difficulty = check_difficulty(difficulty)
    tid = task_id(gen.name, seed, index)
    r = Rand(f"{gen.name}:{seed}:{index}", difficulty)
    params = gen.params(r)
    n_train = r.randint(*gen.train_pairs)
    n = n_train + gen.test_pairs
    rejected: Counter = Counter()
    seen: set[bytes] = set()
    cands: list[_Candidate] = []
    attempts = 0
    while True:
        while len(cands) < n:
            if attempts >= max_attempts:
                reasons = ", ".join(f"{k} {v}" for k, v in rejected.most_common()) or "none"
                raise GenerationError(
                    f"generator {gen.name} made no valid task {tid} in {max_attempts} attempts "
                    f"(rejected pairs: {reasons})"
                )
            attempts += 1
            c = _draw(gen, r, params, seen, rejected)
            if c is not None:
                cands.append(c)
        task = Task(tid, [c.pair for c in cands[:n_train]], [c.pair for c in cands[n_train:]])
        failed = solver_failures(gen, task)
        if not failed:
            break
        # drop the pairs the solver missed and draw replacements; the others stay in order
        drop = {i if split == "train" else n_train + i for split, i in failed}
        rejected["solver"] += len(drop)
        for i in drop:
            seen.discard(grid_key(cands[i].pair.input))
        cands = [c for i, c in enumerate(cands) if i not in drop]

    def pair_labels(c: _Candidate) -> PairLabels:
        return PairLabels(c.labels[0], c.labels[1], c.example.correspondence, c.example.actions)

    labels = TaskLabels(
        tid,
        gen.name,
        seed,
        index,
        difficulty,
        params,
        [pair_labels(c) for c in cands[:n_train]],
        [pair_labels(c) for c in cands[n_train:]],
    )
    return GeneratedTask(task, labels, rejected)
