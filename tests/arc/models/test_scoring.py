"""Scoring on hand-made predictions, and TTA's vote mapping answers back exactly."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from z2h.arc.checklabels import read_labels
from z2h.arc.dataset import generator_name
from z2h.arc.models.augment import Augmentation, tta_augmentations
from z2h.arc.models.evaluate import hand_grids, object_scores, scores, vote
from z2h.arc.predictions import read_predictions, write_predictions
from z2h.arc.task import Pair, Task

ANSWER = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)


def task(tid: str) -> Task:
    return Task(tid, [Pair(ANSWER, ANSWER)], [Pair(ANSWER, ANSWER)])


def test_one_right_one_wrong_size_one_wrong_cell(tmp_path):
    one_off = ANSWER.copy()
    one_off[1, 2] = 7
    preds = {
        "flip-1-000000": [[ANSWER]],  # right
        "flip-1-000001": [[ANSWER[:, :2]]],  # the wrong size: never right, cells not counted
        "gravity-1-000000": [[one_off, ANSWER]],  # one wrong cell first, right second
    }
    tasks = [task(t) for t in preds]
    path = write_predictions(tmp_path / "p.json", preds)  # through the file, as eval does
    s = scores(read_predictions(path), tasks, ["flip", "gravity"])
    assert s["pass1"] == pytest.approx(1 / 3)
    assert s["pass2"] == pytest.approx(2 / 3)
    assert s["cell_accuracy"] == pytest.approx((1 + 0 + 5 / 6) / 3)
    # how near the misses are: two first attempts of the right size, with 0 and 1 wrong cells
    assert s["size_accuracy"] == pytest.approx(2 / 3) and s["wrong_cells_median"] == 0.5
    assert s["per_generator"]["flip"] == {"tasks": 2, "pass1": 0.5, "pass2": 0.5,
                                          "cell_accuracy": 0.5}  # fmt: skip
    assert s["per_generator"]["gravity"]["pass1"] == 0.0
    assert s["per_generator"]["gravity"]["pass2"] == 1.0


def test_generator_names_from_task_ids():
    assert generator_name("recolor_by_size-3-000001", ["recolor_by_size"]) == "recolor_by_size"
    assert generator_name("move-until-touching-3-000001", []) == "move-until-touching"
    assert generator_name("00576224", []) == "real"


def test_vote_maps_every_view_back_and_counts():
    right, wrong = ANSWER, np.zeros((2, 3), np.uint8)
    views = tta_augmentations(8, seed=3)
    # 5 views answer right first, 3 answer wrong first; each answer is seen in its view's frame
    cands = []
    for i, aug in enumerate(views):
        first, second = (right, wrong) if i < 5 else (wrong, right)
        cands.append((aug, [(aug.apply(first), -1.0), (aug.apply(second), -2.0)]))
    attempts = vote(cands)
    assert len(attempts) == 2
    assert np.array_equal(attempts[0], right) and np.array_equal(attempts[1], wrong)


def test_vote_breaks_ties_by_log_probability():
    a, b = ANSWER, ANSWER[::-1].copy()
    ident = Augmentation()
    attempts = vote([(ident, [(a, -3.0)]), (ident, [(b, -1.0)])])
    assert np.array_equal(attempts[0], b)


# -- object F1 on hand-labelled grids --------------------------------------------------------------
def hand_file(folder, task_id="toy"):
    """One labels file of a 3x3 grid: two 1-cells touching only at a corner and a 2-cell
    touching the second at a corner, labelled as three objects, on both grids of one pair."""
    cells = [[[0, 0, 1]], [[1, 1, 1]], [[2, 2, 2]]]
    grid = {"height": 3, "width": 3, "background": 0, "relations": [],
            "objects": [{"id": i, "colors": [c[0][2]], "box": [c[0][0], c[0][1], 1, 1],
                         "cells": c} for i, c in enumerate(cells)]}  # fmt: skip
    rows = [{"input_id": i, "output_id": i, "actions": []} for i in range(3)]
    pair = {"input": grid, "output": grid, "actions": [], "correspondence": rows}
    labels = {"version": 2, "task_id": task_id, "provenance": "human", "person_checked": True,
              "train": [pair], "test": []}  # fmt: skip
    (folder / f"{task_id}.json").write_text(json.dumps(labels))


def test_object_f1_of_components_on_hand_labels(tmp_path):
    hand_file(tmp_path)
    grids = hand_grids(tmp_path)
    assert len(grids) == 2  # the input and the output
    assert grids[0][0].tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 2]]
    assert grids[0][1].tolist() == [[0, -1, -1], [-1, 1, -1], [-1, -1, 2]]
    s = object_scores(None, grids)
    # worked by hand, per grid: cc4 finds the three cells (3 exact of 3 found, 3 true); cc8 of
    # one colour joins the two 1s (1 exact of 2 found): 2*1/(2+3); cc8 of any colour joins all
    assert (s["grids"], s["objects"]) == (2, 6)
    assert s["cc4"] == s["cc4-multicolour"] == 1.0
    assert s["cc8"] == pytest.approx(0.4) and s["cc8-multicolour"] == 0.0
    assert "object_f1" not in s


def test_the_shipped_hand_set_gives_every_grid():
    folder = Path(str(resources.files("z2h.arc") / "data" / "hand_labels"))
    labels = [read_labels(p) for p in sorted(folder.glob("*.json"))]
    grids = hand_grids()
    assert len(labels) >= 40
    assert len(grids) == sum(2 * len(lab.train) + len(lab.test) + sum(
        p.output is not None for p in lab.test) for lab in labels)  # fmt: skip
    for grid, owners, _ in grids:
        assert owners.shape == grid.shape
