import numpy as np
import pytest

from z2h.arc.grid import PALETTE, ArcError, checked_grid, grid_to_list


def test_palette_is_arcs_ten_colours():
    assert len(PALETTE) == 10
    assert PALETTE[0] == "#000000" and PALETTE[9] == "#870C25"


def test_round_trip_list():
    rows = [[0, 1, 2], [3, 4, 9]]
    g = checked_grid(rows)
    assert g.dtype == np.uint8 and g.shape == (2, 3)
    assert grid_to_list(g) == rows


@pytest.mark.parametrize(
    "rows, message",
    [
        ([[0, 1], [0, 12]], "row 1: colour 12 (must be 0-9)"),
        ([[0, 1], [0]], "row 1: 1 cells, row 0 has 2"),
        ([[0, -1]], "row 0: colour -1"),
        ([[0, True]], "row 0: cell 1 is True"),
        ([[0, 1.5]], "row 0: cell 1 is 1.5"),
        ([], "at least one row"),
        ([[]], "row 0: no cells"),
        ([[0] * 31], "grid is 1x31"),
        ([[0]] * 31, "grid is 31x1"),
        ("abc", "a list of rows"),
        ([1, 2], "row 0: must be a list"),
    ],
)
def test_bad_grids_name_the_row(rows, message):
    with pytest.raises(ArcError, match=None) as e:
        checked_grid(rows, "task t: train pair 2 input")
    assert str(e.value).startswith("task t: train pair 2 input: ")
    assert message in str(e.value)


def test_arrays_are_checked_too():
    with pytest.raises(ArcError, match="row 0: colour 10"):
        checked_grid(np.array([[10]], dtype=np.uint8))
    with pytest.raises(ArcError, match="2-D"):
        checked_grid(np.zeros((2, 2, 2), np.uint8))
