"""No shortcuts (issue 27 item 5): no answer size dominates a generator's tasks, and solvers
read their rule from the demonstrations (other demonstrations, another answer)."""

from collections import Counter

import numpy as np
import pytest

from z2h.arc.generate import make_task
from z2h.arc.generators import all_generators, get_generator
from z2h.arc.task import Pair

MAX_SHARE = 0.3  # no answer size in more than this share of a generator's answers


@pytest.mark.parametrize("name", [g.name for g in all_generators()])
def test_answer_sizes_vary(name):
    gen = get_generator(name)
    sizes = Counter()
    for seed in range(12):
        made = make_task(gen, seed, 0, (0.0, 1.0))
        sizes.update(p.output.shape for _, _, p in made.task.pairs())
    shape, n = sizes.most_common(1)[0]
    assert n / sum(sizes.values()) <= MAX_SHARE, f"{name}: {shape} in {n} of {sum(sizes.values())}"


def _answer(gen, grid, demos):
    return gen.solve(grid, demos)


def test_crop_largest_learns_smallest_from_smallest_demos():
    # the crop solvers do not hard-code their order: shown crop_smallest's demonstrations,
    # crop_largest's solver crops the smallest object
    small = make_task(get_generator("crop_smallest"), 3, 0, (0.5, 1.0)).task
    large = get_generator("crop_largest")
    got = _answer(large, small.test[0].input, small.train)
    assert np.array_equal(got, small.test[0].output)


def test_odd_one_out_follows_the_property_the_demos_show():
    gen = get_generator("odd_one_out")
    grid = np.zeros((7, 9), np.uint8)
    grid[1, 1:3] = 4  # two dominoes of colour 4
    grid[4, 4:6] = 4
    grid[6, 0:2] = 2  # a domino of colour 2: odd by colour
    grid[1, 6] = 4  # a single cell of colour 4: odd by shape and by size
    by_shape = Pair(grid, np.array([[4]], np.uint8))
    test = grid.copy()
    test[1, 6] = 0
    test[6, 5:8] = 4  # now the odd shape is a 1 x 3 bar (the colour-2 domino is still odd)
    assert np.array_equal(_answer(gen, test, [by_shape]), [[4, 4, 4]])


def test_keep_inside_keeps_the_side_the_demos_keep():
    gen = get_generator("keep_inside")
    task = make_task(gen, 1, 0, (0.3, 0.6)).task
    # demonstrations that keep the outside instead: the frame and what lies outside it
    flipped = []
    for p in task.train:
        out = p.input.copy()
        out[(p.output == p.input) & (p.input != 0) & ~_frame(p.output)] = 0
        out[(p.output != p.input)] = p.input[p.output != p.input]
        flipped.append(Pair(p.input, out))
    test = task.test[0]
    got = _answer(gen, test.input, flipped)
    assert not np.array_equal(got, test.output)
    inside = (test.output != 0) & ~_frame(test.output)
    assert not got[inside].any()  # the inside objects went
    assert np.array_equal(got[~inside], test.input[~inside])


def _frame(grid):
    """The cells of the most frequent non-background colour's biggest box: the frame."""
    colours = Counter(grid[grid != 0].tolist())
    best = max(colours, key=lambda c: np.ptp(np.nonzero(grid == c)[0]) * 1000 + colours[c])
    return grid == best


def test_bring_to_front_learns_lifting_away_from_the_demos():
    gen = get_generator("bring_to_front")
    task = make_task(gen, 2, 0).task
    lifted = []
    for p in task.train:
        out = p.output.copy()
        front = [
            c for c in np.unique(p.input) if c and (p.output == c).sum() < (p.input == c).sum()
        ]
        out[(p.input == front[0]) & (p.output == front[0])] = 0
        lifted.append(Pair(p.input, out))
    got = _answer(gen, task.test[0].input, lifted)
    assert not np.array_equal(got, task.test[0].output)
    assert len(np.unique(got)) == 2  # only the background and the back rectangle remain
