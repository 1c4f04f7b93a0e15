"""The checks a pair must pass to be kept, used at generation time and by ``z2h arc validate``.

A pair is kept only if both grids are valid, the output differs from the input, the input is
new in the task, the labels agree with the grids, and the generator's solver, given the task's
other demonstrations, reproduces the output.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from z2h.arc.generators._solve import same_grid
from z2h.arc.generators.base import CannotSolve, Example, Generator
from z2h.arc.grid import ArcError, checked_grid
from z2h.arc.labels import GridLabels, TaskLabels, check_grid_labels, check_labels
from z2h.arc.task import Pair, Task

# rejection reasons counted in the manifest (a generator's own Reject reasons are added,
# prefixed "generator:")
REASONS = {
    "invalid_grid": "a grid breaks the ARC conventions",
    "identity": "the output equals the input",
    "duplicate_input": "the input repeats one already in the task",
    "labels": "the labels disagree with the grids",
    "solver": "the solver, given the other demonstrations, does not reproduce the output",
}


# the colour permutation ``task_problems`` checks a colour-invariant solver with: c -> 9 - c,
# which moves every colour (9 - c = c has no whole solution), the background 0 included
EVERY_COLOR_MOVES = tuple(9 - c for c in range(10))


def grid_key(grid: np.ndarray) -> bytes:
    return grid.shape[0].to_bytes(1, "little") + grid.tobytes()


def check_example(
    ex: Example, inp: np.ndarray, out: np.ndarray, gl_in: GridLabels, gl_out: GridLabels
) -> str | None:
    """The reason to reject one generated pair (None: keep it), before the solver check."""
    try:
        checked_grid(inp)
        checked_grid(out)
    except ArcError:
        return "invalid_grid"
    if same_grid(inp, out):
        return "identity"
    # the labels were just derived from the scenes, so their boxes and colours follow from the
    # cells by construction; what needs checking is that painting them gives the grids
    if check_grid_labels(inp, gl_in, "input", derived=False) or check_grid_labels(
        out, gl_out, "output", derived=False
    ):
        return "labels"
    in_ids = {o.id for o in gl_in.objects}
    out_ids = {o.id for o in gl_out.objects}
    for m in ex.correspondence:
        if (m.input_id is not None and m.input_id not in in_ids) or (
            m.output_id is not None and m.output_id not in out_ids
        ):
            return "labels"
    return None


def demos_for(task: Task, split: str, index: int) -> list[Pair]:
    """The demonstrations a solver sees for one pair: all train pairs for a test pair, the other
    train pairs (leave one out) for a train pair."""
    if split == "test":
        return task.train
    return [p for i, p in enumerate(task.train) if i != index]


def solves(gen: Generator, grid: np.ndarray, expected: np.ndarray, demos: Sequence[Pair]) -> bool:
    try:
        got = gen.solve(grid, demos)
    except CannotSolve:
        return False
    return same_grid(got, expected)


def solver_failures(gen: Generator, task: Task) -> list[tuple[str, int]]:
    """The (split, index) of every pair the solver gets wrong (see ``demos_for``)."""
    return [
        (split, i)
        for split, i, pair in task.pairs()
        if pair.output is not None
        and not solves(gen, pair.input, pair.output, demos_for(task, split, i))
    ]


def permute_colors(task: Task, perm: Sequence[int]) -> Task:
    """The task with every colour c replaced by perm[c]."""
    lut = np.asarray(perm, dtype=np.uint8)

    def p(g: np.ndarray | None) -> np.ndarray | None:
        return None if g is None else lut[g]

    return Task(
        task.id,
        [Pair(lut[x.input], p(x.output)) for x in task.train],
        [Pair(lut[x.input], p(x.output)) for x in task.test],
    )


def color_permutation_failures(
    gen: Generator, task: Task, perm: Sequence[int]
) -> list[tuple[str, int]]:
    """BARC's check for colour-blind rules: the solver still solves the recoloured task."""
    return solver_failures(gen, permute_colors(task, perm))


def task_problems(task: Task, labels: TaskLabels | None, gen: Generator | None) -> list[str]:
    """Every problem with a task (and its labels, and its generator's solver where known)."""
    problems = []
    seen: dict[bytes, str] = {}
    for split, i, pair in task.pairs():
        where = f"task {task.id}: {split} pair {i}"
        if pair.output is not None and np.array_equal(pair.input, pair.output):
            problems.append(f"{where}: the output equals the input")
        key = grid_key(pair.input)
        if key in seen:
            problems.append(f"{where}: the input repeats {seen[key]}")
        seen[key] = f"{split} pair {i}"
    if labels is not None:
        problems += check_labels(task, labels)
    if gen is not None:
        for split, i in solver_failures(gen, task):
            problems.append(
                f"task {task.id}: {split} pair {i}: generator {gen.name}'s solver, given the "
                "other demonstrations, does not reproduce the output"
            )
        if gen.color_invariant and not problems:
            perm = list(EVERY_COLOR_MOVES)
            for split, i in color_permutation_failures(gen, task, perm):
                problems.append(
                    f"task {task.id}: {split} pair {i}: {gen.name} claims colour invariance, "
                    f"but its solver fails once colours are permuted by {perm}"
                )
    return problems
