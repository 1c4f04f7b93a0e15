"""Replaying actions on hand-made objects: each op against cells worked out by hand."""

import numpy as np
import pytest

from z2h.arc.labels import ACTIONS
from z2h.arc.replay import (
    CELL_OPS,
    CONTACT_OPS,
    DESCRIBE_OPS,
    GROUP_OPS,
    OPAQUE_OPS,
    Context,
    Opaque,
    ReplayError,
    apply_actions,
    apply_grid_actions,
    render,
    split_at_group,
)
from z2h.arc.scene import transform

# an L of three cells with two colours, its box at (1, 2), 2 x 2:
#   row 1: 4 .
#   row 2: 4 5
L = [(1, 2, 4), (2, 2, 4), (2, 3, 5)]


def replay(actions, cells=L, ctx=None):
    return apply_actions(cells, actions, ctx)


def test_every_op_has_a_kind():
    kinds = CELL_OPS + DESCRIBE_OPS + CONTACT_OPS + OPAQUE_OPS + GROUP_OPS
    assert sorted(kinds) == sorted(ACTIONS)
    assert len(set(kinds)) == len(kinds)


def test_move_push_recolor_swap():
    assert replay([{"op": "move", "by": [1, -2]}]) == [(2, 0, 4), (3, 0, 4), (3, 1, 5)]
    assert replay([{"op": "push", "by": [0, 3], "with": 0}]) == [(1, 5, 4), (2, 5, 4), (2, 6, 5)]
    assert replay([{"op": "recolor", "from": 5, "to": 7}]) == [(1, 2, 4), (2, 2, 4), (2, 3, 7)]
    assert replay([{"op": "recolor", "to": 1}]) == [(1, 2, 1), (2, 2, 1), (2, 3, 1)]
    assert replay([{"op": "swap", "colors": [4, 5]}]) == [(1, 2, 5), (2, 2, 5), (2, 3, 4)]
    with pytest.raises(ReplayError, match="no cell of colour 9"):
        replay([{"op": "recolor", "from": 9, "to": 1}])
    with pytest.raises(ReplayError, match="needs the field 'by'"):
        replay([{"op": "move"}])


def test_symmetries_about_the_box():
    # the box's top-left stays at (1, 2); worked out on the 2 x 2 box by hand
    assert replay([{"op": "flip", "axis": "h"}]) == [(1, 3, 4), (2, 2, 5), (2, 3, 4)]
    assert replay([{"op": "flip", "axis": "v"}]) == [(1, 2, 4), (1, 3, 5), (2, 2, 4)]
    assert replay([{"op": "transpose"}]) == [(1, 2, 4), (1, 3, 4), (2, 3, 5)]
    # a quarter turn anticlockwise: the right column (. 5) becomes the top row (. 5)
    assert replay([{"op": "rotate", "k": 1}]) == [(1, 3, 5), (2, 2, 4), (2, 3, 4)]
    assert replay([{"op": "rotate", "k": 2}]) == [(1, 2, 5), (1, 3, 4), (2, 3, 4)]


@pytest.mark.parametrize(
    "op,k,action",
    [
        ("rotate", 1, {"op": "rotate", "k": 1}),
        ("rotate", 2, {"op": "rotate", "k": 2}),
        ("rotate", 3, {"op": "rotate", "k": 3}),
        ("flip_h", 1, {"op": "flip", "axis": "h"}),
        ("flip_v", 1, {"op": "flip", "axis": "v"}),
        ("transpose", 1, {"op": "transpose"}),
    ],
)
def test_symmetries_agree_with_the_scene_transform(op, k, action):
    # a 2 x 3 sprite with distinct colours, placed at the origin: its cells after the action
    # must be the transformed array's cells
    a = np.array([[1, 2, 0], [3, 4, 5]], np.uint8)
    cells = [(r, c, int(a[r, c])) for r, c in zip(*np.nonzero(a), strict=True)]
    t = transform(a, op, k)
    want = sorted((int(r), int(c), int(t[r, c])) for r, c in zip(*np.nonzero(t), strict=True))
    assert replay([action], cells) == want


def test_scale_grow_crop():
    dot = [(2, 3, 6)]
    assert replay([{"op": "scale", "factor": 2}], dot) == [
        (2, 3, 6),
        (2, 4, 6),
        (3, 3, 6),
        (3, 4, 6),
    ]
    # the L grown right by 2: only its leading-edge cells extend (the 4 at (2, 2) has a cell
    # to its right already)
    assert replay([{"op": "grow", "direction": "right", "by": 2}]) == [
        (1, 2, 4), (1, 3, 4), (1, 4, 4), (2, 2, 4), (2, 3, 5), (2, 4, 5), (2, 5, 5),
    ]  # fmt: skip
    assert replay([{"op": "crop", "box": [2, 2, 1, 2]}]) == [(0, 0, 4), (0, 1, 5)]


def test_grow_along_a_diagonal():
    got = replay([{"op": "grow", "direction": "up_right", "by": 2}], [(5, 1, 7)])
    assert got == [(3, 3, 7), (4, 2, 7), (5, 1, 7)]
    with pytest.raises(ReplayError, match="direction 'sideways'"):
        replay([{"op": "grow", "direction": "sideways", "by": 1}])


def test_copy_onto_a_marker():
    # the anchor [1, 1] (the 5) lands on the marker at (6, 6): the box's top-left goes to (5, 5)
    ctx = Context(inputs={3: [(6, 6, 8)]})
    got = replay([{"op": "copy", "at": 3, "anchor": [1, 1]}], ctx=ctx)
    assert got == [(5, 5, 4), (6, 5, 4), (6, 6, 5)]
    assert replay([{"op": "copy"}]) == sorted(L)  # a plain copy stays where it is
    with pytest.raises(ReplayError, match="no input object 9"):
        replay([{"op": "copy", "at": 9}], ctx=ctx)


def test_continue_a_pattern():
    # period [1, 2] on a 2 x 4 canvas: two visible cells fix the whole pattern
    ctx = Context(height=2, width=4)
    got = replay([{"op": "continue", "period": [1, 2]}], [(0, 0, 1), (1, 1, 2)], ctx)
    assert got == [(r, c, 1 if c % 2 == 0 else 2) for r in range(2) for c in range(4)]
    with pytest.raises(ReplayError, match="not periodic"):
        replay([{"op": "continue", "period": [1, 2]}], [(0, 0, 1), (0, 2, 3)], ctx)


def test_contact_until_it_touches():
    # a dot at (0, 0) moves right by 3 to (0, 3): object 7 at (0, 4) is next, the edge is not
    ctx = Context(height=5, width=5, contacts={7: {(0, 4)}, 8: {(3, 3)}})
    dot = [(0, 0, 1)]
    moved = [{"op": "move", "by": [0, 3]}]
    assert replay([*moved, {"op": "stop_at_contact", "with": 7}], dot, ctx) == [(0, 3, 1)]
    assert replay([*moved, {"op": "hit", "with": 7}], dot, ctx) == [(0, 3, 1)]
    with pytest.raises(ReplayError, match="does not touch object 8"):
        replay([*moved, {"op": "stop_at_contact", "with": 8}], dot, ctx)
    with pytest.raises(ReplayError, match="does not touch the edge"):
        replay([*moved, {"op": "stop_at_contact", "with": "edge"}], dot, ctx)
    # on the last column, one more step leaves the canvas: contact with the edge
    edge = [{"op": "move", "by": [0, 4]}, {"op": "stop_at_contact", "with": "edge"}]
    assert replay(edge, dot, ctx) == [(0, 4, 1)]
    # a ray grown down stops against what lies under its end
    ray = [{"op": "grow", "direction": "down", "by": 2}, {"op": "stop_at_contact", "with": 8}]
    assert replay(ray, [(0, 3, 2)], ctx) == [(0, 3, 2), (1, 3, 2), (2, 3, 2)]
    # without contacts (a renderer) the claim is not checked
    assert replay([*moved, {"op": "stop_at_contact", "with": 8}], dot) == [(0, 3, 1)]


def test_describing_and_opaque_ops():
    for op in DESCRIBE_OPS:
        assert replay([{"op": op}]) == sorted(L)
    for op in ("reshape", "count", "fill"):
        with pytest.raises(Opaque):
            replay([{"op": op}])
    with pytest.raises(ReplayError, match="unknown action 'melt'"):
        replay([{"op": "melt"}])


def test_split_at_group():
    acts = [{"op": "move", "by": [1, 0]}, {"op": "merge", "with": [2]}, {"op": "recolor", "to": 3}]
    before, group, after = split_at_group(acts)
    assert before == acts[:1] and group == acts[1] and after == acts[2:]
    assert split_at_group(acts[:1]) == (acts[:1], None, [])


def test_grid_actions():
    g = np.array([[1, 2], [3, 4]], np.uint8)
    assert np.array_equal(apply_grid_actions(g, [{"op": "flip", "axis": "h"}]), g[:, ::-1])
    assert np.array_equal(apply_grid_actions(g, [{"op": "rotate", "k": 1}]), np.rot90(g))
    assert apply_grid_actions(g, [{"op": "scale", "factor": 3}]).shape == (6, 6)
    tiled = apply_grid_actions(g, [{"op": "tile", "reps": [2, 2], "mirror": True}])
    assert np.array_equal(tiled[2:, :2], g[::-1]) and np.array_equal(tiled[:2, 2:], g[:, ::-1])
    assert np.array_equal(apply_grid_actions(g, [{"op": "crop", "box": [1, 0, 1, 2]}]), g[1:])
    with pytest.raises(Opaque):
        apply_grid_actions(g, [{"op": "restore", "symmetry": "mirror_lr"}])


def test_render_a_scene():
    # two objects: a bar moved down, a dot deleted; a created dot painted last
    inputs = {0: [(0, 0, 1), (0, 1, 1)], 1: [(2, 2, 3)]}
    rows = [(0, [{"op": "move", "by": [1, 0]}]), (1, [{"op": "delete"}])]
    grid = render(inputs, rows, 3, 3, 0, created=[[(2, 0, 5)]])
    assert grid.tolist() == [[0, 0, 0], [1, 1, 0], [5, 0, 0]]
    with pytest.raises(ReplayError, match="no input object 4"):
        render(inputs, [(4, [])], 3, 3, 0)
