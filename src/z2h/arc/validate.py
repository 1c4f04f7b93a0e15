"""``z2h arc validate``: find every problem in task files, labels files, sets and shards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from z2h.arc.checklabels import false_rows
from z2h.arc.checks import task_problems
from z2h.arc.dataset import TASKS, labels_file, layout_problems, read_labels, shard_rows, task_files
from z2h.arc.generators.base import Generator
from z2h.arc.grid import ArcError
from z2h.arc.labels import TaskLabels
from z2h.arc.task import Task, read_task


def _generator(
    labels: TaskLabels | None, where: str, problems: list[str], notes: list[str] | None = None
) -> Generator | None:
    from z2h.arc.generators.registry import find_generator
    from z2h.arc.sketch import verifier

    if labels is None or labels.generator is None:
        return None
    gen = find_generator(labels.generator)
    if gen is None:
        known, gen = verifier(labels.generator)  # a shipped sketch (None: it has no solve())
        if known and gen is None and notes is not None:
            notes.append(f"{where}: unverified (sketch {labels.generator} has no solve())")
        elif not known and labels.provenance == "sketch" and notes is not None:
            notes.append(f"{where}: unverified (sketch {labels.generator} is not shipped)")
        elif not known and labels.provenance != "sketch":
            problems.append(f"{where}: labels name generator {labels.generator!r}, unknown here")
    return gen


def _check(
    task: Task, labels: TaskLabels | None, where: str, notes: list[str] | None = None
) -> list[str]:
    problems: list[str] = []
    gen = _generator(labels, where, problems, notes)
    return problems + task_problems(task, labels, gen) + false_rows(task, labels)


def _task_files(path: Path) -> Iterator[tuple[Path, Path | None]]:
    """(task file, its labels file or None) for a file, a set folder or a folder of tasks."""
    if path.is_file():
        root = path.parent.parent
        labels = labels_file(root, path.stem)
        yield path, labels if labels.is_file() and path.parent.name == TASKS else None
        return
    for task_path in task_files(path):
        labels = labels_file(path, task_path.stem)
        yield task_path, labels if labels.is_file() else None


def validate_path(path: Path, notes: list[str] | None = None) -> tuple[int, list[str]]:
    """(tasks checked, every problem found) under ``path``: a task file, a JSONL shard, a
    generated set's folder (its tasks/ with labels/, and its manifests and shards against the
    files) or a folder of task files. ``notes`` collects the tasks that could not be verified
    (a sketch without solve())."""
    if not path.exists():
        raise ArcError(f"no such file or folder: {path}")
    problems: list[str] = []
    checked = 0
    if path.is_file() and path.suffix == ".jsonl":
        for where, task, labels, error in shard_rows(path):
            checked += 1
            problems += [error] if error else _check(task, labels, where, notes)
        return checked, problems
    if path.is_dir():
        problems += layout_problems(path)
    for task_path, labels_path in _task_files(path):
        checked += 1
        try:
            task = read_task(task_path)
            labels = None if labels_path is None else read_labels(labels_path)
        except ArcError as e:
            problems.append(str(e))
            continue
        problems += _check(task, labels, f"task {task.id}", notes)
    if checked == 0:
        raise ArcError(f"{path}: no task files (*.json) found")
    return checked, problems
