"""The generator base: what every task generator provides, and the helpers most of them use.

A generator makes one demonstration pair at a time from a random source and the task's hidden
parameters (which colour, which direction), as two scenes plus what happened to each object; and
it has an independent solver that maps an input grid to its output using only the grid and the
task's demonstrations (never the parameters). ``z2h.arc.generate.make_task`` calls both, keeps a
pair only if it passes every check, and writes the labels.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np

from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair

T = TypeVar("T")


# direction -> quarter turns (np.rot90) that take "down" to it
DIRECTIONS = {"down": 0, "right": 1, "up": 2, "left": 3}


class Reject(Exception):
    """Raised by ``make_pair`` when this random draw cannot make a pair (the objects did not fit,
    the rule left the grid unchanged, ...): ``make_task`` counts the reason and draws again."""

    def __init__(self, reason: str = "generator") -> None:
        super().__init__(reason)
        self.reason = reason


class CannotSolve(Exception):
    """Raised by ``solve`` when the demonstrations do not determine the answer (a size never seen,
    two rules that both fit): the pair is rejected, as an unsolvable ARC task would be."""


class Rand:
    """The random source of one task: Python's ``random.Random`` (fast for the many small draws
    a generator makes) plus the task's difficulty range.

    ``scaled(lo, hi)`` is scaled by difficulty (re-arc's ``unifint``): a difficulty drawn
    uniformly from the range, mapped onto ``[lo, hi]``, so harder tasks get bigger grids, more
    objects and more colours. ``randint(lo, hi)`` is uniform, for draws difficulty should not
    scale.
    """

    def __init__(self, seed: str | int, difficulty: tuple[float, float] = (0.0, 1.0)) -> None:
        self.random = random.Random(seed)
        self.difficulty = difficulty

    # subtle: every draw goes through random() (one C call) instead of random.randrange or
    # random.randint, which run in pure Python; the many small draws of a generator add up
    def scaled(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi] that grows with the task's difficulty."""
        dlo, dhi = self.difficulty
        d = dlo + (dhi - dlo) * self.random.random()
        v = round(lo + (hi - lo) * d)
        # min(hi, max(lo, v)) spelt out (the same values, ties included): no two calls
        v = v if v > lo else lo
        return v if v < hi else hi

    def randint(self, lo: int, hi: int) -> int:
        """A uniform integer in [lo, hi], not scaled by difficulty."""
        return lo + int(self.random.random() * (hi - lo + 1))

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        return int(self.random.random() * n)

    def bool(self, p: float = 0.5) -> bool:
        return self.random.random() < p

    def choice(self, seq: Sequence[T]) -> T:
        return seq[int(self.random.random() * len(seq))]

    def sample(self, seq: Sequence[T], k: int) -> list[T]:
        return self.random.sample(list(seq), k)

    def shuffle(self, items: list[T]) -> list[T]:
        self.random.shuffle(items)
        return items

    def colors(self, k: int, exclude: Sequence[int] = ()) -> list[int]:
        """``k`` distinct colours from 0-9, none in ``exclude``."""
        return self.random.sample([c for c in range(10) if c not in exclude], k)


@dataclass
class Example:
    """One pair as the generator made it: the scenes, and what happened to each object."""

    input: Scene
    output: Scene
    correspondence: list[Match] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)  # on the whole grid


class Generator:
    """Subclass, set the class attributes, implement the three methods, and decorate the class
    with ``@register`` (from ``z2h.arc.generators.registry``)."""

    name: ClassVar[str]  # registry key, e.g. "flip"
    concepts: ClassVar[tuple[str, ...]]  # ARC priors it exercises, e.g. ("geometry", "symmetry")
    description: ClassVar[str]  # one line for `z2h arc generators`
    # True when the rule ignores which colour is which: a colour permutation of a whole task is
    # still solved by the solver (BARC's check, run by the tests and `z2h arc validate`)
    color_invariant: ClassVar[bool] = False
    train_pairs: ClassVar[tuple[int, int]] = (3, 4)  # range of the number of demonstrations
    test_pairs: ClassVar[int] = 1

    def params(self, r: Rand) -> dict[str, Any]:
        """The rule's hidden parameters, shared by every pair of a task (JSON values only)."""
        return {}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        """One input/output pair as scenes; raise ``Reject`` to have another draw made."""
        raise NotImplementedError

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        """The output for ``grid``, from the grid and the demonstrations alone (never ``params``);
        raise ``CannotSolve`` when the demonstrations leave it open."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<generator {self.name}>"


# Helpers for making scenes.


def polyomino(r: Rand, cells: int, max_h: int = 5, max_w: int = 5) -> np.ndarray:
    """A random 4-connected shape of at most ``cells`` cells within ``max_h`` x ``max_w``, as a
    tight bool mask: grown from one cell by adding random free neighbours (fewer cells only when
    the box is full)."""
    cells = max(1, min(cells, max_h * max_w))
    filled = {(0, 0)}
    frontier = [(1, 0), (-1, 0), (0, 1), (0, -1)]
    rmin = rmax = cmin = cmax = 0
    rand = r.random.random
    n = 1  # len(filled), counted (as are the bound methods below: the loop runs for every cell)
    add, pop = filled.add, frontier.pop
    while n < cells and frontier:
        i = int(rand() * len(frontier))
        cell = frontier[i]
        last = pop()  # the last entry fills the hole left at i (none when i was the last)
        if i < len(frontier):
            frontier[i] = last
        if cell in filled:
            continue
        nr, nc = cell
        # the box may not grow to max_h rows or max_w columns; plain comparisons, not min and
        # max calls: this loop runs for every cell of every shape
        if (nr > rmax and nr - rmin >= max_h) or (nr < rmin and rmax - nr >= max_h):
            continue
        if (nc > cmax and nc - cmin >= max_w) or (nc < cmin and cmax - nc >= max_w):
            continue
        add(cell)
        n += 1
        frontier += ((nr + 1, nc), (nr - 1, nc), (nr, nc + 1), (nr, nc - 1))
        if nr > rmax:
            rmax = nr
        elif nr < rmin:
            rmin = nr
        if nc > cmax:
            cmax = nc
        elif nc < cmin:
            cmin = nc
    return mask_from_cells(filled, rmin, cmin, rmax - rmin + 1, cmax - cmin + 1)


def mask_from_cells(
    cells: Iterable[tuple[int, int]], top: int, left: int, height: int, width: int
) -> np.ndarray:
    """A ``height`` x ``width`` bool mask with ``cells`` (absolute, offset by top/left) set."""
    buf = bytearray(height * width)  # bytearray: less overhead than numpy indexing
    for row, col in cells:
        buf[(row - top) * width + col - left] = 1
    return np.frombuffer(buf, dtype=bool).reshape(height, width)


def dilate(mask: np.ndarray, diagonal: bool) -> np.ndarray:
    """``mask`` (h, w) grown by one cell each way -> (h + 2, w + 2): to side neighbours only,
    or to corner ones too (``[1:-1, 1:-1]`` lines up with ``mask``)."""
    h, w = mask.shape
    across = np.zeros((h, w + 2), bool)  # grown along rows first (separable for corners)
    across[:, :-2] = mask
    across[:, 1:-1] |= mask
    across[:, 2:] |= mask
    out = np.zeros((h + 2, w + 2), bool)
    if diagonal:
        out[:-2] = across
        out[1:-1] |= across
        out[2:] |= across
    else:
        out[1:-1] = across
        out[:-2, 1:-1] |= mask
        out[2:, 1:-1] |= mask
    return out


def box_ring(height: int, width: int) -> np.ndarray:
    """A ``height`` x ``width`` rectangle outline, one cell thick."""
    ring = np.ones((height, width), bool)
    ring[1:-1, 1:-1] = False
    return ring


def random_mask(r: Rand, h: int, w: int, density: float = 0.6) -> np.ndarray:
    """A random connected shape of about ``density`` of an ``h`` x ``w`` box (its own box may be
    smaller)."""
    return polyomino(r, max(1, round(h * w * density)), h, w)


def place(
    r: Rand,
    height: int,
    width: int,
    masks: Sequence[np.ndarray],
    gap: int = 1,
    boxes: Sequence[tuple[int, int, int, int]] = (),
    tries: int = 30,
    required: int | None = None,
) -> list[tuple[int, int] | None]:
    """Random top-left positions for ``masks`` on the canvas, with at least ``gap`` empty cells
    between any two of their boxes (so with a gap of 1 they stay separate objects even under
    8-connectivity), and away from the ``boxes`` (top, left, height, width) already taken.

    A mask that finds no place in ``tries`` draws gets ``None``; if fewer than ``required``
    (default: all) are placed, raises ``Reject("placement")``.
    """
    taken = [(t, left, t + h, left + w) for t, left, h, w in boxes]  # half-open
    out: list[tuple[int, int] | None] = []
    rand = r.random.random
    for mask in masks:
        h, w = mask.shape
        pos = None
        if h <= height and w <= width:
            for _ in range(tries):
                row = int(rand() * (height - h + 1))
                col = int(rand() * (width - w + 1))
                r0, c0, r1, c1 = row - gap, col - gap, row + h + gap, col + w + gap
                # (a loop, not all() over a generator: it runs for every try of every mask)
                for t, lf, b, rt in taken:
                    if r1 > t and b > r0 and c1 > lf and rt > c0:
                        break  # overlaps a box already taken (grown by the gap)
                else:
                    taken.append((row, col, row + h, col + w))
                    pos = (row, col)
                    break
        out.append(pos)
    placed = sum(p is not None for p in out)
    if placed < (len(masks) if required is None else required):
        raise Reject("placement")
    return out


def scatter(
    r: Rand,
    height: int,
    width: int,
    masks: Sequence[np.ndarray],
    colors: Sequence[int],
    tags: tuple[str, ...] = ("shape",),
    gap: int = 1,
    required: int | None = None,
) -> list[Obj]:
    """One-colour objects with ``masks`` and ``colors`` placed at random (see ``place``; those
    left out when ``required`` allows it are dropped), with ids 0, 1, ... in order."""
    positions = place(r, height, width, masks, gap, required=required)
    placed = [(m, c, p) for m, c, p in zip(masks, colors, positions, strict=True) if p is not None]
    return [Obj.filled(i, m, c, pos, 0, tags) for i, (m, c, pos) in enumerate(placed)]


def moved_by(a: Obj, b: Obj) -> list[int]:
    """How far ``b``'s box sits from ``a``'s, as [dr, dc]."""
    ta, tb = a.box(), b.box()
    return [tb[0] - ta[0], tb[1] - ta[1]]


def hidden_by(scene: Scene) -> dict[int, list[int]]:
    """The objects of ``scene`` that no cell of the rendered grid shows (wholly covered by
    objects painted later), each with the sorted ids of the objects whose cells cover it."""
    owner: dict[tuple[int, int], int] = {}
    for o in scene.painted():
        for r, c, _ in o.cell_array().tolist():
            owner[(r, c)] = o.id
    shown = set(owner.values())
    out = {}
    for o in scene.objects:
        if o.id not in shown:
            cells = [(r, c) for r, c, _ in o.cell_array().tolist()]
            out[o.id] = sorted({owner[rc] for rc in cells if rc in owner})
    return out


def patterned(r: Rand, mask: np.ndarray, colors: Sequence[int]) -> np.ndarray:
    """Cell colours for ``mask`` from ``colors`` (two or more) in a pattern a person reads as one
    object: a border of one colour round another, stripes, or cells at random. (h, w) uint8."""
    # plain lists into a bytearray, not numpy calls: masks are a few cells
    h, w = mask.shape
    a, b = colors[0], colors[1]
    kind = r.randint(0, 2)
    if kind == 0:  # border and inside: cells with a side off the mask or the box
        m = mask.tolist()
        cells = [
            b
            if m[i][j]
            and 0 < i < h - 1
            and 0 < j < w - 1
            and m[i - 1][j]
            and m[i + 1][j]
            and m[i][j - 1]
            and m[i][j + 1]
            else a
            for i in range(h)
            for j in range(w)
        ]
    elif kind == 1:  # stripes across the rows or down the columns
        if r.randint(0, 1) == 0:
            cells = [a if i % 2 == 0 else b for i in range(h) for _ in range(w)]
        else:
            cells = [a if j % 2 == 0 else b for _ in range(h) for j in range(w)]
    else:
        cells = [r.choice(colors) for _ in range(h * w)]
    return np.frombuffer(bytearray(cells), np.uint8).reshape(h, w)


def grid_side(r: Rand, lo: int, hi: int, most: int = 30) -> int:
    """A side in [lo, hi], growing with difficulty; a task whose difficulty range reaches past
    0.5 may grow it up to ``most`` (ARC's 30). Easy tasks draw exactly as ``r.scaled(lo, hi)``,
    so small canvases and the easy range's cost stay as they are."""
    side = r.scaled(lo, hi)
    if r.difficulty[1] > 0.5:
        side = max(side, r.scaled(lo, most))
    return side


def varied_shape(r: Rand, h: int, w: int) -> np.ndarray:
    """A shape in an ``h`` x ``w`` box of one of several kinds a person names: a blob, a frame
    with a hole, a cross, or a line (the last two across the box's middle)."""
    kind = r.randint(0, 3) if h >= 3 and w >= 3 else 0
    if kind == 1:
        return box_ring(h, w)
    if kind == 2:
        mask = np.zeros((h, w), bool)
        mask[h // 2, :] = True
        mask[:, w // 2] = True
        return mask
    if kind == 3:
        return np.ones((1, w), bool) if r.bool() else np.ones((h, 1), bool)
    return random_mask(r, h, w, 0.4 + 0.6 * r.random.random())
