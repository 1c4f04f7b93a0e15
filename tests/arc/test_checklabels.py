"""The label checker on hand-made true and false rows of every kind, on a generated set, and on
bad labels files (one-line errors)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from z2h.arc.checklabels import check_path, check_task
from z2h.arc.labels import GridLabels, Match, ObjectLabel, PairLabels, TaskLabels, mark_covered
from z2h.arc.task import Pair, Task
from z2h.cli import main


def grid(objs: list[list[tuple[int, int, int]]], size=(6, 6), bg=0) -> GridLabels:
    """Labels of a grid whose objects (ids 0, 1, ...) have these cells, in paint order."""
    labels = []
    for i, cells in enumerate(objs):
        cells = sorted([list(c) for c in cells])
        rows, cols = [c[0] for c in cells], [c[1] for c in cells]
        box = [min(rows), min(cols), max(rows) - min(rows) + 1, max(cols) - min(cols) + 1]
        labels.append(ObjectLabel(i, cells, sorted({c[2] for c in cells}), box))
    mark_covered(labels, size[1])
    return GridLabels(size[0], size[1], bg, labels, [])


def task_with(inp, out, rows, actions=(), size=(6, 6), out_size=None):
    gin, gout = grid(inp, size), grid(out, out_size or size)
    pl = PairLabels(gin, gout, [Match(*r) for r in rows], list(actions))
    task = Task("hand", [Pair(gin.render(), gout.render())], [])
    labels = TaskLabels("hand", None, None, None, None, {}, [pl], [], provenance="human")
    return task, labels


def false_rows(inp, out, rows, **kw) -> list[str]:
    task, labels = task_with(inp, out, rows, **kw)
    problems, false = check_task(task, labels)
    assert problems == []
    return [str(f) for f in false]


BAR = [(0, 0, 1), (0, 1, 1)]  # a blue domino at the top left
BAR3 = [(r, c, 1) for r in range(3) for c in range(2)]  # the domino grown down by 2
L = [(1, 1, 2), (2, 1, 2), (2, 2, 3)]  # a red-and-green L


def moved(cells, dr, dc, colour=None):
    return [(r + dr, c + dc, colour if colour is not None else k) for r, c, k in cells]


@pytest.mark.parametrize(
    "actions,true_out,false_out",
    [
        ([], BAR, moved(BAR, 1, 0)),  # unchanged
        ([{"op": "move", "by": [3, 2]}], moved(BAR, 3, 2), moved(BAR, 3, 3)),
        ([{"op": "recolor", "from": 1, "to": 4}], moved(BAR, 0, 0, 4), moved(BAR, 0, 0, 5)),
        ([{"op": "rotate", "k": 1}], [(0, 0, 1), (1, 0, 1)], [(0, 0, 1), (0, 1, 1), (1, 0, 1)]),
        ([{"op": "transpose"}, {"op": "move", "by": [2, 3]}], [(2, 3, 1), (3, 3, 1)], BAR),
        ([{"op": "scale", "factor": 2}], [(r, c, 1) for r in (0, 1) for c in range(4)], BAR),
        ([{"op": "copy"}, {"op": "move", "by": [5, 0]}], moved(BAR, 5, 0), moved(BAR, 5, 1)),
        ([{"op": "grow", "direction": "down", "by": 2}], BAR3, BAR),
        ([{"op": "keep", "reason": "largest"}, {"op": "raise"}], BAR, moved(BAR, 0, 1)),
        ([{"op": "reshape"}], [(4, 4, 1)], None),  # the counterpart's cells are the truth
    ],
)  # fmt: skip
def test_kept_rows_true_and_false(actions, true_out, false_out):
    assert false_rows([BAR], [true_out], [(0, 0, actions)]) == []
    if false_out is not None:
        (row,) = false_rows([BAR], [false_out], [(0, 0, actions)])
        assert row.startswith("task hand: train pair 0 row 0 (input 0 -> output 0): replay gives")


def test_flip_of_a_two_colour_sprite():
    flipped = [(1, 2, 2), (2, 2, 2), (2, 1, 3)]  # the L mirrored left-right in its box
    assert false_rows([L], [flipped], [(0, 0, [{"op": "flip", "axis": "h"}])]) == []
    assert false_rows([L], [flipped], [(0, 0, [{"op": "flip", "axis": "v"}])]) != []


def test_crop_frames_the_kept_object():
    rows = [(0, 0, [{"op": "crop", "box": [1, 1, 2, 2]}]), (1, None, [])]
    out = [(0, 0, 2), (1, 0, 2), (1, 1, 3)]
    crop = [{"op": "crop", "box": [1, 1, 2, 2]}]
    assert false_rows([L, [(5, 5, 4)]], [out], rows, actions=crop, out_size=(2, 2)) == []


def test_deleted_rows():
    # the dot went: true; the dot is still there: false
    assert false_rows([BAR, [(4, 4, 5)]], [BAR], [(0, 0, []), (1, None, [])]) == []
    got = false_rows(
        [BAR, [(4, 4, 5)]], [BAR, [(4, 4, 5)]], [(0, 0, []), (1, None, [{"op": "delete"}])]
    )
    assert got == ["task hand: train pair 0 row 1 (input 1 -> output None): deleted, but all "
                   "its cells are still in the output"]  # fmt: skip
    # created: its cells are in the output by the grid check
    assert false_rows([BAR], [BAR, [(4, 4, 5)]], [(0, 0, []), (None, 1, [{"op": "mark"}])]) == []


def test_deleted_under_a_crop():
    # a ring cut down to its corner by the pair's crop: most of it is gone, so "deleted" holds
    ring = [(r, c, 4) for r in range(3) for c in range(3) if (r, c) != (1, 1)]
    crop = [{"op": "crop", "box": [0, 0, 1, 1]}]
    rows = [(0, None, []), (None, 0, [])]
    assert false_rows([ring], [[(0, 0, 4)]], rows, actions=crop, out_size=(1, 1)) == []


def test_replaced_and_hidden():
    # the sprite L copied onto the marker at (4, 3) (the L's anchor [1, 1], its green cell)
    marker = [(4, 3, 8)]
    copy = moved(L, 2, 1)
    rows = [
        (0, 0, []),
        (0, 1, [{"op": "copy", "at": 1, "anchor": [1, 1]}]),
        (1, None, [{"op": "replaced", "by": 0}]),
    ]
    assert false_rows([L, marker], [L, copy], rows) == []
    stray = [(0, 5, 8)]  # a marker nowhere near the copy
    rows[1] = (0, 1, [{"op": "copy", "at": 2, "anchor": [1, 1]}])
    rows.append((2, None, [{"op": "replaced", "by": 0}]))
    bad = false_rows([L, marker, stray], [L, copy], rows)
    assert len(bad) == 2 and "replaced by 0, but its cells are not under" in bad[1]
    # a dot hidden behind a bar: all its cells covered in the output
    dot = [(0, 1, 5)]
    rows = [(0, 0, [{"op": "hidden", "by": [1]}]), (1, 1, [])]
    assert false_rows([dot, BAR], [dot, BAR], rows) == []
    got = false_rows(
        [dot, BAR],
        [dot, moved(BAR, 1, 0)],
        [(0, 0, [{"op": "hidden"}]), (1, 1, [{"op": "move", "by": [1, 0]}])],
    )
    assert len(got) == 1 and "hidden, but 1 of its output cells are in view" in got[0]


def test_merge_and_split():
    a, b = [(0, 0, 1)], [(0, 1, 1)]
    # two dots merge into the domino: true; into a longer bar: false
    rows = [(0, 0, [{"op": "merge", "with": [1]}]), (1, 0, [{"op": "merge", "with": [0]}])]
    assert false_rows([a, b], [BAR], rows) == []
    bad = false_rows([a, b], [[(0, 0, 1), (0, 1, 1), (0, 2, 1)]], rows)
    assert len(bad) == 1 and bad[0].split(": ", 2)[2].startswith("merge: replay gives 2 cells")
    # the rows must name each other
    rows = [(0, 0, [{"op": "merge", "with": [1]}]), (1, 0, [{"op": "merge", "with": [5]}])]
    (bad,) = false_rows([a, b], [BAR], rows)
    assert "merge with [5], but [0, 1] join it" in bad
    # where the pair combines panels cell by cell, merged cells are the combination's
    rows = [(0, 0, [{"op": "merge", "with": [1]}]), (1, 0, [{"op": "merge", "with": [0]}])]
    combine = [{"op": "combine", "how": "and", "panels": 2}]
    assert false_rows([a, b], [[(3, 3, 2)]], rows, actions=combine) == []
    # moved before merging
    rows = [
        (0, 0, [{"op": "move", "by": [2, 0]}, {"op": "merge", "with": [1]}]),
        (1, 0, [{"op": "move", "by": [2, 0]}, {"op": "merge", "with": [0]}]),
    ]
    assert false_rows([a, b], [moved(BAR, 2, 0)], rows) == []
    # the domino splits into two dots, then the parts move together
    rows = [
        (0, 0, [{"op": "split", "into": [0, 1]}, {"op": "move", "by": [1, 0]}]),
        (0, 1, [{"op": "split", "into": [0, 1]}, {"op": "move", "by": [1, 0]}]),
    ]
    assert false_rows([BAR], [moved(a, 1, 0), moved(b, 1, 0)], rows) == []
    assert len(false_rows([BAR], [moved(a, 1, 0), moved(b, 2, 0)], rows)) == 1


def test_contact_claims():
    wall = [(r, 4, 5) for r in range(6)]
    rows = [
        (0, 0, [{"op": "move", "by": [0, 2]}, {"op": "stop_at_contact", "with": 1}]),
        (1, 1, []),
    ]
    assert false_rows([BAR, wall], [moved(BAR, 0, 2), wall], rows) == []
    rows[0] = (0, 0, [{"op": "move", "by": [0, 1]}, {"op": "stop_at_contact", "with": 1}])
    (bad,) = false_rows([BAR, wall], [moved(BAR, 0, 1), wall], rows)
    assert "does not touch object 1" in bad


def test_whole_grid_actions():
    flip = [{"op": "flip", "axis": "h"}]
    mirrored = [(0, 5, 1), (0, 4, 1)]
    assert (
        false_rows([BAR], [mirrored], [(0, 0, [*flip, {"op": "move", "by": [0, 4]}])], actions=flip)
        == []
    )
    bad = false_rows(
        [BAR],
        [moved(BAR, 0, 4)],
        [(0, 0, [{"op": "move", "by": [0, 4]}])],
        actions=[{"op": "flip", "axis": "v"}],
    )
    assert bad == ["task hand: train pair 0 whole grid: its actions do not turn input into output"]


def test_a_generated_set_has_no_false_row(tmp_path, capsys):
    out = tmp_path / "set"
    gens = "copy_sprite,push,shoot_ray,tile,complete_symmetry,continue_pattern,count_bar,rotate"
    assert (
        main(
            [
                "arc",
                "generate",
                "--generator",
                gens,
                "--tasks",
                "2",
                "--seed",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["arc", "check-labels", str(out)]) == 0
    assert capsys.readouterr().out.strip().endswith(": 0 false rows")
    assert main(["arc", "check-labels", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["tasks"] == 16 and report["false_rows"] == [] and report["problems"] == []
    assert main(["arc", "check-labels", str(out), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    shard = next((out / "shards").glob("*.jsonl"))
    assert check_path(shard).tasks == 16 and check_path(shard).false == []
    # the markers said replaced instead of deleted (the vocabulary's word for them): still true
    path = sorted((out / "labels").glob("copy_sprite-*.json"))[0]
    d = json.loads(path.read_text())
    for pair in d["train"] + d["test"]:
        for m in pair["correspondence"]:
            if m["output_id"] is None:
                m["actions"] = [{"op": "replaced", "by": 0}]
    path.write_text(json.dumps(d))
    assert check_path(out).false == []
    # one move changed: the checker names the row
    path = sorted((out / "labels").glob("rotate-*.json"))[0]
    d = json.loads(path.read_text())
    row = next(m for m in d["train"][0]["correspondence"] if m["actions"])
    row["actions"] = [{"op": "move", "by": [9, 9]}]
    path.write_text(json.dumps(d))
    report = check_path(out)
    assert len(report.false) == 1 and report.false[0].where.startswith(f"task {d['task_id']}")


def _error(capsys, *argv) -> str:
    code = main(["arc", *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and "Traceback" not in "\n".join(err)
    return err[-1]


def test_bad_labels_files(tmp_path, capsys):
    task, labels = task_with([BAR], [moved(BAR, 1, 0)], [(0, 0, [{"op": "move", "by": [1, 0]}])])
    good = labels.to_json()
    (tmp_path / "hand.json").write_text(
        json.dumps(
            {
                "train": [
                    {"input": task.train[0].input.tolist(), "output": task.train[0].output.tolist()}
                ],
                "test": [],
            }
        )
    )
    lab = tmp_path / "labels.json"

    def check(d, *extra):
        lab.write_text(json.dumps(d))
        return _error(capsys, "check-labels", str(lab), *extra)

    d = json.loads(json.dumps(good))
    d["train"][0]["correspondence"][0]["output_id"] = 7
    assert "correspondence 0: no output object 7" in check(d)
    d = json.loads(json.dumps(good))
    d["task_id"] = "other"
    assert "labels are for task 'other', not 'hand'" in check(
        d, "--grids", str(tmp_path / "hand.json")
    )
    d = json.loads(json.dumps(good))
    d["train"][0]["input"]["objects"][0]["cells"][0][2] = 3  # the cell's colour, not its list
    assert "colors [1] but its cells have [1, 3]" in check(d)
    d = json.loads(json.dumps(good))
    d["train"][0]["input"]["objects"][0]["cells"] = [[0, 0, 2], [0, 1, 2]]
    d["train"][0]["input"]["objects"][0]["colors"] = [2]
    assert "paint colour 2 at column 0, the grid has 1" in check(
        d, "--grids", str(tmp_path / "hand.json")
    )
    lab.write_text("{")
    assert "not valid JSON" in _error(capsys, "check-labels", str(lab))
    assert "no such file or folder" in _error(capsys, "check-labels", str(tmp_path / "nope"))
    lab.write_text(json.dumps(good))
    assert main(["arc", "check-labels", str(lab)]) == 0
    assert "1 task(s), 1 rows: 0 false rows" in capsys.readouterr().out


def test_grids_from_a_folder(tmp_path):
    task, labels = task_with([BAR], [moved(BAR, 1, 0)], [(0, 0, [])])
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "hand.json").write_text(
        json.dumps(
            {
                "train": [
                    {"input": task.train[0].input.tolist(), "output": task.train[0].output.tolist()}
                ],
                "test": [],
            }
        )
    )
    (tmp_path / "hand.json").write_text(json.dumps(labels.to_json()))
    report = check_path(tmp_path / "hand.json", str(tmp_path / "tasks"))
    assert report.tasks == 1 and len(report.false) == 1
    assert np.array_equal(task.train[0].output, labels.train[0].output.render())
