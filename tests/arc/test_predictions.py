import numpy as np
import pytest

from z2h.arc.grid import ArcError
from z2h.arc.predictions import (
    predictions_from_json,
    read_predictions,
    score,
    write_predictions,
)
from z2h.arc.task import Pair, Task

G = np.array


def tasks():
    a = Task(
        "a", [Pair(G([[1]]), G([[2]]))], [Pair(G([[1]]), G([[2]])), Pair(G([[3]]), G([[4, 4]]))]
    )
    b = Task("b", [Pair(G([[1]]), G([[2]]))], [Pair(G([[5]]), G([[6]]))])
    return [a, b]


def test_score_by_hand():
    preds = {
        # test 0 right at attempt 2; test 1 right at attempt 1
        "a": [[G([[9]], np.uint8), G([[2]], np.uint8)], [G([[4, 4]], np.uint8)]],
        # right size, wrong colour
        "b": [[G([[7]], np.uint8)]],
    }
    s = score(preds, tasks())
    assert [(t.pass1, t.pass2) for t in s.tasks] == [(0.5, 1.0), (0.0, 0.0)]
    assert s.pass1 == 0.25 and s.pass2 == 0.5
    assert s.cell_accuracy == pytest.approx((0.5 + 0.0) / 2)


def test_missing_task_scores_zero():
    s = score({}, tasks())
    assert s.missing == ["a", "b"] and s.pass2 == 0.0


def test_round_trip(tmp_path):
    preds = {"a": [[G([[1, 2]], np.uint8), G([[3]], np.uint8)]]}
    back = read_predictions(write_predictions(tmp_path / "p.json", preds))
    assert [[g.tolist() for g in t] for t in back["a"]] == [[[[1, 2]], [[3]]]]


@pytest.mark.parametrize(
    "obj, message",
    [
        ([], "a JSON object"),
        ({"a": []}, "task a: a list"),
        ({"a": [{"attempt_2": [[1]]}]}, "task a test 0: an object with 'attempt_1'"),
        ({"a": [{"attempt_1": [[1]], "attempt_3": [[1]]}]}, "unknown key(s) attempt_3"),
        ({"a": [{"attempt_1": [[1, 11]]}]}, "task a test 0 attempt_1: row 0: colour 11"),
    ],
)
def test_bad_predictions(obj, message):
    with pytest.raises(ArcError) as e:
        predictions_from_json(obj)
    assert message in str(e.value)
