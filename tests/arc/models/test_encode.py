"""Encodings round-trip: grid -> tokens -> grid, grid -> canvas -> grid, and the task layout."""

from __future__ import annotations

import numpy as np
import pytest

from z2h.arc.models import encode as E

SHAPES = [(1, 1), (1, 30), (30, 1), (3, 7), (30, 30)]


def grid(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 10, size=shape).astype(np.uint8)


@pytest.mark.parametrize("shape", SHAPES)
def test_tokens_round_trip(shape):
    g = grid(shape)
    tokens, rows, cols = E.grid_tokens(g)
    assert len(tokens) == E.grid_token_count(shape)
    back = E.tokens_to_grid(tokens)
    assert back.shape == g.shape and np.array_equal(back, g)
    # every cell token sits at its own (row, col)
    cells = tokens < 10
    assert np.array_equal(g[rows[cells], cols[cells]], tokens[cells])


def test_edge_counts_of_an_input_grid():
    enc = E.encode_pairs([], np.zeros((2, 3), np.uint8))
    tok, _, _, _, _, below, right = enc.features
    cells = tok < 10
    assert below[cells].tolist() == [1, 1, 1, 0, 0, 0]
    assert right[cells].tolist() == [2, 1, 0, 2, 1, 0]


def test_worked_example():
    tokens, rows, cols = E.grid_tokens(np.array([[1, 2], [3, 4]]))
    assert tokens.tolist() == [1, 2, E.ROW_END, 3, 4, E.ROW_END, E.GRID_END]
    assert rows.tolist() == [0, 0, 0, 1, 1, 1, 2]
    assert cols.tolist() == [0, 1, 2, 0, 1, 2, 0]


@pytest.mark.parametrize(
    "tokens, says",
    [
        ([1, 2, E.ROW_END], "ends before GRID_END"),
        ([1, 2, E.ROW_END, 3, E.ROW_END, E.GRID_END], "different lengths"),
        ([E.ROW_END, E.GRID_END], "empty row"),
        ([E.GRID_END], "before any row"),
        ([1, E.INPUT], "unexpected token"),
    ],
)
def test_bad_token_sequences(tokens, says):
    with pytest.raises(E.EncodingError, match=says):
        E.tokens_to_grid(tokens)


@pytest.mark.parametrize("shape", [(1, 1), (4, 9), (11, 11), (30, 30)])
def test_canvas_round_trip(shape):
    size = max(shape) + 1
    g = grid(shape, 3)
    canvas = E.to_canvas(g, size)
    assert canvas.shape == (size, size)
    assert np.array_equal(E.from_canvas(canvas), g)
    h, w = shape
    assert (canvas[h, : w + 1] == E.BORDER).all() and (canvas[: h + 1, w] == E.BORDER).all()


def test_canvas_too_small_names_the_grid():
    with pytest.raises(E.EncodingError, match="task t1 input: a 12x3 grid needs a canvas of"):
        E.to_canvas(grid((12, 3)), 12, "task t1 input")


def test_task_sequence_layout_and_targets():
    d_in, d_out = np.array([[1]]), np.array([[2, 2]])
    q, a = np.array([[3]]), np.array([[4, 4]])
    enc = E.encode_pairs([(d_in, d_out)], q, a)
    tok, _, _, gidx, _, below, right = enc.features
    assert tok.tolist() == [
        E.INPUT, 1, E.ROW_END, E.GRID_END,
        E.OUTPUT, 2, 2, E.ROW_END, E.GRID_END,
        E.INPUT, 3, E.ROW_END, E.GRID_END,
        E.OUTPUT, 4, 4, E.ROW_END, E.GRID_END,
    ]  # fmt: skip
    assert gidx.tolist() == [0] * 4 + [1] * 5 + [2] * 4 + [3] * 5
    # targets: each output's tokens, predicted from the token before (demo output included)
    learned = [int(t) for t in enc.targets if t != E.IGNORE]
    assert learned == [2, 2, E.ROW_END, E.GRID_END, 4, 4, E.ROW_END, E.GRID_END]
    assert enc.targets[-1] == E.IGNORE and enc.targets[13] == 4  # the OUTPUT marker predicts 4
    # inputs' cells count rows/cols from the far edges; outputs and markers never do
    assert below[tok < 10].tolist() == [0, E.NO_EDGE, E.NO_EDGE, 0, E.NO_EDGE, E.NO_EDGE]
    assert right[tok < 10].tolist() == [0, E.NO_EDGE, E.NO_EDGE, 0, E.NO_EDGE, E.NO_EDGE]
    assert (below[tok >= 10] == E.NO_EDGE).all()
    prompt = E.encode_pairs([(d_in, d_out)], q)
    assert np.array_equal(prompt.features, enc.features[:, :14])


def test_object_ids_fill_cells_but_never_the_answer():
    ids = lambda g: np.arange(g.size).reshape(g.shape) + 1  # noqa: E731
    d_in, d_out = np.zeros((2, 2), np.uint8), np.ones((2, 2), np.uint8)
    enc = E.encode_pairs([(d_in, d_out)], d_in, d_out, object_ids=ids)
    tok, _, _, gidx, obj, _, _ = enc.features
    assert obj[(gidx < 3) & (tok < 10)].tolist() == [1, 2, 3, 4] * 3
    assert (obj[gidx == 3] == 0).all() and (obj[tok >= 10] == 0).all()


def test_fit_demos_drops_early_pairs_then_names_the_task():
    small = (np.zeros((2, 2), np.uint8), np.zeros((2, 2), np.uint8))
    big = (np.zeros((9, 9), np.uint8), np.zeros((9, 9), np.uint8))
    kept = E.fit_demos([big, small, small], (2, 2), 7, context=60, task_id="t")
    assert len(kept) == 2
    with pytest.raises(E.EncodingError, match="task huge: needs at least"):
        E.fit_demos([big], (2, 2), 7, context=60, task_id="huge")
