import numpy as np

from z2h.arc.relations import RELATION_KINDS, Relation, relations
from z2h.arc.scene import Obj


def rel_set(objs):
    return {tuple(r) for r in relations(objs)}


def test_hand_built_relations():
    frame = Obj.filled(0, np.array([[1, 1, 1, 1], [1, 0, 0, 1], [1, 0, 0, 1], [1, 1, 1, 1]]), 2)
    dot = Obj.rect(1, 1, 1, 3, (1, 1))  # inside the frame, touching its inner side
    twin = Obj.rect(2, 1, 1, 3, (1, 6))  # same colour/shape/size as dot, same row
    got = rel_set([frame, dot, twin])
    assert ("inside", 1, 0) in got
    assert ("touching", 0, 1) in got
    assert ("boxes_overlap", 0, 1) in got
    assert {("same_color", 1, 2), ("same_shape", 1, 2), ("same_size", 1, 2)} <= got
    assert ("same_row_band", 1, 2) in got and ("aligned_row", 1, 2) in got
    assert ("touching", 1, 2) not in got and ("same_col_band", 1, 2) not in got
    assert ("same_color", 0, 1) not in got and ("inside", 2, 0) not in got


def test_occludes_follows_paint_order_and_kinds_are_known():
    a = Obj.rect(0, 2, 2, 1)
    b = Obj.rect(1, 2, 2, 2, (1, 1))
    got = relations([a, b])
    assert Relation("occludes", 1, 0) in got
    assert all(r.kind in RELATION_KINDS for r in got)
    # listed in the order of RELATION_KINDS
    order = [list(RELATION_KINDS).index(r.kind) for r in got]
    assert order == sorted(order)
