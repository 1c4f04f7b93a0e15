"""``z2h arc label --objects-model RUN``: a (tiny, barely trained) objects model proposes the
objects; every row still passes the checker."""

import json

import numpy as np
import pytest

pytest.importorskip("torch")

from z2h.arc.checklabels import check_task
from z2h.arc.correspond import heuristic_labels, model_segmenter, objects_from_sets
from z2h.arc.task import Pair, Task, write_task
from z2h.cli import main


def test_objects_from_sets_cover_the_grid():
    grid = np.array([[1, 2, 0], [0, 0, 3]], np.uint8)
    objs = objects_from_sets(grid, [{0, 1}], background=0)  # the model saw 1 2, missed the 3
    assert [o.color_set for o in objs] == [(1, 2), (3,)]


def test_label_with_an_objects_model(tmp_path, capsys):
    run = tmp_path / "objects"
    assert main(["arc", "train", "--out", str(run), "--model", "objects", "--scenes", "touching",
                 "--set", "n_layer=1", "--set", "n_embd=16", "--set", "n_head=2",
                 "--batch-size", "4", "--max-steps", "2", "--val-tasks", "4",
                 "--threads", "1", "--quiet"]) == 0  # fmt: skip
    inp = np.zeros((6, 6), np.uint8)
    inp[1, 1:3] = 4
    out = np.roll(inp, 2, axis=0)
    task = Task("moved", [Pair(inp, out), Pair(out, np.roll(out, 2, axis=0))], [])
    labels = heuristic_labels(task, model_segmenter(str(run)), "model")
    assert labels.provenance == "model" and check_task(task, labels) == ([], [])
    write_task(tmp_path / "moved.json", task)
    capsys.readouterr()
    code = main(["arc", "label", str(tmp_path / "moved.json"), "--objects-model", str(run),
                 "--json"])  # fmt: skip
    assert code == 0
    d = json.loads(capsys.readouterr().out)
    assert d["provenance"] == "model" and d["replay_ok"] is True
