"""Lines between objects: aligned points joined, and rays shot until they meet an obstacle."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from z2h.arc.generators._solve import changed_colors, fitting_answer, per_grid
from z2h.arc.generators.base import (
    DIRECTIONS,
    CannotSolve,
    Example,
    Generator,
    Rand,
    Reject,
    patterned,
    place,
    polyomino,
)
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene, transform_scene
from z2h.arc.task import Pair


@register
class ConnectPoints(Generator):
    name = "connect_points"
    concepts = ("lines", "alignment", "interaction", "objects")
    description = (
        "join two same-coloured points that share a row or column with a line "
        "(their colour or the task's)"
    )
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        if r.bool(0.6):
            return {"line": "own"}
        return {"line": "fixed", "color": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        fixed = params.get("color")
        height, width = r.scaled(5, 26), r.scaled(5, 26)
        taken = () if fixed is None else (fixed,)
        background = 0 if r.bool(0.8) else r.colors(1, exclude=(0, *taken))[0]
        palette = r.colors(r.scaled(1, 5), exclude=(background, *taken))
        busy = np.zeros((height, width), bool)  # points and the lines to come
        # subtle: the rule reads "the only two points of a colour in a row (column)", so no
        # other point of that colour may share a row or column with any point of it
        rows_used: dict[int, set[int]] = {c: set() for c in palette}
        cols_used: dict[int, set[int]] = {c: set() for c in palette}
        points: list[Obj] = []
        # (point a, point b, the shape and position of the line between them, its colour)
        lines: list[tuple[int, int, tuple[int, int], tuple[int, int], int]] = []
        for _ in range(r.scaled(1, 5)):
            for _ in range(20):
                color = r.choice(palette)
                across = r.bool()
                span, side = (width, height) if across else (height, width)
                if span < 3:
                    continue
                lane, a = r.below(side), r.below(span - 2)
                b = r.randint(a + 2, span - 1)
                row_a, col_a, row_b, col_b = (lane, a, lane, b) if across else (a, lane, b, lane)
                if across:
                    seg = busy[lane, a : b + 1]
                    clash = lane in rows_used[color] or {a, b} & cols_used[color]
                else:
                    seg = busy[a : b + 1, lane]
                    clash = lane in cols_used[color] or {a, b} & rows_used[color]
                if clash or seg.any():
                    continue
                seg[:] = True
                rows_used[color].update((row_a, row_b))
                cols_used[color].update((col_a, col_b))
                ia, ib = len(points), len(points) + 1
                points.append(
                    Obj.filled(ia, np.ones((1, 1), bool), color, (row_a, col_a), 0, ("point",))
                )
                points.append(
                    Obj.filled(ib, np.ones((1, 1), bool), color, (row_b, col_b), 0, ("point",))
                )
                shape = (1, b - a - 1) if across else (b - a - 1, 1)
                start = (lane, a + 1) if across else (a + 1, lane)
                lines.append((ia, ib, shape, start, color if fixed is None else fixed))
                break
        if not lines:
            raise Reject("no_pair")
        for _ in range(r.scaled(0, 4)):  # lone points: no partner in their row or column
            row, col, color = r.below(height), r.below(width), r.choice(palette)
            if busy[row, col] or row in rows_used[color] or col in cols_used[color]:
                continue
            busy[row, col] = True
            rows_used[color].add(row)
            cols_used[color].add(col)
            points.append(
                Obj.filled(len(points), np.ones((1, 1), bool), color, (row, col), 0, ("point",))
            )
        corr = [Match(p.id, p.id, []) for p in points]
        made = []
        for k, (a, b, shape, start, line_color) in enumerate(lines):
            line = Obj.filled(
                len(points) + k, np.ones(shape, bool), line_color, start, 0, ("line",)
            )
            made.append(line)
            corr.append(Match(None, line.id, [{"op": "connect", "between": [a, b]}]))
        inp = Scene(height, width, background, points)
        return Example(inp, Scene(height, width, background, points + made), corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        # the lines in their points' colour (None), or all in one colour the demonstrations
        # write: whichever reproduces every demonstration
        colours = [None, *sorted(changed_colors(demos))]
        return fitting_answer(grid, demos, colours, connected, "line colour")


@per_grid
def connected(grid: np.ndarray, color: int | None) -> np.ndarray:
    """``grid`` with a line between each two points of one colour alone in their row or
    column, in ``color`` or (None) the points' own."""
    background = most_common_color(grid)
    rows, cols = np.nonzero(grid != background)
    values = grid[rows, cols].tolist()
    in_row: dict[tuple[int, int], list[int]] = {}
    in_col: dict[tuple[int, int], list[int]] = {}
    for r, c, v in zip(rows.tolist(), cols.tolist(), values, strict=True):
        in_row.setdefault((v, r), []).append(c)
        in_col.setdefault((v, c), []).append(r)
    out = grid.copy()
    for (v, r), cs in in_row.items():
        if len(cs) == 2:
            out[r, min(cs) + 1 : max(cs)] = v if color is None else color
    for (v, c), rs in in_col.items():
        if len(rs) == 2:
            out[min(rs) + 1 : max(rs), c] = v if color is None else color
    return out


@register
class ShootRay(Generator):
    name = "shoot_ray"
    concepts = ("lines", "contact", "interaction", "objects")
    description = (
        "each marker shoots a ray in the task's direction that stops at the first object "
        "it meets (or the edge)"
    )
    color_invariant = True

    def params(self, r: Rand) -> dict[str, Any]:
        return {"direction": r.choice(tuple(DIRECTIONS)), "marker": r.colors(1, exclude=(0,))[0]}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        # made shooting down, then the canvas is turned to the task's direction
        marker, direction = params["marker"], params["direction"]
        height, width = r.scaled(6, 24), r.scaled(5, 24)
        background = 0 if r.bool(0.8) else r.colors(1, exclude=(0, marker))[0]
        palette = r.colors(r.scaled(1, 3), exclude=(background, marker))
        masks = []
        for _ in range(r.scaled(1, 5)):
            if r.bool(0.4):  # a wall
                masks.append(np.ones((r.randint(1, 2), r.randint(2, 7)), bool))
            else:
                masks.append(polyomino(r, r.scaled(2, 8), 3, 4))
        # obstacles stay off the top two rows, so markers fit above them
        positions = place(r, height - 2, width, masks, gap=1, required=1)
        placed = [(m, p) for m, p in zip(masks, positions, strict=True) if p is not None]
        objs = [
            Obj.filled(i, m, r.choice(palette), (p[0] + 2, p[1]), 0, ("obstacle",))
            for i, (m, p) in enumerate(placed)
        ]
        if r.difficulty[1] > 0.5 and len(palette) > 1:  # harder: obstacles of two colours
            for o in objs:
                if o.size > 2 and r.bool(0.7):
                    o.colors = patterned(r, o.mask, r.sample(palette, 2))
        owner = np.full((height, width), -1, np.int16)  # the id of the object on each cell
        for o in objs:
            rows, cols = o.cells()
            owner[rows, cols] = o.id
        markers: list[Obj] = []
        for _ in range(r.scaled(1, 4)):
            for _ in range(10):
                if r.bool(0.8):  # aimed at an obstacle: above one of its columns
                    o = r.choice(objs)
                    j = r.below(o.mask.shape[1])
                    top = o.pos[0] + int(o.mask[:, j].argmax())
                    if top < 2:
                        continue
                    row, col = r.below(top - 1), o.pos[1] + j
                else:
                    row, col = r.below(height), r.below(width)
                if owner[row, col] < 0:
                    break
            else:
                continue
            m = Obj.filled(
                len(objs) + len(markers), np.ones((1, 1), bool), marker, (row, col), 0, ("marker",)
            )
            owner[row, col] = m.id
            markers.append(m)
        rays, corr = [], [Match(o.id, o.id, []) for o in objs]
        for m in markers:
            row, col = m.pos
            hits = np.flatnonzero(owner[row + 1 :, col] >= 0)
            length = int(hits[0]) if hits.size else height - 1 - row
            stop = int(owner[row + 1 + length, col]) if hits.size else "edge"
            rays.append(
                Obj.filled(m.id, np.ones((length + 1, 1), bool), marker, (row, col), 0, ("ray",))
            )
            acts: list[dict[str, Any]] = []
            if length:
                acts = [
                    {"op": "grow", "direction": direction, "by": length},
                    {"op": "stop_at_contact", "with": stop},
                ]
            corr.append(Match(m.id, m.id, acts))
        if not any(len(a.actions) for a in corr):
            raise Reject("no_ray")
        k = DIRECTIONS[direction]
        inp = transform_scene(Scene(height, width, background, objs + markers), "rotate", k)
        out = transform_scene(Scene(height, width, background, objs + rays), "rotate", k)
        return Example(inp, out, corr)

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        colours = changed_colors(demos)
        if len(colours) != 1:
            raise CannotSolve("the demonstrations' rays are not one colour")
        marker = colours.pop()
        # the direction: the side of its markers where the demonstrations' rays leave them,
        # counted over every marker (a ray passing beside another marker adds a stray count)
        votes: Counter = Counter()
        for p in demos:
            rows, cols = np.nonzero(p.output != p.input)
            grown = set(zip(rows.tolist(), cols.tolist(), strict=True))
            rows, cols = np.nonzero(p.input == marker)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                votes.update(d for d, (dr, dc) in _STEPS.items() if (r + dr, c + dc) in grown)
        if not votes:
            raise CannotSolve("the demonstrations show no ray")
        most = max(votes.values())
        best = sorted(d for d, n in votes.items() if n == most)
        if len(best) == 1:
            return _shoot(grid, marker, best[0])
        # subtle: on a tie the direction is the one that reproduces every demonstration
        return fitting_answer(grid, demos, best, lambda g, d: _shoot(g, marker, d), "direction")


def _shoot(grid: np.ndarray, marker: int, direction: str) -> np.ndarray:
    """``grid`` with a ray from each ``marker`` cell in ``direction`` through the background."""
    k = DIRECTIONS[direction]
    down = np.rot90(grid, -k)  # turned so the rays go down
    background = most_common_color(grid)
    out = down.copy()
    for row, col in zip(*np.nonzero(down == marker), strict=True):
        hits = np.flatnonzero(down[row + 1 :, col] != background)
        out[row + 1 : row + 1 + (int(hits[0]) if hits.size else down.shape[0]), col] = marker
    return np.ascontiguousarray(np.rot90(out, k))


_STEPS = {"down": (1, 0), "up": (-1, 0), "right": (0, 1), "left": (0, -1)}
