"""The solver helpers the generators share (z2h.arc.generators._solve)."""

import numpy as np
import pytest

from z2h.arc.generators._solve import (
    MEMO_SIZE,
    changed_colors,
    clear_memos,
    fits_all,
    fitting_answer,
    per_grid,
    single_answer,
)
from z2h.arc.generators.base import CannotSolve
from z2h.arc.task import Pair


def g(text: str) -> np.ndarray:
    """A grid from rows of digits."""
    return np.array([[int(c) for c in row] for row in text.split()], np.uint8)


def recolor(grid: np.ndarray, color: int) -> np.ndarray:
    """A toy rule: every non-zero cell takes ``color``; no rule for a grid without one."""
    if not grid.any():
        raise CannotSolve("nothing to recolour")
    return np.where(grid > 0, color, 0).astype(np.uint8)


DEMOS = [Pair(g("10 02"), g("30 03")), Pair(g("01 11"), g("03 33"))]


def test_changed_colors_after_and_before():
    assert changed_colors(DEMOS) == {3}
    assert changed_colors(DEMOS, before=True) == {1, 2}
    with pytest.raises(CannotSolve, match="size"):
        changed_colors([Pair(g("1"), g("11"))])


def test_fits_all():
    assert fits_all(DEMOS, recolor, 3)
    assert not fits_all(DEMOS, recolor, 4)
    assert not fits_all([*DEMOS, Pair(g("00"), g("00"))], recolor, 3)  # raises: does not fit
    assert not fits_all([Pair(g("1"), None)], recolor, 3)
    assert not fits_all(DEMOS, lambda grid, c: None, 3)  # gives None: does not fit


def test_single_answer_and_fitting_answer():
    assert fitting_answer(g("22 00"), DEMOS, range(10), recolor).tolist() == [[3, 3], [0, 0]]
    with pytest.raises(CannotSolve, match="no colour fits"):
        fitting_answer(g("22 00"), DEMOS, [4, 5], recolor, "colour")
    # the one fitting rule cannot apply to this grid: it drops out, and none is left
    with pytest.raises(CannotSolve, match="applies to this grid"):
        fitting_answer(g("00 00"), DEMOS, [3], recolor)
    # rules that disagree on the grid give no answer; one that cannot apply drops out
    with pytest.raises(CannotSolve, match="disagree"):
        single_answer([3, 4], lambda c: recolor(g("1"), c))
    grid = g("10")
    assert single_answer([0, 3], lambda c: recolor(grid, c) if c else None).tolist() == [[3, 0]]


def test_per_grid_remembers_by_contents_and_arguments():
    calls = []

    @per_grid
    def shifted(grid: np.ndarray, k: int) -> np.ndarray:
        calls.append((grid.tobytes(), k))
        return grid + k

    a = np.array([[1, 2], [3, 4]], np.uint8)
    first = shifted(a, 1)
    assert first.tolist() == [[2, 3], [4, 5]]
    # an equal grid in another array, and the same one again: worked out once
    assert shifted(a.copy(), 1) is first and shifted(a, 1) is first
    assert len(calls) == 1
    # another argument, another shape with the same bytes, another dtype: each its own
    shifted(a, 2)
    shifted(a.reshape(1, 4), 1)
    shifted(a.astype(np.int64), 1)
    assert len(calls) == 4
    # callers share the answer, so it cannot be changed in place
    with pytest.raises(ValueError):
        first[0, 0] = 9
    clear_memos()  # (benchmarks start every timed run cold)
    assert shifted(a, 1) is not first and len(calls) == 5


def test_per_grid_raises_again_and_forgets_the_oldest():
    calls = []

    @per_grid
    def refuse(grid: np.ndarray) -> int:
        calls.append(1)
        if grid[0, 0] == 0:
            raise CannotSolve("no")
        return int(grid[0, 0])

    zero = np.zeros((1, 1), np.uint8)
    for _ in range(2):
        with pytest.raises(CannotSolve, match="no"):
            refuse(zero)
    assert len(calls) == 1
    for v in range(1, MEMO_SIZE + 1):  # fills the memo: the zero grid is the oldest, dropped
        assert refuse(np.full((1, 1), v, np.uint8)) == v
    with pytest.raises(CannotSolve):
        refuse(zero)
    assert len(calls) == MEMO_SIZE + 2


def test_per_grid_keys_array_arguments_by_contents():
    calls = []

    @per_grid
    def moved(before: np.ndarray, after: np.ndarray) -> int:
        calls.append(1)
        return int((before != after).sum())

    a, b = np.zeros((2, 2), np.uint8), np.eye(2, dtype=np.uint8)
    assert moved(a, b) == 2 and moved(a.copy(), b.copy()) == 2
    assert len(calls) == 1
    assert moved(a, b.T.copy()) == 2 and moved(a, np.ones((2, 2), np.uint8)) == 4
    assert len(calls) == 2  # b.T equals b: remembered; all ones: worked out
