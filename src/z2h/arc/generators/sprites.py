"""Copy a sprite to marked places: one many-coloured sprite and single-cell markers; the output
stamps a copy of the sprite at each marker, centred on it or lined up on the sprite's own cell
of the marker colour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import fitting_answer, per_grid
from z2h.arc.generators.base import CannotSolve, Example, Generator, Rand, place, polyomino
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair

MODES = ("anchor", "center")  # the sprite's cell of the marker colour / its centre lands on it


def centred_mask(r: Rand, h: int, w: int) -> np.ndarray:
    """A connected ``h`` x ``w`` mask (odd sides) that fills its box: a cross through the centre
    and a random shape that meets it."""
    mask = np.zeros((h, w), bool)
    mask[h // 2, :] = True
    mask[:, w // 2] = True
    blob = polyomino(r, r.randint(1, h * w), h, w)
    bh, bw = blob.shape
    # the blob spans the centre row, so it meets the cross
    top = r.randint(max(0, h // 2 - bh + 1), min(h // 2, h - bh))
    left = r.randint(0, w - bw)
    mask[top : top + bh, left : left + bw] |= blob
    return mask


@register
class CopySprite(Generator):
    name = "copy_sprite"
    concepts = ("sprites", "copy", "markers", "objects")
    description = "stamp the many-coloured sprite at every marker cell (centred, or on its anchor)"
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"mode": r.choice(MODES), "marker": r.randint(0, 9)}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        marker = params["marker"]
        height, width = r.scaled(7, 20), r.scaled(7, 20)
        background = 0 if marker != 0 and r.bool(0.8) else r.colors(1, exclude=(marker,))[0]
        palette = r.colors(r.scaled(2, 4), exclude=(background, marker))
        most = (min(height, width) - 1) // 2  # room for the sprite and a copy
        if params["mode"] == "center":
            h, w = r.choice((1, 3, 3, 5)), r.choice((3, 3, 5))
            if r.bool():
                h, w = w, h
            h, w = min(h, most | 1), min(w, most | 1)
            mask = centred_mask(r, h, w)
            anchor = (h // 2, w // 2)
        else:
            mask = polyomino(
                r, r.scaled(3, 9), r.randint(2, min(4, most)), r.randint(2, min(4, most))
            )
            h, w = mask.shape
            rows, cols = np.nonzero(mask)
            # not the centre cell, so the demonstrations tell this rule from "center"
            choices = list(zip(rows.tolist(), cols.tolist(), strict=True))
            if h % 2 and w % 2 and (h // 2, w // 2) in choices and len(choices) > 1:
                choices.remove((h // 2, w // 2))
            anchor = r.choice(choices)
        colors = np.array([r.choice(palette) for _ in range(h * w)], np.uint8).reshape(h, w)
        cells = np.flatnonzero(mask)
        if len(np.unique(colors.flat[cells])) < 2:  # a sprite of at least two colours
            colors.flat[cells[0]], colors.flat[cells[-1]] = palette[0], palette[1]
        if params["mode"] == "anchor":
            colors[anchor] = marker
        box = np.ones((h, w), bool)
        spots = place(r, height, width, [box] * (r.scaled(1, 5) + 1), gap=1, required=2)
        top_lefts = [p for p in spots if p is not None]  # the first is the sprite's
        taken = [(t, lf, h, w) for t, lf in top_lefts]
        sprite = Obj(0, mask, colors, top_lefts[0], 0, ("sprite",))
        dot = np.ones((1, 1), bool)
        marks = [
            Obj.filled(i, dot, marker, (t + anchor[0], lf + anchor[1]), 0, ("marker",))
            for i, (t, lf) in enumerate(top_lefts[1:], start=1)
        ]
        others = [c for c in range(10) if c not in (background, marker)]
        spots = place(r, height, width, [dot] * r.scaled(0, 4), gap=1, boxes=taken, required=0)
        distractors = [
            Obj.filled(len(marks) + 1 + i, dot, r.choice(others), p, 0, ("distractor",))
            for i, p in enumerate(q for q in spots if q is not None)
        ]
        first = 1 + len(marks) + len(distractors)  # the copies' ids follow the input's
        copies = [
            Obj(first + j, mask, colors, (t, lf), 0, ("sprite", "copy"))
            for j, (t, lf) in enumerate(top_lefts[1:])
        ]
        inp = Scene(height, width, background, [sprite, *marks, *distractors])
        out = Scene(height, width, background, [sprite, *distractors, *copies])
        # the sprite stays and is copied once per marker; each marker is replaced by its copy
        corr = (
            [Match(0, 0, [])]
            + [
                Match(0, c.id, [{"op": "copy", "at": m.id, "anchor": list(anchor)}])
                for m, c in zip(marks, copies, strict=True)
            ]
            + [Match(o.id, o.id, []) for o in distractors]
            + [Match(m.id, None, [{"op": "replaced", "by": 0}]) for m in marks]
        )
        return Example(inp, out, corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        parsed = [(p, _parse(p.input)) for p in demos if p.output is not None]
        if not parsed:
            raise CannotSolve("no demonstrations")
        first, (_, lone) = parsed[0]
        colours = {int(first.input[r, c]) for r, c in lone.tolist()}
        rules = [(mode, c) for mode in MODES for c in sorted(colours)]
        demos = [p for p, _ in parsed]
        return fitting_answer(
            grid, demos, rules, lambda g, rule: _stamped(g, *rule), "marker colour and anchor"
        )


@per_grid
def _parse(grid: np.ndarray) -> tuple[Obj, np.ndarray]:
    """The sprite (every cell with a neighbour, corners included, of a non-background colour,
    as one object) and the (n, 2) positions of the lone cells."""
    solid = grid != most_common_color(grid)
    h, w = grid.shape
    pad = np.zeros((h + 2, w + 2), np.uint8)
    pad[1:-1, 1:-1] = solid
    rows3 = pad[:-2] + pad[1:-1] + pad[2:]  # a 3 x 3 box sum, as rows then columns
    around = rows3[:, :-2] + rows3[:, 1:-1] + rows3[:, 2:] - solid  # neighbours, corners too
    lone = solid & (around == 0)
    rest = solid & ~lone
    if not rest.any():
        raise CannotSolve("no sprite: every object is a single cell")
    rows, cols = np.nonzero(rest)
    top, left, bottom, right = rows.min(), cols.min(), rows.max() + 1, cols.max() + 1
    mask = rest[top:bottom, left:right]
    sprite = Obj(0, mask, grid[top:bottom, left:right] * mask, (int(top), int(left)))
    return sprite, np.argwhere(lone)


@per_grid
def _stamped(grid: np.ndarray, mode: str, color: int) -> np.ndarray:
    """``_stamp`` on a grid's own parse (each demonstration stamped once per task and rule)."""
    return _stamp(grid, _parse(grid), mode, color)


def _stamp(grid: np.ndarray, objs: tuple[Obj, np.ndarray], mode: str, color: int) -> np.ndarray:
    """``grid`` with the sprite stamped at each single cell of ``color``: its own cell of that
    colour (``mode="anchor"``) or its centre (``"center"``) on the marker."""
    sprite, singles = objs
    h, w = sprite.mask.shape
    if mode == "anchor":
        at = np.argwhere(sprite.mask & (sprite.colors == color))
        if len(at) != 1:
            raise CannotSolve(f"the sprite has {len(at)} cells of colour {color}, not one")
        ar, ac = (int(v) for v in at[0])
    else:
        if h % 2 == 0 or w % 2 == 0:
            raise CannotSolve("a sprite of an even side has no centre cell")
        ar, ac = h // 2, w // 2
    out = grid.copy()
    height, width = grid.shape
    for row, col in singles.tolist():
        if grid[row, col] != color:
            continue
        top, left = row - ar, col - ac
        if top < 0 or left < 0 or top + h > height or left + w > width:
            raise CannotSolve("a copy would fall off the grid")
        block = out[top : top + h, left : left + w]
        block[sprite.mask] = sprite.colors[sprite.mask]
    return out
