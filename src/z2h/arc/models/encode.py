"""ARC tasks as model inputs: a token sequence (grid-gpt) and stacked canvases (grid-vit).

Grids are numpy arrays (rows, cols) of colours 0-9, 1 to 30 each way.

**Tokens** (grid-gpt). A grid is written row by row, each row closed by ``ROW_END``, the grid
closed by ``GRID_END``; ``INPUT`` / ``OUTPUT`` open a pair's input and output. A task in context is
``INPUT g OUTPUT g ... INPUT test OUTPUT`` and the model continues with the test output. Every
token carries features besides its id: its (row, col) in its grid (``ROW_END`` sits one column
past the row's last cell, ``GRID_END`` one row past the last row), which grid of the sequence it
belongs to (pair i's input is grid 2i, its output 2i + 1), optionally the id of the object its
cell belongs to (0 for no object or no cell) and, for an input grid's cells, its row and column
counted from the grid's bottom and right edges (``NO_EDGE`` elsewhere: an output's size is not
known while it is being written, so outputs never carry them).

**Canvas** (grid-vit, VARC's idea). A grid sits at the top-left of a fixed ``size x size`` canvas;
the row below it and the column right of it are ``BORDER`` cells, which mark its size, and the rest
is ``EMPTY``. A grid therefore fits a canvas of side ``size`` when both its sides are < ``size``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from z2h.errors import Z2HError

MAX_SIDE = 30  # ARC grids have 1 to 30 rows and columns

# token ids of the sequence encoding: colours are their own ids
N_COLOURS = 10
ROW_END = 10
GRID_END = 11
INPUT = 12
OUTPUT = 13
PAD = 14
VOCAB_SIZE = 15

# canvas cell ids: colours are their own ids
BORDER = 10
EMPTY = 11
CANVAS_VOCAB = 12

# feature channels of an encoded sequence, in this order
FEATURES = ("token", "row", "col", "grid", "object", "below", "right")
NO_EDGE = MAX_SIDE  # "below" / "right" of a token that is no input cell
IGNORE = -1  # target of a position that does not count in the loss

ObjectIds = Callable[[np.ndarray], np.ndarray]  # grid -> (rows, cols) ints, 0 = no object


class EncodingError(Z2HError):
    """A task does not fit the model (too long a context, too big a canvas) or a decode failed."""


def check_grid(grid: np.ndarray, what: str = "grid") -> np.ndarray:
    g = np.asarray(grid)
    if g.ndim != 2 or not (1 <= g.shape[0] <= MAX_SIDE and 1 <= g.shape[1] <= MAX_SIDE):
        raise EncodingError(f"{what}: shape {g.shape} is not a grid of 1-30 rows and columns")
    if g.size and (g.min() < 0 or g.max() >= N_COLOURS):
        raise EncodingError(f"{what}: colours must be 0-9")
    return g.astype(np.uint8)


# -- tokens ----------------------------------------------------------------------------------------
def grid_tokens(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tokens, rows, cols) of one grid: each row's cells then ROW_END, then GRID_END."""
    g = check_grid(grid)
    h, w = g.shape
    body = np.concatenate([g, np.full((h, 1), ROW_END, np.uint8)], axis=1)  # (h, w + 1)
    tokens = np.append(body.reshape(-1), GRID_END).astype(np.int64)
    rows = np.append(np.repeat(np.arange(h), w + 1), h)
    cols = np.append(np.tile(np.arange(w + 1), h), 0)
    return tokens, rows, cols


def tokens_to_grid(tokens: Sequence[int]) -> np.ndarray:
    """Inverse of ``grid_tokens``: read cells up to GRID_END (which must be there)."""
    rows: list[list[int]] = []
    row: list[int] = []
    for t in tokens:
        t = int(t)
        if t < N_COLOURS:
            row.append(t)
        elif t == ROW_END:
            if not row:
                raise EncodingError("an empty row in the token sequence")
            rows.append(row)
            row = []
        elif t == GRID_END:
            if row or not rows:
                raise EncodingError("GRID_END after an unfinished row or before any row")
            if len({len(r) for r in rows}) != 1:
                raise EncodingError("rows of different lengths in the token sequence")
            return check_grid(np.array(rows, dtype=np.uint8), "decoded grid")
        else:
            raise EncodingError(f"unexpected token {t} inside a grid")
    raise EncodingError("the token sequence ends before GRID_END")


def grid_token_count(shape: tuple[int, int]) -> int:
    h, w = shape
    return h * (w + 1) + 1


@dataclass
class Encoded:
    """One task as a sequence: ``features`` (len(FEATURES), T) and next-token ``targets`` (T,)."""

    features: np.ndarray  # int64 (len(FEATURES), T)
    targets: np.ndarray  # int64 (T,), IGNORE except where the next token is an output's

    def __len__(self) -> int:
        return self.features.shape[1]


def encode_pairs(
    demos: Sequence[tuple[np.ndarray, np.ndarray]],
    query: np.ndarray,
    answer: np.ndarray | None = None,
    object_ids: ObjectIds | None = None,
    predict_demo_outputs: bool = True,
) -> Encoded:
    """The sequence ``INPUT d1 OUTPUT o1 ... INPUT query OUTPUT [answer]``.

    Targets mark the tokens of the answer (and, with ``predict_demo_outputs``, of every demo
    output: predicting output 2 from pair 1 is in-context learning too). Object ids are given for
    every grid in context except the answer, which the model writes itself and so cannot know.
    """
    chunks: list[np.ndarray] = []
    learn: list[np.ndarray] = []  # per token: is it a token the model must predict?
    grids: list[tuple[np.ndarray | None, bool, bool]] = []  # (grid, is_output, predicted)
    for d_in, d_out in demos:
        grids += [(d_in, False, False), (d_out, True, predict_demo_outputs)]
    grids.append((query, False, False))
    if answer is not None:
        grids.append((answer, True, True))
    for index, (grid, is_output, predicted) in enumerate(grids):
        tokens, rows, cols = grid_tokens(grid)
        objs = np.zeros_like(tokens)
        if object_ids is not None and not (answer is not None and index == len(grids) - 1):
            ids = np.asarray(object_ids(np.asarray(grid)), dtype=np.int64)
            cells = np.concatenate([ids, np.zeros((ids.shape[0], 1), np.int64)], axis=1).reshape(-1)
            objs = np.append(cells, 0)
        below = np.full_like(tokens, NO_EDGE)
        right = np.full_like(tokens, NO_EDGE)
        if not is_output:
            h, w = np.asarray(grid).shape
            cell = tokens < N_COLOURS
            below[cell], right[cell] = h - 1 - rows[cell], w - 1 - cols[cell]
        marker = OUTPUT if is_output else INPUT
        feats = np.stack([tokens, rows, cols, np.full_like(tokens, index), objs, below, right])
        head = np.array([[marker], [0], [0], [index], [0], [NO_EDGE], [NO_EDGE]], dtype=np.int64)
        chunks.append(np.concatenate([head, feats], axis=1))
        learn.append(np.concatenate([[False], np.full(len(tokens), predicted)]))
    if answer is None:  # the model starts writing after the final OUTPUT marker
        tail = [[OUTPUT], [0], [0], [len(grids)], [0], [NO_EDGE], [NO_EDGE]]
        chunks.append(np.array(tail, dtype=np.int64))
        learn.append(np.array([False]))
    features = np.concatenate(chunks, axis=1).astype(np.int64)
    is_target = np.concatenate(learn)
    # subtle: position t predicts token t + 1, so the target mask is the token mask shifted left
    targets = np.full(features.shape[1], IGNORE, dtype=np.int64)
    targets[:-1] = np.where(is_target[1:], features[0, 1:], IGNORE)
    return Encoded(features, targets)


def fit_demos(
    demos: Sequence[tuple[np.ndarray, np.ndarray]],
    query_shape: tuple[int, int],
    answer_tokens: int,
    context: int,
    task_id: str = "task",
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The longest suffix of ``demos`` (at least one pair) whose sequence fits ``context`` tokens
    with the query and ``answer_tokens`` more; raises naming the task when even one does not."""
    sizes = [grid_token_count(i.shape) + grid_token_count(o.shape) + 2 for i, o in demos]
    fixed = grid_token_count(query_shape) + 2 + answer_tokens
    kept = list(demos)
    while kept and fixed + sum(sizes[-len(kept) :]) > context:
        kept = kept[1:]
    if not kept:
        need = fixed + (min(sizes) if sizes else 0)
        raise EncodingError(
            f"task {task_id}: needs at least {need} tokens with one demonstration, more than the "
            f"model's context of {context}; train with a larger block_size or skip the task"
        )
    return kept


# -- canvas ----------------------------------------------------------------------------------------
def to_canvas(grid: np.ndarray, size: int, what: str = "grid") -> np.ndarray:
    """(size, size) canvas: the grid at the top-left, a BORDER row and column, EMPTY elsewhere."""
    g = check_grid(grid, what)
    h, w = g.shape
    if h >= size or w >= size:
        raise EncodingError(
            f"{what}: a {h}x{w} grid needs a canvas of at least {max(h, w) + 1}, the model's is "
            f"{size}"
        )
    canvas = np.full((size, size), EMPTY, dtype=np.int64)
    canvas[: h + 1, : w + 1] = BORDER
    canvas[:h, :w] = g
    return canvas


def from_canvas(canvas: np.ndarray) -> np.ndarray:
    """The grid a canvas holds: its size read from where the border starts."""
    c = np.asarray(canvas)
    top = c[0]
    left = c[:, 0]
    w = int(np.argmax(top == BORDER)) if (top == BORDER).any() else 0
    h = int(np.argmax(left == BORDER)) if (left == BORDER).any() else 0
    if h == 0 or w == 0:
        raise EncodingError("the canvas has no grid at its top-left (no border found)")
    grid = c[:h, :w]
    if grid.max() >= N_COLOURS:
        raise EncodingError("the canvas grid holds border or empty cells inside it")
    return grid.astype(np.uint8)


def object_canvas(grid: np.ndarray, size: int, object_ids: ObjectIds | None) -> np.ndarray:
    """(size, size) object ids of a grid's cells on its canvas (0 off the grid or without ids)."""
    out = np.zeros((size, size), dtype=np.int64)
    if object_ids is not None:
        g = np.asarray(grid)
        out[: g.shape[0], : g.shape[1]] = object_ids(g)
    return out
