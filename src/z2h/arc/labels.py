"""Labels of a task: every grid's objects and relations, and what happened to each object.

The JSON schema is versioned (``LABELS_VERSION``); docs/arc.md shows a full example. Briefly::

    {"version": 2, "task_id": ..., "generator": ..., "seed": ..., "index": ...,
     "difficulty": [lo, hi], "params": {...},
     "provenance": "generated" | "sketch" | "heuristic" | "model" | "human",
     "replay_ok": true | false | null, "person_checked": false,
     "train": [pair, ...], "test": [pair, ...]}
    pair = {"input": grid, "output": grid | null, "actions": [action, ...],
            "correspondence": [{"input_id": id | null, "output_id": id | null,
                                "change": "kept" | "created" | "deleted",
                                "actions": [action, ...]}, ...]}
    grid = {"height": h, "width": w, "background": colour,
            "objects": [{"id", "colors", "box": [top, left, height, width],
                         "cells": [[row, col, colour], ...], "z", "tags",
                         "covered": [[row, col], ...] (only when later objects hide cells)}, ...],
            "relations": [[kind, a, b], ...]}
    action = {"op": "move", "by": [dr, dc]} | {"op": "recolor", "from": a, "to": b} | ...

Objects are listed in paint order: a later object's cells cover an earlier one's. An action
list is a chain: its actions apply in the order listed (a composed rule lists each step).
Version 1 files (no provenance) are read too: their provenance is "generated" when they name a
generator, else "heuristic".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from z2h.arc.grid import MAX_SIZE, N_COLORS, ArcError
from z2h.arc.relations import RELATION_KINDS, Relation, relations
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Task

LABELS_VERSION = 2
READS_VERSIONS = (1, 2)  # label files this z2h reads (version 1 lacks provenance and covered)

# where a labels file came from: made with the grids (a generator or a sketch placed the
# objects, so the labels are true by construction), guessed from the pixels, predicted by a
# model, or written or corrected by a person
PROVENANCES = ("generated", "sketch", "heuristic", "model", "human")

# op -> its fields (each written "name:"); the vocabulary of actions on an object (in a
# correspondence row) or, at pair level, on the whole grid. tests/arc/test_generators.py
# checks that every action a generator emits, and each of its fields, is listed here.
ACTIONS: dict[str, str] = {
    "move": "by: [dr, dc], the shift of its position",
    "recolor": "from: colour, to: colour (inside: the id of the frame it lies in, where that "
    "is why)",
    "rotate": "k: quarter turns anticlockwise (1, 2, 3)",
    "flip": "axis: 'h' mirrors left-right, 'v' mirrors up-down",
    "transpose": "rows become columns",
    "scale": "factor: each cell becomes a factor x factor block",
    "tile": "reps: [down, across] copies of the grid (mirror: every other copy flipped)",
    "copy": "this output object is a further copy of the input object (at: the id of the "
    "marker it was stamped on, anchor: [row, col] of its own cell that lands on the marker)",
    "crop": "box: [top, left, height, width] of the input kept as the output",
    "stop_at_contact": "with: the id of the input object it stopped against, or 'edge'",
    "push": "by: [dr, dc], moved by another object's push (with: the pusher's id)",
    "keep": "selected and kept (reason: 'largest', 'smallest', 'odd_one_out', 'touching', ...)",
    "delete": "removed (reason: 'noise', or 'touching' with: the id of the object it touched)",
    "raise": "brought in front of the objects it overlaps (its z grows)",
    "lower": "sent behind the objects it overlaps (its z shrinks)",
    "fill": "a created object filling the hole (inside: the id of the outline around it)",
    "outline": "a created box outline (around: the id of the object it surrounds)",
    "connect": "a created line (between: [id, id] of the two points it joins)",
    "grow": "extended as a ray (direction: 'up', 'down', 'left', 'right', or a diagonal: "
    "'up_left', 'up_right', 'down_left', 'down_right'; by: cells added)",
    "align": "slid to line up (with: the marker's id; side: 'top', 'bottom', 'left', 'right' "
    "or 'center', the sides lined up)",
    "reveal": "its hidden cells shown once an occluder goes (by: the occluder's id, "
    "cells: how many were hidden)",
    "count": "an object counted into the output (on the grid: color: the colour counted, "
    "n: its number of objects)",
    "histogram": "on the grid: counts: [[colour, n], ...], one bar per colour",
    "continue": "a periodic pattern carried on over its gaps (period: [rows, cols])",
    "restore": "on the grid: the hidden part of a symmetric pattern filled back in (symmetry: "
    "'mirror_lr', 'mirror_ud', 'mirror_both', 'rotate_180', 'rotate_90' or 'diagonal')",
    # what a pair does that the ops above cannot say, said plainly instead of guessed
    "reshape": "the same object with other cells, in a way no other op says (its counterpart's "
    "cells are the truth)",
    "merge": "several input objects became this one output object (with: the ids of the other "
    "input objects joined to it; one correspondence row per input object)",
    "split": "this input object became several output objects (into: the ids of the output "
    "parts; one correspondence row per part)",
    "replaced": "a marker whose cells an object was stamped over (by: the id of the input "
    "object whose copy covers it)",
    "hidden": "still there but wholly covered in the output (by: the ids of the objects in front)",
    "hit": "it moved until it hit an object that it then pushed on (with: the id of the object "
    "hit; that object's own row says push)",
    "mark": "a created object marking a computed place (where: 'center', 'midpoint', ...; "
    "of: the id or ids it is computed from)",
    "sort": "moved to its place in an order (key: 'size', 'row', 'col', 'count', ...; rank: "
    "its place, from 0)",
    "swap": "two colours exchanged (colors: [a, b]); on an object or the whole grid",
    "combine": "on the grid: panels split by separator lines combined cell by cell (how: "
    "'and', 'or', 'xor' or 'overlay'; panels: how many)",
}
CHANGES = ("kept", "created", "deleted")


@dataclass
class ObjectLabel:
    id: int
    # [row, col, colour] of each cell on the canvas, row-major (plain lists: JSON-ready, and
    # faster than numpy for the few cells an object has)
    cells: list[list[int]]
    colors: list[int]  # the sorted distinct colours of its cells
    box: list[int]  # [top, left, height, width] of its cells
    z: int = 0
    tags: list[str] = field(default_factory=list)
    # [row, col] of its cells that later objects paint over (its visible cells are the rest)
    covered: list[list[int]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = {
            "id": self.id,
            "colors": self.colors,
            "box": self.box,
            "cells": self.cells,
            "z": self.z,
            "tags": self.tags,
        }
        if self.covered:
            d["covered"] = self.covered
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ObjectLabel:
        cells = [[int(v) for v in c] for c in d["cells"]]
        if any(len(c) != 3 for c in cells):
            raise ValueError(f"object {d.get('id')}: a cell is [row, col, colour]")
        return cls(
            int(d["id"]),
            cells,
            [int(c) for c in d["colors"]],
            [int(v) for v in d["box"]],
            int(d.get("z", 0)),
            [str(t) for t in d.get("tags", [])],
            [[int(r), int(c)] for r, c in d.get("covered", [])],
        )


@dataclass
class GridLabels:
    height: int
    width: int
    background: int
    objects: list[ObjectLabel]  # paint order
    relations: list[Relation]

    def to_json(self) -> dict[str, Any]:
        return {
            "height": self.height,
            "width": self.width,
            "background": self.background,
            "objects": [o.to_json() for o in self.objects],
            "relations": [list(r) for r in self.relations],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> GridLabels:
        return cls(
            int(d["height"]),
            int(d["width"]),
            int(d["background"]),
            [ObjectLabel.from_json(o) for o in d["objects"]],
            [Relation(str(k), int(a), int(b)) for k, a, b in d["relations"]],
        )

    def render(self) -> np.ndarray:
        """The grid these labels describe: the background, then each object's cells in order."""
        return np.array(self._painted(), np.uint8).reshape(self.height, self.width)

    def _painted(self) -> list[int]:
        """``render`` as a flat row-major list (a Python list takes a cell faster than a numpy
        array does)."""
        values = [self.background] * (self.height * self.width)
        w = self.width
        for o in self.objects:
            for r, c, k in o.cells:
                values[r * w + c] = k
        return values


@dataclass
class Match:
    """One row of a pair's correspondence: an input object, the output object it became, and
    what was done to it (``input_id`` None: created; ``output_id`` None: deleted). An input
    object copied to several places has one row per copy."""

    input_id: int | None
    output_id: int | None
    actions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def change(self) -> str:
        if self.input_id is None:
            return "created"
        return "deleted" if self.output_id is None else "kept"

    def to_json(self) -> dict[str, Any]:
        return {
            "input_id": self.input_id,
            "output_id": self.output_id,
            "change": self.change,
            "actions": self.actions,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Match:
        i, o = d.get("input_id"), d.get("output_id")
        return cls(
            None if i is None else int(i), None if o is None else int(o), d.get("actions", [])
        )


@dataclass
class PairLabels:
    input: GridLabels
    output: GridLabels | None  # None where the output is hidden
    correspondence: list[Match] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)  # on the whole grid

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input.to_json(),
            "output": None if self.output is None else self.output.to_json(),
            "actions": self.actions,
            "correspondence": [m.to_json() for m in self.correspondence],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PairLabels:
        out = d.get("output")
        return cls(
            GridLabels.from_json(d["input"]),
            None if out is None else GridLabels.from_json(out),
            [Match.from_json(m) for m in d.get("correspondence", [])],
            list(d.get("actions", [])),
        )


@dataclass
class TaskLabels:
    task_id: str
    generator: str | None  # None for a real task labelled by heuristics
    seed: int | None
    index: int | None
    difficulty: tuple[float, float] | None
    params: dict[str, Any]  # the rule's hidden parameters, shared by every pair
    train: list[PairLabels]
    test: list[PairLabels]
    version: int = LABELS_VERSION
    provenance: str = "generated"  # one of PROVENANCES
    replay_ok: bool | None = None  # the replay checker's verdict (None: not run)
    person_checked: bool = False  # a person looked at every row and marked the task checked

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "task_id": self.task_id,
            "generator": self.generator,
            "seed": self.seed,
            "index": self.index,
            "difficulty": None if self.difficulty is None else list(self.difficulty),
            "params": self.params,
            "provenance": self.provenance,
            "replay_ok": self.replay_ok,
            "person_checked": self.person_checked,
            "train": [p.to_json() for p in self.train],
            "test": [p.to_json() for p in self.test],
        }

    @classmethod
    def from_json(cls, d: Any, where: str = "labels") -> TaskLabels:
        if not isinstance(d, dict):
            raise ArcError(f"{where}: labels are a JSON object")
        version = d.get("version")
        if version not in READS_VERSIONS:
            raise ArcError(
                f"{where}: labels version {version!r}; this z2h reads versions "
                f"{', '.join(map(str, READS_VERSIONS))}"
            )
        provenance = d.get("provenance", "generated" if d.get("generator") else "heuristic")
        if provenance not in PROVENANCES:
            raise ArcError(
                f"{where}: provenance {provenance!r}; choose one of {', '.join(PROVENANCES)}"
            )
        try:
            diff = d.get("difficulty")
            labels = cls(
                str(d["task_id"]),
                d.get("generator"),
                d.get("seed"),
                d.get("index"),
                None if diff is None else (float(diff[0]), float(diff[1])),
                dict(d.get("params") or {}),
                [PairLabels.from_json(p) for p in d["train"]],
                [PairLabels.from_json(p) for p in d["test"]],
                LABELS_VERSION,  # read files are upgraded: written back, they are version 2
                provenance,
                d.get("replay_ok"),
                bool(d.get("person_checked", False)),
            )
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise ArcError(f"{where}: malformed labels ({type(e).__name__}: {e})") from None
        if version == 1:  # version 1 did not list covered cells: derived from the paint order
            for pl in labels.train + labels.test:
                for gl in (pl.input, pl.output):
                    if gl is not None:
                        mark_covered(gl.objects, gl.width)
        return labels

    def grids(self) -> list[GridLabels]:
        """Every labelled grid, pair by pair (input, then output where labelled)."""
        return [g for pl in self.train + self.test for g in (pl.input, pl.output) if g is not None]


def object_label(obj: Obj, height: int, width: int) -> ObjectLabel:
    """The label of ``obj`` on a ``height`` x ``width`` canvas (cells off the canvas dropped)."""
    r0, c0 = obj.pos
    colours = obj.colors.tolist()
    # plain Python over the mask's rows: faster than numpy calls on a few cells
    cells = [
        [r0 + i, c0 + j, colours[i][j]]
        for i, row in enumerate(obj.mask.tolist())
        for j, v in enumerate(row)
        if v
    ]
    h, w = obj.mask.shape
    if r0 < 0 or c0 < 0 or r0 + h > height or c0 + w > width:
        cells = [x for x in cells if 0 <= x[0] < height and 0 <= x[1] < width]
    if not cells:
        return ObjectLabel(obj.id, cells, [], [0, 0, 0, 0], obj.z, list(obj.tags))
    # what _colors_box finds, read off row-major cells: the first and last hold the rows
    cols = [x[1] for x in cells]
    top, left = cells[0][0], min(cols)
    box = [top, left, cells[-1][0] - top + 1, max(cols) - left + 1]
    return ObjectLabel(obj.id, cells, sorted({x[2] for x in cells}), box, obj.z, list(obj.tags))


def _colors_box(cells: list[list[int]]) -> tuple[list[int], list[int]]:
    """The sorted colours and the box [top, left, height, width] of [row, col, colour] cells."""
    if not cells:
        return [], [0, 0, 0, 0]
    rows, cols, colors = zip(*cells, strict=True)  # the three columns, in one pass in C
    top, left = min(rows), min(cols)
    return sorted(set(colors)), [top, left, max(rows) - top + 1, max(cols) - left + 1]


def covered_cells(objs: list[ObjectLabel], width: int) -> list[list[list[int]]]:
    """For each object (paint order), the [row, col] of its cells that a later object paints."""
    flat = [r * width + c for o in objs for r, c, _ in o.cells]
    if len(set(flat)) == len(flat):  # no cell painted twice (most grids): nothing covered
        return [[] for _ in objs]
    later: set[int] = set()
    out: list[list[list[int]]] = []
    for o in reversed(objs):
        flat = [r * width + c for r, c, _ in o.cells]
        out.append([[c[0], c[1]] for c, i in zip(o.cells, flat, strict=True) if i in later])
        later.update(flat)
    return out[::-1]


def mark_covered(objs: list[ObjectLabel], width: int) -> None:
    """Set each object's ``covered`` cells from the paint order."""
    for o, covered in zip(objs, covered_cells(objs, width), strict=True):
        o.covered = covered


def grid_labels(scene: Scene, relations_limit: int | None = None) -> GridLabels:
    """Labels of a scene: its objects in paint order and their relations (none listed when
    there are more than ``relations_limit`` objects: their number grows as the square)."""
    objs = [object_label(o, scene.height, scene.width) for o in scene.painted()]
    mark_covered(objs, scene.width)
    rels = [] if relations_limit is not None and len(objs) > relations_limit else relations(objs)
    return GridLabels(scene.height, scene.width, scene.background, objs, rels)


def check_grid_labels(
    grid: np.ndarray | None, gl: GridLabels, where: str, derived: bool = True
) -> list[str]:
    """Problems with one grid's labels: ids, cells, colours, boxes, relations, and whether
    painting the objects in order onto the background gives ``grid``.

    ``derived=False`` skips re-deriving each object's colours and box from its cells, and
    checking the relations' kinds and ids, for labels that ``grid_labels`` just computed that
    way (generation checks the rest).
    """
    problems = []
    if not (1 <= gl.height <= MAX_SIZE and 1 <= gl.width <= MAX_SIZE):
        return [f"{where}: size {gl.height}x{gl.width} outside 1-{MAX_SIZE}"]
    if grid is not None and grid.shape != (gl.height, gl.width):
        return [
            f"{where}: labels say {gl.height}x{gl.width}, "
            f"the grid is {grid.shape[0]}x{grid.shape[1]}"
        ]
    ids = [o.id for o in gl.objects]
    if len(set(ids)) != len(ids):
        problems.append(f"{where}: object ids repeat: {ids}")
    for o in gl.objects:
        w = f"{where} object {o.id}"
        if not o.cells:
            problems.append(f"{w}: no cells on the canvas")
            continue
        if not derived:
            continue
        if any(
            not (0 <= r < gl.height and 0 <= c < gl.width and 0 <= k < N_COLORS)
            for r, c, k in o.cells
        ):
            problems.append(
                f"{w}: a cell lies off the {gl.height}x{gl.width} canvas or has a "
                "colour outside 0-9"
            )
            continue
        colors, box = _colors_box(o.cells)
        if colors != o.colors:
            problems.append(f"{w}: colors {o.colors} but its cells have {colors}")
        if box != o.box:
            problems.append(f"{w}: box {o.box} but its cells span {box}")
    if derived and not problems:
        for o, covered in zip(gl.objects, covered_cells(gl.objects, gl.width), strict=True):
            if sorted(o.covered) != sorted(covered):
                problems.append(
                    f"{where} object {o.id}: covered lists {len(o.covered)} cells, later "
                    f"objects paint over {len(covered)} of its cells"
                )
    known = set(ids)
    for k, (kind, a, b) in enumerate(gl.relations if derived else ()):
        if kind not in RELATION_KINDS:
            problems.append(f"{where} relation {k}: unknown kind {kind!r}")
        elif a not in known or b not in known:
            problems.append(f"{where} relation {k}: {kind} names an object that is not there")
    # comparing flat lists, not arrays: painting cells into a list is the cheaper half
    if grid is not None and not problems and gl._painted() != grid.ravel().tolist():
        rendered = gl.render()
        if not np.array_equal(rendered, grid):
            r, c = (int(v) for v in np.argwhere(rendered != grid)[0])
            problems.append(
                f"{where} row {r}: the objects paint colour {int(rendered[r, c])} at column {c}, "
                f"the grid has {int(grid[r, c])}"
            )
    return problems


def check_labels(task: Task, labels: TaskLabels) -> list[str]:
    """Every problem found in ``labels`` as a description of ``task`` (empty: consistent)."""
    problems = []
    if labels.task_id != task.id:
        problems.append(f"labels are for task {labels.task_id!r}, not {task.id!r}")
    for split in ("train", "test"):
        pairs, pls = getattr(task, split), getattr(labels, split)
        if len(pairs) != len(pls):
            problems.append(f"task {task.id}: {len(pairs)} {split} pairs but {len(pls)} labelled")
            continue
        for i, (pair, pl) in enumerate(zip(pairs, pls, strict=True)):
            where = f"task {task.id}: {split} pair {i}"
            problems += check_grid_labels(pair.input, pl.input, f"{where} input")
            if pl.output is not None:
                problems += check_grid_labels(pair.output, pl.output, f"{where} output")
            elif pair.output is not None:
                problems.append(f"{where} output: the grid has no labels")
            in_ids = {o.id for o in pl.input.objects}
            out_ids = set() if pl.output is None else {o.id for o in pl.output.objects}
            for k, m in enumerate(pl.correspondence):
                if m.input_id is None and m.output_id is None:
                    problems.append(f"{where} correspondence {k}: names no object")
                if m.input_id is not None and m.input_id not in in_ids:
                    problems.append(f"{where} correspondence {k}: no input object {m.input_id}")
                if m.output_id is not None and m.output_id not in out_ids:
                    problems.append(f"{where} correspondence {k}: no output object {m.output_id}")
    return problems
