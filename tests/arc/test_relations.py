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


def reference_relations(objs):
    """Every relation straight from its definition (RELATION_KINDS), on sets of (row, col)."""
    facts = []
    for o in objs:
        cells = {(int(r), int(c)) for r, c, _ in o.cell_array().tolist()}
        rows, cols = [r for r, _ in cells], [c for _, c in cells]
        box = (min(rows), min(cols), max(rows), max(cols))
        shape = {(r - box[0], c - box[1]) for r, c in cells}
        facts.append((o.id, cells, box, shape, set(o.color_set)))
    found = []
    for i, (a, ca, (at, al, ab, ar), sa, ka) in enumerate(facts):
        for b, cb, (bt, bl, bb, br), sb, kb in facts[i + 1 :]:
            rows_meet, cols_meet = at <= bb and bt <= ab, al <= br and bl <= ar
            sides = ((0, 1), (0, -1), (1, 0), (-1, 0))
            ring = {(r + dr, c + dc) for r, c in ca for dr, dc in sides}
            tests = {
                "same_color": ka == kb,
                "same_shape": sa == sb,
                "same_size": len(ca) == len(cb),
                "same_row_band": rows_meet,
                "same_col_band": cols_meet,
                "aligned_row": at + ab == bt + bb,
                "aligned_col": al + ar == bl + br,
                "touching": bool((ring - ca) & cb),
                "boxes_overlap": rows_meet and cols_meet,
            }
            found += [(k, a, b) for k, hold in tests.items() if hold]
            if at > bt and ab < bb and al > bl and ar < br:
                found.append(("inside", a, b))
            if bt > at and bb < ab and bl > al and br < ar:
                found.append(("inside", b, a))
            if ca & cb:
                found.append(("occludes", b, a))
    return sorted(found)


def test_relations_match_their_definitions_on_random_scenes():
    rng = np.random.default_rng(0)
    for _ in range(60):
        objs = []
        for i in range(int(rng.integers(2, 12))):
            h, w = (int(v) for v in rng.integers(1, 5, 2))
            mask = rng.random((h, w)) < 0.7
            mask[0, 0] = mask[-1, -1] = True  # the box is the mask's
            colours = rng.integers(1, 4, (h, w)).astype(np.uint8)
            objs.append(Obj(i, mask, colours, tuple(int(v) for v in rng.integers(-1, 8, 2))))
        assert sorted(tuple(r) for r in relations(objs)) == reference_relations(objs)
