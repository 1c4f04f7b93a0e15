"""Replay: what an object's actions do to its cells, and the grid a scene's actions paint.

A label row claims that an input object, with its actions applied in order, becomes its output
object. ``apply_actions`` computes the cells that claim predicts; the checker
(``z2h.arc.checklabels``) compares them with the output object's cells, and a model that
predicts actions renders its answer with ``render``.

Cells are ``(row, col, colour)`` triples. Geometry is about the object's own box: ``rotate``,
``flip``, ``transpose`` and ``scale`` keep the box's top-left cell where it was (a following
``move`` places the result), as the generators write them. Each op of ``labels.ACTIONS`` is one
of four kinds:

* it changes the cells (``CELL_OPS``: move, recolor, rotate, ...);
* it describes without changing them (``DESCRIBE_OPS``: keep, raise, align, sort, ...);
* it claims a contact that can be checked (``CONTACT_OPS``: stop_at_contact, hit), checked
  against the place it would move next, when the context knows the other objects;
* its result is not computable from the object alone (``OPAQUE_OPS``: reshape, count, ...): the
  counterpart's cells are the truth, and ``apply_actions`` raises ``Opaque``.

``merge``, ``split``, ``replaced``, ``hidden`` and ``delete`` speak about several rows or about
the output grid; the checker handles them (``GROUP_OPS``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from z2h.arc.grid import MAX_SIZE, ArcError

Cell = tuple[int, int, int]

CELL_OPS = (
    "move",
    "push",
    "recolor",
    "swap",
    "rotate",
    "flip",
    "transpose",
    "scale",
    "crop",
    "copy",
    "grow",
    "continue",
)
DESCRIBE_OPS = ("keep", "raise", "lower", "align", "reveal", "sort", "hidden")
CONTACT_OPS = ("stop_at_contact", "hit")
OPAQUE_OPS = (
    "reshape",
    "count",
    "histogram",
    "restore",
    "combine",
    "tile",
    "fill",
    "outline",
    "connect",
    "mark",
)
GROUP_OPS = ("merge", "split", "replaced", "delete")
# ops that act on the whole grid when listed at pair level and that replay can compute
GRID_OPS = ("flip", "rotate", "transpose", "scale", "tile", "crop", "recolor", "swap")

_STEPS = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
# a ray may also grow along a diagonal
_RAYS = {
    **_STEPS,
    "up_left": (-1, -1),
    "up_right": (-1, 1),
    "down_left": (1, -1),
    "down_right": (1, 1),
}


class ReplayError(ArcError):
    """An action that cannot apply (a missing field, an unknown op or object) or a contact it
    claims that the cells contradict."""


class Opaque(ReplayError):
    """The op's result is not computable from the cells (``reshape``, ``count``, ...)."""


@dataclass
class Context:
    """What replay may need beyond the object's own cells.

    ``inputs``: the input objects' cells by id (``copy`` finds its marker there);
    ``height``/``width``: the output canvas (``continue`` fills it, ``edge`` contact is its
    border); ``contacts``: for each input object id, the cells it occupies (in the input and,
    where known, in the output), which ``stop_at_contact``/``hit`` must touch next. Without
    ``contacts`` contact claims are not checked (a renderer has nothing to check them against).
    """

    inputs: dict[int, list[Cell]] = field(default_factory=dict)
    height: int = MAX_SIZE
    width: int = MAX_SIZE
    contacts: dict[int, set[tuple[int, int]]] | None = None


def as_cells(cells: Iterable[Sequence[int]]) -> list[Cell]:
    """Cells as sorted ``(row, col, colour)`` tuples (labels store them as lists)."""
    return sorted((int(r), int(c), int(k)) for r, c, k in cells)


def _box(cells: list[Cell]) -> tuple[int, int, int, int]:
    """(top, left, height, width) of the cells."""
    rows = [r for r, _, _ in cells]
    cols = [c for _, c, _ in cells]
    return min(rows), min(cols), max(rows) - min(rows) + 1, max(cols) - min(cols) + 1


def _field(action: dict[str, Any], name: str) -> Any:
    if name not in action:
        raise ReplayError(f"action {action.get('op')!r} needs the field {name!r}")
    return action[name]


def _pair(value: Any, what: str) -> tuple[int, int]:
    try:
        a, b = value
        return int(a), int(b)
    except (TypeError, ValueError):
        raise ReplayError(f"{what} is [rows, cols], got {value!r}") from None


def _shift(cells: list[Cell], dr: int, dc: int) -> list[Cell]:
    return [(r + dr, c + dc, k) for r, c, k in cells]


def _turn(cells: list[Cell], op: str, k: int = 1) -> list[Cell]:
    """One of the square's symmetries about the cells' box, its top-left cell kept in place
    (as ``scene.transform`` on the object's mask)."""
    top, left, h, w = _box(cells)
    out = []
    for r, c, colour in cells:
        i, j = r - top, c - left
        if op == "rotate":  # anticlockwise, as np.rot90: (i, j) -> (w - 1 - j, i) per turn
            hh, ww = h, w
            for _ in range(k % 4):
                i, j = ww - 1 - j, i
                hh, ww = ww, hh
        elif op == "flip_h":
            j = w - 1 - j
        elif op == "flip_v":
            i = h - 1 - i
        else:  # transpose
            i, j = j, i
        out.append((top + i, left + j, colour))
    return out


def _scale(cells: list[Cell], f: int) -> list[Cell]:
    top, left, _, _ = _box(cells)
    return [
        (top + (r - top) * f + a, left + (c - left) * f + b, k)
        for r, c, k in cells
        for a in range(f)
        for b in range(f)
    ]


def _grow(cells: list[Cell], direction: str, by: int) -> list[Cell]:
    """Each cell at the object's leading edge extended ``by`` cells in ``direction``."""
    if direction not in _RAYS:
        raise ReplayError(f"grow: direction {direction!r}; choose one of {', '.join(_RAYS)}")
    dr, dc = _RAYS[direction]
    own = {(r, c) for r, c, _ in cells}
    grown = set(cells)
    for r, c, k in cells:
        if (r + dr, c + dc) not in own:
            grown.update((r + dr * n, c + dc * n, k) for n in range(1, by + 1))
    return list(grown)


def _continue(cells: list[Cell], period: tuple[int, int], ctx: Context) -> list[Cell]:
    """The cells' periodic pattern carried over the whole output canvas."""
    ph, pw = period
    if ph < 1 or pw < 1:
        raise ReplayError(f"continue: period {list(period)} must be positive")
    seen: dict[tuple[int, int], int] = {}
    for r, c, k in cells:
        if seen.setdefault((r % ph, c % pw), k) != k:
            raise ReplayError(f"continue: the cells are not periodic with period {[ph, pw]}")
    out = []
    for r in range(ctx.height):
        for c in range(ctx.width):
            k = seen.get((r % ph, c % pw))
            if k is None:
                raise ReplayError(f"continue: no visible cell fixes ({r}, {c}) of the pattern")
            out.append((r, c, k))
    return out


def _copy(cells: list[Cell], action: dict[str, Any], ctx: Context) -> list[Cell]:
    """A further copy: in place, or (``at``) with its ``anchor`` cell on the marker's cell."""
    if "at" not in action:
        return cells
    marker = ctx.inputs.get(action["at"])
    if not marker:
        raise ReplayError(f"copy: no input object {action['at']!r} to copy onto")
    ar, ac = _pair(action.get("anchor", [0, 0]), "copy's anchor")
    top, left, _, _ = _box(cells)
    mr, mc, _ = min(marker)
    return _shift(cells, mr - ar - top, mc - ac - left)


def _recolor(cells: list[Cell], action: dict[str, Any]) -> list[Cell]:
    to = int(_field(action, "to"))
    src = action.get("from")
    if src is None:
        return [(r, c, to) for r, c, _ in cells]
    if not any(k == src for _, _, k in cells):
        raise ReplayError(f"recolor: the object has no cell of colour {src}")
    return [(r, c, to if k == src else k) for r, c, k in cells]


def _swap(cells: list[Cell], action: dict[str, Any]) -> list[Cell]:
    a, b = _pair(_field(action, "colors"), "swap's colors")
    return [(r, c, b if k == a else a if k == b else k) for r, c, k in cells]


def apply_action(cells: list[Cell], action: dict[str, Any], ctx: Context) -> list[Cell]:
    """The cells after one action (see the module docstring for what each kind of op does)."""
    op = action.get("op")
    if op in ("move", "push"):
        return _shift(cells, *_pair(_field(action, "by"), f"{op}'s by"))
    if op == "recolor":
        return _recolor(cells, action)
    if op == "swap":
        return _swap(cells, action)
    if op == "rotate":
        return _turn(cells, "rotate", int(_field(action, "k")))
    if op == "flip":
        axis = _field(action, "axis")
        if axis not in ("h", "v"):
            raise ReplayError(f"flip: axis {axis!r}; choose 'h' or 'v'")
        return _turn(cells, "flip_" + axis)
    if op == "transpose":
        return _turn(cells, "transpose")
    if op == "scale":
        f = int(_field(action, "factor"))
        if f < 1:
            raise ReplayError(f"scale: factor {f} must be at least 1")
        return _scale(cells, f)
    if op == "crop":
        top, left, h, w = (int(v) for v in _field(action, "box"))
        return [
            (r - top, c - left, k) for r, c, k in cells if 0 <= r - top < h and 0 <= c - left < w
        ]
    if op == "copy":
        return _copy(cells, action, ctx)
    if op == "grow":
        return _grow(cells, _field(action, "direction"), int(_field(action, "by")))
    if op == "continue":
        return _continue(cells, _pair(_field(action, "period"), "continue's period"), ctx)
    if op in DESCRIBE_OPS:
        return cells
    if op in OPAQUE_OPS:
        raise Opaque(f"{op} is not computable from the object's cells")
    if op in GROUP_OPS or op in CONTACT_OPS:
        raise ReplayError(f"{op} is replayed by apply_actions or the checker, not alone")
    raise ReplayError(f"unknown action {op!r}")


def _direction(action: dict[str, Any]) -> tuple[int, int] | None:
    """The unit step of a move, push or grow (None: no single direction)."""
    if action.get("op") == "grow":
        return _RAYS.get(action.get("direction"))
    if action.get("op") in ("move", "push"):
        dr, dc = _pair(action.get("by"), "by")
        if (dr == 0) != (dc == 0):
            return (dr > 0) - (dr < 0), (dc > 0) - (dc < 0)
    return None


def _check_contact(
    cells: list[Cell], action: dict[str, Any], step: tuple[int, int] | None, ctx: Context
) -> None:
    """Raise unless one more step (any side where the step is unknown) meets the object (or
    the canvas edge) that ``action`` names."""
    if ctx.contacts is None:
        return
    other = _field(action, "with")
    steps = [step] if step is not None else list(_STEPS.values())
    own = [(r, c) for r, c, _ in cells]
    if other == "edge":
        for dr, dc in steps:
            if any(not (0 <= r + dr < ctx.height and 0 <= c + dc < ctx.width) for r, c in own):
                return
        raise ReplayError(f"{action['op']}: the object does not touch the edge it claims")
    target = ctx.contacts.get(other)
    if target is None:
        raise ReplayError(f"{action['op']}: no input object {other!r}")
    for dr, dc in steps:
        if any((r + dr, c + dc) in target for r, c in own):
            return
    raise ReplayError(f"{action['op']}: the object does not touch object {other}")


def apply_actions(
    cells: Iterable[Sequence[int]], actions: Sequence[dict[str, Any]], ctx: Context | None = None
) -> list[Cell]:
    """The cells an object has after its ``actions``, applied in order, sorted.

    Contact ops check the claim against ``ctx.contacts``; group ops are left to the caller
    (``split_at_group`` separates them). Raises ``Opaque`` for an op whose result only the
    counterpart knows, ``ReplayError`` for an action that cannot apply.
    """
    ctx = ctx or Context()
    out = as_cells(cells)
    step = None
    for action in actions:
        if not isinstance(action, dict):
            raise ReplayError(f"an action is an object with an op, got {action!r}")
        op = action.get("op")
        if op in CONTACT_OPS:
            _check_contact(out, action, step, ctx)
            continue
        out = apply_action(out, action, ctx)
        if op in ("move", "push", "grow"):
            step = _direction(action)
    return sorted(set(out))


def split_at_group(
    actions: Sequence[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, Any] | None, list[dict[str, Any]]]:
    """(actions before, the first group op or None, actions after) of one row's actions."""
    for i, a in enumerate(actions):
        if isinstance(a, dict) and a.get("op") in GROUP_OPS:
            return list(actions[:i]), a, list(actions[i + 1 :])
    return list(actions), None, []


def clip(cells: Iterable[Cell], height: int, width: int) -> list[Cell]:
    """The cells on a ``height`` x ``width`` canvas (labels drop cells off the canvas)."""
    return [x for x in cells if 0 <= x[0] < height and 0 <= x[1] < width]


def apply_grid_actions(grid: np.ndarray, actions: Sequence[dict[str, Any]]) -> np.ndarray:
    """A pair's whole-grid actions applied to its input grid (``GRID_OPS`` only; anything
    else raises ``Opaque``)."""
    from z2h.arc.scene import transform

    g = np.asarray(grid, np.uint8)
    for a in actions:
        op = a.get("op")
        if op == "flip":
            g = transform(g, "flip_" + str(_field(a, "axis")))
        elif op == "rotate":
            g = transform(g, "rotate", int(_field(a, "k")))
        elif op == "transpose":
            g = transform(g, "transpose")
        elif op == "scale":
            f = int(_field(a, "factor"))
            g = np.kron(g, np.ones((f, f), np.uint8))
        elif op == "tile":
            g = _tile(g, _pair(_field(a, "reps"), "tile's reps"), bool(a.get("mirror", False)))
        elif op == "crop":
            top, left, h, w = (int(v) for v in _field(a, "box"))
            if top < 0 or left < 0 or top + h > g.shape[0] or left + w > g.shape[1]:
                raise ReplayError(f"crop: box {[top, left, h, w]} leaves the grid")
            g = g[top : top + h, left : left + w]
        elif op in ("recolor", "swap"):
            cells = [(0, 0, int(v)) for v in g.ravel()]
            done = _recolor(cells, a) if op == "recolor" else _swap(cells, a)
            g = np.array([k for _, _, k in done], np.uint8).reshape(g.shape)
        else:
            raise Opaque(f"{op} on the whole grid is not computable by replay")
    return g


def _tile(g: np.ndarray, reps: tuple[int, int], mirror: bool) -> np.ndarray:
    rows = []
    for i in range(reps[0]):
        row = []
        for j in range(reps[1]):
            t = g
            if mirror and i % 2:
                t = t[::-1, :]
            if mirror and j % 2:
                t = t[:, ::-1]
            row.append(t)
        rows.append(np.concatenate(row, axis=1))
    return np.concatenate(rows, axis=0)


def render(
    inputs: dict[int, Iterable[Sequence[int]]],
    rows: Sequence[tuple[int | None, Sequence[dict[str, Any]]]],
    height: int,
    width: int,
    background: int,
    created: Sequence[Iterable[Sequence[int]]] = (),
) -> np.ndarray:
    """The output grid a scene's predicted actions paint.

    ``inputs``: the input objects' cells by id; ``rows``: (input id, its actions) in paint
    order (a row whose actions delete, replace or hide its object paints nothing; ``merge`` and
    ``split`` paint the object's own replayed cells); ``created``: cells of objects the
    prediction adds, painted last. Raises ``Opaque`` for a row only its counterpart explains.
    """
    ctx = Context({k: as_cells(v) for k, v in inputs.items()}, height, width)
    grid = np.full((height, width), background, np.uint8)
    for input_id, actions in rows:
        if input_id not in ctx.inputs:
            raise ReplayError(f"render: no input object {input_id!r}")
        before, group, after = split_at_group(actions)
        if group is not None and group["op"] in ("delete", "replaced"):
            continue
        if any(a.get("op") == "hidden" for a in actions):
            continue
        cells = apply_actions(ctx.inputs[input_id], before + after, ctx)
        for r, c, k in clip(cells, height, width):
            grid[r, c] = k
    for cells in created:
        for r, c, k in clip(as_cells(cells), height, width):
            grid[r, c] = k
    return grid
