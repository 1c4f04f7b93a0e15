"""Select objects: keep the largest, the smallest or the odd one out (cropped to it), keep
only what lies inside a frame or touches an anchor, or bring the hidden object to the front."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import colours_in, fitting_answer, objects_of, per_grid
from z2h.arc.generators._solve import components as runs_of
from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    dilate,
    grid_side,
    patterned,
    place,
    polyomino,
    random_mask,
    scatter,
)
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.objects import components
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
    train_pairs = (2, 5)  # as ARC: one demonstration tells the rule
    sign = 1  # +1: largest, -1: smallest
    reason = ""

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = grid_side(r, 6, 20), grid_side(r, 6, 20)
        n = r.scaled(2, 7)
        # each shape in a box of its own random size, so the answer's size varies (a fixed
        # 4 x 4 box made most largest objects 4 x 4: a shortcut, not a selection)
        # and at least a random floor of cells each, so the smallest is not mostly one cell
        floor = r.randint(1, 7)
        masks = []
        for _ in range(n):
            h, w = r.randint(1, 6), r.randint(1, 6)
            while h * w < floor:
                h, w = h + 1, w + r.randint(0, 1)
            masks.append(polyomino(r, r.randint(max(floor, h * w // 3), h * w), h, w))
        palette = r.colors(r.scaled(1, 5), exclude=(0,))
        objs = scatter(r, height, width, masks, [r.choice(palette) for _ in masks], required=2)
        for o in objs:  # some of two colours: an object is what is connected, whatever colour
            if len(palette) > 1 and o.size > 2 and r.bool():
                o.colors = patterned(r, o.mask, r.sample(palette, 2))
        sizes_now = [self.sign * o.size for o in objs]
        if sizes_now.count(max(sizes_now)) != 1:
            raise Reject("sizes")  # no single object to choose
        chosen = max(objs, key=lambda o: self.sign * o.size)
        return _crop_example(Scene(height, width, 0, objs), chosen, self.reason)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        # largest or smallest: whichever the demonstrations show
        return fitting_answer(grid, demos, (1, -1), _crop_by_size, "size order")


@per_grid
def _crop_by_size(grid: np.ndarray, sign: int) -> np.ndarray:
    """The largest (``sign`` 1) or smallest (-1) 8-connected object (of any colours), cut
    out."""
    bg = most_common_color(grid)
    objs = objects_of(grid, True)  # (read once for both orders)
    if not objs:
        raise CannotSolve("no objects")
    return crop_to(grid, _unique_best(objs, lambda o: sign * o.size), bg)


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
    description = (
        "every object shares a colour, a shape or a size (the task's) but one: the output is "
        "that one, cut out"
    )
    color_invariant = True
    train_pairs = (2, 5)  # as ARC: one demonstration tells the rule

    def params(self, r: Rand) -> dict[str, Any]:
        return {"by": r.choice(ODD_PROPERTIES)}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(6, 20), r.scaled(6, 20)
        n = r.scaled(3, 8)
        big = r.scaled(4, 7)  # harder: bigger shapes
        by = params["by"]
        if by == "color":
            common, odd = r.colors(2, exclude=(0,))
            masks = [random_mask(r, r.randint(1, big), r.randint(1, big)) for _ in range(n)]
            objs = scatter(r, height, width, masks, [odd] + [common] * (n - 1), required=3)
            if objs[0].color != odd:
                raise Reject("placement")
            return _crop_example(Scene(height, width, 0, objs), objs[0], "odd_one_out")
        if by == "shape":  # copies of one shape and one other shape
            same = random_mask(r, r.randint(2, big), r.randint(2, big))
            masks = [random_mask(r, r.randint(1, big), r.randint(1, big))] + [same] * (n - 1)
        else:  # shapes of one size and one of another size
            k = r.randint(2, big * 2)
            masks = [polyomino(r, r.randint(1, big * 2), big, big)]
            masks += [polyomino(r, k, big, big) for _ in range(n - 1)]
        colour, second = r.colors(2, exclude=(0,))
        objs = scatter(r, height, width, masks, [colour] * n, required=3)
        if r.bool():  # the objects patterned in two colours, each in its own way
            for o in objs:
                if o.size > 2:
                    o.colors = patterned(r, o.mask, [colour, second])
        keys = [_property(o, by) for o in objs]
        # (scatter renumbers what it places: if the odd shape found no room, the first is a
        # common one, and its key repeats)
        if keys.count(keys[0]) != 1 or len(set(keys[1:])) != 1:
            raise Reject("no single odd one")
        if by == "size" and len({_property(o, "shape") for o in objs}) < len(objs) - 1:
            raise Reject("shapes repeat")  # the size rule, not a shape rule, must tell it
        return _crop_example(Scene(height, width, 0, objs), objs[0], "odd_one_out")

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        # odd in which property: the one the demonstrations' answers show
        return fitting_answer(grid, demos, ODD_PROPERTIES, _odd_crop, "odd property")


ODD_PROPERTIES = ("color", "shape", "size")


def _property(o: Obj, prop: str) -> Any:
    if prop == "color":
        return o.color
    if prop == "size":
        return o.size
    top, left, h, w = o.box()
    return crop_to(np.ones((top + h, left + w), np.uint8), o, 0).tobytes() + bytes((h, w))


@per_grid
def _odd_crop(grid: np.ndarray, prop: str) -> np.ndarray:
    """The one object (8-connected, of any colours) whose ``prop`` no other object shares, all
    others sharing one, cut out."""
    bg = most_common_color(grid)
    objs = objects_of(grid, True)  # (read once for every property)
    counts = Counter(_property(o, prop) for o in objs)
    odd = [o for o in objs if counts[_property(o, prop)] == 1]
    if len(odd) != 1 or len(counts) != 2:
        raise CannotSolve(f"no single object of a {prop} of its own")
    return crop_to(grid, odd[0], bg)


@register
class KeepInside(Generator):
    name = "keep_inside"
    concepts = ("selection", "containment", "interaction", "objects")
    description = "a frame holds some objects: delete every object outside it"
    color_invariant = True
    train_pairs = (2, 5)  # as ARC: one demonstration tells the rule

    def params(self, r: Rand) -> dict[str, Any]:
        return {"frame": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = grid_side(r, 8, 22), grid_side(r, 8, 22)
        fh, fw = r.randint(5, max(5, height * 2 // 3)), r.randint(5, max(5, width * 2 // 3))
        ft, fl = r.randint(0, height - fh), r.randint(0, width - fw)
        ring = np.ones((fh, fw), bool)
        ring[1:-1, 1:-1] = False
        frame = Obj.filled(0, ring, params["frame"], (ft, fl), 0, ("frame", "rectangle"))
        palette = r.colors(r.scaled(1, 4), exclude=(0, params["frame"]))
        # inside: within the ring's interior, a cell clear of it
        most = max(1, min(r.scaled(2, 5), (fh - 4) // 2, (fw - 4) // 2))
        inside_masks = [
            random_mask(r, r.randint(1, most), r.randint(1, most)) for _ in range(r.scaled(1, 4))
        ]
        inner = scatter(
            r, fh - 4, fw - 4, inside_masks, [r.choice(palette) for _ in inside_masks], required=1
        )
        inner = [o.moved(ft + 2, fl + 2) for o in inner]
        outside = []
        taken = [(ft, fl, fh, fw)]
        big = r.scaled(2, 5)
        out_masks = [
            random_mask(r, r.randint(1, big), r.randint(1, big)) for _ in range(r.scaled(1, 5))
        ]
        positions = place(r, height, width, out_masks, 1, taken, required=1)
        for m, pos in zip(out_masks, positions, strict=True):
            if pos is not None:
                outside.append(Obj.filled(0, m, r.choice(palette), pos, 0, ("shape",)))
        objs = [frame, *inner, *outside]
        for i, o in enumerate(objs):
            o.id = i
            if i and len(palette) > 1 and o.size > 2 and r.bool():  # some of two colours
                o.colors = patterned(r, o.mask, r.sample(palette, 2))
        inp = Scene(height, width, 0, objs)
        kept = objs[: 1 + len(inner)]
        corr = [Match(o.id, o.id) for o in kept]
        corr += [Match(o.id, None, []) for o in objs[1 + len(inner) :]]
        return Example(inp, Scene(height, width, 0, kept), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        # which side of the frame stays: the one the demonstrations keep
        return fitting_answer(grid, demos, (True, False), _keep_side, "side of the frame")


@per_grid
def _boxes_and_runs(grid: np.ndarray) -> tuple[int, list]:
    """The background and the one-colour 8-connected objects, as boxes and runs (no masks
    needed); remembered: ``_keep_side`` reads them for both sides."""
    bg = most_common_color(grid)
    return bg, runs_of(grid, bg, diagonal=True)


@per_grid
def _keep_side(grid: np.ndarray, inside: bool) -> np.ndarray:
    """``grid`` with the objects on the other side of the frame (the biggest box) cleared."""
    bg, found = _boxes_and_runs(grid)
    if not found:
        raise CannotSolve("no objects")
    areas = [h * w for (_, _, h, w), _ in found]
    if areas.count(max(areas)) != 1:
        raise CannotSolve("no single object stands out")
    frame = areas.index(max(areas))  # the biggest box
    ft, fl, fh, fw = found[frame][0]
    out = grid.copy()
    for k, ((t, left, h, w), runs) in enumerate(found):
        within = t > ft and left > fl and t + h < ft + fh and left + w < fl + fw
        if k != frame and within != inside:
            for row, a, b in runs:
                out[row, a:b] = bg
    return out


@register
class KeepTouching(Generator):
    name = "keep_touching"
    concepts = ("selection", "contact", "interaction", "objects")
    description = "keep only the objects that touch the anchor (the task's colour); delete the rest"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"anchor": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(7, 20), r.scaled(7, 20)
        anchor_mask = random_mask(r, r.randint(2, 4), r.randint(2, 4), 0.8)
        anchor = scatter(r, height, width, [anchor_mask], [params["anchor"]], ("anchor",), gap=0)[0]
        palette = r.colors(r.scaled(1, 4), exclude=(0, params["anchor"]))
        # occupied cells, with a margin of one empty cell all round (occ is its inside, a view)
        padded = np.zeros((height + 2, width + 2), bool)
        occ = padded[1:-1, 1:-1]
        rows, cols = anchor.cells()
        occ[rows, cols] = True
        touching_spots = _side_cells(occ)
        objs: list[Obj] = [anchor]
        kept_ids = {0}
        # touching objects: single cells or dominoes glued to the anchor's side
        for _ in range(r.scaled(1, 3)):
            spots = [rc for rc in touching_spots if not occ[rc]]
            if not spots:
                break
            rr, cc = r.choice(spots)
            objs.append(
                Obj.filled(
                    len(objs), np.ones((1, 1), bool), r.choice(palette), (rr, cc), 0, ("shape",)
                )
            )
            kept_ids.add(len(objs) - 1)
            occ[rr, cc] = True
        # others: anywhere not touching anything
        for _ in range(r.scaled(1, 5)):
            m = random_mask(r, r.randint(1, 3), r.randint(1, 3))
            h, w = m.shape
            grown = dilate(m, diagonal=True)  # its cells and every neighbour, corners too
            for _try in range(20):
                rr, cc = r.randint(0, height - h), r.randint(0, width - w)
                if not (padded[rr : rr + h + 2, cc : cc + w + 2] & grown).any():
                    objs.append(
                        Obj.filled(len(objs), m, r.choice(palette), (rr, cc), 0, ("shape",))
                    )
                    # harder tasks: some of two colours (deleted whole: no piece touches)
                    if r.difficulty[1] > 0.5 and m.sum() > 2 and len(palette) > 1 and r.bool(0.7):
                        objs[-1].colors = patterned(r, m, r.sample(palette, 2))
                    occ[rr : rr + h, cc : cc + w] |= m
                    break
        if len(kept_ids) < 2 or len(objs) == len(kept_ids):
            raise Reject("placement")
        inp = Scene(height, width, 0, objs)
        kept = [o for o in objs if o.id in kept_ids]
        corr = [
            Match(o.id, o.id, [{"op": "keep", "reason": "touching"}] if o.id else [])
            if o.id in kept_ids
            else Match(o.id, None)
            for o in objs
        ]
        return Example(inp, Scene(height, width, 0, kept), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        colours = set(range(10))
        for p in demos:
            colours &= colours_in(p.input) - {most_common_color(p.input)}
        return fitting_answer(grid, demos, sorted(colours), _keep_touching, "anchor colour")


def _side_cells(occ: np.ndarray) -> list[tuple[int, int]]:
    """Empty cells sharing a side with an occupied one."""
    near = np.zeros_like(occ)
    near[1:] |= occ[:-1]
    near[:-1] |= occ[1:]
    near[:, 1:] |= occ[:, :-1]
    near[:, :-1] |= occ[:, 1:]
    return [tuple(x) for x in np.argwhere(near & ~occ).tolist()]


@per_grid
def _pieces(grid: np.ndarray) -> tuple[int, list]:
    """The background and the pieces ``_keep_touching`` reads (remembered: read once for every
    anchor colour tried)."""
    bg = most_common_color(grid)
    return bg, components(grid, connectivity=8, background=bg)


@per_grid
def _keep_touching(grid: np.ndarray, anchor: int) -> np.ndarray:
    """The solver's rule: keep the pieces of ``anchor`` colour and those sharing a side with
    them; clear every other piece (pieces: 8-connected one-colour components)."""
    bg, comps = _pieces(grid)
    width = grid.shape[1]
    flat = grid.ravel()
    anchor_cells = {i for comp in comps if flat[comp[0]] == anchor for i in comp}
    if not anchor_cells:
        raise CannotSolve("no anchor")
    out = grid.copy()
    out_flat = out.ravel()
    for comp in comps:
        if flat[comp[0]] == anchor:
            continue
        touches = any(
            j in anchor_cells
            for i in comp
            for j in (
                i - width,
                i + width,
                *((i - 1,) if i % width else ()),
                *((i + 1,) if (i + 1) % width else ()),
            )
        )
        if not touches:
            out_flat[comp] = bg
    return out


@register
class BringToFront(Generator):
    name = "bring_to_front"
    concepts = ("occlusion", "interaction", "objects", "layers")
    description = "two rectangles overlap: the one behind comes to the front"
    color_invariant = True
    train_pairs = (2, 5)  # as ARC: one demonstration tells the rule

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(6, 20), r.scaled(6, 20)
        ca, cb = r.colors(2, exclude=(0,))
        # at most two thirds of each side, so the background stays the most common colour
        ah, aw = r.randint(2, height * 2 // 3), r.randint(2, width * 2 // 3)
        bh, bw = r.randint(2, height * 2 // 3), r.randint(2, width * 2 // 3)
        at, al = r.randint(0, height - ah), r.randint(0, width - aw)
        # the front's corner within reach of the back, so the boxes overlap
        bt = r.randint(max(0, at - bh + 1), min(height - bh, at + ah - 1))
        bl = r.randint(max(0, al - bw + 1), min(width - bw, al + aw - 1))
        back = Obj.rect(0, ah, aw, ca, (at, al), z=0)
        front = Obj.rect(1, bh, bw, cb, (bt, bl), z=1)
        # the front must cover part of the back, but leave each of the back's four sides
        # showing, so the back's full box can be read from what is visible
        vis = np.zeros((height, width), bool)
        vis[at : at + ah, al : al + aw] = True
        covered = vis[bt : bt + bh, bl : bl + bw].copy()
        vis[bt : bt + bh, bl : bl + bw] = False
        if not covered.any() or not vis.any():
            raise Reject("no_overlap")
        rows, cols = np.nonzero(vis)
        if (rows.min(), rows.max(), cols.min(), cols.max()) != (at, at + ah - 1, al, al + aw - 1):
            raise Reject("hidden_side")
        if bt >= at and bl >= al and bt + bh <= at + ah and bl + bw <= al + aw:
            raise Reject("inside")  # a front inside the back would vanish behind it
        inp = Scene(height, width, 0, [back, front])
        out = Scene(
            height,
            width,
            0,
            [Obj.rect(0, ah, aw, ca, (at, al), z=1), Obj.rect(1, bh, bw, cb, (bt, bl), z=0)],
        )
        corr = [Match(0, 0, [{"op": "raise"}]), Match(1, 1, [{"op": "lower"}])]
        return Example(inp, out, corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        # the back one raised, or the front one lifted away: as the demonstrations show
        return fitting_answer(grid, demos, ("raise", "remove"), _two_layers, "layer rule")


@per_grid
def _two_layers(grid: np.ndarray, rule: str) -> np.ndarray:
    """Two overlapping rectangles: the back one's box filled (``"raise"``), or the front one
    cleared and the back one's box filled (``"remove"``)."""
    bg = most_common_color(grid)
    colours = [c for c in sorted(colours_in(grid)) if c != bg]
    if len(colours) != 2:
        raise CannotSolve("not two rectangles")
    boxes = {}
    full = {}
    for c in colours:
        rows, cols = np.nonzero(grid == c)
        box = (int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1)
        boxes[c] = box
        full[c] = rows.size == (box[1] - box[0]) * (box[3] - box[2])
    fronts = [c for c in colours if full[c]]
    if len(fronts) != 1:
        raise CannotSolve("no single rectangle in front")
    back = next(c for c in colours if c != fronts[0])
    t, b, left, right = boxes[back]
    out = grid.copy()
    if rule == "remove":
        out[grid == fronts[0]] = bg
    out[t:b, left:right] = back
    return out
