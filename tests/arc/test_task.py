import json

import numpy as np
import pytest

from z2h.arc.grid import ArcError
from z2h.arc.task import Pair, Task, read_task, read_tasks, task_from_json, write_task

TASK = {
    "train": [{"input": [[0, 1], [1, 0]], "output": [[1, 0], [0, 1]]}],
    "test": [{"input": [[2, 0]], "output": [[0, 2]]}, {"input": [[3]]}],
}


def test_round_trip_file(tmp_path):
    task = task_from_json(TASK, "t1")
    path = write_task(tmp_path / "t1.json", task)
    back = read_task(path)
    assert back == task and back.id == "t1"
    assert json.loads(path.read_text()) == TASK
    assert back.test[1].output is None


def test_read_tasks_folder_in_name_order(tmp_path):
    for name in ("b", "a"):
        write_task(tmp_path / f"{name}.json", task_from_json(TASK, name))
    assert [t.id for t in read_tasks(tmp_path)] == ["a", "b"]


def test_pairs_iterates_train_then_test():
    task = Task("x", [Pair(np.zeros((1, 1), np.uint8))], [Pair(np.ones((1, 1), np.uint8))])
    assert [(s, i) for s, i, _ in task.pairs()] == [("train", 0), ("test", 0)]


@pytest.mark.parametrize(
    "obj, message",
    [
        ([], "a JSON object"),
        ({"train": []}, "no 'test'"),
        ({"train": [], "test": []}, "'train' has no pairs"),
        ({"train": [{"input": [[0]]}], "test": []}, "train pair 0: no 'output'"),
        (
            {"train": [{"input": [[0]], "output": [[0, 1], [5, 10]]}], "test": []},
            "train pair 0 output: row 1: colour 10",
        ),
        ({"train": [{"output": [[0]]}], "test": []}, "train pair 0: a pair is an object"),
        ({"train": "x", "test": []}, "'train' must be a list"),
    ],
)
def test_not_an_arc_task(obj, message):
    with pytest.raises(ArcError) as e:
        task_from_json(obj, "bad")
    assert message in str(e.value) and str(e.value).startswith("task bad")


def test_unreadable_files(tmp_path):
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(ArcError, match="task x: not valid JSON"):
        read_task(tmp_path / "x.json")
    with pytest.raises(ArcError, match="no such task file"):
        read_task(tmp_path / "missing.json")
    with pytest.raises(ArcError, match="not a folder"):
        list(read_tasks(tmp_path / "x.json"))
