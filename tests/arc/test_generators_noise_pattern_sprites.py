"""remove_noise, continue_pattern and copy_sprite: their labels and grids say what the rule
says, their helpers against hand-made cases, and their rules come from the demonstrations.

tests/arc/test_generators.py already runs every registered generator through verification,
labels, determinism, a corrupted output and the colour-permutation claim."""

import numpy as np
import pytest

from z2h.arc.checks import solves
from z2h.arc.generate import make_task
from z2h.arc.generators import get_generator
from z2h.arc.generators.noise import corner_color, neighbours
from z2h.arc.generators.pattern import is_primitive, smallest_period

SEEDS = [(0, (0.0, 0.3)), (1, (0.3, 0.7)), (2, (0.7, 1.0)), (3, (1.0, 1.0))]


def cells(o):
    """An object label's cells as an (n, 3) array of row, col, colour."""
    return np.asarray(o.cells, dtype=np.int64).reshape(-1, 3)


def tasks(name):
    gen = get_generator(name)
    return [make_task(gen, seed, 0, diff) for seed, diff in SEEDS]


def labelled_pairs(t):
    return zip(t.labels.train + t.labels.test, [p for _, _, p in t.task.pairs()], strict=True)


def test_remove_noise_deletes_isolated_noise_cells_only():
    corner_to_corner = 0
    for t in tasks("remove_noise"):
        noise = t.labels.params["noise"]
        for pl, pair in labelled_pairs(t):
            dots = [o for o in pl.input.objects if "noise" in o.tags]
            assert dots and all(o.colors == [noise] and len(cells(o)) == 1 for o in dots)
            gone = {m.input_id for m in pl.correspondence if m.change == "deleted"}
            assert gone == {o.id for o in dots}
            at = np.array([cells(o)[0, :2] for o in dots])
            # no two noise cells are side by side (each keeps clean side neighbours); harder
            # tasks put some corner to corner (two objects, one component of the colour)
            steps = np.abs(at[:, None] - at[None]).sum(axis=2)
            assert (steps + 2 * np.eye(len(at), dtype=int) >= 2).all()
            corner_to_corner += int((np.abs(at[:, None] - at[None]).max(axis=2) == 1).sum())
            assert not (pair.output == noise).any()
            differ = pair.input != pair.output
            assert (pair.input[differ] == noise).all()
    assert corner_to_corner > 0


def test_continue_pattern_completes_a_periodic_tiling():
    for t in tasks("continue_pattern"):
        blank, cut = t.labels.params["blank"], t.labels.params["cut"]
        for pl, pair in labelled_pairs(t):
            (match,) = pl.correspondence
            ph, pw = match.actions[0]["period"]
            out = pair.output
            assert np.array_equal(out[ph:], out[:-ph]) and np.array_equal(out[:, pw:], out[:, :-pw])
            assert blank not in out
            known = pair.input != blank
            assert np.array_equal(pair.input[known], out[known])
            # the blank part is a tail: from a column on, from a row on, or in reading order
            if cut == "columns":
                assert (known == known[:1]).all()
            elif cut == "holes":
                assert not known.all()
            else:
                order = known.ravel()
                assert order[: order.argmin()].all() and not order[order.argmin() :].any()


def test_copy_sprite_stamps_one_copy_per_marker():
    for t in tasks("copy_sprite"):
        mode = t.labels.params["mode"]
        for pl, pair in labelled_pairs(t):
            sprite = next(o for o in pl.input.objects if "sprite" in o.tags)
            markers = [o for o in pl.input.objects if "marker" in o.tags]
            copies = [o for o in pl.output.objects if "copy" in o.tags]
            assert markers and len(copies) == len(markers)
            made = [m for m in pl.correspondence if m.actions and m.actions[0]["op"] == "copy"]
            assert [(m.input_id, m.output_id) for m in made] == [(sprite.id, c.id) for c in copies]
            assert [m.actions[0]["at"] for m in made] == [m.id for m in markers]
            gone = {m.input_id for m in pl.correspondence if m.change == "deleted"}
            assert gone == {m.id for m in markers}
            # a marker is not simply deleted: the sprite's copy is stamped over it
            for m in pl.correspondence:
                if m.change == "deleted":
                    assert m.actions == [{"op": "replaced", "by": sprite.id}]
            shape = cells(sprite) - [sprite.box[0], sprite.box[1], 0]
            for m, c in zip(markers, copies, strict=True):
                assert np.array_equal(cells(c) - [c.box[0], c.box[1], 0], shape)
                (row, col, _), (top, left) = cells(m)[0], c.box[:2]
                ar, ac = row - top, col - left
                if mode == "center":
                    assert (ar, ac) == (sprite.box[2] // 2, sprite.box[3] // 2)
                else:  # the marker sits on the sprite's own cell of its colour
                    assert cells(sprite)[(shape[:, 0] == ar) & (shape[:, 1] == ac), 2].tolist() == [
                        m.colors[0]
                    ]
                rows, cols, colours = cells(c).T
                assert (pair.output[rows, cols] == colours).all()


@pytest.mark.parametrize(
    ("name", "param"),
    [("remove_noise", "noise"), ("continue_pattern", "blank"), ("copy_sprite", "marker")],
)
def test_the_rule_comes_from_the_demonstrations(name, param):
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


def test_corner_color_reads_covered_cells_back():
    grid = np.array(
        [
            [0, 0, 0, 0, 0],
            [0, 2, 2, 2, 0],
            [0, 2, 2, 0, 0],
            [0, 0, 0, 0, 0],
        ],
        np.uint8,
    )
    fill = corner_color(neighbours(grid), (0,))
    assert fill[1, 1] == 2 and fill[2, 1] == 2  # cells of the shape with a corner of it
    assert fill[1, 3] == -1  # the tip of the shape: no two perpendicular neighbours
    assert fill[2, 3] == 2  # the notch: background, but it would read back as the shape
    assert fill[0, 0] == -1 and fill[3, 4] == -1


def test_smallest_period_and_primitive_tiles():
    tile = np.array([[1, 2, 2], [3, 3, 1]])
    assert is_primitive(tile)
    assert not is_primitive(np.array([[1, 2, 1, 2]]))
    assert not is_primitive(np.array([[1], [2], [1], [2]]))
    grid = np.tile(tile, (3, 4))
    known = np.ones(grid.shape, bool)
    known[4:, 7:] = False
    assert smallest_period(grid, known, 0) == 2
    assert smallest_period(grid, known, 1) == 3
    assert smallest_period(np.arange(6).reshape(2, 3), np.ones((2, 3), bool), 1) == 3
