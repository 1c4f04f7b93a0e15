import numpy as np
import pytest

from z2h.arc.generators.base import Rand
from z2h.arc.generators.geometry import SYMMETRIES, random_scene, scale
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


def test_paint_on_and_off_the_canvas_matches_cell_by_cell():
    # every position from wholly off the canvas, through touching each edge, to wholly on it
    mask = np.array([[1, 1, 0], [0, 1, 1]], bool)
    colors = np.array([[2, 3, 0], [0, 4, 5]], np.uint8)
    for row in range(-3, 5):
        for col in range(-4, 6):
            o = Obj(0, mask, colors, (row, col))
            want = np.full((3, 4), 7, np.uint8)
            occupied = np.zeros((3, 4), bool)
            for (i, j), on in np.ndenumerate(mask):
                if on and 0 <= row + i < 3 and 0 <= col + j < 4:
                    want[row + i, col + j] = colors[i, j]
                    occupied[row + i, col + j] = True
            scene = Scene(3, 4, 7, [o])
            assert scene.render().tolist() == want.tolist(), (row, col)
            assert scene.occupancy().tolist() == occupied.tolist(), (row, col)


def test_multicolour_object_box_and_cells():
    mask = np.array([[0, 1, 0], [1, 1, 0]], bool)
    colors = np.array([[0, 2, 0], [3, 4, 0]], np.uint8)
    o = Obj(5, mask, colors, (4, 2))
    assert o.box() == (4, 2, 2, 2)
    assert o.cell_array().tolist() == [[4, 3, 2], [5, 2, 3], [5, 3, 4]]
    assert o.size == 3 and o.color_set == (2, 3, 4)


def test_box_size_and_colours_match_numpy_on_random_objects():
    # the plain-Python readings (tight-mask shortcut, counts on lists) against numpy's
    rng = np.random.default_rng(7)
    for _ in range(2000):
        h, w = rng.integers(1, 6, 2)
        mask = rng.random((h, w)) < rng.random()
        if not mask.any():
            continue
        colors = rng.integers(0, 10, (h, w)).astype(np.uint8)
        o = Obj(0, mask, colors, (int(rng.integers(-3, 9)), int(rng.integers(-3, 9))))
        rows, cols = np.nonzero(mask)
        top, left = rows.min(), cols.min()
        want = (o.pos[0] + top, o.pos[1] + left, rows.max() - top + 1, cols.max() - left + 1)
        assert o.box() == want
        assert o.size == int(mask.sum()) and type(o.size) is int
        assert o.color == int(np.bincount(colors[mask], minlength=10).argmax())
        assert o.color_set == tuple(np.unique(colors[mask]).tolist())


@pytest.mark.parametrize("op, k", SYMMETRIES)
def test_transform_scene_matches_transforming_the_grid(op, k):
    r = Rand(f"{op}{k}", (0.3, 1.0))
    for _ in range(20):
        scene = random_scene(r)  # (any exception is a failure: none is expected)
        expected = transform(scene.render(), op, k)
        assert np.array_equal(transform_scene(scene, op, k).render(), expected)


# each symmetry as numpy spells it
NUMPY = {
    ("rotate", 0): lambda a: a,
    ("rotate", 1): lambda a: np.rot90(a, 1),
    ("rotate", 2): lambda a: np.rot90(a, 2),
    ("rotate", 3): lambda a: np.rot90(a, 3),
    ("rotate", 5): lambda a: np.rot90(a, 1),
    ("rotate", -1): lambda a: np.rot90(a, -1),
    ("flip_h", 1): np.fliplr,
    ("flip_v", 1): np.flipud,
    ("transpose", 1): np.transpose,
}


@pytest.mark.parametrize("op, k", NUMPY)
@pytest.mark.parametrize("shape", [(1, 1), (1, 4), (2, 3), (5, 5), (7, 2)])
def test_transform_matches_numpy(op, k, shape):
    a = np.random.default_rng(sum(shape)).integers(0, 10, shape).astype(np.uint8)
    got = transform(a, op, k)
    assert got.dtype == a.dtype and got.flags.c_contiguous
    assert np.array_equal(got, NUMPY[op, k](a))
    assert got is not a and not np.shares_memory(got, a)  # a new array, never a view


def test_transform_unknown_op():
    with pytest.raises(ArcError, match="unknown transform"):
        transform(np.zeros((2, 2)), "shear")


@pytest.mark.parametrize("f", [1, 2, 3])
def test_scale_matches_numpy_kron(f):
    a = np.random.default_rng(f).integers(0, 10, (3, 4)).astype(np.uint8)
    got = scale(a, f)
    assert got.dtype == a.dtype
    assert np.array_equal(got, np.kron(a, np.ones((f, f), np.uint8)))


def test_scene_size_is_checked():
    with pytest.raises(ArcError, match="1 to 30"):
        Scene(31, 2)


def _patterned_by_numpy(r: Rand, mask: np.ndarray, colors: list[int]) -> np.ndarray:
    """The reference: ``patterned``'s three kinds as whole-array numpy, the same draws."""
    h, w = mask.shape
    a, b = colors[0], colors[1]
    kind = r.randint(0, 2)
    if kind == 0:
        inner = np.zeros((h + 2, w + 2), bool)
        inner[1:-1, 1:-1] = mask
        inside = inner[:-2, 1:-1] & inner[2:, 1:-1] & inner[1:-1, :-2] & inner[1:-1, 2:]
        return np.where(inside & mask, b, a).astype(np.uint8)
    if kind == 1:
        idx = np.indices((h, w))[r.randint(0, 1)]
        return np.where(idx % 2 == 0, a, b).astype(np.uint8)
    return np.array([r.choice(colors) for _ in range(h * w)], np.uint8).reshape(h, w)


def test_patterned_matches_a_numpy_reference_draw_for_draw():
    from z2h.arc.generators.base import patterned

    rng = np.random.default_rng(3)
    kinds = set()
    for seed in range(600):
        h, w = rng.integers(1, 7, 2)
        mask = rng.random((h, w)) < 0.7
        colors = rng.choice(10, int(rng.integers(2, 5)), replace=False).tolist()
        got, r = patterned(Rand(seed), mask, colors), Rand(seed)
        want = _patterned_by_numpy(r, mask, colors)
        assert got.dtype == np.uint8 and got.tolist() == want.tolist(), seed
        got[0, 0] = 9  # writable: generators change single cells (a dot's trim)
        kinds.add(Rand(seed).randint(0, 2))
        # the same draws consumed: the next draw of each source agrees
        r2 = Rand(seed)
        patterned(r2, mask, colors)
        assert r2.random.random() == r.random.random()
    assert kinds == {0, 1, 2}


def _polyomino_by_sets(r: Rand, cells: int, max_h: int, max_w: int) -> list[list[bool]]:
    """The reference growth: a random frontier entry taken each step (swapped with the last and
    popped), skipped if filled or if it would stretch the box to ``max_h`` x ``max_w``."""
    cells = max(1, min(cells, max_h * max_w))
    filled, frontier = {(0, 0)}, [(1, 0), (-1, 0), (0, 1), (0, -1)]
    while len(filled) < cells and frontier:
        i = int(r.random.random() * len(frontier))
        nr, nc = frontier[i]
        frontier[i] = frontier[-1]
        frontier.pop()
        rows, cols = [x for x, _ in filled] + [nr], [y for _, y in filled] + [nc]
        if (nr, nc) in filled or max(rows) - min(rows) >= max_h or max(cols) - min(cols) >= max_w:
            continue
        filled.add((nr, nc))
        frontier += [(nr + 1, nc), (nr - 1, nc), (nr, nc + 1), (nr, nc - 1)]
    top, left = min(x for x, _ in filled), min(y for _, y in filled)
    h, w = max(x for x, _ in filled) - top + 1, max(y for _, y in filled) - left + 1
    return [[(top + i, left + j) in filled for j in range(w)] for i in range(h)]


def test_polyomino_matches_a_reference_draw_for_draw():
    from z2h.arc.generators.base import polyomino

    for seed in range(1500):
        cells, h, w = seed % 30 + 1, seed % 6 + 1, (seed // 6) % 6 + 1
        r, r_ref = Rand(seed), Rand(seed)
        got = polyomino(r, cells, h, w)
        assert got.tolist() == _polyomino_by_sets(r_ref, cells, h, w), seed
        assert r.random.random() == r_ref.random.random()  # the same draws consumed
