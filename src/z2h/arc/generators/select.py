"""Select objects: keep the largest, the smallest or the odd one out (cropped to it), or keep
only what lies inside a frame."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    place,
    polyomino,
    random_mask,
    scatter,
)
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.objects import find_objects
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair


def crop_to(grid: np.ndarray, obj: Obj, background: int) -> np.ndarray:
    """The object's box cut from ``grid``, cells outside the object set to ``background``."""
    top, left, h, w = obj.box()
    r0, c0 = top - obj.pos[0], left - obj.pos[1]
    mask = obj.mask[r0 : r0 + h, c0 : c0 + w]
    return np.where(mask, grid[top : top + h, left : left + w], background).astype(np.uint8)


def _crop_example(inp: Scene, chosen: Obj, reason: str) -> Example:
    """The pair whose output is ``chosen`` alone, cropped; the others are deleted."""
    top, left, h, w = chosen.box()
    kept = chosen.at(chosen.pos[0] - top, chosen.pos[1] - left)
    out = Scene(h, w, inp.background, [kept])
    corr = [
        Match(
            o.id, o.id, [{"op": "keep", "reason": reason}, {"op": "crop", "box": [top, left, h, w]}]
        )
        if o.id == chosen.id
        else Match(o.id, None)
        for o in inp.objects
    ]
    return Example(inp, out, corr, [{"op": "crop", "box": [top, left, h, w]}])


def _unique_best(objs: list[Obj], key: Callable[[Obj], Any]) -> Obj:
    best = max(key(o) for o in objs)
    winners = [o for o in objs if key(o) == best]
    if len(winners) != 1:
        raise CannotSolve("no single object stands out")
    return winners[0]


class _CropBySize(Generator):
    concepts = ("selection", "counting", "objects", "crop")
    color_invariant = True
    sign = 1  # +1: largest, -1: smallest
    reason = ""

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.int(6, 20), r.int(6, 20)
        n = r.int(2, 7)
        sizes = r.sample(range(1, 13), n)  # distinct sizes: one largest, one smallest
        masks = [polyomino(r, s, 4, 4) for s in sizes]
        palette = r.colors(r.int(1, 5), exclude=(0,))
        objs = scatter(r, height, width, masks, [r.choice(palette) for _ in masks], required=2)
        sizes_now = [o.size for o in objs]
        if len(set(sizes_now)) != len(sizes_now):
            raise Reject("sizes")
        chosen = max(objs, key=lambda o: self.sign * o.size)
        return _crop_example(Scene(height, width, 0, objs), chosen, self.reason)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        bg = most_common_color(grid)
        objs = find_objects(grid, connectivity=8, background=bg)
        if not objs:
            raise CannotSolve("no objects")
        return crop_to(grid, _unique_best(objs, lambda o: self.sign * o.size), bg)


@register
class CropLargest(_CropBySize):
    name = "crop_largest"
    description = "the output is the largest object, cut out of the input"
    sign = 1
    reason = "largest"


@register
class CropSmallest(_CropBySize):
    name = "crop_smallest"
    description = "the output is the smallest object, cut out of the input"
    sign = -1
    reason = "smallest"


@register
class OddOneOut(Generator):
    name = "odd_one_out"
    concepts = ("selection", "objects", "crop", "comparison")
    description = "every object shares a colour but one: the output is that one, cut out"
    color_invariant = True

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.int(6, 20), r.int(6, 20)
        n = r.int(3, 8)
        common, odd = r.colors(2, exclude=(0,))
        masks = [random_mask(r, r.randint(1, 4), r.randint(1, 4)) for _ in range(n)]
        colors = [odd] + [common] * (n - 1)
        objs = scatter(r, height, width, masks, colors, required=3)
        if objs[0].color != odd:
            raise Reject("placement")
        return _crop_example(Scene(height, width, 0, objs), objs[0], "odd_one_out")

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        bg = most_common_color(grid)
        objs = find_objects(grid, connectivity=8, background=bg)
        counts = Counter(o.color for o in objs)
        odd = [o for o in objs if counts[o.color] == 1]
        if len(odd) != 1 or len(counts) != 2:
            raise CannotSolve("no single object of a colour of its own")
        return crop_to(grid, odd[0], bg)


@register
class KeepInside(Generator):
    name = "keep_inside"
    concepts = ("selection", "containment", "interaction", "objects")
    description = "a frame holds some objects: delete every object outside it"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"frame": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.int(8, 22), r.int(8, 22)
        fh, fw = r.randint(5, max(5, height * 2 // 3)), r.randint(5, max(5, width * 2 // 3))
        ft, fl = r.randint(0, height - fh), r.randint(0, width - fw)
        ring = np.ones((fh, fw), bool)
        ring[1:-1, 1:-1] = False
        frame = Obj.filled(0, ring, params["frame"], (ft, fl), 0, ("frame", "rectangle"))
        palette = r.colors(r.int(1, 4), exclude=(0, params["frame"]))
        # inside: within the ring's interior, a cell clear of it
        inside_masks = [
            random_mask(r, r.randint(1, 2), r.randint(1, 2)) for _ in range(r.int(1, 4))
        ]
        inner = scatter(
            r, fh - 4, fw - 4, inside_masks, [r.choice(palette) for _ in inside_masks], required=1
        )
        inner = [o.moved(ft + 2, fl + 2) for o in inner]
        outside = []
        taken = [(ft, fl, fh, fw)]
        out_masks = [random_mask(r, r.randint(1, 3), r.randint(1, 3)) for _ in range(r.int(1, 5))]
        positions = place(r, height, width, out_masks, 1, taken, required=1)
        for m, pos in zip(out_masks, positions, strict=True):
            if pos is not None:
                outside.append(Obj.filled(0, m, r.choice(palette), pos, 0, ("shape",)))
        objs = [frame, *inner, *outside]
        for i, o in enumerate(objs):
            o.id = i
        inp = Scene(height, width, 0, objs)
        kept = objs[: 1 + len(inner)]
        corr = [Match(o.id, o.id) for o in kept]
        corr += [Match(o.id, None, []) for o in objs[1 + len(inner) :]]
        return Example(inp, Scene(height, width, 0, kept), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        bg = most_common_color(grid)
        objs = find_objects(grid, connectivity=8, background=bg)
        if not objs:
            raise CannotSolve("no objects")
        frame = _unique_best(objs, lambda o: o.box()[2] * o.box()[3])
        ft, fl, fh, fw = frame.box()
        out = grid.copy()
        for o in objs:
            t, left, h, w = o.box()
            if (
                not (t > ft and left > fl and t + h < ft + fh and left + w < fl + fw)
                and o is not frame
            ):
                rows, cols = o.cells()
                out[rows, cols] = bg
        return out
