"""Panels split by separator lines, combined cell by cell into one panel: AND, OR, XOR (the
cells set in both, either, exactly one, painted in the task's colour) or an overlay (the first
panel painted over the next)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from z2h.arc.generators._solve import colours_in, fitting_answer, per_grid
from z2h.arc.generators.base import CannotSolve, Example, Generator, Rand, Reject
from z2h.arc.generators.registry import register
from z2h.arc.grid import most_common_color
from z2h.arc.labels import Match
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair

HOWS = ("and", "or", "xor", "overlay")


def combine(panels: Sequence[np.ndarray], how: str, color: int, background: int) -> np.ndarray:
    """Panels (equal shapes, ``background`` where empty) combined cell by cell."""
    sets = [p != background for p in panels]
    if how == "overlay":
        out = panels[-1].copy()
        for p, s in zip(panels[-2::-1], sets[-2::-1], strict=True):  # the first paints last
            out[s] = p[s]
        return out
    if how == "and":
        hit = np.logical_and.reduce(sets)
    elif how == "or":
        hit = np.logical_or.reduce(sets)
    else:
        hit = np.sum(sets, axis=0) == 1
    return np.where(hit, color, background).astype(np.uint8)


@register
class PanelLogic(Generator):
    name = "panel_logic"
    concepts = ("panels", "logic", "separator", "overlay", "pattern")
    description = (
        "separator lines split the grid into panels; the output is the panels combined cell by "
        "cell (AND, OR, XOR in the task's colour, or the first panel overlaid on the next)"
    )
    color_invariant = True
    train_pairs = (2, 5)

    def params(self, r: Rand) -> dict[str, Any]:
        how = r.choice(HOWS)
        sep, color = r.colors(2, exclude=(0,))
        return {"how": how, "separator": sep, "color": color}

    def make_pair(self, r: Rand, params: dict[str, Any]) -> Example:
        how, sep, color = params["how"], params["separator"], params["color"]
        k = r.randint(2, 3) if how in ("or", "overlay") else 2
        ph, pw = r.scaled(3, 9), r.scaled(3, 9)
        palette = r.colors(k, exclude=(0, sep, color))
        density = 0.25 + 0.25 * r.random.random()
        panels = []
        for c in palette:
            cells = np.array([r.random.random() < density for _ in range(ph * pw)])
            panels.append(np.where(cells.reshape(ph, pw), c, 0).astype(np.uint8))
        if any(not p.any() for p in panels):
            raise Reject("an empty panel")
        result = combine(panels, how, color, 0)
        if not result.any():
            raise Reject("empty result")
        side = r.bool()  # panels side by side, or stacked
        objs: list[Obj] = []
        for i in range(k - 1):  # the separators
            at = (i + 1) * ((pw if side else ph) + 1) - 1
            h, w = (ph, 1) if side else (1, pw)
            objs.append(
                Obj.filled(
                    i, np.ones((h, w), bool), sep, (0, at) if side else (at, 0), 0, ("line",)
                )
            )
        first = len(objs)
        for i, p in enumerate(panels):
            at = i * ((pw if side else ph) + 1)
            objs.append(Obj(first + i, p != 0, p, (0, at) if side else (at, 0), 0, ("panel",)))
        height, width = (ph, k * pw + k - 1) if side else (k * ph + k - 1, pw)
        inp = Scene(height, width, 0, objs)
        if most_common_color(inp.render()) != 0:
            raise Reject("the background is not the most common colour")
        out = Obj(0, result != 0, result, (0, 0), 0, ("panel",))
        ids = list(range(first, first + k))
        corr = [Match(i, None) for i in range(first)] + [
            # merged into one object whose cells are the combination: a reshape no op computes
            Match(i, 0, [{"op": "merge", "with": [j for j in ids if j != i]}, {"op": "reshape"}])
            for i in ids
        ]
        return Example(
            inp, Scene(ph, pw, 0, [out]), corr, [{"op": "combine", "how": how, "panels": k}]
        )

    def solve(self, grid: np.ndarray, demos: Sequence[Pair]) -> np.ndarray:
        colours = set()
        for p in demos:
            if p.output is None:
                raise CannotSolve("a demonstration has no output")
            colours.update(colours_in(p.output))
        rules = [(how, c) for how in HOWS[:3] for c in sorted(colours)] + [("overlay", -1)]
        return fitting_answer(grid, demos, rules, lambda g, rule: _combined(g, *rule), "logic")


@per_grid
def _panels(grid: np.ndarray) -> tuple[int, list[np.ndarray]]:
    """The background and the panels between separator lines: full rows or columns of one
    colour cutting the grid into equal panels (a panel's own full line, of its colour, does
    not cut it: the separators' colour is the one whose lines make equal panels)."""
    bg = most_common_color(grid)
    found = []
    for g, turned in ((grid, False), (grid.T, True)):
        full = [j for j in range(g.shape[1]) if g[0, j] != bg and (g[:, j] == g[0, j]).all()]
        for colour in sorted({int(g[0, j]) for j in full}):
            edges = [-1, *(j for j in full if g[0, j] == colour), g.shape[1]]
            widths = {b - a - 1 for a, b in pairwise(edges)}
            if len(widths) == 1 and widths != {0}:
                panels = [g[:, a + 1 : b] for a, b in pairwise(edges)]
                found.append([p.T if turned else p for p in panels])
    if len(found) != 1:
        raise CannotSolve(f"{len(found)} ways to cut the grid into equal panels, not one")
    return bg, found[0]


@per_grid
def _combined(grid: np.ndarray, how: str, color: int) -> np.ndarray:
    bg, panels = _panels(grid)
    if how != "overlay" and color == bg:
        raise CannotSolve("the colour is the background's")
    return combine(panels, how, color, bg)
