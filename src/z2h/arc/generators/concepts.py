"""ConceptARC's missing concepts as one-rule families: the centre of an object, horizontal vs
vertical, same vs different (by shape, by size, by a count of holes or cells), the topmost /
bottommost / leftmost / rightmost object, the side of a reference line, colour swaps, and roles
chosen by a property (largest, touching the edge) instead of a fixed colour. Each solver
learns its rule's parameters from the demonstrations."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import changed_colors, components, fitting_answer, per_grid
from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    patterned,
    place,
    polyomino,
    scatter,
)
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.objects import find_objects
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair

DEMOS = (2, 5)  # demonstrations per task, as in ARC (2 in about a seventh of its tasks)


@per_grid
def _objects(grid: np.ndarray, multicolor: bool) -> list[Obj]:
    """8-connected objects of ``grid`` (of one colour unless ``multicolor``)."""
    return find_objects(grid, 8, multicolor, most_common_color(grid))


def _shape_key(o: Obj) -> bytes:
    """An object's shape, wherever it lies: its tight mask's bytes and size."""
    return bytes(o.mask.shape) + np.packbits(o.mask).tobytes()


def _recolored(grid: np.ndarray, objs: Sequence[Obj], color: int) -> np.ndarray:
    out = grid.copy()
    for o in objs:  # (objects found on the grid: each box lies wholly on it)
        h, w = o.mask.shape
        top, left = o.pos
        # the box's slice masked, not cells()' index arrays: fewer numpy calls per object
        out[top : top + h, left : left + w][o.mask] = color
    return out


def _recolor(o: Obj, to: int) -> list[dict[str, Any]]:
    """The actions that take every cell of ``o`` to colour ``to``: one recolour per colour."""
    return [{"op": "recolor", "from": c, "to": to} for c in o.color_set if c != to]


def _two_coloured(r: Rand, objs: Sequence[Obj], palette: Sequence[int]) -> None:
    """Give about half of ``objs`` (three cells or more) a pattern of two palette colours."""
    for o in objs:
        if len(palette) > 1 and o.size > 2 and r.bool():
            o.colors = patterned(r, o.mask, r.sample(list(palette), 2))


def _shape(r: Rand, most: int) -> np.ndarray:
    """A random connected shape, up to ``most`` cells a side (difficulty grows it)."""
    h, w = r.randint(1, most), r.randint(1, most)
    return polyomino(r, r.randint(max(1, h * w // 2), h * w), h, w)


# Centre.


@register
class MarkCenter(Generator):
    name = "mark_center"
    concepts = ("center", "objects", "marker", "containment")
    description = "mark the centre cell of every frame (some with corners of a second colour)"
    color_invariant = True
    train_pairs = DEMOS

    def params(self, r: Rand) -> dict[str, Any]:
        return {"mark": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(7, 30), r.scaled(7, 30)
        mark = params["mark"]
        n = r.scaled(1, 5)
        big = max(3, r.scaled(3, 11))
        sides = [(r.randint(1, big // 2) * 2 + 1, r.randint(1, big // 2) * 2 + 1) for _ in range(n)]
        masks = []
        for h, w in sides:
            ring = np.ones((h, w), bool)
            ring[1:-1, 1:-1] = False
            masks.append(ring)
        spots = place(r, height, width, masks, gap=1, required=1)
        palette = [c for c in range(1, 10) if c != mark]
        objs: list[Obj] = []
        for mask, pos in zip(masks, spots, strict=True):
            if pos is None:
                continue
            h, w = mask.shape
            colors = np.full((h, w), r.choice(palette), np.uint8)
            if h > 2 and w > 2 and r.bool(0.8):  # corners of a second colour: one object still
                corner = r.choice([c for c in palette if c != colors[0, 0]])
                colors[[0, 0, -1, -1], [0, -1, 0, -1]] = corner
            objs.append(Obj(len(objs), mask, colors, pos, 0, ("frame",)))
        marks = [
            Obj.filled(
                len(objs) + i,
                np.ones((1, 1), bool),
                mark,
                (o.pos[0] + o.mask.shape[0] // 2, o.pos[1] + o.mask.shape[1] // 2),
                1,
                ("mark",),
            )
            for i, o in enumerate(objs)
        ]
        corr = [Match(o.id, o.id) for o in objs] + [
            Match(None, m.id, [{"op": "mark", "where": "center", "of": o.id}])
            for o, m in zip(objs, marks, strict=True)
        ]
        return Example(
            Scene(height, width, 0, objs), Scene(height, width, 0, [*objs, *marks]), corr
        )

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        return fitting_answer(grid, demos, sorted(changed_colors(demos)), _centres, "mark colour")


@per_grid
def _centres(grid: np.ndarray, color: int) -> np.ndarray:
    """``grid`` with the centre cell of each object's box set to ``color``."""
    out = grid.copy()
    objs = _objects(grid, True)
    if not objs:
        raise CannotSolve("no objects")
    for o in objs:
        top, left, h, w = o.box()
        if h % 2 == 0 or w % 2 == 0:
            raise CannotSolve("an object of an even side has no centre cell")
        out[top + h // 2, left + w // 2] = color
    return out


# Horizontal vs vertical.


@register
class RecolorByOrientation(Generator):
    name = "recolor_by_orientation"
    concepts = ("horizontal_vertical", "lines", "recolor", "objects")
    description = "horizontal lines take one colour, vertical lines another (the task's two)"
    color_invariant = True
    train_pairs = DEMOS

    def params(self, r: Rand) -> dict[str, Any]:
        h, v = r.colors(2, exclude=(0,))
        return {"horizontal": h, "vertical": v}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(6, 30), r.scaled(6, 30)
        src, other = r.colors(2, exclude=(0, params["horizontal"], params["vertical"]))
        n = r.scaled(2, 9)
        longest = r.scaled(3, 12)
        masks = []
        for i in range(n):
            length = r.randint(2, longest)
            upright = i == 1 or (i > 1 and r.bool())  # the first two: one of each
            masks.append(np.ones((length, 1) if upright else (1, length), bool))
        objs = scatter(r, height, width, masks, [src] * n, ("line",), required=2)
        if len({o.mask.shape[0] > 1 for o in objs}) != 2:
            raise Reject("one orientation only")
        for o in objs:  # some lines dashed in two colours: still one line
            if o.size > 2 and r.bool(0.4):
                o.colors = o.colors.copy()
                o.colors.flat[1::2] = other
        out, corr = [], []
        for o in objs:
            to = params["vertical"] if o.mask.shape[0] > 1 else params["horizontal"]
            out.append(o.recolored(to))
            corr.append(Match(o.id, o.id, _recolor(o, to)))
        return Example(Scene(height, width, 0, objs), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        colour: dict[bool, set[int]] = {True: set(), False: set()}
        for p in demos:
            if p.output is None or p.output.shape != p.input.shape:
                raise CannotSolve("a demonstration changes the grid's size")
            upright, flat = _line_colours(p.input, p.output)
            colour[True] |= upright
            colour[False] |= flat
        if any(len(c) != 1 for c in colour.values()):
            raise CannotSolve("the demonstrations give no single colour per orientation")
        out = grid.copy()
        for o in _objects(grid, True):
            rows, cols = o.cells()
            out[rows, cols] = next(iter(colour[_upright(o)]))
        return out


@per_grid
def _line_colours(input_: np.ndarray, output: np.ndarray) -> tuple[frozenset, frozenset]:
    """The colours one demonstration's upright lines and its flat ones come out in
    (remembered: the solver check reads each demonstration once per task)."""
    colour: dict[bool, set[int]] = {True: set(), False: set()}
    for o in _objects(input_, True):
        h, w = o.mask.shape
        top, left = o.pos
        colour[_upright(o)].update(output[top : top + h, left : left + w][o.mask].tolist())
    return frozenset(colour[True]), frozenset(colour[False])


def _upright(o: Obj) -> bool:
    h, w = o.mask.shape
    if (h == 1) == (w == 1) or o.size != h * w:
        raise CannotSolve("an object that is not a straight line")
    return h > 1


# Same vs different.

PROPERTIES = ("shape", "size", "color")


def _key(o: Obj, prop: str) -> Any:
    if prop == "shape":
        return _shape_key(o)
    return o.size if prop == "size" else o.color


@register
class RecolorSame(Generator):
    name = "recolor_same"
    concepts = ("same_different", "comparison", "recolor", "objects")
    description = (
        "objects that share their shape (or size) with another take the task's colour; "
        "the ones unlike any other stay"
    )
    color_invariant = True
    train_pairs = DEMOS

    def params(self, r: Rand) -> dict[str, Any]:
        return {"by": r.choice(("shape", "size")), "color": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(8, 30), r.scaled(8, 30)
        by, target = params["by"], params["color"]
        most = r.scaled(2, 7)
        twins = [_shape(r, most) for _ in range(r.scaled(1, 3))]
        masks = []
        for m in twins:
            masks += [m] * r.randint(2, 3)
            if by == "size":  # same size, another shape where one exists
                masks[-1] = polyomino(r, int(m.sum()), most + 1, most + 1)
        masks += [_shape(r, most + 1) for _ in range(r.scaled(1, 4))]
        if by == "shape":  # a loner of a twin's size: one pair tells shape from size
            masks.append(polyomino(r, int(twins[0].sum()), most + 1, most + 1))
        # twins of different colours where the palette allows: one pair tells shape from colour
        palette = r.colors(r.scaled(2, 4), exclude=(0, target))
        colours = [palette[i % len(palette)] for i in range(len(masks))]
        objs = scatter(r, height, width, masks, colours, required=3)
        _two_coloured(r, objs, palette)
        counts = Counter(_key(o, by) for o in objs)
        same = [o for o in objs if counts[_key(o, by)] > 1]
        if not same or len(same) == len(objs):
            raise Reject("no twin or no loner")
        out, corr = [], []
        for o in objs:
            if counts[_key(o, by)] > 1:
                out.append(o.recolored(target))
                corr.append(Match(o.id, o.id, _recolor(o, target)))
            else:
                out.append(o)
                corr.append(Match(o.id, o.id))
        return Example(Scene(height, width, 0, objs), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        rules = [(p, c) for p in PROPERTIES for c in sorted(changed_colors(demos))]
        return fitting_answer(grid, demos, rules, lambda g, rule: _same(g, *rule), "property")


@per_grid
def _same(grid: np.ndarray, prop: str, color: int) -> np.ndarray:
    return _recolored(grid, _twins(grid, prop), color)


@per_grid
def _twins(grid: np.ndarray, prop: str) -> list[Obj]:
    """The objects that share ``prop`` with another (remembered: the same for every colour a
    solver tries)."""
    objs = _objects(grid, True)
    keys = [_key(o, prop) for o in objs]
    counts = Counter(keys)
    return [o for o, k in zip(objs, keys, strict=True) if counts[k] > 1]


# Same vs different by count: as many holes (or cells) as a reference object.

COUNTS = ("holes", "cells")


@per_grid
def holes(mask: np.ndarray) -> int:
    """The number of holes of a shape: regions of cells off ``mask`` (side neighbours join
    them) that cannot reach the edge of its box without crossing the shape."""
    h, w = mask.shape
    free = np.ones((h + 2, w + 2), np.uint8)  # a ring of free cells joins all that reach out
    free[1:-1, 1:-1] = ~mask
    return len(components(free, 0, diagonal=False)) - 1


def _count_of(o: Obj, by: str) -> int:
    return holes(o.mask) if by == "holes" else o.size


def _holed(r: Rand, h: int, w: int, k: int) -> np.ndarray:
    """An ``h`` x ``w`` block with ``k`` one-cell holes, none beside another or the edge."""
    mask = np.ones((h, w), bool)
    lattice = [(i, j) for i in range(1, h - 1, 2) for j in range(1, w - 1, 2)]
    for i, j in r.sample(lattice, k):
        mask[i, j] = False
    return mask


@functools.cache
def _forms(most: int) -> tuple[tuple[int, int, int], ...]:
    """Every block (height, width, holes) up to ``most`` cells a side."""
    return tuple(
        (h, w, k)
        for h in range(2, most + 1)
        for w in range(2, most + 1)
        for k in range(((h - 1) // 2) * ((w - 1) // 2) + 1)
    )


def _form_count(form: tuple[int, int, int], by: str) -> int:
    h, w, k = form
    return k if by == "holes" else h * w - k


@functools.cache
def _references(most: int, by: str) -> tuple[tuple[int, int, int], ...]:
    """The blocks that can be the reference (with a hole, when holes are counted), those
    first that have both a decoy (unlike by ``by``, like by the other count) and a telling
    match (like by ``by``, unlike by the other): a pair can then tell the counts apart.
    (A pure function of its arguments, cached: it compares every pair of blocks.)"""
    alt = "cells" if by == "holes" else "holes"
    forms = _forms(most)
    refs = [f for f in forms if by == "cells" or f[2] > 0]

    def likeness(f: tuple[int, int, int]) -> set[tuple[bool, bool]]:
        """For each block: (like ``f`` by ``by``, like it by the other count)."""
        fb, fa = _form_count(f, by), _form_count(f, alt)
        return {(_form_count(g, by) == fb, _form_count(g, alt) == fa) for g in forms}

    told = [f for f in refs if {(True, False), (False, True)} <= likeness(f)]
    return tuple(told or refs)


@functools.cache
def _kin(most: int, by: str, ref: tuple[int, int, int]) -> tuple[tuple, tuple, tuple, tuple]:
    """The blocks like ``ref`` by ``by`` and those unlike it; among those, the decoys (unlike
    it, like it by the other count) and the telling matches (like it, unlike it by the other
    count; all that are like it where none is): after the reference (placed first), a pair
    draws a decoy and a telling match where they exist, so one pair tells holes from cells;
    then more like it and the rest. (A pure function of its arguments, cached: every pair
    would sort every block again.)"""
    forms = _forms(most)
    want = _form_count(ref, by)
    same = tuple(f for f in forms if _form_count(f, by) == want)
    other = tuple(f for f in forms if _form_count(f, by) != want)
    alt = "cells" if by == "holes" else "holes"
    ref_alt = _form_count(ref, alt)
    decoys = tuple(f for f in other if _form_count(f, alt) == ref_alt)
    telling = tuple(f for f in same if _form_count(f, alt) != ref_alt) or same
    return same, other, decoys, telling


@register
class RecolorSameCount(Generator):
    name = "recolor_same_count"
    concepts = ("same_different", "counting", "comparison", "recolor", "objects")
    description = (
        "the objects with as many holes (or cells: the task's) as the reference object, the "
        "one of the task's colour, take its colour; the others stay"
    )
    color_invariant = True
    train_pairs = DEMOS

    def params(self, r: Rand) -> dict[str, Any]:
        return {"by": r.choice(COUNTS), "color": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        by, ref_color = params["by"], params["color"]
        height, width = r.scaled(8, 30), r.scaled(8, 30)
        most = r.scaled(3, 7)
        ref = r.choice(_references(most, by))
        want = _form_count(ref, by)
        same, other, decoys, telling = _kin(most, by, ref)
        chosen = [ref, r.choice(decoys)] if decoys else [ref]
        chosen += [r.choice(telling)] + [r.choice(same) for _ in range(r.scaled(0, 2))]
        chosen += [r.choice(other) for _ in range(r.scaled(1, 4))]
        masks = [_holed(r, h, w, k) for h, w, k in chosen]
        area = sum(h * w - k for h, w, k in chosen)  # (each block's cells, as chosen)
        least = min(30, round((3 * area) ** 0.5))  # room, and the background the commonest
        height, width = max(height, least), max(width, least)
        if 2 * area >= height * width:
            raise Reject("crowded")
        palette = r.colors(r.scaled(1, 4), exclude=(0, ref_color))
        colours = [ref_color] + [r.choice(palette) for _ in masks[1:]]
        spots = place(r, height, width, masks, gap=1, required=2)  # the reference first
        objs: list[Obj] = []
        for m, c, pos in zip(masks, colours, spots, strict=True):
            if pos is not None:
                tags = ("shape",) if objs else ("reference",)
                objs.append(Obj.filled(len(objs), m, c, pos, 0, tags))
        if r.difficulty[1] > 0.5:  # harder: others of two colours (the reference stays plain)
            _two_coloured(r, objs[1:], palette)
        out, corr = [], []
        for o in objs:
            if o.id and _count_of(o, by) == want:
                out.append(o.recolored(ref_color))
                corr.append(Match(o.id, o.id, _recolor(o, ref_color)))
            else:
                out.append(o)
                corr.append(Match(o.id, o.id))
        if all(not m.actions for m in corr) or all(m.actions for m in corr[1:]):
            raise Reject("no object like the reference, or no other")
        return Example(Scene(height, width, 0, objs), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        rules = [(by, c) for by in COUNTS for c in sorted(changed_colors(demos))]
        return fitting_answer(grid, demos, rules, lambda g, rule: _same_count(g, *rule), "count")


@per_grid
def _same_count(grid: np.ndarray, by: str, color: int) -> np.ndarray:
    """The objects with as many holes (or cells) as the one object all of ``color``, recoloured
    to ``color``."""
    objs, colour_sets, counts = _objects(grid, True), _colour_sets(grid), _counts(grid, by)
    refs = [k for k, cs in enumerate(colour_sets) if cs == (color,)]
    if len(refs) != 1:
        raise CannotSolve(f"no single reference object of colour {color}")
    want = counts[refs[0]]
    return _recolored(grid, [o for o, n in zip(objs, counts, strict=True) if n == want], color)


# (remembered per grid: the same for every rule a solver tries)
@per_grid
def _colour_sets(grid: np.ndarray) -> list[tuple[int, ...]]:
    return [o.color_set for o in _objects(grid, True)]


@per_grid
def _counts(grid: np.ndarray, by: str) -> list[int]:
    return [_count_of(o, by) for o in _objects(grid, True)]


# Topmost, bottommost, leftmost, rightmost.

SIDES = ("top", "bottom", "left", "right")


def _extent(o: Obj, side: str) -> int:
    """How far ``o`` reaches toward ``side`` (bigger: further)."""
    top, left, h, w = o.box()
    if side == "top":
        return -top
    if side == "bottom":
        return top + h - 1
    return -left if side == "left" else left + w - 1


@register
class KeepExtreme(Generator):
    name = "keep_extreme"
    concepts = ("top_bottom_2d", "position", "selection", "objects")
    description = "keep only the topmost (bottommost, leftmost, rightmost: the task's) object"
    color_invariant = True
    train_pairs = DEMOS

    def params(self, r: Rand) -> dict[str, Any]:
        return {"side": r.choice(SIDES)}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(6, 30), r.scaled(6, 30)
        masks = [_shape(r, r.scaled(2, 8)) for _ in range(r.scaled(2, 8))]
        palette = r.colors(r.scaled(2, 5), exclude=(0,))
        objs = scatter(r, height, width, masks, [r.choice(palette) for _ in masks], required=2)
        for o in objs:  # half of them of two colours: an object is not one colour's component
            if r.bool():
                o.colors = patterned(r, o.mask, r.sample(palette, 2))
        side = params["side"]
        extents = [_extent(o, side) for o in objs]
        best = max(extents)
        chosen = [o for o, e in zip(objs, extents, strict=True) if e == best]
        if len(chosen) != 1:
            raise Reject("a tie")
        keep = chosen[0]
        corr = [
            Match(o.id, o.id, [{"op": "keep", "reason": f"{side}most"}])
            if o is keep
            else Match(o.id, None)
            for o in objs
        ]
        return Example(Scene(height, width, 0, objs), Scene(height, width, 0, [keep]), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        return fitting_answer(grid, demos, SIDES, _keep_extreme, "side")


@per_grid
def _keep_extreme(grid: np.ndarray, side: str) -> np.ndarray:
    objs = _objects(grid, True)
    if not objs:
        raise CannotSolve("no objects")
    extents = [_extent(o, side) for o in objs]
    best = max(extents)
    chosen = [o for o, e in zip(objs, extents, strict=True) if e == best]
    if len(chosen) != 1:
        raise CannotSolve("a tie")
    bg = most_common_color(grid)
    out = np.full(grid.shape, bg, np.uint8)
    keep = chosen[0]  # (found on the grid: its box lies wholly on it)
    (top, left), (h, w) = keep.pos, keep.mask.shape
    box = (slice(top, top + h), slice(left, left + w))
    np.copyto(out[box], grid[box], casting="unsafe", where=keep.mask)  # (as indexing casts)
    return out


# Above / below a reference line.

LINE_SIDES = ("above", "below", "left", "right")


@register
class RecolorBeyondLine(Generator):
    name = "recolor_beyond_line"
    concepts = ("above_below", "position", "lines", "recolor", "interaction", "objects")
    description = (
        "a line crosses the grid: the objects on the task's side of it (above, below, left or "
        "right) take the line's colour"
    )
    color_invariant = True
    train_pairs = DEMOS

    def params(self, r: Rand) -> dict[str, Any]:
        return {"side": r.choice(LINE_SIDES)}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        side = params["side"]
        across = side in ("above", "below")  # a horizontal line
        long_, short = r.scaled(6, 30), r.scaled(7, 30)
        height, width = (short, long_) if across else (long_, short)
        span = height if across else width
        at = r.randint(2, span - 3)
        line_color = r.colors(1, exclude=(0,))[0]
        line_mask = np.ones((1, width) if across else (height, 1), bool)
        line = Obj.filled(0, line_mask, line_color, (at, 0) if across else (0, at), 0, ("line",))
        palette = r.colors(r.scaled(1, 4), exclude=(0, line_color))
        objs: list[Obj] = [line]
        for lo, hi in ((0, at - 1), (at + 2, span)):  # a free row or column by the line
            room = hi - lo
            if room < 1:
                continue
            masks = [_shape(r, min(r.scaled(2, 8), room)) for _ in range(r.scaled(1, 4))]
            h, w = (room, width) if across else (height, room)
            placed = scatter(r, h, w, masks, [r.choice(palette) for _ in masks], required=0)
            _two_coloured(r, placed, palette)
            for o in placed:
                objs.append(o.moved(lo, 0) if across else o.moved(0, lo))
                objs[-1].id = len(objs) - 1
        before = side in ("above", "left")
        out, corr = [line], [Match(0, 0)]
        for o in objs[1:]:
            top, left, _, _ = o.box()
            if ((top if across else left) < at) == before:
                out.append(o.recolored(line_color))
                corr.append(Match(o.id, o.id, _recolor(o, line_color)))
            else:
                out.append(o)
                corr.append(Match(o.id, o.id))
        if all(not m.actions for m in corr):
            raise Reject("nothing on the side")
        return Example(Scene(height, width, 0, objs), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        return fitting_answer(grid, demos, LINE_SIDES, _beyond_line, "side")


@per_grid
def _beyond_line(grid: np.ndarray, side: str) -> np.ndarray:
    """Objects on ``side`` of the one full line recoloured to the line's colour."""
    across = side in ("above", "below")
    g = grid if across else grid.T
    bg = most_common_color(grid)
    full = [i for i in range(g.shape[0]) if g[i, 0] != bg and (g[i] == g[i, 0]).all()]
    if len(full) != 1:
        raise CannotSolve("no single line across the grid")
    at = full[0]
    out = g.copy()
    part = slice(0, at) if side in ("above", "left") else slice(at + 1, None)
    region = out[part]
    region[region != bg] = g[at, 0]
    return out if across else out.T.copy()


# Colour swaps.


@register
class SwapColors(Generator):
    name = "swap_colors"
    concepts = ("color_swap", "recolor", "sprites", "objects")
    description = "the task's two colours trade places in every many-coloured object"
    color_invariant = True
    train_pairs = DEMOS

    def params(self, r: Rand) -> dict[str, Any]:
        return {"colors": sorted(r.colors(2, exclude=(0,)))}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        a, b = params["colors"]
        height, width = r.scaled(6, 30), r.scaled(6, 30)
        others = r.colors(r.scaled(0, 2), exclude=(0, a, b))
        most = r.scaled(2, 8)
        masks = [_shape(r, most) for _ in range(r.scaled(1, 6))]
        masks = [m for m in masks if m.sum() >= 2] or [np.ones((1, 2), bool)]
        spots = place(r, height, width, masks, gap=1, required=1)
        objs, out, corr = [], [], []
        for mask, pos in zip(masks, spots, strict=True):
            if pos is None:
                continue
            palette = [a, b, *others]
            colors = np.array([r.choice(palette) for _ in range(mask.size)], np.uint8)
            colors = colors.reshape(mask.shape)
            cells = np.flatnonzero(mask)
            colors.flat[cells[0]], colors.flat[cells[-1]] = a, b  # both colours in each
            o = Obj(len(objs), mask, colors, pos, 0, ("sprite",))
            swapped = np.where(colors == a, b, np.where(colors == b, a, colors)).astype(np.uint8)
            objs.append(o)
            out.append(Obj(o.id, mask, swapped, pos, 0, ("sprite",)))
            corr.append(Match(o.id, o.id, [{"op": "swap", "colors": [a, b]}]))
        return Example(Scene(height, width, 0, objs), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        touched = sorted(changed_colors(demos, before=True))
        rules = [(x, y) for i, x in enumerate(touched) for y in touched[i + 1 :]]
        return fitting_answer(grid, demos, rules, _swapped, "colour pair")


def _swapped(grid: np.ndarray, pair: tuple[int, int]) -> np.ndarray:
    a, b = pair
    if not ((grid == a).any() and (grid == b).any()):
        raise CannotSolve("a colour of the pair is absent")
    return np.where(grid == a, b, np.where(grid == b, a, grid)).astype(np.uint8)


# Roles chosen by a property.

ROLES = ("largest", "smallest", "touching_edge")


def _has_role(objs: Sequence[Obj], role: str, shape: tuple[int, int]) -> list[Obj]:
    """The objects that play ``role`` among ``objs`` on a canvas of ``shape``."""
    if role == "touching_edge":
        height, width = shape
        out = []
        for o in objs:
            top, left, h, w = o.box()
            if top == 0 or left == 0 or top + h == height or left + w == width:
                out.append(o)
        return out
    sign = 1 if role == "largest" else -1
    best = max(sign * o.size for o in objs)
    chosen = [o for o in objs if sign * o.size == best]
    return chosen if len(chosen) == 1 else []


@register
class RecolorByRole(Generator):
    name = "recolor_by_role"
    concepts = ("roles", "selection", "comparison", "recolor", "objects")
    description = (
        "the object chosen by a property (the largest, the smallest, or those touching the "
        "edge: the task's) takes the task's colour"
    )
    color_invariant = True
    train_pairs = DEMOS

    def params(self, r: Rand) -> dict[str, Any]:
        return {"role": r.choice(ROLES), "color": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(6, 30), r.scaled(6, 30)
        role, target = params["role"], params["color"]
        masks = [_shape(r, r.scaled(2, 8)) for _ in range(r.scaled(3, 8))]
        palette = r.colors(r.scaled(1, 4), exclude=(0, target))
        objs = scatter(r, height, width, masks, [r.choice(palette) for _ in masks], required=3)
        _two_coloured(r, objs, palette)
        chosen = _has_role(objs, role, (height, width))
        if not chosen or len(chosen) == len(objs):
            raise Reject("no role or every object has it")
        ids = {o.id for o in chosen}
        out = [o.recolored(target) if o.id in ids else o for o in objs]
        corr = [
            Match(o.id, o.id, _recolor(o, target)) if o.id in ids else Match(o.id, o.id)
            for o in objs
        ]
        return Example(Scene(height, width, 0, objs), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        rules = [(role, c) for role in ROLES for c in sorted(changed_colors(demos))]
        return fitting_answer(grid, demos, rules, lambda g, rule: _by_role(g, *rule), "role")


@per_grid
def _by_role(grid: np.ndarray, role: str, color: int) -> np.ndarray:
    objs = _objects(grid, True)
    if not objs:
        raise CannotSolve("no objects")
    chosen = _has_role(objs, role, grid.shape)
    if not chosen:
        raise CannotSolve(f"no object is the {role}")
    return _recolored(grid, chosen, color)
