"""Complete a symmetry: a symmetric pattern with rectangles painted over it, restored from the
cells the symmetry pairs them with."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from z2h.arc.generators._solve import per_grid
from z2h.arc.generators.base import CannotSolve, Example, Generator, Rand, Reject
from z2h.arc.generators.registry import register
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene, transform
from z2h.arc.task import Pair

# symmetry -> the transforms (besides doing nothing) that leave the pattern unchanged
SYMMETRIES: dict[str, tuple[tuple[str, int], ...]] = {
    "mirror_lr": (("flip_h", 1),),
    "mirror_ud": (("flip_v", 1),),
    "mirror_both": (("flip_h", 1), ("flip_v", 1), ("rotate", 2)),
    "rotate_180": (("rotate", 2),),
    "rotate_90": (("rotate", 1), ("rotate", 2), ("rotate", 3)),  # square grids only
    "diagonal": (("transpose", 1),),  # square grids only
}
SQUARE = {"rotate_90", "diagonal"}


@lru_cache(maxsize=1024)
def _orbit_first(height: int, width: int, symmetry: str) -> np.ndarray:
    """For each cell, the flat index of the first cell of its orbit under the symmetry."""
    idx = np.arange(height * width).reshape(height, width)
    first = idx.copy()
    for op, k in SYMMETRIES[symmetry]:
        # subtle: transform(idx)[p] is the index of the cell the transform takes to p; over a
        # whole group those are p's orbit, so the minimum is the orbit's first cell
        np.minimum(first, transform(idx, op, k), out=first)
    first.flags.writeable = False
    return first


def symmetric_pattern(r: Rand, height: int, width: int, symmetry: str, palette: list[int]):
    """A random pattern of ``palette`` colours (the first one commonest) with the symmetry."""
    rng = np.random.default_rng(r.randint(0, 2**31 - 1))
    weights = np.full(len(palette), 1.0)
    weights[0] = len(palette) * r.random.random()  # from rare to half the cells
    bounds = np.cumsum(weights[:-1]) / weights.sum()
    # a colour per cell: uniform draws cut at the cumulative weights (rng.choice is slower)
    cells = np.asarray(palette, np.uint8)[np.searchsorted(bounds, rng.random(height * width))]
    return cells[_orbit_first(height, width, symmetry)]


@register
class CompleteSymmetry(Generator):
    name = "complete_symmetry"
    concepts = ("symmetry", "occlusion", "interaction", "pattern")
    description = (
        "restore the cells of a symmetric pattern hidden under rectangles of one colour "
        "(output the whole grid or just the hidden patch)"
    )
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {
            "symmetry": r.choice(tuple(SYMMETRIES)),
            "mask": r.randint(0, 9),
            "answer": "grid" if r.bool(0.6) else "patch",
        }

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        symmetry, hide, answer = params["symmetry"], params["mask"], params["answer"]
        height = r.scaled(4, 22)
        width = height if symmetry in SQUARE else r.scaled(4, 22)
        palette = r.colors(r.scaled(2, 6), exclude=(hide,))
        pattern = symmetric_pattern(r, height, width, symmetry, palette)
        hidden = np.zeros((height, width), bool)
        masks = []
        for i in range(1 if answer == "patch" else r.scaled(1, 3)):
            h, w = r.scaled(1, max(1, height // 2)), r.scaled(1, max(1, width // 2))
            for _ in range(10):
                top, left = r.below(height - h + 1), r.below(width - w + 1)
                trial = hidden.copy()
                trial[top : top + h, left : left + w] = True
                # every hidden cell needs a visible partner under the symmetry (cells on an
                # axis or the centre are their own partners: never hide them)
                lost = trial.copy()
                for op, k in SYMMETRIES[symmetry]:
                    lost &= transform(trial, op, k)
                if not lost.any():
                    break
            else:
                continue
            hidden = trial
            masks.append(Obj.rect(1 + i, h, w, hide, (top, left), 1, ("mask", "rectangle")))
        if not masks:
            raise Reject("unrestorable")
        whole = Obj(0, np.ones((height, width), bool), pattern, (0, 0), 0, ("pattern", symmetry))
        inp = Scene(height, width, int(palette[0]), [whole, *masks])
        deleted = [Match(m.id, None, []) for m in masks]
        restore = {"op": "restore", "symmetry": symmetry}
        if answer == "grid":
            out = Scene(height, width, int(palette[0]), [whole])
            return Example(inp, out, [Match(0, 0, []), *deleted], [restore])
        m = masks[0]
        (top, left), (h, w) = m.pos, m.mask.shape
        box = [top, left, h, w]
        cut = pattern[top : top + h, left : left + w].copy()
        patch = Obj(0, np.ones((h, w), bool), cut, (0, 0), 0, ("patch",))
        out = Scene(h, w, int(palette[0]), [patch])
        crop = {"op": "crop", "box": box}
        return Example(inp, out, [Match(0, 0, [crop]), *deleted], [restore, crop])

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        if any(p.output is None for p in demos) or not demos:
            raise CannotSolve("no demonstrations")
        whole_grid = all(p.output.shape == p.input.shape for p in demos)
        # the hiding colour: in every demonstration input, in no output, and (for patches)
        # covering exactly a box of the output's size
        candidates = set(range(10))
        for p in demos:
            here = _colours(p.input) - _colours(p.output)
            if not whole_grid:
                here = {v for v in here if _box_of(p.input, v, p.output.shape) is not None}
            candidates &= here
        if len(candidates) != 1:
            raise CannotSolve("the demonstrations do not show one hiding colour")
        hide = candidates.pop()
        # the symmetries every demonstration's whole pattern has
        patterns = []
        for p in demos:
            if whole_grid:
                patterns.append(p.output)
            else:
                full = p.input.copy()
                t, lf, h, w = _box_of(p.input, hide, p.output.shape)
                full[t : t + h, lf : lf + w] = p.output
                patterns.append(full)
        each = [_symmetries_of(g) for g in patterns]
        shared = [t for t in _TRANSFORMS if all(t in s for s in each)]
        restored = _restore(grid, hide, shared)
        if whole_grid:
            return restored
        box = _box_of(grid, hide, None)
        if box is None:
            raise CannotSolve("the hidden cells are not one rectangle")
        t, lf, h, w = box
        return np.ascontiguousarray(restored[t : t + h, lf : lf + w])


# every non-trivial symmetry of a rectangle or a square: (op, k), and the anti-diagonal as
# ("antitranspose", 1)
_TRANSFORMS = (
    ("flip_h", 1),
    ("flip_v", 1),
    ("rotate", 2),
    ("rotate", 1),
    ("rotate", 3),
    ("transpose", 1),
    ("antitranspose", 1),
)


@per_grid
def _symmetries_of(pattern: np.ndarray) -> frozenset[tuple[str, int]]:
    """The transforms that map ``pattern`` onto itself (a demonstration's, worked out once per
    task)."""
    return frozenset(
        t
        for t in _TRANSFORMS
        if _applies(t, pattern) and np.array_equal(_apply(t, pattern), pattern)
    )


def _applies(t: tuple[str, int], grid: np.ndarray) -> bool:
    """Whether the transform maps the grid onto itself (quarter turns and diagonals: square)."""
    op, k = t
    return grid.shape[0] == grid.shape[1] or op in ("flip_h", "flip_v") or (op, k) == ("rotate", 2)


def _apply(t: tuple[str, int], grid: np.ndarray) -> np.ndarray:
    op, k = t
    if op == "antitranspose":
        return np.ascontiguousarray(grid[::-1, ::-1].T)
    return transform(grid, op, k)


@per_grid
def _colours(grid: np.ndarray) -> frozenset[int]:
    return frozenset(np.flatnonzero(np.bincount(grid.ravel(), minlength=10)).tolist())


@per_grid
def _box_of(grid: np.ndarray, color: int, shape: tuple[int, int] | None):
    """(top, left, height, width) if the cells of ``color`` fill exactly one box (of ``shape``
    when given), else None."""
    rows, cols = np.nonzero(grid == color)
    if rows.size == 0:
        return None
    t, lf = int(rows.min()), int(cols.min())
    h, w = int(rows.max()) - t + 1, int(cols.max()) - lf + 1
    if h * w != rows.size or (shape is not None and (h, w) != tuple(shape)):
        return None
    return t, lf, h, w


def _restore(grid: np.ndarray, hide: int, symmetries: Sequence[tuple[str, int]]) -> np.ndarray:
    """The hidden cells filled from their partners under the symmetries that agree with every
    visible cell of ``grid``."""
    known = grid != hide
    usable = []
    for t in symmetries:
        if not _applies(t, grid):
            continue
        img, seen = _apply(t, grid), _apply(t, known)
        both = known & seen
        if np.array_equal(grid[both], img[both]):
            usable.append((img, seen))
    if not usable:
        raise CannotSolve("no symmetry of the demonstrations fits this grid")
    out = grid.copy()
    # subtle: the images are of the input; a cell whose partners are all hidden stays hidden
    # (the symmetries form a group, so any visible partner is one transform away)
    for img, seen in usable:
        take = ~known & seen
        out[take] = img[take]
        known = known | take
    if not known.all():
        raise CannotSolve("some hidden cell has no visible partner")
    return out
