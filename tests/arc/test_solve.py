"""The solver helpers the generators share (z2h.arc.generators._solve)."""

import numpy as np
import pytest

from z2h.arc.generators._solve import MEMO_SIZE, per_grid
from z2h.arc.generators.base import CannotSolve


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
