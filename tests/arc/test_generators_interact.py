"""The interaction generators (occlusion, containment, alignment, contact): what their labels
say agrees with the grids, and their solvers take the rule from the demonstrations.

tests/arc/test_generators.py already runs every registered generator through verification,
labels, determinism, a corrupted output and the colour-permutation claim."""

import numpy as np
import pytest

from z2h.arc.checks import solves
from z2h.arc.generate import make_task
from z2h.arc.generators import get_generator
from z2h.arc.generators.base import dilate
from z2h.arc.generators.interact import _frames, aligned_top

INTERACT = (
    "bring_color_to_front",
    "remove_occluder",
    "recolor_inside",
    "align_to_marker",
    "delete_touching",
)
SEEDS = [(0, (0.0, 0.3)), (1, (0.3, 0.7)), (2, (0.7, 1.0)), (3, (1.0, 1.0))]


def cells(o):
    """An object label's cells as an (n, 3) array of row, col, colour."""
    return np.asarray(o.cells, dtype=np.int64).reshape(-1, 3)


def tasks(name):
    gen = get_generator(name)
    return [make_task(gen, seed, 0, diff) for seed, diff in SEEDS]


def pair_labels(t):
    return t.labels.train + t.labels.test


def test_tagged_as_interactions():
    for name in INTERACT:
        gen = get_generator(name)
        assert "interaction" in gen.concepts and gen.color_invariant


def test_bring_color_to_front_labels_the_occlusion():
    for t in tasks("bring_color_to_front"):
        for pl, (_, _, pair) in zip(pair_labels(t), t.task.pairs(), strict=True):
            fronts = [m for m in pl.correspondence if m.actions and m.actions[0]["op"] != "hidden"]
            assert len(fronts) == 1 and fronts[0].actions == [{"op": "raise"}]
            target = fronts[0].input_id
            # something covered it in the input, nothing does in the output
            assert any(k == "occludes" and b == target for k, _, b in pl.input.relations)
            assert not any(k == "occludes" and b == target for k, _, b in pl.output.relations)
            out = {o.id: o for o in pl.output.objects}[target]
            assert out.z == max(o.z for o in pl.output.objects)
            rows, cols, colours = cells(out).T
            assert (pair.output[rows, cols] == colours).all()
            assert (pair.input[rows, cols] != colours).any()


def test_remove_occluder_reveals_what_it_covered():
    for t in tasks("remove_occluder"):
        colour = t.labels.params["color"]
        for pl, (_, _, pair) in zip(pair_labels(t), t.task.pairs(), strict=True):
            (cover,) = [o for o in pl.input.objects if "occluder" in o.tags]
            assert cover.colors == [colour] and cover.z > max(
                o.z for o in pl.input.objects if o.id != cover.id
            )
            deleted = [m.input_id for m in pl.correspondence if m.change == "deleted"]
            assert deleted == [cover.id]
            covered = {b for k, a, b in pl.input.relations if k == "occludes" and a == cover.id}
            revealed = {m.input_id for m in pl.correspondence if m.actions}
            assert revealed == covered
            for o in pl.output.objects:  # every rectangle whole again
                rows, cols, colours = cells(o).T
                assert (pair.output[rows, cols] == colours).all()
                assert len(cells(o)) == o.box[2] * o.box[3]
            assert colour not in pair.output


def test_recolor_inside_changes_exactly_what_lies_in_a_frame():
    for t in tasks("recolor_inside"):
        for pl in pair_labels(t):
            frames = {o.id for o in pl.input.objects if "frame" in o.tags}
            inside = {a for k, a, b in pl.input.relations if k == "inside" and b in frames}
            changed = {m.input_id for m in pl.correspondence if m.actions}
            assert changed and changed <= inside
            ins = {o.id: o for o in pl.input.objects}
            outs = {o.id: o for o in pl.output.objects}
            for m in pl.correspondence:
                for a in m.actions:
                    assert a["op"] == "recolor" and a["inside"] in frames
                    assert a["from"] in ins[m.input_id].colors  # one recolour per colour
                    assert outs[m.output_id].colors == [a["to"]]
                if m.actions:
                    froms = sorted(a["from"] for a in m.actions)
                    assert froms == [c for c in ins[m.input_id].colors if c != m.actions[0]["to"]]
            # what is not inside a frame keeps its colour
            for i in set(ins) - inside:
                assert ins[i].colors == outs[i].colors


def test_align_to_marker_lines_every_object_up():
    for t in tasks("align_to_marker"):
        edge, align = t.labels.params["edge"], t.labels.params["align"]
        axis = 0 if edge in ("left", "right") else 1  # the marker runs along rows or columns
        for pl in pair_labels(t):
            marker = next(o for o in pl.output.objects if "marker" in o.tags)
            m0, m1 = marker.box[axis], marker.box[axis] + marker.box[axis + 2]
            spans = [
                (o.box[axis], o.box[axis] + o.box[axis + 2])
                for o in pl.output.objects
                if o.id != marker.id
            ]
            # made with the marker on the left, then turned: on the right and top edges the
            # turn reverses the marker's direction, so "start" lines up the far ends
            if edge in ("right", "top"):
                align_here = {"start": "end", "end": "start"}.get(align, align)
            else:
                align_here = align
            side = {
                (0, "start"): "top",
                (0, "end"): "bottom",
                (1, "start"): "left",
                (1, "end"): "right",
            }.get((axis, align_here), "center")
            for s, e in spans:
                if align_here == "start":
                    assert s == m0
                elif align_here == "end":
                    assert e == m1
                else:
                    assert abs((s - m0) - (m1 - e)) <= 1
            for m in pl.correspondence:
                for a in m.actions:
                    if a["op"] == "move":
                        assert a["by"][1 - axis] == 0  # slid along the marker only
                    else:  # the side of the marker the objects line up with, as seen
                        assert a == {"op": "align", "with": marker.id, "side": side}


def test_delete_touching_deletes_exactly_what_touches_the_key():
    for t in tasks("delete_touching"):
        for pl in pair_labels(t):
            key = next(o.id for o in pl.input.objects if "key" in o.tags)
            touching = {
                a if b == key else b
                for k, a, b in pl.input.relations
                if k == "touching" and key in (a, b)
            }
            others = {o.id for o in pl.input.objects} - {key}
            deleted = {m.input_id for m in pl.correspondence if m.change == "deleted"}
            assert touching and others - touching and deleted == touching
            for m in pl.correspondence:
                want = [{"op": "delete", "reason": "touching", "with": key}]
                assert m.actions == (want if m.input_id in touching else [])


@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("bring_color_to_front", "color"),
        ("remove_occluder", "color"),
        ("recolor_inside", "mode"),
        ("align_to_marker", "align"),
        ("delete_touching", "key"),
    ],
)
def test_the_rule_comes_from_the_demonstrations(name, param):
    """Given another task's demonstrations, whose rule differs, the solver does not give this
    task's answer: it reads the rule from the demonstrations, not from the grid alone."""
    gen = get_generator(name)
    a = make_task(gen, 0, 0, (0.5, 0.5))
    b = next(
        t
        for t in (make_task(gen, 1, i, (0.5, 0.5)) for i in range(50))
        if t.labels.params[param] != a.labels.params[param]
    )
    test = a.task.test[0]
    assert solves(gen, test.input, test.output, a.task.train)
    assert not solves(gen, test.input, test.output, b.task.train)


def test_dilate():
    mask = np.zeros((3, 3), bool)
    mask[1, 1] = True
    side = dilate(mask, diagonal=False)[1:-1, 1:-1]
    assert side.tolist() == [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    assert dilate(mask, diagonal=True)[1:-1, 1:-1].all()
    assert dilate(mask, diagonal=False).shape == (5, 5)
    # against growing each cell by hand, on a random mask
    rng = np.random.default_rng(0)
    mask = rng.random((4, 6)) < 0.3
    for diagonal in (False, True):
        want = np.zeros((6, 8), bool)
        for r, c in np.argwhere(mask).tolist():
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    if diagonal or dr == 0 or dc == 0:
                        want[r + 1 + dr, c + 1 + dc] = True
        assert dilate(mask, diagonal).tolist() == want.tolist()


def test_aligned_top():
    assert aligned_top(3, 5, 1, "start") == 3
    assert aligned_top(3, 5, 2, "end") == 6  # rows 6 and 7 end with the marker at 7
    assert aligned_top(3, 5, 2, "center") == 4  # floor of the centred offset


def test_frames_are_exactly_the_border_of_their_box():
    grid = np.zeros((9, 14), np.uint8)
    grid[0:5, 0:5] = 3  # a frame with one cell inside
    grid[1:4, 1:4] = 0
    grid[2, 2] = 4
    grid[0:4, 6:10] = 5  # a frame with a cell of its colour stuck to its outside
    grid[1:3, 7:9] = 0
    grid[4, 10] = 5
    grid[5:9, 0:4] = 6  # a solid block
    grid[5:8, 11:14] = 7  # the smallest frame
    grid[6, 12] = 0
    background, frames = _frames(grid)
    assert background == 0
    assert frames == [(0, 0, 5, 5, 3), (5, 11, 3, 3, 7)]
