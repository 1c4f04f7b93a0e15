"""Whole-grid geometry: the grid flipped, rotated or transposed (each object moves with it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import fitting_answer
from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    grid_side,
    moved_by,
    patterned,
    scatter,
    varied_shape,
)
from z2h.arc.generators.registry import register
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene, transform, transform_scene
from z2h.arc.task import Pair

# (op, k) -> the label action it is
_ACTION = {
    ("flip_h", 1): {"op": "flip", "axis": "h"},
    ("flip_v", 1): {"op": "flip", "axis": "v"},
    ("transpose", 1): {"op": "transpose"},
    ("rotate", 1): {"op": "rotate", "k": 1},
    ("rotate", 2): {"op": "rotate", "k": 2},
    ("rotate", 3): {"op": "rotate", "k": 3},
}
SYMMETRIES = tuple(_ACTION)


def random_scene(
    r: Rand, min_side: int = 3, max_side: int = 20, max_objects: int = 8, most: int = 8
) -> Scene:
    """Objects of random shapes (blobs, frames with holes, crosses, lines) and colours
    scattered on a canvas: bigger with difficulty (up to ``most`` cells a side), some of two
    colours, some pressed against each other (no gap, so two of one colour may touch: to be
    seen, not flood-filled)."""
    # (up to 30 in hard tasks, unless the caller keeps the canvas small for its output)
    grow = 30 if max_side == 20 else max_side
    height, width = grid_side(r, min_side, max_side, grow), grid_side(r, min_side, max_side, grow)
    background = 0 if r.bool(0.7) else r.randint(0, 9)
    n = r.scaled(1, max_objects)
    palette = r.colors(r.scaled(1, 9), exclude=(background,))
    big = r.scaled(3, most)
    masks = []
    for _ in range(n):
        h, w = r.randint(1, min(big, height)), r.randint(1, min(big, width))
        masks.append(varied_shape(r, h, w))
    gap = 0 if r.bool(0.4) else 1
    colours = [r.choice(palette) for _ in masks]
    objs = scatter(r, height, width, masks, colours, gap=gap, required=1)
    for o in objs:
        if len(palette) > 1 and o.size > 2 and r.bool(0.5):
            o.colors = patterned(r, o.mask, r.sample(palette, 2))
    return Scene(height, width, background, objs)


class _Symmetry(Generator):
    """One of the square's symmetries, applied to the whole grid."""

    concepts: tuple[str, ...] = ("geometry", "whole_grid")
    color_invariant = True
    train_pairs = (2, 5)  # as ARC: one demonstration tells the rule
    choices: tuple[tuple[str, int], ...] = ()

    def params(self, r: Rand) -> dict[str, Any]:
        op, k = r.choice(self.choices)
        return {"op": op, "k": k}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        op, k = params["op"], params["k"]
        inp = random_scene(r)
        grid = inp.render()
        want = transform(grid, op, k)
        # a pair another symmetry also explains teaches nothing (and, as a demonstration,
        # leaves the solver two rules for every later input)
        if any(
            (o, j) != (op, k) and np.array_equal(transform(grid, o, j), want) for o, j in SYMMETRIES
        ):
            raise Reject("another symmetry fits")
        out = transform_scene(inp, op, k)
        action = _ACTION[(op, k)]
        corr = []
        for a, b in zip(inp.objects, out.objects, strict=True):
            by = moved_by(a, b)
            corr.append(
                Match(a.id, b.id, [action] + ([{"op": "move", "by": by}] if any(by) else []))
            )
        return Example(inp, out, corr, [action])

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        # subtle: several symmetries may fit the demonstrations (a grid symmetric about one
        # axis); answer only if all the fitting ones agree on this grid
        return fitting_answer(grid, demos, SYMMETRIES, lambda g, t: transform(g, *t), "symmetry")


@register
class Flip(_Symmetry):
    name = "flip"
    description = "mirror the whole grid left-right or up-down (the axis is the task's)"
    choices = (("flip_h", 1), ("flip_v", 1))


@register
class Rotate(_Symmetry):
    name = "rotate"
    description = "rotate the whole grid by a quarter, half or three-quarter turn"
    choices = (("rotate", 1), ("rotate", 2), ("rotate", 3))


@register
class Transpose(_Symmetry):
    name = "transpose"
    description = "swap rows and columns (mirror about the main diagonal)"
    choices = (("transpose", 1),)


@register
class ScaleUp(Generator):
    name = "scale_up"
    concepts = ("geometry", "whole_grid", "scaling")
    description = "scale the whole grid up: each cell becomes a k x k block (k per task)"
    color_invariant = True
    train_pairs = (2, 5)  # as ARC: one demonstration tells the rule

    def params(self, r: Rand) -> dict[str, Any]:
        return {"factor": r.choice((2, 3))}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        f = params["factor"]
        inp = random_scene(r, 2, min(10, 30 // f), 4)
        objs = []
        corr = []
        for o in inp.objects:
            pos = (o.pos[0] * f, o.pos[1] * f)
            big = Obj(o.id, scale(o.mask, f), scale(o.colors, f), pos, o.z, o.tags)
            objs.append(big)
            by = moved_by(o, big)
            corr.append(
                Match(
                    o.id,
                    o.id,
                    [{"op": "scale", "factor": f}]
                    + ([{"op": "move", "by": by}] if any(by) else []),
                )
            )
        out = Scene(inp.height * f, inp.width * f, inp.background, objs)
        return Example(inp, out, corr, [{"op": "scale", "factor": f}])

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        factors = set()
        for p in demos:
            (h, w), (oh, ow) = p.input.shape, p.output.shape
            if oh % h or ow % w or oh // h != ow // w:
                raise CannotSolve("a demonstration is not a square scale-up")
            factors.add(oh // h)
        if len(factors) != 1:
            raise CannotSolve("the demonstrations scale by different factors")
        f = factors.pop()
        if not all(np.array_equal(scale(p.input, f), p.output) for p in demos):
            raise CannotSolve("a demonstration is not a plain scale-up")
        return scale(grid, f)


def scale(a: np.ndarray, f: int) -> np.ndarray:
    """Each cell of ``a`` as an ``f`` x ``f`` block: np.kron with ones, without multiplying."""
    return np.repeat(np.repeat(a, f, axis=0), f, axis=1)


def tile_grid(grid: np.ndarray, reps: tuple[int, int], mirror: bool) -> np.ndarray:
    """``grid`` repeated reps[0] times down and reps[1] across; with ``mirror`` every other
    copy is flipped, so neighbouring copies mirror each other."""
    rows = []
    for i in range(reps[0]):
        row = []
        for j in range(reps[1]):
            g = grid[::-1] if mirror and i % 2 else grid
            row.append(g[:, ::-1] if mirror and j % 2 else g)
        rows.append(np.concatenate(row, axis=1))
    return np.ascontiguousarray(np.concatenate(rows, axis=0))


@register
class Tile(Generator):
    name = "tile"
    concepts = ("geometry", "whole_grid", "repetition", "symmetry")
    description = "repeat the grid down and across, plainly or mirroring every other copy"
    color_invariant = True
    train_pairs = (2, 5)  # as ARC: one demonstration tells the rule

    def params(self, r: Rand) -> dict[str, Any]:
        reps = r.choice(((1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (3, 3), (2, 3), (3, 2)))
        return {"reps": list(reps), "mirror": r.bool()}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        (a, b), mirror = params["reps"], params["mirror"]
        inp = random_scene(r, 2, min(10, 30 // max(a, b)), 3)
        h, w = inp.height, inp.width
        objs, corr = [], []
        for i in range(a):
            for j in range(b):
                for o in inp.objects:
                    c = o
                    if mirror and i % 2:
                        c = c.transformed("flip_v").at(h - c.pos[0] - c.mask.shape[0], c.pos[1])
                    if mirror and j % 2:
                        c = c.transformed("flip_h").at(c.pos[0], w - c.pos[1] - c.mask.shape[1])
                    new_id = len(objs)
                    objs.append(
                        Obj(
                            new_id,
                            c.mask,
                            c.colors,
                            (c.pos[0] + i * h, c.pos[1] + j * w),
                            o.z,
                            o.tags,
                        )
                    )
                    acts: list[dict[str, Any]] = [] if (i, j) == (0, 0) else [{"op": "copy"}]
                    if mirror and i % 2:
                        acts.append({"op": "flip", "axis": "v"})
                    if mirror and j % 2:
                        acts.append({"op": "flip", "axis": "h"})
                    by = moved_by(o, objs[-1])
                    if any(by):
                        acts.append({"op": "move", "by": by})
                    corr.append(Match(o.id, new_id, acts))
        out = Scene(h * a, w * b, inp.background, objs)
        return Example(inp, out, corr, [{"op": "tile", "reps": [a, b], "mirror": mirror}])

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        if not demos:
            raise CannotSolve("no demonstrations")
        first = demos[0]
        a = first.output.shape[0] // first.input.shape[0]
        b = first.output.shape[1] // first.input.shape[1]
        if a < 1 or b < 1:
            raise CannotSolve("a demonstration's output is smaller than its input")
        return fitting_answer(
            grid, demos, (False, True), lambda g, m: tile_grid(g, (a, b), m), "tiling"
        )
