"""Objects acting on each other: occlusion (bring the task's colour to the front among many
rectangles, lift an occluder), containment (recolour what lies inside a frame), alignment (line
up on a marker) and contact (delete what touches a key object). Moves that stop at contact,
gravity and pushes live in ``physics``; recolouring by contact with a marker cell in
``recolor``; keeping what touches an anchor, and two rectangles swapping layers, in
``select``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import (
    changed_colors,
    colours_in,
    fitting_answer,
    per_grid,
    single_answer,
)
from z2h.arc.generators.base import (
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    dilate,
    hidden_by,
    patterned,
    place,
    polyomino,
)
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene, transform, transform_scene
from z2h.arc.task import Pair

# Occlusion.


@register
class BringColorToFront(Generator):
    name = "bring_color_to_front"
    concepts = ("occlusion", "z_order", "interaction", "objects")
    description = "many overlapping rectangles: the one of the task's colour comes to the front"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"color": r.randint(0, 9)}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        target = params["color"]
        height, width = r.scaled(6, 20), r.scaled(6, 20)
        background = r.colors(1, exclude=(target,))[0] if r.bool(0.2) or target == 0 else 0
        n = r.scaled(2, 7)
        colors = r.colors(n - 1, exclude=(background, target))
        th, tw = r.randint(2, min(7, height - 1)), r.randint(2, min(7, width - 1))
        tt, tl = r.randint(0, height - th), r.randint(0, width - tw)
        # paint order: the target somewhere below its first occluder (rectangle 1)
        order = r.shuffle(list(range(1, n)))
        order.insert(r.randint(0, order.index(1)), 0)
        above = set(order[order.index(0) + 1 :])
        rects = [(tt, tl, th, tw)]
        for i in range(1, n):
            if i in above:  # narrower and shorter than the target: no one hides a whole side
                h, w = r.randint(1, th - 1), r.randint(1, tw - 1)
            else:
                h, w = r.randint(1, min(6, height)), r.randint(1, min(6, width))
            if i == 1:  # overlaps the target
                top = r.randint(max(0, tt - h + 1), min(height - h, tt + th - 1))
                left = r.randint(max(0, tl - w + 1), min(width - w, tl + tw - 1))
            else:
                top, left = r.randint(0, height - h), r.randint(0, width - w)
            rects.append((top, left, h, w))
        paint = np.full((height, width), -1, np.int8)
        for i in order:
            t, lf, h, w = rects[i]
            paint[t : t + h, lf : lf + w] = i
        seen = paint == 0
        if seen.sum() == th * tw:
            raise Reject("target not occluded")
        rows, cols = seen.any(axis=1), seen.any(axis=0)
        # subtle: the visible part must still span the whole rectangle, so it can be read back
        if not (rows[tt] and rows[tt + th - 1] and cols[tl] and cols[tl + tw - 1]):
            raise Reject("target edge hidden")
        shown = set(np.unique(paint).tolist())  # a rectangle hidden by others is left out
        cols_ = [target, *colors]
        objs = [
            Obj.rect(i, rects[i][2], rects[i][3], cols_[i], rects[i][:2], z, ("rectangle",))
            for z, i in enumerate(order)
            if i in shown
        ]
        top_z = n
        out = [o if o.id else Obj.rect(0, th, tw, target, (tt, tl), top_z) for o in objs]
        out_scene = Scene(height, width, background, out)
        # an object the raised one now covers wholly is still there, but hidden: not "kept"
        hidden = hidden_by(out_scene)
        corr = [
            Match(
                o.id,
                o.id,
                [{"op": "raise"}]
                if o.id == 0
                else [{"op": "hidden", "by": hidden[o.id]}]
                if o.id in hidden
                else [],
            )
            for o in objs
        ]
        return Example(Scene(height, width, background, objs), out_scene, corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        # the colour that gains cells in every demonstration
        gained = [
            set(
                np.flatnonzero(
                    np.bincount(p.output.ravel(), minlength=10)
                    > np.bincount(p.input.ravel(), minlength=10)
                ).tolist()
            )
            for p in demos
            if p.output is not None and p.output.shape == p.input.shape
        ]
        common = set.intersection(*gained) if gained and len(gained) == len(demos) else set()
        return single_answer(sorted(common), lambda c: _front(grid, c), "colour")


def _front(grid: np.ndarray, color: int) -> np.ndarray:
    """``grid`` with the box of the ``color`` cells filled with ``color``."""
    rows, cols = np.nonzero(grid == color)
    if not rows.size:
        raise CannotSolve(f"no cell of colour {color}")
    out = grid.copy()
    out[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] = color
    return out


@register
class RemoveOccluder(Generator):
    name = "remove_occluder"
    concepts = ("occlusion", "z_order", "interaction", "objects")
    description = "a block of the task's colour lies over rectangles: lift it, show what it hid"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"color": r.randint(0, 9)}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        occluder = params["color"]
        height, width = r.scaled(6, 20), r.scaled(6, 20)
        background = r.colors(1, exclude=(occluder,))[0] if r.bool(0.2) or occluder == 0 else 0
        n = r.scaled(1, 5)
        colors = r.colors(n, exclude=(background, occluder))
        side = max(2, min(5, min(height, width) // 3))
        masks = [np.ones((r.randint(2, side), r.randint(2, side)), bool) for _ in range(n)]
        spots = place(r, height, width, masks, required=1)
        objs = [
            Obj.filled(i, m, colors[i], p, 0, ("rectangle",))
            for i, (m, p) in enumerate((m, p) for m, p in zip(masks, spots, strict=True) if p)
        ]
        n = len(objs)
        for _ in range(10):  # an occluder over one rectangle that leaves every side in view
            under = r.choice(objs)
            (ut, ul), (uh, uw) = under.pos, under.mask.shape
            h, w = r.randint(1, min(8, height // 3)), r.randint(1, min(8, width // 3))
            top = r.randint(max(0, ut - h + 1), min(height - h, ut + uh - 1))
            left = r.randint(max(0, ul - w + 1), min(width - w, ul + uw - 1))
            hidden = np.zeros((height, width), bool)
            hidden[top : top + h, left : left + w] = True
            views = [~hidden[o.pos[0] :, o.pos[1] :][: o.shape[0], : o.shape[1]] for o in objs]
            # subtle: what stays in view spans each whole rectangle, so it can be read back
            if all(v[0].any() and v[-1].any() and v[:, 0].any() and v[:, -1].any() for v in views):
                break
        else:
            raise Reject("a rectangle's side is hidden")
        cover = Obj.rect(n, h, w, occluder, (top, left), 1, ("occluder", "rectangle"))
        corr = []
        for o, v in zip(objs, views, strict=True):
            n_hidden = int(v.size - v.sum())
            act = [{"op": "reveal", "by": n, "cells": n_hidden}] if n_hidden else []
            corr.append(Match(o.id, o.id, act))
        used = hidden.copy()
        for o in objs:
            used[o.pos[0] : o.pos[0] + o.shape[0], o.pos[1] : o.pos[1] + o.shape[1]] = True
        if 2 * np.count_nonzero(used) >= height * width:
            raise Reject("background not the most common colour")
        corr.append(Match(n, None, []))
        return Example(
            Scene(height, width, background, [*objs, cover]),
            Scene(height, width, background, objs),
            corr,
        )

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        gone: set[int] | None = None  # the colour every demonstration's output has lost
        for p in demos:
            if p.output is None or p.output.shape != p.input.shape:
                raise CannotSolve("a demonstration changes the grid's size")
            lost = set(colours_in(p.input) - colours_in(p.output))
            gone = lost if gone is None else gone & lost
        if not gone or len(gone) != 1:
            raise CannotSolve("the demonstrations do not lose one colour")
        occluder = gone.pop()
        background = most_common_color(grid)
        under = grid == occluder
        if occluder == background or not under.any():
            raise CannotSolve("nothing of the occluder's colour to lift")
        out = grid.copy()
        out[under] = background
        for c in sorted(colours_in(grid)):
            if c in (background, occluder):
                continue
            rows, cols = np.nonzero(grid == c)
            box = (slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1))
            out[box][under[box]] = c
        return out


# Containment.


def frame_mask(h: int, w: int) -> np.ndarray:
    """The one-cell border of an ``h`` x ``w`` box."""
    mask = np.ones((h, w), bool)
    mask[1:-1, 1:-1] = False
    return mask


@register
class RecolorInside(Generator):
    name = "recolor_inside"
    concepts = ("containment", "inside", "recolor", "interaction", "objects")
    description = (
        "objects inside a rectangular frame take the frame's colour (or the task's colour)"
    )
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"mode": r.choice(("frame", "fixed")), "color": r.randint(1, 9)}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        fixed = params["color"] if params["mode"] == "fixed" else None
        height, width = r.scaled(8, 20), r.scaled(8, 20)
        # subtle: with the frame's colour as the rule, every pair shows two frames of two
        # colours with something changing in each, so no one fixed colour also fits
        if not fixed:
            width = max(width, 11)
        n_frames = r.scaled(1, 3) if fixed else 2
        frame_colors = r.colors(n_frames, exclude=(0, fixed) if fixed else (0,))
        palette = r.colors(r.scaled(2, 4), exclude=(0, fixed) if fixed else (0,))
        if fixed:
            frames = [
                frame_mask(r.randint(5, min(10, height - 1)), r.randint(5, min(10, width - 1)))
                for _ in range(n_frames)
            ]
            at = place(r, height, width, frames, gap=1, required=1)
        else:  # one frame each side of a random column
            cut = r.randint(5, width - 6)
            sides = ((0, cut), (cut + 1, width - cut - 1))
            frames, at = [], []
            for left, span in sides:
                h, w = r.randint(5, min(10, height)), r.randint(5, min(10, span))
                frames.append(frame_mask(h, w))
                at.append((r.randint(0, height - h), left + r.randint(0, span - w)))
        objs = [
            Obj.filled(i, mask, color, p, 0, ("frame",))
            for i, (mask, color, p) in enumerate(
                (m, c, p) for m, c, p in zip(frames, frame_colors, at, strict=True) if p
            )
        ]
        boxes = [(o.pos[0], o.pos[1], *o.mask.shape) for o in objs]
        corr = [Match(o.id, o.id, []) for o in objs]
        out = list(objs)
        for f in list(objs):
            (fh, fw), fc = f.mask.shape, f.color
            new = fc if fixed is None else fixed
            # one empty cell between the wall and what lies inside; the first one fits
            inner = [polyomino(r, r.scaled(1, 9), min(4, fh - 4), min(4, fw - 4))]
            inner += [polyomino(r, r.scaled(1, 9), 3, 3) for _ in range(r.scaled(0, 2))]
            spots = place(r, fh - 4, fw - 4, inner, gap=1, required=1)
            for j, (mask, p) in enumerate(zip(inner, spots, strict=True)):
                if p is None:
                    continue
                c = r.choice([c for c in palette if c != new] if j == 0 else palette)
                pos = (f.pos[0] + 2 + p[0], f.pos[1] + 2 + p[1])
                o = Obj.filled(len(objs), mask, c, pos, 0, ("shape",))
                if o.size > 2 and r.bool():  # some of two colours: the whole object changes
                    o.colors = patterned(r, mask, [c, r.choice([x for x in palette if x != c])])
                objs.append(o)
                out.append(o.recolored(new))
                acts = [
                    {"op": "recolor", "from": k, "to": new, "inside": f.id}
                    for k in o.color_set
                    if k != new
                ]
                corr.append(Match(o.id, o.id, acts))
        outside = [polyomino(r, r.scaled(1, 6), 3, 3) for _ in range(r.scaled(0, 5))]
        for mask, p in zip(
            outside, place(r, height, width, outside, 1, boxes, required=0), strict=True
        ):
            if p is not None:
                o = Obj.filled(len(objs), mask, r.choice(palette + frame_colors), p, 0, ("shape",))
                objs.append(o)
                out.append(o)
                corr.append(Match(o.id, o.id, []))
        if 2 * sum(o.size for o in objs) >= height * width:
            raise Reject("background not the most common colour")
        return Example(Scene(height, width, 0, objs), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        # None: the frame's colour; else one colour that every demonstration changes cells to
        each = [changed_colors([p]) for p in demos]
        fixed = set.intersection(*each) if each else set()
        rules: list[int | None] = [None, *sorted(fixed)]
        return fitting_answer(grid, demos, rules, _recolor_inside, "colour rule")


@per_grid
def _frames(grid: np.ndarray) -> tuple[int, list[tuple[int, int, int, int, int]]]:
    """The background and every frame: (top, left, height, width, colour) of each one-colour
    object that is exactly the border of its box (at least 3 x 3). Nothing can cross a frame,
    so every other cell inside one belongs to an object that lies inside it."""
    background = most_common_color(grid)
    height, width = grid.shape
    g = np.full((height + 2, width + 2), -1, np.int16)  # one cell of margin all round
    g[1:-1, 1:-1] = grid
    mid = g[1:-1, 1:-1]
    # top-left corners: the same colour right and below, not above or left
    corner = (
        (mid != background)
        & (mid == g[1:-1, 2:])
        & (mid == g[2:, 1:-1])
        & (mid != g[:-2, 1:-1])
        & (mid != g[1:-1, :-2])
    )
    found = []
    for top, left in np.argwhere(corner).tolist():
        color = int(grid[top, left])
        row, col = g[top + 1, left + 1 :] == color, g[top + 1 :, left + 1] == color
        w, h = int(row.argmin()), int(col.argmin())  # the margin ends both runs
        if h < 3 or w < 3:
            continue
        # the box's border in the colour, and none of it in the rings just outside and just
        # inside the border (else the object is more than the border)
        ring = g[top : top + h + 2, left : left + w + 2] == color
        inner = ring[2:-2, 2:-2]
        border = ring[1:-1, 1:-1]
        if not (border[-1].all() and border[:, -1].all()):
            continue
        if inner[[0, -1]].any() or inner[:, [0, -1]].any():
            continue
        border[0] = border[-1] = border[:, 0] = border[:, -1] = False
        if ring[[0, -1]].any() or ring[:, [0, -1]].any():
            continue
        found.append((top, left, h, w, color))
    return background, found


@per_grid
def _recolor_inside(grid: np.ndarray, color: int | None) -> np.ndarray:
    """``grid`` with everything inside each frame in the frame's colour (or in ``color``)."""
    background, frames = _frames(grid)
    out = grid.copy()
    for top, left, h, w, frame_color in frames:
        inside = out[top + 1 : top + h - 1, left + 1 : left + w - 1]
        inside[inside != background] = frame_color if color is None else color
    return out


# Alignment.

EDGES = {"left": 0, "bottom": 1, "right": 2, "top": 3}  # quarter turns that take left there
ALIGNS = ("start", "end", "center")  # line up tops, bottoms or centres (with the marker at left)


def aligned_top(top: int, length: int, h: int, align: str) -> int:
    """The top row that lines a ``h``-tall object up with a marker of ``length`` at ``top``."""
    if align == "start":
        return top
    if align == "end":
        return top + length - h
    return top + (length - h) // 2


@register
class AlignToMarker(Generator):
    name = "align_to_marker"
    concepts = ("alignment", "marker", "move", "interaction", "objects")
    description = "a line on one edge marks a band: every object slides along it to line up"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {
            "edge": r.choice(tuple(EDGES)),
            "align": r.choice(ALIGNS),
            "marker": r.randint(1, 9),
        }

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        # made with the marker on the left edge, then turned to the task's edge
        marker, k = params["marker"], EDGES[params["edge"]]
        start, end = _SIDES[k]  # the sides "start" and "end" line up once turned
        side = {"start": start, "end": end}.get(params["align"], "center")
        height, width = r.scaled(6, 20), r.scaled(6, 20)
        length = r.randint(3, min(7, height - 2))
        top = r.randint(0, height - length)
        palette = r.colors(r.scaled(1, 4), exclude=(0, marker))
        line = Obj.rect(0, length, 1, marker, (top, 0), 0, ("marker", "line"))
        objs, out, corr = [line], [line], [Match(0, 0, [])]
        col = 2 + r.randint(0, 2)
        moved = 0
        for i in range(r.scaled(1, 6)):
            # the first is two shorter than the marker: it tells the three alignments apart
            mask = polyomino(r, r.scaled(1, 6), length - 2 if i == 0 else length, 3)
            h, w = mask.shape
            if col + w > width - 1 or h > height - 2:
                break
            # subtle: no object touches an edge of the input, so only the marker does
            dest = aligned_top(top, length, h, params["align"])
            rows = height - 1 - h  # rows 1 .. height - 1 - h keep it off the edges
            row = r.randint(1, rows)
            if i == 0 and row == dest and rows > 1:  # the first one has somewhere to go
                row = 1 + (dest - 1 + r.randint(1, rows - 1)) % rows
            o = Obj.filled(i + 1, mask, r.choice(palette), (row, col), 0, ("shape",))
            dr = dest - row
            objs.append(o)
            out.append(o.moved(dr, 0))
            act = {"op": "align", "with": 0, "side": side}
            corr.append(Match(o.id, o.id, [{"op": "move", "by": [dr, 0]}, act] if dr else []))
            moved += dr != 0
            col += w + r.randint(1, 3)
        if not moved:
            raise Reject("nothing moves")
        inp = transform_scene(Scene(height, width, 0, objs), "rotate", k)
        res = transform_scene(Scene(height, width, 0, out), "rotate", k)
        for m in corr:  # the moves, turned with the scene
            for a in m.actions:
                if a["op"] == "move":
                    a["by"] = _turn(a["by"], k)
        return Example(inp, res, corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        return fitting_answer(grid, demos, ALIGNS, _align, "alignment")


# quarter turns -> the sides of the marker that its start and end become
_SIDES = {0: ("top", "bottom"), 1: ("left", "right"), 2: ("bottom", "top"), 3: ("right", "left")}


def _turn(by: list[int], k: int) -> list[int]:
    """A shift [dr, dc] turned by ``k`` quarter turns anticlockwise."""
    dr, dc = by
    for _ in range(k % 4):
        dr, dc = -dc, dr
    return [dr, dc]


class _Marked:
    """A grid turned so its marker is on the left edge, and what the alignment needs of it."""

    __slots__ = ("background", "grid", "length", "spans", "top", "turns")

    def __init__(self, grid: np.ndarray) -> None:
        """Find the marker (a straight run of one colour on an edge, alone there, with nothing
        beside it) and the objects (runs of non-empty columns, apart from the marker's)."""
        background = most_common_color(grid)
        found = []
        for k in range(4):
            g = transform(grid, "rotate", k)
            edge, beside = g[:, 0] != background, g[:, 1] != background
            rows = np.flatnonzero(edge)
            if (
                rows.size
                and not beside.any()
                and rows[-1] - rows[0] + 1 == rows.size
                and (g[rows, 0] == g[rows[0], 0]).all()
            ):
                found.append((k, g, int(rows[0]), int(rows.size)))
        if len(found) != 1:
            raise CannotSolve(f"{len(found)} edges look like the marker, not one")
        self.turns, self.grid, self.top, self.length = found[0]
        self.background = background
        used = (self.grid != background).any(axis=0)
        used[:2] = False
        edges = np.flatnonzero(np.diff(np.concatenate(([False], used, [False])).astype(np.int8)))
        self.spans = edges.reshape(-1, 2).tolist()  # [first column, one past the last]


_marked = per_grid(_Marked)  # each demonstration turned and parsed once per task


@per_grid
def _align(grid: np.ndarray, align: str) -> np.ndarray:
    """Each object of ``grid`` slid along its marker to line up with it."""
    m = _marked(grid)
    g, background = m.grid, m.background
    out = g.copy()
    for c0, c1 in m.spans:
        block = g[:, c0:c1]
        rows = np.flatnonzero((block != background).any(axis=1))
        r0, r1 = int(rows[0]), int(rows[-1]) + 1
        dest = aligned_top(m.top, m.length, r1 - r0, align)
        if dest < 0 or dest + r1 - r0 > g.shape[0]:
            raise CannotSolve("an object would leave the grid")
        if dest != r0:
            piece = block[r0:r1].copy()
            out[r0:r1, c0:c1] = background
            out[dest : dest + r1 - r0, c0:c1] = piece
    return transform(out, "rotate", -m.turns)


# Contact.


@register
class DeleteTouching(Generator):
    name = "delete_touching"
    concepts = ("contact", "touching", "selection", "interaction", "objects")
    description = "objects that touch the key object (side by side) vanish; the rest stay"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"key": r.randint(1, 9)}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        key_color = params["key"]
        height, width = r.scaled(7, 20), r.scaled(7, 20)
        palette = r.colors(r.scaled(1, 4), exclude=(0, key_color))
        if r.bool(0.4):
            kmask = np.ones((r.randint(2, 4), r.randint(2, 5)), bool)
        else:
            kmask = polyomino(r, r.scaled(3, 12), 4, 5)
        kh, kw = kmask.shape
        kpos = (r.randint(1, height - kh - 1), r.randint(1, width - kw - 1))
        if kpos[0] < 0 or kpos[1] < 0:
            raise Reject("placement")
        key = Obj.filled(0, kmask, key_color, kpos, 0, ("key",))
        # padded canvases (one cell of margin each way): the key's cells and its 8-neighbourhood,
        # and the 8-neighbourhoods of the others placed so far (so no two of them touch)
        key_cells = np.zeros((height + 2, width + 2), bool)
        key_cells[kpos[0] + 1 : kpos[0] + 1 + kh, kpos[1] + 1 : kpos[1] + 1 + kw] = kmask
        grown = dilate(kmask, diagonal=True)
        key_near = np.zeros_like(key_cells)
        key_near[kpos[0] : kpos[0] + kh + 2, kpos[1] : kpos[1] + kw + 2] = grown
        side = dilate(kmask, diagonal=False)
        side[1:-1, 1:-1] &= ~kmask
        halo = np.argwhere(side)
        halo += np.array(kpos) - 1  # canvas (row, col) of the cells that share a side with it
        near = np.zeros_like(key_cells)
        objs, out, corr = [key], [key], [Match(0, 0, [])]
        for i in range(r.scaled(2, 7)):
            mask = polyomino(r, r.scaled(1, 5), 3, 3)
            h, w = mask.shape
            touch = i == 0 or (i > 1 and r.bool())
            cells = np.argwhere(mask)
            pos = None
            for _ in range(20):
                if touch:
                    hr, hc = halo[r.below(len(halo))]
                    mr, mc = cells[r.below(len(cells))]
                    row, col = int(hr - mr), int(hc - mc)
                else:
                    row, col = r.randint(0, height - h), r.randint(0, width - w)
                if row < 0 or col < 0 or row + h > height or col + w > width:
                    continue
                window = (slice(row + 1, row + 1 + h), slice(col + 1, col + 1 + w))
                blocked = key_cells if touch else key_near
                if not (mask & (blocked[window] | near[window])).any():
                    pos = (row, col)
                    break
            if pos is None:
                if i < 2:
                    raise Reject("placement")
                continue
            near[pos[0] : pos[0] + h + 2, pos[1] : pos[1] + w + 2] = True  # its box and a ring
            c = r.choice(palette)
            o = Obj.filled(len(objs), mask, c, pos, 0, ("shape",))
            # harder tasks: some of two colours (what touches is deleted whole, whatever its
            # colours)
            if r.difficulty[1] > 0.5 and o.size > 2 and len(palette) > 1 and r.bool(0.7):
                o.colors = patterned(r, mask, r.sample(palette, 2))
            objs.append(o)
            if touch:
                corr.append(Match(o.id, None, [{"op": "delete", "reason": "touching", "with": 0}]))
            else:
                out.append(o)
                corr.append(Match(o.id, o.id, []))
        if 2 * sum(o.size for o in objs) >= height * width:
            raise Reject("background not the most common colour")
        return Example(Scene(height, width, 0, objs), Scene(height, width, 0, out), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        # the key is in every demonstration, and none of its cells change
        keys: set[int] | None = None
        for p in demos:
            if p.output is None or p.output.shape != p.input.shape:
                raise CannotSolve("a demonstration changes the grid's size")
            present = set(colours_in(p.input))
            changed = changed_colors([p], before=True)
            keys = (present if keys is None else keys & present) - changed
        return fitting_answer(
            grid,
            demos,
            sorted(keys or ()),
            lambda g, k: _delete_touching(g, most_common_color(g), k),
            "key colour",
        )


@per_grid
def _delete_touching(grid: np.ndarray, background: int, key: int) -> np.ndarray:
    """``grid`` with every object that shares a side with a ``key`` cell deleted: the cells
    of other colours beside the key, grown through their corner-connected neighbours of
    other colours (objects stand apart, so growth stays within the ones touching)."""
    is_key = grid == key
    if key == background or not is_key.any():
        raise CannotSolve(f"no object of the key colour {key}")
    other = (grid != background) & ~is_key
    hit = dilate(is_key, diagonal=False)[1:-1, 1:-1] & other
    if not hit.any():
        raise CannotSolve("nothing touches the key")
    while True:  # a flood fill, a ring of neighbours at a time
        grown = dilate(hit, diagonal=True)[1:-1, 1:-1] & other
        if np.array_equal(grown, hit):
            break
        hit = grown
    out = grid.copy()
    out[hit] = background
    return out
