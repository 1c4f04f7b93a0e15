"""Objects that move under a rule and stop at contact: gravity, move until touching, push."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import colours_in, fitting_answer, per_grid
from z2h.arc.generators.base import (
    DIRECTIONS,
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    grid_side,
    moved_by,
    patterned,
    place,
    polyomino,
    scatter,
)
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.objects import components
from z2h.arc.scene import Obj, Scene, transform, transform_scene
from z2h.arc.task import Pair


def fall_steps(objs: list[Obj], height: int) -> tuple[list[Obj], dict[int, int | str]]:
    """Gravity down, one cell at a time: each round every object (lowest first) moves one row
    down if it stays on the canvas and meets no other object; until a round moves none.

    Returns the settled objects and, for each object that moved, what stopped it: the id of
    the object it rests on, or "edge" for the floor.
    """
    cells = {o.id: {(r, c) for r, c, _ in o.cell_array().tolist()} for o in objs}
    owner = {rc: k for k, cs in cells.items() for rc in cs}
    shift = {o.id: 0 for o in objs}
    # each object's lowest row and leftmost column, kept as it falls (the round's order), not
    # found again from its cells every round
    bottom = {k: max(r for r, _ in cs) for k, cs in cells.items()}
    left = {k: min(c for _, c in cs) for k, cs in cells.items()}
    moving = True
    while moving:
        moving = False
        for k in sorted(cells, key=lambda k: (-bottom[k], left[k])):
            cs = cells[k]
            if all(r + 1 < height and owner.get((r + 1, c), k) == k for r, c in cs):
                for rc in cs:
                    del owner[rc]
                cs = {(r + 1, c) for r, c in cs}
                cells[k] = cs
                owner.update(dict.fromkeys(cs, k))
                shift[k] += 1
                bottom[k] += 1
                moving = True
    stops: dict[int, int | str] = {}
    for k, cs in cells.items():
        if shift[k]:
            below = sorted({owner.get((r + 1, c), k) for r, c in cs} - {k}, key=str)
            floor = any(r + 1 == height for r, _ in cs)
            stops[k] = "edge" if floor or not below else below[0]
    return [o.moved(shift[o.id], 0) for o in objs], stops


def settle_grid(grid: np.ndarray, background: int) -> np.ndarray:
    """The solver's gravity: connected pieces of the grid fall straight down, each as far as
    it can, lowest first, repeated until nothing moves."""
    height, width = grid.shape
    flat = grid.ravel().tolist()
    pieces = [
        [(i // width, i % width, flat[i]) for i in comp]
        for comp in components(grid, connectivity=8, multicolor=True, background=background)
    ]
    occupied = {(r, c) for p in pieces for r, c, _ in p}
    changed = True
    while changed:
        changed = False
        pieces.sort(key=lambda p: (-max(r for r, _, _ in p), min(c for _, c, _ in p)))
        for i, piece in enumerate(pieces):
            mine = {(r, c) for r, c, _ in piece}
            drop = height
            for r, c, _ in piece:
                if (r + 1, c) in mine:
                    continue
                d = 0
                while r + d + 1 < height and (r + d + 1, c) not in occupied:
                    d += 1
                drop = min(drop, d)
            if drop:
                occupied -= mine
                pieces[i] = [(r + drop, c, v) for r, c, v in piece]
                occupied |= {(r + drop, c) for r, c, _ in piece}
                changed = True
    out = np.full(grid.shape, background, np.uint8)
    for piece in pieces:
        for r, c, v in piece:
            out[r, c] = v
    return out


def _moved_until_contact(inp: Scene, out: Scene, stops: dict[int, Any]) -> list[Match]:
    """Each object matched with itself in the output; one that moved is labelled with how far and
    what it stopped against (``stops``: object id -> the id it touches, or "edge")."""
    matches = []
    for a, b in zip(inp.objects, out.objects, strict=True):
        by = moved_by(a, b)
        acts: list[dict[str, Any]] = []
        if any(by):
            acts = [{"op": "move", "by": by}, {"op": "stop_at_contact", "with": stops[a.id]}]
        matches.append(Match(a.id, b.id, acts))
    return matches


@register
class Gravity(Generator):
    name = "gravity"
    concepts = ("physics", "gravity", "contact", "interaction", "objects")
    description = "objects fall in the task's direction until they hit the edge or another object"
    color_invariant = True
    train_pairs = (2, 5)  # as ARC: one demonstration tells the rule

    def params(self, r: Rand) -> dict[str, Any]:
        return {"direction": r.choice(tuple(DIRECTIONS))}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = grid_side(r, 5, 20), grid_side(r, 4, 20)
        n = r.scaled(1, 7)
        palette = r.colors(r.scaled(1, 5), exclude=(0,))
        big = r.scaled(3, 7)  # harder: bigger shapes, some of two colours (they fall as one)
        masks = [polyomino(r, r.scaled(1, big * big), big, big) for _ in range(n)]
        objs = scatter(r, height, width, masks, [r.choice(palette) for _ in masks], required=1)
        _two_coloured(r, objs, palette)
        settled, stops = fall_steps(objs, height)
        k = DIRECTIONS[params["direction"]]
        inp = transform_scene(Scene(height, width, 0, objs), "rotate", k)
        out = transform_scene(Scene(height, width, 0, settled), "rotate", k)
        return Example(inp, out, _moved_until_contact(inp, out, stops))

    def solve(self, grid: np.ndarray, demos: Sequence[Any]) -> np.ndarray:
        k = infer_direction(demos)
        down = transform(grid, "rotate", -k)  # turn the grid so the fall is downwards
        return transform(settle_grid(down, most_common_color(grid)), "rotate", k)


def infer_direction(demos: Sequence[Any]) -> int:
    """The quarter turns of the fall the demonstrations show: the way their coloured cells'
    mean position moves (pure falls move it along one axis only)."""
    found = set()
    for p in demos:
        if p.output is None or p.output.shape != p.input.shape:
            raise CannotSolve("a demonstration changes the grid's size")
        k = _fall_direction(p.input, p.output)
        if k is not None:
            found.add(k)
    if len(found) != 1:
        raise CannotSolve("the demonstrations show no single direction of fall")
    return found.pop()


@per_grid
def _fall_direction(inp: np.ndarray, out: np.ndarray) -> int | None:
    """The quarter turns of the way one pair's coloured cells' mean position moves (None: as
    much across as along)."""
    bg = most_common_color(inp)
    before, after = np.argwhere(inp != bg), np.argwhere(out != bg)
    if not len(before) or not len(after):
        raise CannotSolve("a demonstration has no objects")
    dr, dc = (after.mean(axis=0) - before.mean(axis=0)).tolist()
    if abs(dr) > abs(dc):
        return DIRECTIONS["down" if dr > 0 else "up"]
    if abs(dc) > abs(dr):
        return DIRECTIONS["right" if dc > 0 else "left"]
    return None


def _two_coloured(r: Rand, objs: list[Obj], palette: list[int]) -> None:
    """Give about half of ``objs`` (those of three cells or more) a pattern of two colours."""
    for o in objs:
        if len(palette) > 1 and o.size > 2 and r.bool():
            o.colors = patterned(r, o.mask, r.sample(palette, 2))


def _fall_on_line(objs: list[Obj], height: int, line_id: int) -> tuple[list[Obj], dict]:
    """``fall_steps`` with the floor named as the line the objects rest on."""
    settled, stops = fall_steps(objs, height)
    return settled, {k: line_id if v == "edge" else v for k, v in stops.items()}


@register
class MoveUntilTouching(Generator):
    name = "move_until_touching"
    concepts = ("physics", "contact", "interaction", "objects", "alignment")
    description = (
        "objects on both sides of a wall line move toward it until they touch it or each other"
    )
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"wall": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = grid_side(r, 7, 20), grid_side(r, 4, 20)
        line = r.randint(2, height - 3)
        above_h, below_h = line, height - line - 1  # rows on each side of the line
        palette = r.colors(r.scaled(1, 4), exclude=(0, params["wall"]))
        wall = Obj.rect(0, 1, width, params["wall"], (line, 0), tags=("line", "wall"))
        sides = []
        next_id = 1
        for side, side_h in enumerate((above_h, below_h)):
            # a free row next to the line, so every object has somewhere to move
            room = side_h - 1
            count = r.scaled(1, 4) if side == 0 else r.scaled(0, 4)
            big = r.scaled(3, 6)
            masks = [
                polyomino(r, r.scaled(1, big * big), min(big, room), big) for _ in range(count)
            ]
            objs = scatter(r, room, width, masks, [r.choice(palette) for _ in masks], required=0)
            _two_coloured(r, objs, palette)
            for o in objs:
                o.id = next_id
                next_id += 1
            sides.append(objs if side == 0 else [o.moved(1, 0) for o in objs])
        if next_id == 1:
            raise Reject("no_objects")
        above, below = sides
        # above: fall down onto the line; below: flip, fall, flip back
        up_done, up_stops = _fall_on_line(above, above_h, 0)
        flipped = transform_scene(Scene(below_h, width, 0, below), "flip_v").objects
        down_done, down_stops = _fall_on_line(flipped, below_h, 0)
        down_done = transform_scene(Scene(below_h, width, 0, down_done), "flip_v").objects
        shift = line + 1
        inp_objs = [wall, *above, *(o.moved(shift, 0) for o in below)]
        out_objs = [wall, *up_done, *(o.moved(shift, 0) for o in down_done)]
        stops = {**up_stops, **down_stops}
        k = r.choice((0, 1))  # 1: the wall stands upright, objects move sideways
        inp = transform_scene(Scene(height, width, 0, inp_objs), "rotate", k)
        out = transform_scene(Scene(height, width, 0, out_objs), "rotate", k)
        return Example(inp, out, _moved_until_contact(inp, out, stops))

    def solve(self, grid: np.ndarray, demos: Sequence[Any]) -> np.ndarray:
        wall = wall_color(demos)
        bg = most_common_color(grid)
        for k in (0, 1):
            g = transform(grid, "rotate", -k)
            full = [r for r in range(g.shape[0]) if g[r, 0] == wall != bg and (g[r] == wall).all()]
            if len(full) == 1:
                line = full[0]
                out = g.copy()
                out[:line] = settle_grid(g[:line], bg) if line else g[:line]
                below = g[line + 1 :]
                if below.shape[0]:
                    out[line + 1 :] = settle_grid(below[::-1], bg)[::-1]
                return transform(out, "rotate", k)
        raise CannotSolve("no single wall line across the grid")


def wall_color(demos: Sequence[Pair]) -> int:
    """The one colour that crosses every demonstration's input and output in a full line."""
    walls = set(range(10))
    for p in demos:
        if p.output is None:
            raise CannotSolve("a demonstration has no output")
        walls &= full_lines(p.input) & full_lines(p.output)
        walls.discard(most_common_color(p.input))
    if len(walls) != 1:
        raise CannotSolve("the demonstrations do not show one wall colour")
    return walls.pop()


def full_lines(grid: np.ndarray) -> set[int]:
    """The colours that fill a whole row or a whole column of ``grid``."""
    rows = grid[(grid == grid[:, :1]).all(axis=1), 0]
    cols = grid[0, (grid == grid[:1]).all(axis=0)]
    return set(rows.tolist()) | set(cols.tolist())


def slide_right(occupied: set[tuple[int, int]], piece: list[tuple[int, int]], width: int) -> int:
    """How far ``piece`` can slide right before touching a cell of ``occupied`` or the edge."""
    mine = set(piece)
    far = width
    for r, c in piece:
        if (r, c + 1) in mine:
            continue
        d = 0
        while c + d + 1 < width and (r, c + d + 1) not in occupied:
            d += 1
        far = min(far, d)
    return far


@per_grid
def _push_pieces(grid: np.ndarray, background: int) -> tuple[list[int], list, set]:
    """The grid's cells as a flat list, its pieces (8-connected, of any colours) as (row,
    col) lists, and every cell they take; remembered: the solver tries each colour as the
    pusher on the same grid. (Read only: callers make new sets from them.)"""
    width = grid.shape[1]
    pieces = [
        [(i // width, i % width) for i in comp]
        for comp in components(grid, connectivity=8, multicolor=True, background=background)
    ]
    return grid.ravel().tolist(), pieces, {rc for p in pieces for rc in p}


def push_right(grid: np.ndarray, pusher_color: int, background: int) -> np.ndarray:
    """The solver's push: the piece (8-connected, of any colours) all of ``pusher_color``
    slides right until it touches another piece, which then slides right until it touches
    something or the edge."""
    width = grid.shape[1]
    flat, pieces, occupied = _push_pieces(grid, background)
    pushers = [p for p in pieces if all(flat[r * width + c] == pusher_color for r, c in p)]
    if len(pushers) != 1:
        raise CannotSolve("not exactly one pusher")
    pusher = pushers[0]
    d = slide_right(occupied - set(pusher), pusher, width)
    hit = {(r, c + d + 1) for r, c in pusher}
    struck = [p for p in pieces if p is not pusher and hit & set(p)]
    out = grid.copy()
    moves = [(pusher, d)]
    if struck:
        block = struck[0]
        rest = occupied - set(block) - set(pusher)
        moves.append((block, slide_right(rest, block, width)))
    for piece, by in reversed(moves):  # the block first: the pusher lands where it was
        colours = [grid[r, c] for r, c in piece]
        for r, c in piece:
            out[r, c] = background
        for (r, c), v in zip(piece, colours, strict=True):
            out[r, c + by] = v
    return out


@register
class Push(Generator):
    name = "push"
    concepts = ("physics", "collision", "contact", "interaction", "objects")
    description = (
        "a pusher (the task's colour) slides until it hits an object, which flies on to the wall"
    )
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"pusher": r.colors(1, exclude=(0,))[0], "direction": r.choice(tuple(DIRECTIONS))}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        height, width = r.scaled(5, 16), r.scaled(9, 25)
        pm = polyomino(r, r.scaled(1, 4), 3, 3)
        big = r.scaled(3, 5)  # harder: bigger blocks
        bm = polyomino(r, r.scaled(1, big * big), big, big)
        (ph, pw), (bh, bw) = pm.shape, bm.shape
        if ph > height or bh > height:
            raise Reject("placement")
        pr = r.randint(0, height - ph)
        pc = r.randint(0, max(0, width // 3 - pw))
        br = r.randint(max(0, pr - bh + 1), min(height - bh, pr + ph - 1))
        lo, hi = pc + pw + 1, width - bw - 1  # a gap before it, room behind it
        if lo > hi:
            raise Reject("placement")
        bc = r.randint(lo, hi)
        colour = r.choice([c for c in range(1, 10) if c != params["pusher"]])
        pusher = Obj.filled(0, pm, params["pusher"], (pr, pc), 0, ("pusher",))
        block = Obj.filled(1, bm, colour, (br, bc), 0, ("shape",))
        if bm.sum() > 2 and r.bool():  # a block of two colours: pushed as one
            second = r.choice([c for c in range(1, 10) if c not in (params["pusher"], colour)])
            block.colors = patterned(r, bm, [colour, second])
        # the pusher's path must meet the block: some shared row with block cells ahead
        p_cells = {(r_, c_) for r_, c_, _ in pusher.cell_array().tolist()}
        b_cells = {(r_, c_) for r_, c_, _ in block.cell_array().tolist()}
        gaps = [
            min(c2 for r2, c2 in b_cells if r2 == row) - c - 1
            for row, c in (
                (row, max(c for r_, c in p_cells if r_ == row)) for row in {x for x, _ in p_cells}
            )
            if any(r2 == row for r2, _ in b_cells)
        ]
        if not gaps:
            raise Reject("miss")
        gap = min(gaps)
        band_top = min(pr, br) - 1
        band_h = max(pr + ph, br + bh) + 1 - band_top
        palette = [c for c in range(1, 10) if c != params["pusher"]]
        masks = [polyomino(r, r.scaled(1, 5), 3, 3) for _ in range(r.scaled(0, 4))]
        taken = [(band_top, 0, band_h, width)]
        extra = []
        for m, pos in zip(masks, place(r, height, width, masks, 1, taken, required=0), strict=True):
            if pos is not None:
                extra.append(Obj.filled(2 + len(extra), m, r.choice(palette), pos, 0, ("shape",)))
        _two_coloured(r, extra, palette)
        fly = width - (bc + bw)  # the block slides to the far edge
        objs = [pusher, block, *extra]
        moved = [pusher.moved(0, gap), block.moved(0, fly), *extra]
        k = DIRECTIONS[params["direction"]]
        inp = transform_scene(Scene(height, width, 0, objs), "rotate", (k + 3) % 4)
        out = transform_scene(Scene(height, width, 0, moved), "rotate", (k + 3) % 4)
        corr = []
        for a, b in zip(inp.objects, out.objects, strict=True):
            by = moved_by(a, b)
            if a.id == 0:
                # subtle: "hit", not stop_at_contact: in the output the pusher touches only
                # where the pushed object was, not the object itself
                acts = ([{"op": "move", "by": by}] if any(by) else []) + [{"op": "hit", "with": 1}]
            elif a.id == 1:
                acts = [
                    {"op": "push", "by": by, "with": 0},
                    {"op": "stop_at_contact", "with": "edge"},
                ]
            else:
                acts = []
            corr.append(Match(a.id, b.id, acts))
        return Example(inp, out, corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Any]) -> np.ndarray:
        k = (infer_direction(demos) + 3) % 4  # quarter turns that take "right" to the push
        colours = set(range(10))
        for p in demos:
            colours &= colours_in(p.input) - {most_common_color(p.input)}
        return fitting_answer(
            grid, demos, sorted(colours), lambda g, c: _pushed(g, c, k), "pusher colour"
        )


@per_grid
def _pushed(grid: np.ndarray, color: int, k: int) -> np.ndarray:
    """``grid`` with the pushers of ``color`` pushing, ``k`` quarter turns from rightwards."""
    turned = transform(grid, "rotate", -k)
    return transform(push_right(turned, color, most_common_color(grid)), "rotate", k)
