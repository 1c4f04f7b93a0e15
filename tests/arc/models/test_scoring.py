"""Scoring on hand-made predictions, and TTA's vote mapping answers back exactly."""

from __future__ import annotations

import numpy as np
import pytest

from z2h.arc.dataset import generator_name
from z2h.arc.models.augment import Augmentation, tta_augmentations
from z2h.arc.models.evaluate import scores, vote
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
