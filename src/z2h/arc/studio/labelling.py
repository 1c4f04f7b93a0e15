"""What the studio's label mode asks of the server: the action vocabulary, a live replay check
of labels being edited, and saving labels a person corrected.

The page never decides whether a row is true: it sends the labels it holds, and
``z2h.arc.checklabels`` (the same replay rules as ``z2h arc check-labels``) answers per row.
Saved labels say ``provenance: "human"`` and carry the checker's verdict as ``replay_ok``.
"""

from __future__ import annotations

import re
from typing import Any

from z2h.arc.checklabels import check_pair, replay_ok
from z2h.arc.labels import ACTIONS, TaskLabels, check_labels
from z2h.arc.studio.sources import Conflict, FolderSource, StudioError, check_task_id
from z2h.arc.task import Task, task_from_json, task_to_json, write_task
from z2h.run import write_json_atomic

# a field is written "name:"; subtle: "on the grid: ..." (where the op applies) and "or a
# diagonal: ..." (a kind of value) end in a colon too, and follow "the " or "a "
_FIELD = re.compile(r"(?<!the )(?<!a )\b([a-z_]+):")


def action_fields(description: str) -> list[str]:
    """The fields an action's description names, in order."""
    return list(dict.fromkeys(_FIELD.findall(description)))


def vocabulary() -> dict[str, Any]:
    """``labels.ACTIONS`` for the page: each op's description and its fields."""
    return {
        "actions": [
            {"op": op, "about": about, "fields": action_fields(about)}
            for op, about in ACTIONS.items()
        ]
    }


def _task_and_labels(body: Any) -> tuple[Task, TaskLabels | None]:
    if not isinstance(body, dict) or "task" not in body:
        raise StudioError('the body is {"task": ARC JSON, "labels": labels or null}')
    labels = None
    if body.get("labels") is not None:
        labels = TaskLabels.from_json(body["labels"], "labels")
    task_id = labels.task_id if labels is not None else str(body.get("id") or "task")
    return task_from_json(body["task"], check_task_id(task_id)), labels


def check(body: Any) -> dict[str, Any]:
    """Each row's verdict for ``{"task", "labels"}``: ``rows[split][pair][row]`` is null (true)
    or why it is false; ``grid[split][pair]`` the same for the pair's whole-grid actions;
    ``problems`` the structural ones (a pair with any is not replayed). Without labels, the
    heuristic labeller's labels are returned to start from."""
    task, labels = _task_and_labels(body)
    heuristic = labels is None
    if labels is None:
        from z2h.arc.correspond import heuristic_labels

        labels = heuristic_labels(task)
    problems = check_labels(task, labels)
    rows: dict[str, list[list[str | None]]] = {}
    grid: dict[str, list[str | None]] = {}
    for split in ("train", "test"):
        pairs, pls = getattr(task, split), getattr(labels, split)
        rows[split] = [[None] * len(pl.correspondence) for pl in pls]
        grid[split] = [None] * len(pls)
        if len(pairs) != len(pls):
            continue
        for i, (pair, pl) in enumerate(zip(pairs, pls, strict=True)):
            where = f"task {task.id}: {split} pair {i}"
            if any(p.startswith((where + " ", where + ":")) for p in problems):
                rows[split][i] = ["not checked: " + where + " has a structural problem"] * len(
                    pl.correspondence
                )
                continue
            for false in check_pair(pl, pair, where):
                if false.row is None:
                    grid[split][i] = false.why
                elif rows[split][i][false.row] is None:
                    rows[split][i][false.row] = false.why
    ok = not problems and all(w is None for s in rows.values() for p in s for w in p)
    ok = ok and all(w is None for s in grid.values() for w in s)
    return {
        "labels": labels.to_json() if heuristic else None,
        "heuristic": heuristic,
        "problems": problems,
        "rows": rows,
        "grid": grid,
        "replay_ok": ok,
    }


def save(source: FolderSource, task_id: str, body: Any) -> dict[str, Any]:
    """Write a person's labels of task ``task_id`` into a folder, atomically.

    The folder's own task is the truth where it has one (a different task in the body is a
    409); otherwise the task in the body (a real task from a read-only collection) is written
    beside its labels. Labels that do not describe the task (``check_labels``) write nothing;
    labels whose rows replay false are saved with ``replay_ok: false``.
    """
    check_task_id(task_id)
    if not isinstance(body, dict) or body.get("labels") is None:
        raise StudioError('the body is {"labels": labels, "task": ARC JSON (when new here)}')
    path = source.task_path(task_id)
    if path.is_file():
        task = source.read(task_id)
        if "task" in body and task_to_json(task_from_json(body["task"], task_id)) != task_to_json(
            task
        ):
            raise Conflict(
                f"{source.name} holds another version of task {task_id!r}: save the task first "
                "(edit mode), or under a new id"
            )
    elif "task" in body:
        task = task_from_json(body["task"], task_id)
    else:
        raise StudioError(f"{source.name} has no task {task_id!r}: send the task with its labels")
    labels = TaskLabels.from_json(body["labels"], f"labels of {task_id}")
    labels.task_id = task_id
    problems = check_labels(task, labels)
    if problems:
        raise StudioError(f"labels do not describe the task: {problems[0]}")
    labels.provenance = "human"
    labels.replay_ok = replay_ok(task, labels)
    if not path.is_file():
        write_task(path, task)
    write_json_atomic(source.labels_path(task_id), labels.to_json())
    source.labels_path(task_id, stale=True).unlink(missing_ok=True)
    return {
        "source": source.name,
        "id": task_id,
        "replay_ok": labels.replay_ok,
        "person_checked": labels.person_checked,
    }
