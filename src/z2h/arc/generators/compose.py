"""Composed rules: a task's rule is a chain of two or three steps from a declared set
(``STEPS``: gravity, recolour the largest, crop to the content, flip), and ``CHAINS`` the chains
a task may draw. Each step is written twice: on a scene's objects (to make a pair and label
every object with one action per step, in order) and on a grid (the solver's, which composes
the steps' solvers and learns the chain and its parameters from the demonstrations)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from z2h.arc.generators._solve import colours_in, fits_all, per_grid, single_answer
from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    polyomino,
    scatter,
)
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.objects import find_objects
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair

Actions = dict[int, list[dict[str, Any]]]  # object id -> the actions one step did to it


# Each step on a scene: (objects, canvas size, its parameter) -> (objects, canvas, actions).


def _cells(o: Obj) -> set[tuple[int, int]]:
    return {(r, c) for r, c, _ in o.cell_array().tolist()}


def fall_scene(objs: list[Obj], size: tuple[int, int], _: Any) -> tuple:
    """Every object falls down, one row a round, until the floor or another object stops it."""
    height = size[0]
    cells = {o.id: _cells(o) for o in objs}
    # how many objects hold each cell, kept up to date: another object holds a cell where the
    # count is more than this object's own share (not a union of the others at every move)
    held: dict[tuple[int, int], int] = {}
    for cs in cells.values():
        for rc in cs:
            held[rc] = held.get(rc, 0) + 1
    shift = dict.fromkeys(cells, 0)
    bottom = {k: max(r for r, _ in cs) for k, cs in cells.items()}  # kept as objects fall
    moved = True
    while moved:
        moved = False
        for k in sorted(cells, key=lambda k: -bottom[k]):
            mine = cells[k]
            down = {(r + 1, c) for r, c in mine}
            if all(r < height for r, _ in down) and not any(
                held.get(rc, 0) > (rc in mine) for rc in down
            ):
                for rc in mine:
                    held[rc] -= 1
                for rc in down:
                    held[rc] = held.get(rc, 0) + 1
                cells[k], shift[k], moved = down, shift[k] + 1, True
                bottom[k] += 1
    acts: Actions = {}
    for k, cs in cells.items():
        if shift[k]:
            below = {(r + 1, c) for r, c in cs}
            on = sorted(j for j, v in cells.items() if j != k and below & v)
            stop = "edge" if any(r + 1 == height for r, _ in cs) or not on else on[0]
            acts[k] = [{"op": "move", "by": [shift[k], 0]}, {"op": "stop_at_contact", "with": stop}]
    return [o.moved(shift[o.id], 0) for o in objs], size, acts


def recolor_largest_scene(objs: list[Obj], size: tuple[int, int], color: int) -> tuple:
    """The one largest object takes ``color``."""
    best = max(o.size for o in objs)
    largest = [o for o in objs if o.size == best]
    if len(largest) != 1 or largest[0].color == color:
        raise Reject("no single largest object to recolour")
    k = largest[0].id
    acts = {k: [{"op": "recolor", "from": largest[0].color, "to": color}]}
    return [o.recolored(color) if o.id == k else o for o in objs], size, acts


def crop_scene(objs: list[Obj], size: tuple[int, int], _: Any) -> tuple:
    """The canvas cut to the box around every object."""
    boxes = [o.box() for o in objs]
    top, left = min(b[0] for b in boxes), min(b[1] for b in boxes)
    bottom = max(b[0] + b[2] for b in boxes)
    right = max(b[1] + b[3] for b in boxes)
    if (top, left, bottom, right) == (0, 0, *size):
        raise Reject("nothing to crop")
    box = [top, left, bottom - top, right - left]
    acts = {o.id: [{"op": "crop", "box": box}] for o in objs}
    return [o.moved(-top, -left) for o in objs], (box[2], box[3]), acts


def flip_scene(objs: list[Obj], size: tuple[int, int], axis: str) -> tuple:
    """The whole canvas mirrored: left-right (``"h"``) or up-down (``"v"``)."""
    height, width = size
    out, acts = [], {}
    for o in objs:
        h, w = o.mask.shape
        f = o.transformed("flip_h" if axis == "h" else "flip_v")
        pos = (o.pos[0], width - o.pos[1] - w) if axis == "h" else (height - o.pos[0] - h, o.pos[1])
        f = f.at(*pos)
        (t0, l0, _, _), (t1, l1, _, _) = o.box(), f.box()
        acts[o.id] = [{"op": "flip", "axis": axis}]
        if (t1 - t0, l1 - l0) != (0, 0):
            acts[o.id].append({"op": "move", "by": [t1 - t0, l1 - l0]})
        out.append(f)
    return out, size, acts


# The same steps on a grid, for the solver (found objects, not the generator's).


def fall_grid(grid: np.ndarray, _: Any) -> np.ndarray:
    """Pieces (8-connected, any colours) dropped as far as they go, lowest first, until none
    can move: a whole drop at a time, not a row a round."""
    bg = most_common_color(grid)
    height = grid.shape[0]
    pieces = [
        [(r, c, int(grid[r, c])) for r, c in zip(*o.cells(), strict=True)]
        for o in find_objects(grid, 8, True, bg)
    ]
    taken = {(r, c) for p in pieces for r, c, _ in p}
    changed = True
    while changed:
        changed = False
        pieces.sort(key=lambda p: -max(r for r, _, _ in p))
        for i, p in enumerate(pieces):
            mine = {(r, c) for r, c, _ in p}
            drop = min(_free_below(r, c, taken, mine, height) for r, c, _ in p)
            if drop:
                taken -= mine  # (in place: the others' cells, as a new set would be)
                taken |= {(r + drop, c) for r, c, _ in p}
                pieces[i] = [(r + drop, c, v) for r, c, v in p]
                changed = True
    out = np.full(grid.shape, bg, np.uint8)
    for p in pieces:
        for r, c, v in p:
            out[r, c] = v
    return out


def _free_below(r: int, c: int, taken: set, mine: set, height: int) -> int:
    """Empty rows below (r, c) before the floor or a cell of another piece (``taken``, not
    ``mine``)."""
    d = 0
    while r + d + 1 < height and ((r + d + 1, c) not in taken or (r + d + 1, c) in mine):
        d += 1
    return d


def recolor_largest_grid(grid: np.ndarray, color: int) -> np.ndarray:
    objs = find_objects(grid, 8, False, most_common_color(grid))
    if not objs:
        raise CannotSolve("no objects")
    best = max(o.size for o in objs)
    largest = [o for o in objs if o.size == best]
    if len(largest) != 1:
        raise CannotSolve("no single largest object")
    out = grid.copy()
    out[largest[0].cells()] = color
    return out


def crop_grid(grid: np.ndarray, _: Any) -> np.ndarray:
    rows, cols = np.nonzero(grid != most_common_color(grid))
    if not rows.size:
        raise CannotSolve("nothing to crop to")
    return grid[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].copy()


def flip_grid(grid: np.ndarray, axis: str) -> np.ndarray:
    return np.ascontiguousarray(grid[:, ::-1] if axis == "h" else grid[::-1])


@dataclass(frozen=True)
class Step:
    """One composable step: drawn, applied to a scene, and applied to a grid."""

    draw: Callable[[Rand], Any]  # the step's parameter (None: it has none)
    scene: Callable[[list[Obj], tuple[int, int], Any], tuple]
    grid: Callable[[np.ndarray, Any], np.ndarray]
    candidates: Callable[[Sequence[Pair]], list[Any]]  # the parameters a solver tries


def _new_colours(demos: Sequence[Pair]) -> list[Any]:
    """The colours every demonstration's output holds and its input does not."""
    found = set(range(10))
    for p in demos:
        if p.output is None:
            raise CannotSolve("a demonstration has no output")
        found &= colours_in(p.output) - colours_in(p.input)
    return sorted(found)


STEPS: dict[str, Step] = {
    "gravity": Step(lambda r: None, fall_scene, fall_grid, lambda d: [None]),
    "recolor_largest": Step(
        lambda r: r.randint(1, 9), recolor_largest_scene, recolor_largest_grid, _new_colours
    ),
    "crop": Step(lambda r: None, crop_scene, crop_grid, lambda d: [None]),
    "flip": Step(lambda r: r.choice(("h", "v")), flip_scene, flip_grid, lambda d: ["h", "v"]),
}
# the chains a task may draw: each step changes what the next one sees
CHAINS = (
    ("gravity", "recolor_largest"),
    ("gravity", "flip"),
    ("crop", "flip"),
    ("recolor_largest", "crop"),
    ("recolor_largest", "flip"),
    ("gravity", "recolor_largest", "flip"),
    ("recolor_largest", "crop", "flip"),
)


@per_grid
def _step(grid: np.ndarray, name: str, param: Any) -> np.ndarray:
    """One step's solver on a grid (remembered: chains share their first steps)."""
    return STEPS[name].grid(grid, param)


def run_chain(grid: np.ndarray, rule: tuple[tuple[str, Any], ...]) -> np.ndarray:
    for name, param in rule:
        grid = _step(grid, name, param)
    return grid


@register
class Composed(Generator):
    name = "composed"
    concepts = ("composition", "physics", "recolor", "crop", "geometry", "objects")
    description = (
        "a rule of two or three steps from a declared set (gravity, recolour the largest, crop "
        "to the content, flip), e.g. gravity then recolour the largest"
    )
    color_invariant = True
    train_pairs = (2, 5)

    def params(self, r: Rand) -> dict[str, Any]:
        chain = r.choice(CHAINS)
        return {"steps": [[name, STEPS[name].draw(r)] for name in chain]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(6, 30), r.scaled(6, 30)
        steps = params["steps"]
        taken = {p for n, p in steps if n == "recolor_largest"}
        palette = r.colors(r.scaled(3, 7), exclude=(0, *taken))  # few same-colour neighbours
        masks = [_shape(r, r.scaled(2, 8)) for _ in range(r.scaled(2, 7))]
        objs = scatter(
            r,
            height,
            width,
            masks,
            [palette[i % len(palette)] for i in range(len(masks))],
            required=2,
        )
        inp = Scene(height, width, 0, objs)
        acts: Actions = {o.id: [] for o in objs}
        size = (height, width)
        before = inp.render()
        for name, param in steps:
            objs, size, done = STEPS[name].scene(objs, size, param)
            after = Scene(size[0], size[1], 0, objs).render()
            if after.shape == before.shape and np.array_equal(after, before):
                raise Reject(f"{name} changed nothing")
            if _merged(after, len(objs)):
                raise Reject("objects ran together")  # the next step would see one object
            before = after
            for k, a in done.items():
                acts[k] += a
        out = Scene(size[0], size[1], 0, objs)
        return Example(inp, out, [Match(k, k, a) for k, a in acts.items()])

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        rules = []
        # each step's candidates once (chains share steps; the candidates read every demo)
        candidates = {name: STEPS[name].candidates(demos) for name in STEPS}
        for chain in CHAINS:
            options = [candidates[name] for name in chain]
            for params in itertools.product(*options):
                rules.append(tuple(zip(chain, params, strict=True)))
        fits = [rule for rule in rules if fits_all(demos, run_chain, rule)]
        return single_answer(fits, lambda rule: run_chain(grid, rule), "chain of steps")


def _shape(r: Rand, most: int) -> np.ndarray:
    h, w = r.randint(1, most), r.randint(1, most)
    return polyomino(r, r.randint(max(1, h * w // 2), h * w), h, w)


def _merged(grid: np.ndarray, n: int) -> bool:
    """Whether ``grid``'s one-colour 8-connected components are fewer than its ``n`` objects."""
    return len(find_objects(grid, 8, False, 0)) != n
