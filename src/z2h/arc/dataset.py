"""ARC tasks on disk, in one place: the set layout, task ids, reading a set and writing one.

A generated set (``z2h arc generate --out DIR``; layout version ``SET_FORMAT``)::

    DIR/manifest.json                      what made the set (manifest-I-of-N.json per shard)
    DIR/tasks/<id>.json                    one ARC task file per task
    DIR/labels/<id>.json                   its labels (z2h.arc.labels)
    DIR/shards/shard-IIIII-of-NNNNN.jsonl  the shard's tasks, a line each: {"id", "task", "labels"}

A plain folder of ARC JSON files (``DIR/<id>.json``, labels, if any, in ``DIR/labels/<id>.json``)
reads the same way. A generated task's id is ``NAME-SEED-INDEX`` (the index in six digits), so
the generator, seed and index of any task can be read back from its id alone.

Every reader of a set (training, evaluation, ``z2h arc validate``, the studio) goes through
``TaskSet`` or the layout functions here; ``SetWriter`` is the one writer.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from z2h.arc.grid import ArcError
from z2h.arc.labels import TaskLabels
from z2h.arc.task import Task, read_task, task_from_json

SET_FORMAT = 1  # version of the layout above
TASKS, LABELS, SHARDS = "tasks", "labels", "shards"

# -- task ids --------------------------------------------------------------------------------------
# non-greedy name: a negative seed's '-' belongs to the seed, not the name
_GENERATED_ID = re.compile(r"(?P<name>.+?)-(?P<seed>-?\d+)-(?P<index>\d+)")


@dataclass(frozen=True)
class GeneratedId:
    """What a generated task's id says: the generator (or sketch) that made it, seed, index."""

    name: str
    seed: int
    index: int


def task_id(name: str, seed: int, index: int) -> str:
    """The reproducible id of a generated task."""
    return f"{name}-{seed}-{index:06d}"


def parse_task_id(tid: str) -> GeneratedId | None:
    """The parts of a generated task's id, or None for any other id (a real ARC task's)."""
    m = _GENERATED_ID.fullmatch(tid)
    if m is None:
        return None
    return GeneratedId(m["name"], int(m["seed"]), int(m["index"]))


def generator_name(tid: str, known: Sequence[str] = ()) -> str:
    """The generator a task came from: the longest of ``known`` its id starts with, else the
    name its id gives, else ``"real"``."""
    for name in sorted(known, key=len, reverse=True):
        if tid.startswith(name + "-"):
            return name
    parsed = parse_task_id(tid)
    return parsed.name if parsed else "real"


# -- layout ----------------------------------------------------------------------------------------
def set_paths(root: Path, shard: tuple[int, int] = (0, 1)) -> dict[str, Path]:
    """The folders and files one shard of a generated set writes under ``root``."""
    i, n = shard
    return {
        TASKS: root / TASKS,
        LABELS: root / LABELS,
        "manifest": root / (f"manifest-{i}-of-{n}.json" if n > 1 else "manifest.json"),
        "shard": root / SHARDS / f"shard-{i:05d}-of-{n:05d}.jsonl",
    }


def tasks_folder(root: Path) -> Path:
    """Where the task files of ``root`` are: ``root/tasks`` in a generated set, else ``root``."""
    return root / TASKS if (root / TASKS).is_dir() else root


def labels_file(root: Path, tid: str) -> Path:
    return root / LABELS / f"{tid}.json"


def task_files(root: Path) -> list[Path]:
    """The task files of a set or plain folder, sorted by id."""
    return sorted(tasks_folder(root).glob("*.json"))


def read_labels(path: Path) -> TaskLabels | None:
    """The labels in ``path``, or None when there is no such file."""
    if not path.is_file():
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return TaskLabels.from_json(json.load(f), f"labels {path.name}")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ArcError(f"labels {path.name}: not valid JSON ({e})") from None


def manifests(root: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every manifest of the set at ``root`` (one, or one per shard), parsed."""
    found = []
    for path in sorted(root.glob("manifest*.json")):
        try:
            with open(path, encoding="utf-8") as f:
                found.append((path, json.load(f)))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ArcError(f"{path}: unreadable manifest ({e})") from None
    return found


def shard_ids(path: Path) -> list[str]:
    """The task ids a shard file lists, in order (lines that are not rows are skipped: reading
    them in full is ``shard_rows``'s job)."""
    ids = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'\{"id": ("(?:[^"\\]|\\.)*")', line)
            if m:
                ids.append(json.loads(m.group(1)))
    return ids


def shard_rows(path: Path) -> Iterator[tuple[str, Task | None, TaskLabels | None, str | None]]:
    """(where, task, labels, error) for every line of a shard file."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            where = f"{path.name} line {n}"
            try:
                row = json.loads(line)
                task = task_from_json(row["task"], str(row["id"]))
                labels = TaskLabels.from_json(row["labels"], f"{where} labels")
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                yield where, None, None, f"{where}: not a shard row ({type(e).__name__}: {e})"
                continue
            except ArcError as e:
                yield where, None, None, f"{where}: {e}"
                continue
            yield where, task, labels, None


def layout_problems(root: Path) -> list[str]:
    """What disagrees between a generated set's manifests, shards and files: tasks no shard
    lists (left by another run), listed tasks without a file, manifests of failed runs."""
    found = manifests(root)
    if not found:
        return []
    problems, listed = [], set()
    for path, manifest in found:
        if manifest.get("status") != "complete":
            problems.append(f"{path.name}: the run that wrote it did not complete "
                            f"({manifest.get('error') or manifest.get('status')})")  # fmt: skip
        shard = root / str(manifest.get("files", {}).get("shard", ""))
        if not shard.is_file():
            problems.append(f"{path.name}: its shard file {shard.name} is missing")
            continue
        listed.update(shard_ids(shard))
    on_disk = {p.stem for p in task_files(root)}
    for tid in sorted(on_disk - listed):
        problems.append(f"{TASKS}/{tid}.json: no shard lists it (left by another run?)")
    for tid in sorted(listed - on_disk):
        problems.append(f"{TASKS}/{tid}.json: listed by a shard but missing")
    return problems


# -- reading ---------------------------------------------------------------------------------------
class TaskSet(Sequence[Task]):
    """The tasks of a generated set or a plain folder, read on access: ``ts[0]``, ``ts[-1]``,
    ``ts["flip-0-000003"]`` give a ``Task``, ``ts[:10]`` a smaller ``TaskSet``;
    ``ts.labels(key)`` its labels (or None)."""

    def __init__(self, root: Path, files: list[Path]):
        self.root = root
        self._files = files
        self._index = {p.stem: i for i, p in enumerate(files)}

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> TaskSet:
        root = Path(path)
        if not root.is_dir():
            raise ArcError(f"{root}: not a folder (make a set with 'z2h arc generate --out DIR')")
        files = task_files(root)
        if not files:
            raise ArcError(
                f"{root}: no tasks there (no *.json in {root}/{TASKS} or {root}); make a set "
                "with 'z2h arc generate --out DIR'"
            )
        return cls(root, files)

    @property
    def ids(self) -> list[str]:
        return [p.stem for p in self._files]

    @property
    def generated(self) -> bool:
        """Whether ``root`` is a set written by ``z2h arc generate`` (it has a manifest)."""
        return any(self.root.glob("manifest*.json"))

    def __len__(self) -> int:
        return len(self._files)

    @overload
    def __getitem__(self, key: int | str) -> Task: ...
    @overload
    def __getitem__(self, key: slice) -> TaskSet: ...
    def __getitem__(self, key: int | str | slice) -> Task | TaskSet:
        if isinstance(key, slice):
            return TaskSet(self.root, self._files[key])
        return read_task(self._file(key))

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def _file(self, key: int | str) -> Path:
        if isinstance(key, str):
            if key not in self._index:
                raise KeyError(f"no task {key!r} in {self.root}")
            return self._files[self._index[key]]
        return self._files[key]

    def labels(self, key: int | str) -> TaskLabels | None:
        return read_labels(labels_file(self.root, self._file(key).stem))

    def labelled(self) -> Iterator[tuple[Task, TaskLabels | None]]:
        """Every task with its labels (None where it has none), in id order."""
        for i in range(len(self)):
            yield self[i], self.labels(i)

    def __repr__(self) -> str:
        kind = "generated set" if self.generated else "folder"
        first = f", first {self._files[0].stem!r}" if self._files else ""
        return f"TaskSet({str(self.root)!r}: {len(self)} tasks, {kind}{first})"


# -- writing ---------------------------------------------------------------------------------------
def shard_line(tid: str, task_text: str, labels_text: str) -> str:
    """One shard row, from a task's and its labels' JSON text (joined, not parsed again)."""
    return f'{{"id": {json.dumps(tid)}, "task": {task_text}, "labels": {labels_text}}}\n'


def write_entry(folders: tuple[Path, Path], tid: str, task_text: str, labels_text: str) -> None:
    """A task's file and its labels' file, each written atomically (not yet flushed to disk:
    ``SetWriter.finish`` syncs once for the whole set)."""
    from z2h.run import write_text_atomic

    tasks_dir, labels_dir = folders
    write_text_atomic(tasks_dir / f"{tid}.json", task_text + "\n", fsync=False)
    write_text_atomic(labels_dir / f"{tid}.json", labels_text + "\n", fsync=False)


class SetWriter:
    """Writes one shard of a set under ``root``: the task and label files, the shard file, and
    the manifest last. A folder that already holds this shard's manifest, or files that are not
    a set, is refused unless ``force``; ``force`` first removes what the old manifest lists."""

    def __init__(self, root: str | os.PathLike[str], shard: tuple[int, int], force: bool = False):
        from z2h.run import make_run_dir

        self.root = Path(root)
        self.paths = set_paths(self.root, shard)
        self._check_free(force)
        make_run_dir(self.root)
        for key in (TASKS, LABELS):
            self.paths[key].mkdir(exist_ok=True)
        self.paths["shard"].parent.mkdir(exist_ok=True)
        self.tmp_shard = self.paths["shard"].with_name(f".{self.paths['shard'].name}.tmp")

    @property
    def folders(self) -> tuple[Path, Path]:
        return self.paths[TASKS], self.paths[LABELS]

    def _check_free(self, force: bool) -> None:
        root, manifest = self.root, self.paths["manifest"]
        if not root.exists():
            return
        if not root.is_dir():
            raise ArcError(f"--out {root} exists and is not a directory")
        if manifest.exists():
            if not force:
                raise ArcError(
                    f"--out {root} already holds a set ({manifest.name}); choose a new folder, "
                    "or give --force to replace it"
                )
            self._remove_old()
        elif not any(root.glob("manifest*.json")) and any(root.iterdir()) and not force:
            raise ArcError(
                f"--out {root} is not empty and holds no task set; choose a new folder, or "
                "give --force to write into it"
            )

    def _remove_old(self) -> None:
        """Remove the files the manifest being replaced lists (its shard's tasks and labels)."""
        shard = self.paths["shard"]
        ids = shard_ids(shard) if shard.is_file() else []
        for tid in ids:
            (self.paths[TASKS] / f"{tid}.json").unlink(missing_ok=True)
            (self.paths[LABELS] / f"{tid}.json").unlink(missing_ok=True)
        shard.unlink(missing_ok=True)
        self.paths["manifest"].unlink()

    def remove_unlisted(self, ids: set[str]) -> None:
        """Remove the files (and temporary files) of tasks ``ids`` that workers made but the
        shard does not list, after a failure or an interrupt stopped the run before them. Only
        names of this shard's own tasks are touched: other shards may be writing beside it."""
        for folder in self.folders:
            for path in folder.iterdir():
                # "<id>.json" or ".<id>.json.<random>.tmp"
                tid = path.name.lstrip(".").split(".json", 1)[0]
                if tid in ids:
                    path.unlink(missing_ok=True)

    def finish(self, manifest: dict[str, Any]) -> None:
        """Make the task files durable, then write the manifest (last: a set with a manifest
        is whole)."""
        from z2h.run import write_json_atomic

        if hasattr(os, "sync"):
            os.sync()  # the task files were renamed into place unflushed; make them durable
        manifest["files"] = {k: str(p.relative_to(self.root)) for k, p in self.paths.items()}
        write_json_atomic(self.paths["manifest"], manifest)
