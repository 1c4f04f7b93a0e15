"""Heuristic labels of tasks that come without them, on hand-made pairs."""

import numpy as np

from z2h.arc.correspond import correspond, grid_actions, heuristic_labels
from z2h.arc.labels import check_labels
from z2h.arc.objects import find_objects
from z2h.arc.task import Pair, Task

G = np.array


def test_whole_grid_operations():
    a = G([[1, 2], [3, 4]], np.uint8)
    assert grid_actions(a, a[:, ::-1]) == [{"op": "flip", "axis": "h"}]
    assert grid_actions(a, np.rot90(a)) == [{"op": "rotate", "k": 1}]
    assert grid_actions(a, np.kron(a, np.ones((2, 2), np.uint8))) == [{"op": "scale", "factor": 2}]
    assert grid_actions(a, np.tile(a, (1, 3))) == [{"op": "tile", "reps": [1, 3]}]
    big = G([[0, 0, 0], [0, 5, 6], [0, 7, 8]], np.uint8)
    assert grid_actions(big, big[1:, 1:]) == [{"op": "crop", "box": [1, 1, 2, 2]}]
    assert grid_actions(a, G([[9]], np.uint8)) == []


def test_moved_recoloured_created_deleted():
    inp = G(
        [[1, 1, 0, 0, 0, 0],
         [0, 0, 0, 0, 0, 0],
         [0, 0, 0, 0, 2, 0],
         [0, 0, 0, 0, 0, 0],
         [3, 3, 3, 0, 0, 0]],
        np.uint8,
    )  # fmt: skip
    out = G(
        [[0, 0, 0, 0, 1, 1],
         [0, 0, 0, 0, 0, 0],
         [4, 0, 0, 0, 0, 0],
         [4, 4, 0, 0, 0, 0],
         [0, 0, 0, 5, 5, 5]],
        np.uint8,
    )  # fmt: skip
    matches = correspond(find_objects(inp, 8), find_objects(out, 8))
    rows = {(m.input_id, m.output_id): m.actions for m in matches}
    assert rows[(0, 0)] == [{"op": "move", "by": [0, 4]}]  # the domino moved right
    # the bar changed colour and moved
    assert rows[(2, 2)] == [{"op": "recolor", "from": 3, "to": 5}, {"op": "move", "by": [0, 3]}]
    assert (1, None) in rows and (None, 1) in rows  # the red dot went, a yellow L came
    task = Task("hand", [Pair(inp, out)], [])
    labels = heuristic_labels(task)
    assert check_labels(task, labels) == []
    assert labels.generator is None and labels.train[0].output is not None
