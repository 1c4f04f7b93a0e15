import numpy as np
import pytest

from z2h.arc.grid import ArcError
from z2h.arc.objects import find_objects

GRID = np.array(
    [
        [0, 1, 0, 0, 2],
        [1, 1, 0, 2, 0],
        [0, 0, 0, 0, 0],
        [3, 3, 0, 0, 0],
        [3, 4, 0, 0, 0],
    ],
    np.uint8,
)


def test_four_connected_one_colour():
    objs = find_objects(GRID)
    assert [(o.pos, o.color, o.size) for o in objs] == [
        ((0, 0), 1, 3),
        ((0, 4), 2, 1),
        ((1, 3), 2, 1),
        ((3, 0), 3, 3),
        ((4, 1), 4, 1),
    ]
    assert [o.id for o in objs] == list(range(5))


def test_eight_connected_and_multicolour():
    eight = find_objects(GRID, connectivity=8)
    assert [(o.box(), o.size) for o in eight] == [
        ((0, 0, 2, 2), 3),
        ((0, 3, 2, 2), 2),
        ((3, 0, 2, 2), 3),
        ((4, 1, 1, 1), 1),
    ]
    multi = find_objects(GRID, connectivity=4, multicolor=True)
    assert multi[-1].color_set == (3, 4) and multi[-1].size == 4


def test_given_background_and_reconstruction():
    objs = find_objects(GRID, background=3)
    # colour 0 is now an object colour: one lone zero in the corner, the other 15 connected
    assert sorted(o.size for o in objs if o.color == 0) == [1, 15]
    out = np.full(GRID.shape, 3, np.uint8)
    for o in objs:
        r, c = o.cells()
        out[r, c] = o.colors[o.mask]
    assert np.array_equal(out, GRID)


def test_bad_connectivity():
    with pytest.raises(ArcError, match="4 or 8"):
        find_objects(GRID, connectivity=6)
