"""Predictions: the file models write and the studio reads, in the ARC Prize (Kaggle) format.

``{task_id: [{"attempt_1": grid, "attempt_2": grid}, ...]}`` with one entry per test input, in
the task's order. ``score`` counts a test input as solved only when a whole predicted grid, size
included, equals the answer; cell accuracy (attempt 1 against the answer, 0 when the size differs)
is a diagnostic, never the headline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from z2h.arc.grid import ArcError, checked_grid, grid_to_list
from z2h.arc.task import Task
from z2h.run import write_text_atomic

ATTEMPTS = ("attempt_1", "attempt_2")

# task id -> one list of attempts (1 or 2 grids) per test input
Predictions = dict[str, list[list[np.ndarray]]]


def predictions_from_json(obj: Any, where: str = "predictions") -> Predictions:
    """Parse and check the Kaggle-format JSON; errors name the task, test input and attempt."""
    if not isinstance(obj, dict):
        raise ArcError(f"{where}: a JSON object {{task_id: [attempts per test input]}} expected")
    out: Predictions = {}
    for task_id, entries in obj.items():
        if not isinstance(entries, list) or not entries:
            raise ArcError(
                f"{where}: task {task_id}: a list with one entry per test input expected"
            )
        per_test = []
        for t, entry in enumerate(entries):
            w = f"{where}: task {task_id} test {t}"
            if not isinstance(entry, dict) or "attempt_1" not in entry:
                raise ArcError(f"{w}: an object with 'attempt_1' (and 'attempt_2') expected")
            unknown = sorted(set(entry) - set(ATTEMPTS))
            if unknown:
                raise ArcError(f"{w}: unknown key(s) {', '.join(unknown)}")
            per_test.append(
                [checked_grid(entry[a], f"{w} {a}") for a in ATTEMPTS if entry.get(a) is not None]
            )
        out[str(task_id)] = per_test
    return out


def predictions_to_json(preds: Predictions) -> dict[str, Any]:
    return {
        task_id: [
            {a: grid_to_list(g) for a, g in zip(ATTEMPTS, attempts, strict=False)}
            for attempts in per_test
        ]
        for task_id, per_test in preds.items()
    }


def read_predictions(path: str | os.PathLike[str]) -> Predictions:
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
    except FileNotFoundError:
        raise ArcError(f"no such predictions file: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ArcError(f"{path}: not valid JSON ({e})") from None
    return predictions_from_json(obj, str(path))


def write_predictions(path: str | os.PathLike[str], preds: Predictions) -> Path:
    """Write predictions atomically (each attempt list holds 1 or 2 grids)."""
    for task_id, per_test in preds.items():
        for t, attempts in enumerate(per_test):
            if not 1 <= len(attempts) <= 2:
                raise ArcError(f"task {task_id} test {t}: 1 or 2 attempts, got {len(attempts)}")
    return write_text_atomic(path, json.dumps(predictions_to_json(preds)) + "\n")


@dataclass
class TaskScore:
    task_id: str
    pass1: float  # fraction of test inputs whose first attempt is exactly right
    pass2: float  # fraction solved by either attempt
    cell_accuracy: float  # mean over test inputs; attempt 1 vs the answer, 0 if sizes differ


@dataclass
class Score:
    tasks: list[TaskScore]
    pass1: float  # mean over tasks
    pass2: float
    cell_accuracy: float
    missing: list[str]  # tasks with no prediction (scored 0)
    # how near the misses are (diagnostics): of all test inputs, the fraction whose first attempt
    # has the answer's size; of those first attempts, the median number of wrong cells
    size_accuracy: float = 0.0
    wrong_cells_median: float | None = None


def score(preds: Predictions, tasks: Iterable[Task]) -> Score:
    """Exact-grid pass@1 and pass@2 of ``preds`` on ``tasks`` (whose test outputs are known)."""
    rows, missing = [], []
    tests, wrong = 0, []  # test inputs; wrong cells of each first attempt of the right size
    for task in tasks:
        answers = [p.output for p in task.test]
        if any(a is None for a in answers):
            raise ArcError(f"task {task.id}: a test output is missing, so it cannot be scored")
        per_test = preds.get(task.id)
        if per_test is None:
            missing.append(task.id)
            per_test = []
        if len(per_test) > len(answers):
            raise ArcError(
                f"task {task.id}: {len(per_test)} predictions for {len(answers)} test inputs"
            )
        p1 = p2 = acc = 0.0
        tests += len(answers)
        for t, answer in enumerate(answers):
            attempts = per_test[t] if t < len(per_test) else []
            hits = [a.shape == answer.shape and np.array_equal(a, answer) for a in attempts[:2]]
            p1 += bool(hits[:1] and hits[0])
            p2 += any(hits)
            if attempts and attempts[0].shape == answer.shape:
                acc += float((attempts[0] == answer).mean())
                wrong.append(int((attempts[0] != answer).sum()))
        n = len(answers)
        rows.append(TaskScore(task.id, p1 / n, p2 / n, acc / n))

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs) if xs else 0.0

    return Score(
        rows,
        mean([r.pass1 for r in rows]),
        mean([r.pass2 for r in rows]),
        mean([r.cell_accuracy for r in rows]),
        missing,
        len(wrong) / tests if tests else 0.0,
        float(np.median(wrong)) if wrong else None,
    )
