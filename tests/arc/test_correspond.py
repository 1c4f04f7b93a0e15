"""Heuristic labels of tasks that come without them: hand-made pairs with hand-derived rows,
and every row true under the checker."""

import numpy as np

from z2h.arc.checklabels import check_task
from z2h.arc.correspond import (
    grid_actions,
    heuristic_labels,
    match_pair,
    meaningful_relations,
    segment,
)
from z2h.arc.labels import check_labels
from z2h.arc.task import Pair, Task

G = np.array


def rows_of(inp, out, how="color8"):
    got = match_pair(segment(inp, how, 0), segment(out, how, 0), out.shape)
    return {(r.input_id, r.output_id): r.actions for r in got}


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
    rows = rows_of(inp, out)
    assert rows[(0, 0)] == [{"op": "move", "by": [0, 4]}]  # the domino moved right
    # the bar changed colour and moved
    assert rows[(2, 2)] == [{"op": "recolor", "from": 3, "to": 5}, {"op": "move", "by": [0, 3]}]
    assert rows[(1, None)] == [] and rows[(None, 1)] == []  # the red dot went, a yellow L came
    task = Task("hand", [Pair(inp, out)], [])
    labels = heuristic_labels(task)
    assert check_labels(task, labels) == [] and labels.replay_ok is True
    assert labels.provenance == "heuristic" and labels.generator is None


def test_a_sprite_is_one_object_copied_onto_its_marker():
    # a three-colour sprite and a grey marker; the output stamps the sprite over the marker
    inp = np.zeros((7, 7), np.uint8)
    inp[0:2, 0:2] = [[1, 2], [3, 1]]
    inp[5, 5] = 5
    out = inp.copy()
    out[5:7, 5:7] = [[1, 2], [3, 1]]
    labels = heuristic_labels(Task("sprite", [Pair(inp, out)], []))
    pl = labels.train[0]
    assert labels.params["objects"] == "multi8" and len(pl.input.objects) == 2
    rows = {(m.input_id, m.output_id): m.actions for m in pl.correspondence}
    assert rows == {
        (0, 0): [],
        (0, 1): [{"op": "copy"}, {"op": "move", "by": [5, 5]}],
        (1, None): [{"op": "replaced", "by": 0}],
    }


def test_split_merge_and_reshape():
    inp = G([[1, 1, 1, 1, 0, 3]], np.uint8)
    out = G([[1, 1, 0, 1, 0, 3]], np.uint8)
    rows = rows_of(inp, out, "color4")
    assert rows[(0, 0)] == [{"op": "reshape"}]  # 3 of its 4 cells stay: the same, reshaped
    out = G([[1, 0, 1, 1, 0, 3]], np.uint8)
    inp = G([[1, 1, 1, 1, 0, 3]], np.uint8)
    rows = rows_of(out, inp, "color4")
    # read backwards, the two parts join with a cell more
    assert rows[(0, 0)] == [{"op": "merge", "with": [1]}, {"op": "reshape"}]
    inp = G([[1, 0, 1, 0, 0]], np.uint8)
    out = G([[1, 1, 1, 0, 0]], np.uint8)
    rows = rows_of(inp, out, "color4")
    # two dots merged into one bar with a cell more: merge, and reshape (the joint is smaller)
    assert rows[(0, 0)] == [{"op": "merge", "with": [1]}, {"op": "reshape"}]
    inp, out = out, G([[1, 0, 1, 0, 0]], np.uint8)
    # the bar lost its middle: not two exact parts, so the larger overlap reshapes
    rows = rows_of(inp, out, "color4")
    assert rows[(0, 0)] == [{"op": "reshape"}]
    inp = G([[1, 1, 0], [0, 0, 0]], np.uint8)
    out = G([[1, 0, 0], [0, 1, 0]], np.uint8)  # 4-connected: two parts
    rows = rows_of(inp, out, "color8")  # 8-connected: still one object
    assert rows[(0, 0)] == [{"op": "reshape"}]


def test_one_explanation_per_task():
    # a symmetric domino: flip h explains it as well as a move; the task's other pair flips
    # an asymmetric L, so the task's explanation is the flip
    a = np.zeros((4, 4), np.uint8)
    a[0, 0:2] = 1
    b = a[:, ::-1].copy()
    c = np.zeros((4, 4), np.uint8)
    c[0, 0] = c[1, 0] = c[1, 1] = 2
    d = c[:, ::-1].copy()
    labels = heuristic_labels(Task("sym", [Pair(c, d), Pair(a, b)], []))
    acts = [m.actions for pl in labels.train for m in pl.correspondence]
    assert [x[0]["op"] for x in acts] == ["flip", "flip"]
    assert [x["op"] for x in labels.train[1].actions] == ["flip"]


def test_relations_are_bounded():
    # 30 dots in a row: every pair shares a row band; only meaningful kinds are kept, at most
    # four per object
    grid = np.zeros((3, 30), np.uint8)
    grid[1, ::2] = 3
    objs = segment(grid, "color8", 0)
    from z2h.arc.labels import grid_labels
    from z2h.arc.scene import Scene

    gl = grid_labels(Scene(3, 30, 0, objs))
    rels = meaningful_relations(gl.objects)
    assert {r.kind for r in rels} <= {"inside", "touching", "same_shape", "occludes"}
    counts = np.bincount([i for r in rels for i in (r.a, r.b)], minlength=len(objs))
    assert counts.max() <= 4 and len(rels) < len(gl.relations)


def test_each_row_is_true_on_random_pairs():
    rng = np.random.default_rng(0)
    pairs = []
    for _ in range(6):
        inp = (rng.random((8, 8)) < 0.3) * rng.integers(1, 4, (8, 8))
        out = np.roll(inp, 1, axis=1) * (rng.random((8, 8)) < 0.8)
        pairs.append(Pair(inp.astype(np.uint8), out.astype(np.uint8)))
    task = Task("random", pairs[:4], pairs[4:])
    labels = heuristic_labels(task)
    assert check_task(task, labels) == ([], []) and labels.replay_ok is True


def test_the_last_guard_makes_false_rows_say_reshape():
    from z2h.arc.correspond import _make_true
    from z2h.arc.labels import Match

    # two dots said to merge into a bar of three (their union is two cells): false until the
    # guard adds reshape to both rows of the merge
    inp = G([[1, 0, 1, 0, 5]], np.uint8)
    out = G([[1, 1, 1, 0, 5]], np.uint8)
    task = Task("guard", [Pair(inp, out)], [])
    labels = heuristic_labels(task, segmentations=("color4",))
    pl = labels.train[0]
    pl.correspondence = [
        Match(0, 0, [{"op": "merge", "with": [1]}]),
        Match(1, 0, [{"op": "merge", "with": [0]}]),
        Match(2, None, []),  # the grey dot is still there: a false "deleted"
    ]
    assert len(check_task(task, labels)[1]) == 2
    _make_true(task, labels)
    assert check_task(task, labels) == ([], [])
    assert [m.actions for m in pl.correspondence] == [
        [{"op": "merge", "with": [1]}, {"op": "reshape"}],
        [{"op": "merge", "with": [0]}, {"op": "reshape"}],
        [{"op": "reshape"}],
    ]
    assert pl.correspondence[2].output_id == 1
