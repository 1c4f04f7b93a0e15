"""The solver helpers the generators share (z2h.arc.generators._solve), and the connected
component finders checked against the reference, z2h.arc.objects.components."""

import json
from pathlib import Path

import numpy as np
import pytest
from py_mini_racer import MiniRacer

import z2h.arc.studio
from z2h.arc.generators._solve import (
    MEMO_SIZE,
    changed_colors,
    clear_memos,
    components,
    fits_all,
    fitting_answer,
    per_grid,
    same_grid,
    single_answer,
)
from z2h.arc.generators.base import CannotSolve
from z2h.arc.objects import components as reference_components
from z2h.arc.task import Pair

GRIDOPS = Path(z2h.arc.studio.__file__).parent / "static" / "gridops.js"


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


def test_changed_colors_are_remembered_per_demonstration():
    # the same demonstrations asked again (as the leave-one-out solver check does), in other
    # company, give what a fresh computation gives
    clear_memos()
    third = Pair(g("00 05"), g("70 05"))
    assert changed_colors([DEMOS[0], third]) == {3, 7}
    assert changed_colors([third, DEMOS[1]], before=True) == {0, 1}
    assert changed_colors([DEMOS[1], third]) == {3, 7}
    assert changed_colors([*DEMOS, third], before=True) == {0, 1, 2}


def test_same_grid_is_array_equal():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 10, (4, 5)).astype(np.uint8)
    cases = [
        (a, a.copy()),
        (a, a.astype(np.int64)),  # other dtype, same values
        (a, a.T.copy()),  # other shape
        (a[:, ::-1], a[:, ::-1].copy()),  # a view that is not contiguous
        (a[:2], a[2:4]),
        (np.zeros((2, 3), np.uint8), np.zeros((3, 2), np.uint8)),  # same bytes, other shape
        (a.astype(bool), a.astype(bool)),
    ]
    b = a.copy()
    b[3, 4] ^= 1
    cases.append((a, b))
    for x, y in cases:
        assert same_grid(x, y) == np.array_equal(x, y), (x, y)
        assert same_grid(y, x) == np.array_equal(y, x)


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


def random_grids(seed: int, n: int, max_side: int = 30):
    """Random grids of colours 0-3, sparse to dense, with a random background colour."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        h, w = (int(v) for v in rng.integers(1, max_side + 1, 2))
        grid = ((rng.random((h, w)) < rng.random()) * rng.integers(1, 4, (h, w))).astype(np.uint8)
        yield grid, int(rng.integers(0, 4))


def test_run_length_components_match_the_reference():
    # the same objects, in the same order (row-major by first cell), with their boxes
    for grid, bg in random_grids(0, 300):
        w = grid.shape[1]
        for diagonal in (True, False):
            for multicolor in (True, False):
                found = components(grid, bg, diagonal, multicolor)
                cells = [
                    sorted(r * w + c for r, a, b in runs for c in range(a, b)) for _, runs in found
                ]
                ref = reference_components(grid, 8 if diagonal else 4, multicolor, bg)
                assert cells == ref
                for (top, left, h, bw), flat in zip((box for box, _ in found), cells, strict=True):
                    rows, cols = [i // w for i in flat], [i % w for i in flat]
                    assert (top, left, h, bw) == (
                        min(rows),
                        min(cols),
                        max(rows) - min(rows) + 1,
                        max(cols) - min(cols) + 1,
                    )


def test_run_length_components_boxes():
    grid = g("0110 0010 3000 3300")
    found = components(grid, 0)
    assert [box for box, _ in found] == [(0, 1, 2, 2), (2, 0, 2, 2)]
    # one colour per object unless multicolor; corners join only when diagonal
    assert len(components(g("12 00"), 0)) == 2
    assert len(components(g("12 00"), 0, multicolor=True)) == 1
    assert len(components(g("10 01"), 0, diagonal=False)) == 2


@pytest.fixture(scope="module")
def gridops():
    """The studio's gridops.js in an embedded V8 (its ``export`` keywords dropped: a script,
    not a module)."""
    ctx = MiniRacer()
    ctx.eval(GRIDOPS.read_text().replace("export ", ""))
    return ctx


@pytest.mark.parametrize("connectivity", [4, 8])
def test_gridops_js_components_match_the_reference(gridops, connectivity):
    # one-colour objects only (gridops.js has no multicolor), same order, same cells, and boxes
    # as the labels give them: [top, left, height, width]
    for grid, bg in random_grids(connectivity, 100):
        w = grid.shape[1]
        got = json.loads(
            gridops.eval(
                f"JSON.stringify(components({json.dumps(grid.tolist())}, "
                f"{{connectivity: {connectivity}, background: {bg}}}))"
            )
        )
        ref = reference_components(grid, connectivity, False, bg)
        assert [sorted(r * w + c for r, c in o["cells"]) for o in got] == ref
        assert [o["id"] for o in got] == list(range(len(ref)))
        for o, flat in zip(got, ref, strict=True):
            rows, cols = [i // w for i in flat], [i % w for i in flat]
            top, left = min(rows), min(cols)
            assert o["box"] == [top, left, max(rows) - top + 1, max(cols) - left + 1]
            assert o["colors"] == [int(grid.flat[flat[0]])]


def test_colours_in_and_objects_of_match_their_definitions():
    from z2h.arc.generators._solve import colours_in, objects_of
    from z2h.arc.grid import most_common_color
    from z2h.arc.objects import find_objects

    rng = np.random.default_rng(11)
    for k in range(200):
        grid = rng.integers(0, 10, tuple(rng.integers(1, 9, 2))) * (rng.random() < 0.8)
        grid = grid.astype(np.uint8 if k % 4 else np.int64)  # the uint8 count and the fallback
        assert colours_in(grid) == frozenset(np.unique(grid).tolist())
        for multicolor in (False, True):
            want = find_objects(grid, 8, multicolor, most_common_color(grid))
            got = objects_of(grid, multicolor)
            assert [(o.pos, o.mask.tolist(), o.colors.tolist()) for o in got] == [
                (o.pos, o.mask.tolist(), o.colors.tolist()) for o in want
            ]
