import numpy as np
import pytest

from z2h.arc.generators.base import Rand
from z2h.arc.generators.geometry import SYMMETRIES, random_scene
from z2h.arc.grid import ArcError
from z2h.arc.scene import Obj, Scene, transform, transform_scene


def test_later_objects_paint_over_earlier_and_z_wins():
    a = Obj.rect(0, 2, 2, 3, (0, 0))
    b = Obj.rect(1, 2, 2, 4, (1, 1))
    assert Scene(3, 3, 0, [a, b]).render().tolist() == [[3, 3, 0], [3, 4, 4], [0, 4, 4]]
    a.z = 1  # a now paints last
    assert Scene(3, 3, 0, [a, b]).render().tolist() == [[3, 3, 0], [3, 3, 4], [0, 4, 4]]


def test_cells_off_the_canvas_are_clipped():
    o = Obj.rect(0, 3, 3, 5, (-1, 1))
    assert Scene(2, 3, 7, [o]).render().tolist() == [[7, 5, 5], [7, 5, 5]]
    assert Scene(2, 2, 7, [o.at(5, 5)]).render().tolist() == [[7, 7], [7, 7]]


def test_multicolour_object_box_and_cells():
    mask = np.array([[0, 1, 0], [1, 1, 0]], bool)
    colors = np.array([[0, 2, 0], [3, 4, 0]], np.uint8)
    o = Obj(5, mask, colors, (4, 2))
    assert o.box() == (4, 2, 2, 2)
    assert o.cell_array().tolist() == [[4, 3, 2], [5, 2, 3], [5, 3, 4]]
    assert o.size == 3 and o.color_set == (2, 3, 4)


@pytest.mark.parametrize("op, k", SYMMETRIES)
def test_transform_scene_matches_transforming_the_grid(op, k):
    r = Rand(f"{op}{k}", (0.3, 1.0))
    for _ in range(20):
        try:
            scene = random_scene(r)
        except Exception:
            continue
        expected = transform(scene.render(), op, k)
        assert np.array_equal(transform_scene(scene, op, k).render(), expected)


def test_transform_rotate_matches_numpy():
    a = np.arange(6).reshape(2, 3)
    for k in range(4):
        assert np.array_equal(transform(a, "rotate", k), np.rot90(a, k))
    with pytest.raises(ArcError, match="unknown transform"):
        transform(a, "shear")


def test_scene_size_is_checked():
    with pytest.raises(ArcError, match="1 to 30"):
        Scene(31, 2)
