"""ARC tasks: pairs of grids, read from and written to the ARC JSON format.

A task file is ``{"train": [{"input": grid, "output": grid}, ...], "test": [...]}``; a test
pair may lack its output (a task to be solved). A task's id is its file name without ``.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from z2h.arc.grid import ArcError, checked_grid, grid_to_list
from z2h.run import write_text_atomic

SPLITS = ("train", "test")


@dataclass
class Pair:
    input: np.ndarray  # (rows, cols) uint8
    output: np.ndarray | None = None  # None for a test input whose answer is hidden


@dataclass
class Task:
    id: str
    train: list[Pair] = field(default_factory=list)
    test: list[Pair] = field(default_factory=list)

    def pairs(self) -> Iterator[tuple[str, int, Pair]]:
        """Every pair as ``(split, index, pair)``, train first."""
        for split in SPLITS:
            for i, pair in enumerate(getattr(self, split)):
                yield split, i, pair

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Task):
            return NotImplemented
        return self.id == other.id and task_to_json(self) == task_to_json(other)


def task_from_json(obj: Any, task_id: str = "task") -> Task:
    """A task from parsed ARC JSON; a malformed one raises ``ArcError`` naming the pair and row."""
    if not isinstance(obj, dict):
        raise ArcError(f"task {task_id}: an ARC task is a JSON object with 'train' and 'test'")
    missing = [s for s in SPLITS if s not in obj]
    if missing:
        raise ArcError(f"task {task_id}: no {' or '.join(repr(m) for m in missing)} list")
    splits: dict[str, list[Pair]] = {}
    for split in SPLITS:
        items = obj[split]
        if not isinstance(items, list):
            raise ArcError(f"task {task_id}: {split!r} must be a list of pairs")
        if split == "train" and not items:
            raise ArcError(f"task {task_id}: 'train' has no pairs")
        pairs = []
        for i, item in enumerate(items):
            where = f"task {task_id}: {split} pair {i}"
            if not isinstance(item, dict) or "input" not in item:
                raise ArcError(f"{where}: a pair is an object with 'input' and 'output'")
            if split == "train" and "output" not in item:
                raise ArcError(f"{where}: no 'output'")
            inp = checked_grid(item["input"], f"{where} input")
            out = item.get("output")
            out = None if out is None else checked_grid(out, f"{where} output")
            pairs.append(Pair(inp, out))
        splits[split] = pairs
    return Task(task_id, splits["train"], splits["test"])


def task_to_json(task: Task) -> dict[str, Any]:
    """A task as ARC JSON (test pairs without an output are written with the input only)."""

    def pair(p: Pair) -> dict[str, Any]:
        d: dict[str, Any] = {"input": grid_to_list(p.input)}
        if p.output is not None:
            d["output"] = grid_to_list(p.output)
        return d

    return {split: [pair(p) for p in getattr(task, split)] for split in SPLITS}


def dumps_task(task: Task) -> str:
    """The task's JSON text, one line, as the ARC repositories write it (byte-stable)."""
    return json.dumps(task_to_json(task))


def read_task(path: str | os.PathLike[str]) -> Task:
    """Read one ARC task file; its id is the file name without ``.json``."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
    except FileNotFoundError:
        raise ArcError(f"no such task file: {path}") from None
    except IsADirectoryError:
        raise ArcError(f"{path} is a folder, not a task file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ArcError(f"task {path.stem}: not valid JSON ({e})") from None
    return task_from_json(obj, path.stem)


def write_task(path: str | os.PathLike[str], task: Task) -> Path:
    """Write ``task`` as ARC JSON, atomically."""
    return write_text_atomic(path, dumps_task(task) + "\n")


def read_tasks(folder: str | os.PathLike[str]) -> Iterator[Task]:
    """Every ``*.json`` task in ``folder``, in file-name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ArcError(f"{folder} is not a folder of task files")
    for path in sorted(folder.glob("*.json")):
        yield read_task(path)
