"""``z2h arc check-labels``: replay every row of a labels file against the grids.

A row is true when its claim about cells holds (``z2h.arc.replay`` computes the claim):

* kept (input and output object): the input object's cells with its actions applied are the
  output object's cells; no actions ("unchanged") means identical cells;
* ``merge``: the rows joining one output object name each other (``with``) and, each replayed
  up to its merge, together make that object's cells (where the pair combines panels cell by
  cell, ``combine``, the cells are the combination's); ``split``: the parts of one input object
  together make its cells;
* deleted (no output object): not all of its cells are still in the output where they were
  (cells that another input object's output object paints do not count as still there);
  ``replaced``: its cells lie under the copy of the object named ``by``; ``hidden``: its cells
  lie under output objects;
* created (no input object): its cells are in the output (the grid check proves it);
* an op that only the counterpart explains (``reshape``, ``count``, ...) is true by saying so;
* a pair's whole-grid actions, where replay can compute them, turn the input into the output.

Structural problems (an unknown object id, labels of another task, an object whose colours
are not its cells' or that paints the grid wrongly) come first, from ``labels.check_labels``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from z2h.arc.grid import ArcError
from z2h.arc.labels import GridLabels, Match, PairLabels, TaskLabels, check_labels
from z2h.arc.replay import (
    Cell,
    Context,
    Opaque,
    ReplayError,
    apply_actions,
    apply_grid_actions,
    as_cells,
    clip,
    split_at_group,
)
from z2h.arc.task import Pair, Task, read_task, task_from_json


@dataclass
class FalseRow:
    """One row whose claim the grids contradict."""

    where: str  # "task T: train pair 0"
    row: int | None  # its index in the correspondence (None: the pair's whole-grid actions)
    input_id: int | None
    output_id: int | None
    why: str

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.where} whole grid: {self.why}"
        return (
            f"{self.where} row {self.row} (input {self.input_id} -> output {self.output_id}): "
            f"{self.why}"
        )


def _differ(got: list[Cell], want: list[Cell]) -> str:
    """What differs between replayed and labelled cells, in a few words."""
    g, w = set(got), set(want)
    extra, missing = sorted(g - w), sorted(w - g)
    parts = [f"replay gives {len(g)} cells, the output object has {len(w)}"]
    if extra:
        parts.append(f"e.g. replay paints {list(extra[0])} that it lacks")
    if missing:
        parts.append(f"e.g. it has {list(missing[0])} that replay misses")
    return "; ".join(parts)


class _Pair:
    """One labelled pair's objects and rows, indexed for checking."""

    def __init__(self, pl: PairLabels, out_grid: np.ndarray | None) -> None:
        self.pl = pl
        self.inputs = {o.id: as_cells(o.cells) for o in pl.input.objects}
        out = pl.output
        self.outputs = {} if out is None else {o.id: as_cells(o.cells) for o in out.objects}
        self.covered = (
            {} if out is None else {o.id: {(r, c) for r, c in o.covered} for o in out.objects}
        )
        self.out_grid = out_grid
        self.height = out.height if out is not None else pl.input.height
        self.width = out.width if out is not None else pl.input.width
        # where each input object is, in the input and wherever its rows put it in the output
        contacts: dict[int, set[tuple[int, int]]] = {
            i: {(r, c) for r, c, _ in cells} for i, cells in self.inputs.items()
        }
        for m in pl.correspondence:
            if m.input_id in contacts and m.output_id in self.outputs:
                contacts[m.input_id] |= {(r, c) for r, c, _ in self.outputs[m.output_id]}
        self.ctx = Context(self.inputs, self.height, self.width, contacts)

    def replay(self, input_id: int, actions: list[dict[str, Any]]) -> list[Cell] | None:
        """The replayed cells on the output canvas (None: an opaque op, true by saying so)."""
        try:
            return clip(apply_actions(self.inputs[input_id], actions, self.ctx), *self.size)
        except Opaque:
            return None

    @property
    def size(self) -> tuple[int, int]:
        return self.height, self.width

    def out_positions(self, ids: list[int]) -> set[tuple[int, int]]:
        return {(r, c) for i in ids for r, c, _ in self.outputs.get(i, ())}


def _check_kept(p: _Pair, m: Match) -> str | None:
    before, group, after = split_at_group(m.actions)
    if group is not None and group["op"] == "replaced":
        return _check_replaced(p, m, group)
    if group is not None and group["op"] == "delete":
        return "delete names an output object"
    got = p.replay(m.input_id, before + after)
    if any(a.get("op") == "hidden" for a in m.actions):
        shown = {(r, c) for r, c, _ in p.outputs[m.output_id]} - p.covered[m.output_id]
        if shown:
            return f"hidden, but {len(shown)} of its output cells are in view"
    if got is None or got == p.outputs[m.output_id]:
        return None
    return _differ(got, p.outputs[m.output_id])


def _check_replaced(p: _Pair, m: Match, action: dict[str, Any]) -> str | None:
    """A marker's cells must lie under the output object(s) the stamped object became."""
    by = action.get("by")
    if m.output_id is not None:
        targets = [m.output_id]
    else:
        targets = [
            x.output_id for x in p.pl.correspondence if x.input_id == by and x.output_id is not None
        ]
    under = p.out_positions(targets)
    marker = {(r, c) for r, c, _ in p.inputs[m.input_id]}
    if not targets or not marker <= under:
        return f"replaced by {by}, but its cells are not under {by}'s output object(s)"
    return None


def _check_gone(p: _Pair, m: Match, frame: list[dict[str, Any]] | None) -> str | None:
    """A deleted, replaced or hidden input object (no output object)."""
    before, group, after = split_at_group(m.actions)
    if group is not None and group["op"] == "replaced":
        return _check_replaced(p, m, group)
    if group is not None and group["op"] in ("merge", "split"):
        return f"{group['op']} names no output object"
    if any(a.get("op") == "hidden" for a in m.actions):
        got = p.replay(m.input_id, before + after)
        behind = p.out_positions(list(p.outputs))
        if got is not None and not {(r, c) for r, c, _ in got} <= behind:
            return "hidden, but some of its cells are not under an output object"
        return None
    if p.out_grid is None or frame is None:
        return None  # no output grid, or another frame: nothing to compare in place
    cells = p.inputs[m.input_id]
    try:
        cells = apply_actions(cells, frame, p.ctx)
    except ReplayError:
        return None
    h, w = p.out_grid.shape
    if not cells or not all(
        0 <= r < h and 0 <= c < w and p.out_grid[r, c] == k for r, c, k in cells
    ):
        return None
    # subtle: cells that another input object's output object paints are that object's (a
    # copy stamped over a marker of its own colour), so they do not show this one survived
    others = p.out_positions(
        [
            x.output_id
            for x in p.pl.correspondence
            if x.input_id is not None and x.input_id != m.input_id and x.output_id is not None
        ]
    )
    if all((r, c) in others for r, c, _ in cells):
        return None
    return "deleted, but all its cells are still in the output"


def _frame(p: _Pair) -> list[dict[str, Any]] | None:
    """How input places map to output places for the deleted check: the pair's crop, if any;
    None where the grids differ in size otherwise (places cannot be compared)."""
    crops = [a for a in p.pl.actions if a.get("op") == "crop"]
    if crops:  # shifted, not cropped: cells the crop cuts off are gone, not still there
        top, left = crops[-1]["box"][:2]
        return [{"op": "move", "by": [-int(top), -int(left)]}]
    if p.out_grid is not None and p.out_grid.shape != (p.pl.input.height, p.pl.input.width):
        return None
    return []


def _check_groups(p: _Pair, where: str) -> list[FalseRow]:
    """Merge rows, grouped by their output object; split rows, grouped by their input."""
    false: list[FalseRow] = []
    groups: dict[tuple[str, int], list[tuple[int, Match]]] = {}
    for k, m in enumerate(p.pl.correspondence):
        _, group, _ = split_at_group(m.actions)
        if group is None or group["op"] not in ("merge", "split"):
            continue
        if m.input_id is None or m.output_id is None:
            continue  # _check_gone reports it
        key = m.output_id if group["op"] == "merge" else m.input_id
        groups.setdefault((group["op"], key), []).append((k, m))
    # subtle: where the pair's output is combined cell by cell from panels, a merge says which
    # objects the combination joined, not that their cells are united
    combined = any(a.get("op") == "combine" for a in p.pl.actions)
    for (op, key), rows in groups.items():
        k, first = rows[0]
        if op == "merge":
            why = _merge_members(rows)
            if why:
                false.append(FalseRow(where, k, first.input_id, first.output_id, why))
                continue
            if combined:
                continue
        before, _, after = split_at_group(first.actions)
        try:
            if op == "merge":
                parts = [p.replay(m.input_id, split_at_group(m.actions)[0]) for _, m in rows]
                joint = None if None in parts else sorted({c for x in parts for c in x})
                got = None if joint is None else _replay_cells(p, joint, after)
                want = p.outputs[key]
            else:
                got = p.replay(key, before + after)
                want = sorted({c for _, m in rows for c in p.outputs[m.output_id]})
        except ReplayError as e:
            false.append(FalseRow(where, k, first.input_id, first.output_id, str(e)))
            continue
        if got is not None and got != want:
            why = f"{op}: " + _differ(got, want)
            false.append(FalseRow(where, k, first.input_id, first.output_id, why))
    return false


def _merge_members(rows: list[tuple[int, Match]]) -> str | None:
    """Why the merge rows joining one output object disagree on who joins, or None."""
    members = {m.input_id for _, m in rows}
    for _, m in rows:
        _, group, _ = split_at_group(m.actions)
        said = {m.input_id, *group.get("with", ())}
        if said != members:
            return f"merge with {sorted(said - {m.input_id})}, but {sorted(members)} join it"
    return None


def _replay_cells(p: _Pair, cells: list[Cell], actions: list[dict[str, Any]]) -> list[Cell] | None:
    try:
        return clip(apply_actions(cells, actions, p.ctx), *p.size)
    except Opaque:
        return None


def check_pair(pl: PairLabels, pair: Pair, where: str) -> list[FalseRow]:
    """Every false row of one labelled pair (structure already checked)."""
    p = _Pair(pl, pair.output)
    false: list[FalseRow] = []
    if pl.actions and pair.output is not None:
        try:
            g = apply_grid_actions(pair.input, pl.actions)
            if g.shape != pair.output.shape or not np.array_equal(g, pair.output):
                false.append(
                    FalseRow(where, None, None, None, "its actions do not turn input into output")
                )
        except Opaque:
            pass
        except ReplayError as e:
            false.append(FalseRow(where, None, None, None, str(e)))
    frame = _frame(p)
    for k, m in enumerate(pl.correspondence):
        if m.input_id is None:
            continue  # created: its cells are the output's (check_labels painted them)
        if pl.output is None:
            continue  # a hidden output: nothing to check against
        _, group, _ = split_at_group(m.actions)
        if group is not None and group["op"] in ("merge", "split") and m.output_id is not None:
            continue
        try:
            why = _check_gone(p, m, frame) if m.output_id is None else _check_kept(p, m)
        except ReplayError as e:
            why = str(e)
        if why:
            false.append(FalseRow(where, k, m.input_id, m.output_id, why))
    return false + _check_groups(p, where)


def check_task(task: Task, labels: TaskLabels) -> tuple[list[str], list[FalseRow]]:
    """(structural problems, false rows) of ``labels`` as a description of ``task``; pairs with
    structural problems are not replayed."""
    problems = check_labels(task, labels)
    false: list[FalseRow] = []
    for split in ("train", "test"):
        pairs, pls = getattr(task, split), getattr(labels, split)
        if len(pairs) != len(pls):
            continue
        for i, (pair, pl) in enumerate(zip(pairs, pls, strict=True)):
            where = f"task {task.id}: {split} pair {i}"
            if any(p.startswith(where + " ") or p.startswith(where + ":") for p in problems):
                continue
            false += check_pair(pl, pair, where)
    return problems, false


def replay_ok(task: Task, labels: TaskLabels) -> bool:
    """Whether every row of ``labels`` passes (what a labels file's ``replay_ok`` records)."""
    problems, false = check_task(task, labels)
    return not problems and not false


def task_of_labels(labels: TaskLabels) -> Task:
    """The task that labels describe on their own: each grid painted from its objects."""

    def grid(gl: GridLabels | None) -> np.ndarray | None:
        return None if gl is None else gl.render()

    return Task(
        labels.task_id,
        [Pair(pl.input.render(), grid(pl.output)) for pl in labels.train],
        [Pair(pl.input.render(), grid(pl.output)) for pl in labels.test],
    )


# Reading what to check.


def read_labels(path: Path) -> TaskLabels:
    try:
        with open(path, encoding="utf-8") as f:
            return TaskLabels.from_json(json.load(f), f"labels {path.name}")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ArcError(f"labels {path.name}: not valid JSON ({e})") from None
    except OSError as e:
        raise ArcError(f"labels {path}: cannot read ({e.strerror})") from None


class Grids:
    """Where the grids come from for labels files that are not in a set: a task file, a folder
    of task files, or a real collection (``arcagi1``, ``arcagi2``) looked up by task id."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self._tasks: dict[str, Task] | None = None

    def task_for(self, labels: TaskLabels) -> Task:
        if self.source is None:
            return task_of_labels(labels)
        tasks = self._load()
        if len(tasks) == 1 and Path(self.source).is_file():
            return next(iter(tasks.values()))  # one task file: check_labels names a wrong id
        if labels.task_id not in tasks:
            raise ArcError(f"labels name task {labels.task_id!r}, not in {self.source}")
        return tasks[labels.task_id]

    def _load(self) -> dict[str, Task]:
        if self._tasks is None:
            from z2h.arc.real import COLLECTIONS, load_real

            src = Path(self.source)
            if self.source in COLLECTIONS:
                found = load_real(self.source, "training") + load_real(self.source, "evaluation")
            elif src.is_file():
                found = [read_task(src)]
            elif src.is_dir():
                found = [read_task(f) for f in sorted(src.glob("*.json"))]
            else:
                raise ArcError(f"--grids {self.source}: no such file, folder or collection")
            self._tasks = {t.id: t for t in found}
        return self._tasks


def _items(path: Path, grids: Grids) -> Iterator[tuple[str, Task, TaskLabels]]:
    """(name, task, labels) for a labels file, a folder of them, a set or a JSONL shard."""
    if path.is_file() and path.suffix == ".jsonl":
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                try:
                    row = json.loads(line)
                    task = task_from_json(row["task"], str(row["id"]))
                except (json.JSONDecodeError, KeyError, TypeError) as e:
                    raise ArcError(f"{path.name} line {n}: not a shard row ({e})") from None
                yield f"{path.name} line {n}", task, TaskLabels.from_json(row["labels"])
        return
    if path.is_file():
        labels = read_labels(path)
        yield path.name, grids.task_for(labels), labels
        return
    if (path / "labels").is_dir() and (path / "tasks").is_dir() and grids.source is None:
        for lp in sorted((path / "labels").glob("*.json")):
            tp = path / "tasks" / lp.name
            labels = read_labels(lp)
            task = read_task(tp) if tp.is_file() else task_of_labels(labels)
            yield lp.name, task, labels
        return
    files = sorted(path.glob("*.json"))
    if not files:
        raise ArcError(f"{path}: no labels files (*.json) found")
    for lp in files:
        labels = read_labels(lp)
        yield lp.name, grids.task_for(labels), labels


@dataclass
class Report:
    """What ``check_path`` found: tasks and rows checked, structural problems, false rows."""

    tasks: int = 0
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    false: list[FalseRow] = field(default_factory=list)


def check_path(path: Path, grids: str | None = None) -> Report:
    """Check every labels file under ``path`` (see ``_items``) against its grids."""
    if not path.exists():
        raise ArcError(f"no such file or folder: {path}")
    report = Report()
    source = Grids(grids)
    for _, task, labels in _items(path, source):
        report.tasks += 1
        report.rows += sum(len(pl.correspondence) for pl in labels.train + labels.test)
        problems, false = check_task(task, labels)
        report.problems += problems
        report.false += false
    return report


def false_rows(task: Task, labels: TaskLabels | None) -> list[str]:
    """The false rows of ``labels`` as messages (what ``z2h arc validate`` adds to its
    problems; the structural ones it finds itself)."""
    return [] if labels is None else [str(f) for f in check_task(task, labels)[1]]
