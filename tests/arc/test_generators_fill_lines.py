"""The fill, lines, count and symmetry generators: their solvers on hand-made tasks, their
shape helpers, and what their labels claim (test_generators.py runs every generator through
verification, determinism, corruption and the colour-permutation check)."""

import numpy as np
import pytest

from z2h.arc.checks import color_permutation_failures
from z2h.arc.generate import make_task
from z2h.arc.generators import get_generator
from z2h.arc.generators._solve import components
from z2h.arc.generators.base import CannotSolve, Rand
from z2h.arc.generators.fill import enclosed, open_outline, outline_around, row_convex
from z2h.arc.task import Pair

MINE = [
    "fill_enclosed",
    "box_around",
    "connect_points",
    "shoot_ray",
    "count_bar",
    "count_histogram",
    "recolor_by_count",
    "complete_symmetry",
]


def g(text: str) -> np.ndarray:
    """A grid from rows of digits."""
    return np.array([[int(c) for c in row] for row in text.split()], np.uint8)


def tasks(name: str, n: int = 6):
    gen = get_generator(name)
    return gen, [make_task(gen, seed, 0, (seed / (n - 1), seed / (n - 1))) for seed in range(n)]


# Helpers.


def test_enclosed_worked_example():
    grid = g("00000 01110 01010 01110 00010")
    assert enclosed(grid == 0).astype(int).tolist() == [
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
        [0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
    ]
    # a diagonal gap does not leak: paths move between side neighbours only
    assert enclosed(g("010 101 010") == 0).astype(int).tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    # a region touching the border is never enclosed, however winding
    assert not enclosed(g("0111 0001 1101 0001") == 0).any()


def test_shapes_hole_free_outlines_closed_and_opened():
    r = Rand(5)
    for _ in range(200):
        h, w = r.randint(1, 6), r.randint(1, 6)
        shape = row_convex(r, h, w)
        assert shape.shape[0] == h and shape[:, 0].any() and shape[:, -1].any()
        assert len(components(shape.astype(np.uint8), 0, diagonal=False)) == 1  # 4-connected
        assert not enclosed(~shape).any()  # no holes
        ring = outline_around(shape)
        assert ring.shape == (h + 2, shape.shape[1] + 2) and not (ring[1:-1, 1:-1] & shape).any()
        padded = np.pad(ring, 1)
        assert np.array_equal(enclosed(~padded)[2:-2, 2:-2], shape)
        opened = np.pad(open_outline(r, shape, r.randint(1, 2)), 1)
        assert opened.sum() < padded.sum() and not enclosed(~opened).any()


# Solvers on hand-made tasks.


def test_fill_enclosed_solver():
    gen = get_generator("fill_enclosed")
    demos = [Pair(g("11100 10100 11100 00000"), g("11100 14100 11100 00000"))]
    grid = g("222220 200020 202020 222220 000000")
    assert gen.solve(grid, demos).tolist() == g("222220 244420 242420 222220 000000").tolist()
    with pytest.raises(CannotSolve):  # two fill colours
        gen.solve(grid, [*demos, Pair(g("111 101 111"), g("111 131 111"))])


def test_box_around_solver_learns_the_colour():
    gen = get_generator("box_around")
    # two objects outlined in their own colours: no one colour fits
    own = [
        Pair(
            g("0000000 0000000 0030060 0000000 0000000"),
            g("0000000 0333666 0333666 0333666 0000000"),
        )
    ]
    fixed = [Pair(g("00000 00000 00300 00000 00000"), g("00000 05550 05350 05550 00000"))]
    grid = g("000000 000000 004400 000000 000000")
    assert gen.solve(grid, own).tolist() == g("000000 044440 044440 044440 000000").tolist()
    # one object outlined in its own colour fits both rules, which disagree on a 4: no answer
    both = [Pair(g("00000 00000 00300 00000 00000"), g("00000 03330 03330 03330 00000"))]
    with pytest.raises(CannotSolve, match="disagree"):
        gen.solve(grid, both)
    assert gen.solve(grid, fixed).tolist() == g("000000 055550 054450 055550 000000").tolist()
    with pytest.raises(CannotSolve):  # no room for the outline
        gen.solve(g("400 000 000"), fixed)


def test_connect_points_solver():
    gen = get_generator("connect_points")
    # lines of two colours: joined in the points' own colour, not one of the task's
    demos = [Pair(g("30003 00000 40004"), g("33333 00000 44444"))]
    grid = g("2000 0050 2000 0000 0050")  # two 2s in a column, two 5s in a column
    assert gen.solve(grid, demos).tolist() == g("2000 2050 2050 0050 0050").tolist()
    # three points of one colour in a row: no pair, nothing joined
    assert gen.solve(g("30303 00000"), demos).tolist() == g("30303 00000").tolist()
    # one line of the points' colour fits both rules, which disagree on two 2s: no answer
    with pytest.raises(CannotSolve, match="disagree"):
        gen.solve(grid, [Pair(g("30003 00000"), g("33333 00000"))])
    fixed = [Pair(g("30003 00000"), g("37773 00000"))]
    assert gen.solve(g("0000 1001"), fixed).tolist() == g("0000 1771").tolist()


def test_shoot_ray_solver_stops_at_contact():
    gen = get_generator("shoot_ray")
    demos = [Pair(g("0300 0000 0000 0550"), g("0300 0300 0300 0550"))]  # marker 3, down
    grid = g("3030 0000 0000 0550 0000")
    # the left ray meets nothing and runs to the edge; the right one stops above the 5
    assert gen.solve(grid, demos).tolist() == g("3030 3030 3030 3550 3000").tolist()
    up = [Pair(g("0550 0000 0300"), g("0550 0300 0300"))]
    assert gen.solve(g("0000 0030"), up).tolist() == g("0030 0030").tolist()


def test_count_solvers():
    bar, hist = get_generator("count_bar"), get_generator("count_histogram")
    grid = g("10101 00000 10002 00000 20202")  # four 1s and four 2s
    demos = [Pair(g("101 000 200"), g("11"))]
    with pytest.raises(CannotSolve):  # a tie for the most objects
        bar.solve(grid, demos)
    grid = g("10101 00000 10000 00000 20202")  # four 1s, three 2s
    assert bar.solve(grid, demos).tolist() == [[1, 1, 1, 1]]
    column = [Pair(g("101 000 200"), g("1 1"))]
    assert bar.solve(grid, column).tolist() == [[1], [1], [1], [1]]
    up = [Pair(g("101 000 200"), g("10 12"))]
    right = [Pair(g("101 000 200"), g("11 20"))]
    assert hist.solve(grid, up).tolist() == g("10 12 12 12").tolist()
    assert hist.solve(grid, right).tolist() == g("1111 2220").tolist()
    # objects counted by their main colour: three objects of 1 with a cell of accent 3 each
    # (read as one-colour components, 1 and 3 would tie), two of 2
    accented = g("1130113 0000000 1130202")
    assert bar.solve(accented, demos).tolist() == [[1, 1, 1]]
    assert hist.solve(accented, up).tolist() == g("10 12 12").tolist()
    with pytest.raises(CannotSolve):  # an object of two colours, half each, has no main one
        bar.solve(g("13000 00000 10101"), demos)


def test_recolor_by_count_solver():
    gen = get_generator("recolor_by_count")
    demos = [
        Pair(g("1110000 1310000 1110000 0000000"), g("4440000 4340000 4440000 0000000")),
        Pair(g("111110 130310 111110 000000 000030"), g("555550 530350 555550 000000 000030")),
    ]
    # two dots -> 5, one dot -> 4; the dot outside any box is no box's
    grid = g("11111003 13131000 11111000 00000000 01110000 01310000 01110000")
    want = g("55555003 53535000 55555000 00000000 04440000 04340000 04440000")
    assert gen.solve(grid, demos).tolist() == want.tolist()
    # a box with corners of a second colour holding two dots of two colours each: two dots
    # (four one-colour pieces, a count no demonstration shows); the corners keep their colour
    framed = g("6111116 1320321 6111116 0000000 0000000 0000000")
    want = g("6555556 5320325 6555556 0000000 0000000 0000000")
    assert gen.solve(framed, demos).tolist() == want.tolist()
    with pytest.raises(CannotSolve):  # no demonstration shows a box with three dots
        gen.solve(g("1111111 1303031 1111111 0000000 0000000 0000000"), demos)


def test_complete_symmetry_solver():
    gen = get_generator("complete_symmetry")
    # left-right mirror, hidden by 5
    demos = [
        Pair(g("1221 3443 5513"), g("1221 3443 3113")),
        Pair(g("12321 46554 12321"), g("12321 46764 12321")),
    ]
    assert gen.solve(g("4114 2512 3663"), demos).tolist() == g("4114 2112 3663").tolist()
    # answer the hidden patch: 2 also covers a 1x2 box in the first input, but not in the second
    patch = [Pair(g("1221 3443 5513"), g("31")), Pair(g("125 345"), g("1 3"))]
    assert gen.solve(g("4114 2512 3663"), patch).tolist() == [[1]]
    with pytest.raises(CannotSolve):  # a hidden cell on the axis has no partner
        gen.solve(g("121 353 121"), demos)


# What the labels say.


def test_fill_labels_put_each_fill_inside_its_outline():
    _, made = tasks("fill_enclosed")
    for t in made:
        for pl in t.labels.train + t.labels.test:
            inside = {(r.a, r.b) for r in pl.output.relations if r.kind == "inside"}
            fills = [m for m in pl.correspondence if m.change == "created"]
            assert fills
            for m in fills:
                (act,) = m.actions
                assert act["op"] == "fill" and (m.output_id, act["inside"]) in inside


def test_box_labels_surround_their_objects():
    _, made = tasks("box_around")
    for t in made:
        for pl in t.labels.train:
            boxes = {o.id: o.box for o in pl.output.objects}
            for m in pl.correspondence:
                if m.change == "created":
                    t_, l_, h, w = boxes[m.actions[0]["around"]]
                    assert boxes[m.output_id] == [t_ - 1, l_ - 1, h + 2, w + 2]


def test_connect_labels_join_their_points():
    _, made = tasks("connect_points")
    for t in made:
        for pl in t.labels.train:
            cells = {o.id: {(int(r), int(c)) for r, c, _ in o.cells} for o in pl.output.objects}
            for m in pl.correspondence:
                if m.change == "created":
                    a, b = m.actions[0]["between"]
                    ((ra, ca),), ((rb, cb),) = cells[a], cells[b]
                    assert ra == rb or ca == cb
                    line = cells[m.output_id]
                    assert len(line) == abs(ra - rb) + abs(ca - cb) - 1


def test_ray_labels_stop_against_the_object_they_touch():
    _, made = tasks("shoot_ray")
    steps = {"down": (1, 0), "up": (-1, 0), "right": (0, 1), "left": (0, -1)}
    for t in made:
        dr, dc = steps[t.labels.params["direction"]]
        for pl in t.labels.train:
            cells = {o.id: {(int(r), int(c)) for r, c, _ in o.cells} for o in pl.input.objects}
            rays = {o.id: o for o in pl.output.objects}
            for m in pl.correspondence:
                if not m.actions:
                    continue
                grow, stop = m.actions
                assert grow["op"] == "grow" and len(rays[m.output_id].cells) == grow["by"] + 1
                ray = {(int(r), int(c)) for r, c, _ in rays[m.output_id].cells}
                tip = max(ray, key=lambda rc: rc[0] * dr + rc[1] * dc)
                ahead = (tip[0] + dr, tip[1] + dc)
                if stop["with"] == "edge":
                    assert not (0 <= ahead[0] < pl.input.height and 0 <= ahead[1] < pl.input.width)
                else:
                    assert ahead in cells[stop["with"]]


def test_count_labels_count_what_the_bar_shows():
    _, made = tasks("count_bar")
    for t in made:
        for pl in t.labels.train:
            counted = [m for m in pl.correspondence if m.change == "kept"]
            (bar,) = pl.output.objects
            assert len(counted) == len(bar.cells) == pl.actions[0]["n"]
    _, made = tasks("count_histogram")
    for t in made:
        for pl in t.labels.train:
            per_bar = {}
            for m in pl.correspondence:
                per_bar[m.output_id] = per_bar.get(m.output_id, 0) + 1
            assert per_bar == {o.id: len(o.cells) for o in pl.output.objects}


def test_symmetry_labels_restore_under_the_masks():
    _, made = tasks("complete_symmetry", 8)
    for t in made:
        for pl in t.labels.train:
            pattern = pl.input.objects[0]
            assert "pattern" in pattern.tags and pl.input.objects[1].tags[0] == "mask"
            assert [m.change for m in pl.correspondence[1:]] == ["deleted"] * (
                len(pl.input.objects) - 1
            )


def test_recolor_by_count_labels_match_the_dots_inside():
    _, made = tasks("recolor_by_count")
    for t in made:
        mapping = dict(t.labels.params["map"])
        for pl in t.labels.train:
            held = {}
            for kind, _, b in pl.input.relations:
                if kind == "inside":
                    held[b] = held.get(b, 0) + 1
            for m in pl.correspondence:
                if m.actions:
                    (act,) = m.actions
                    assert act["to"] == mapping[held[m.input_id]]


@pytest.mark.parametrize("name", MINE)
def test_colour_permutations_keep_the_tasks_solved(name):
    gen, made = tasks(name, 3)
    assert gen.color_invariant
    rng = np.random.default_rng(1)
    for t in made:
        for _ in range(3):
            assert color_permutation_failures(gen, t.task, rng.permutation(10).tolist()) == []
