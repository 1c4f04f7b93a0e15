"""The object reasoner's action space: what it says about each input object of a pair.

A label row (``z2h.arc.labels``) is concrete: "move by [0, -7], stop at contact with 3". The
reasoner says the same thing semantically, so that one action means the same on a new grid:
"move left until contact". Each input object gets one ``ObjectAction``, factored into

- ``op``: what happens to the object itself (``OPS``), with its parameters: ``color`` (recolor),
  ``direction`` (move / grow until contact), ``by`` (a fixed move);
- ``spawn``: an object it creates (``SPAWNS``: a box outline around it, the fill of its holes,
  a mark at its centre),
  with ``spawn_color``.

``explain_pair`` reads a pair's labels into these (and the correspondence); ``resolve`` turns
them back into concrete label rows on a given scene (working out where "until contact" stops),
which the renderer (``z2h.arc.replay``) paints. Chains the space cannot say (a recolour and a
move, a copy to markers, a line between two points) are ``other``: counted, never rendered.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from z2h.arc.labels import GridLabels, Match, ObjectLabel, PairLabels
from z2h.arc.replay import render

OPS = ("none", "delete", "recolor", "recolor_as_touching", "recolor_as_container",
       "move_until_contact",
       "pushed_until_contact", "move_by", "grow_until_contact", "raise", "lower",
       "other")  # fmt: skip
SPAWNS = ("none", "outline", "outline_own", "fill", "center", "other")
DIRECTIONS = ("up", "down", "left", "right")
STEP = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
MAX_SHIFT = 29  # a fixed move is at most this many cells each way (grids are at most 30)
# ops whose parameters are a colour / a direction / a fixed offset
COLOR_OPS = ("recolor",)
DIRECTION_OPS = ("move_until_contact", "pushed_until_contact", "grow_until_contact")
OFFSET_OPS = ("move_by",)
COLOR_SPAWNS = ("outline", "fill", "center")
# label ops that say why, not what: they change no cell beyond what the others in the chain do
PAINT = {"lower": 0, "raise": 2}  # paint-order rank (others 1): raised objects paint last
SILENT = ("keep", "reveal", "stop_at_contact", "align", "hit", "hidden")


@dataclass(frozen=True)
class ObjectAction:
    op: str = "none"  # one of OPS
    color: int | None = None  # recolor: the new colour
    direction: str | None = None  # until-contact ops: one of DIRECTIONS
    by: tuple[int, int] | None = None  # move_by: (dr, dc)
    spawn: str = "none"  # one of SPAWNS
    spawn_color: int | None = None  # the created object's colour

    def representable(self) -> bool:
        return self.op != "other" and self.spawn != "other"

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"op": self.op}
        if self.color is not None:
            d["color"] = self.color
        if self.direction is not None:
            d["direction"] = self.direction
        if self.by is not None:
            d["by"] = list(self.by)
        if self.spawn != "none":
            d["spawn"] = self.spawn
            d["spawn_color"] = self.spawn_color
        return d


@dataclass
class Explanation:
    """What happened in one pair, object by object (input objects in their label order)."""

    actions: list[ObjectAction]  # one per input object
    matches: list[int | None]  # per input object: the index of the output object it became
    created: list[int] = field(default_factory=list)  # output objects no input object became

    def representable(self) -> bool:
        return all(a.representable() for a in self.actions)


def direction_of(by: list[int]) -> str | None:
    """The direction of a straight shift (None for a diagonal or no shift)."""
    dr, dc = int(by[0]), int(by[1])
    if (dr == 0) == (dc == 0):
        return None
    if dr:
        return "down" if dr > 0 else "up"
    return "right" if dc > 0 else "left"


def touching_colours(gl: GridLabels) -> list[set[int]]:
    """For each object, the colours of the other objects with a cell beside one of its cells
    (side by side, in the input)."""
    owner: dict[tuple[int, int], int] = {}
    for i, o in enumerate(gl.objects):
        for r, c, _ in o.cells:
            owner[(r, c)] = i
    out: list[set[int]] = [set() for _ in gl.objects]
    for i, o in enumerate(gl.objects):
        for r, c, _ in o.cells:
            for nxt in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                j = owner.get(nxt)
                if j is not None and j != i:
                    out[i].update(gl.objects[j].colors)
    return out


def container_colour(gl: GridLabels, i: int) -> int | None:
    """The main colour of the smallest other object whose box holds object ``i``'s box inside
    its border (a frame around it), or None."""
    top, left, h, w = gl.objects[i].box
    holders = []
    for j, o in enumerate(gl.objects):
        ot, ol, oh, ow = o.box
        inside = ot < top and ol < left and top + h < ot + oh and left + w < ol + ow
        if j != i and inside:
            holders.append((oh * ow, Counter(k for _, _, k in o.cells).most_common(1)[0][0]))
    return min(holders)[1] if holders else None


def semantic_op(
    actions: list[dict[str, Any]],
    deleted: bool,
    touching: set[int] = frozenset(),
    container: int | None = None,
) -> ObjectAction:
    """The semantic action of one label chain (an object's own row). A recolour to the one
    colour of the objects beside it (``touching``) is "the colour of what touches it"; to the
    colour of the frame around it (``container``), "the colour of what holds it": both carry
    over to new colours."""
    if deleted:
        return ObjectAction("delete")
    ops = [a.get("op") for a in actions if a.get("op") not in SILENT]
    # a pusher's "hit" is a stop at contact too (it slides until it meets what it pushes), so
    # "move right until contact" carries over to a new grid where a fixed move would not
    stops = any(a.get("op") in ("stop_at_contact", "hit") for a in actions)
    if not ops:
        return ObjectAction()
    if len(ops) > 1 and not all(o == "recolor" for o in ops):
        return ObjectAction("other")
    a = next(a for a in actions if a.get("op") == ops[-1])
    op = ops[0]
    if op == "recolor":
        if touching == {int(a["to"])}:
            return ObjectAction("recolor_as_touching")
        if container == int(a["to"]):
            return ObjectAction("recolor_as_container")
        return ObjectAction("recolor", color=int(a["to"]))
    if op in ("move", "push"):
        by = [int(v) for v in a["by"]]
        d = direction_of(by)
        if stops and d is not None:
            kind = "pushed_until_contact" if op == "push" else "move_until_contact"
            return ObjectAction(kind, direction=d)
        if max(abs(by[0]), abs(by[1])) > MAX_SHIFT:
            return ObjectAction("other")
        return ObjectAction("move_by", by=(by[0], by[1]))
    if op == "grow" and stops and a.get("direction") in DIRECTIONS:
        return ObjectAction("grow_until_contact", direction=str(a["direction"]))
    if op in ("raise", "lower"):
        return ObjectAction(op)
    return ObjectAction("other")


def explain_pair(pl: PairLabels) -> Explanation:
    """The semantic explanation of a labelled pair (its output must be labelled)."""
    if pl.output is None:
        raise ValueError("explain_pair needs a pair whose output is labelled")
    in_index = {o.id: i for i, o in enumerate(pl.input.objects)}
    out_index = {o.id: i for i, o in enumerate(pl.output.objects)}
    touching = touching_colours(pl.input)
    own: dict[int, Match] = {}
    extra: dict[int, int] = {}  # input index -> further rows (copies, splits)
    created: list[int] = []
    spawns: dict[int, tuple[str, int | None]] = {}
    for m in pl.correspondence:
        if m.input_id is None:
            if m.output_id is None:
                continue
            created.append(out_index[m.output_id])
            spawn = _spawn_of(m, pl.output, in_index, pl.input.objects)
            if spawn is not None:
                spawns[spawn[0]] = spawn[1:]
            else:  # a created object no input object accounts for
                spawns.setdefault(-1, ("other", None))
            continue
        i = in_index[m.input_id]
        if i in own:
            extra[i] = extra.get(i, 0) + 1
        else:
            own[i] = m
    actions, matches = [], []
    for i in range(len(pl.input.objects)):
        m = own.get(i)
        deleted = m is None or m.output_id is None
        act = semantic_op([] if m is None else m.actions, deleted, touching[i],
                          container_colour(pl.input, i))  # fmt: skip
        if i in extra:
            act = ObjectAction("other")
        kind, colour = spawns.get(i, ("none", None))
        actions.append(
            ObjectAction(act.op, act.color, act.direction, act.by, kind, colour)
            if kind != "none"
            else act
        )
        matches.append(None if deleted or m is None else out_index[m.output_id])
    if -1 in spawns and actions:  # unexplained creation: the pair is not representable
        first = actions[0]
        actions[0] = ObjectAction(first.op, first.color, first.direction, first.by, "other")
    return Explanation(actions, matches, created)


def _spawn_of(
    m: Match, out: GridLabels, in_index: dict[int, int], inputs: list[ObjectLabel]
) -> tuple[int, str, int | None] | None:
    """(input index, spawn kind, colour) of a created object an input object accounts for;
    an outline in the object's own (only) colour is ``outline_own``, a colour that carries
    over to new objects."""
    ops = [a for a in m.actions if a.get("op") in ("outline", "fill", "mark")]
    if len(ops) != 1 or len(m.actions) != 1:
        return None
    a = ops[0]
    kind = "center" if a["op"] == "mark" and a.get("where") == "center" else a["op"]
    ref = {"outline": a.get("around"), "fill": a.get("inside"), "center": a.get("of")}.get(kind)
    if ref not in in_index:
        return None
    obj = next(o for o in out.objects if o.id == m.output_id)
    if len(obj.colors) != 1:
        return None
    i, colour = in_index[ref], int(obj.colors[0])
    if kind == "outline" and inputs[i].colors == [colour]:
        return i, "outline_own", None
    return i, kind, colour


# -- from semantic actions back to concrete label rows --------------------------------------
def _cells(o: ObjectLabel) -> set[tuple[int, int]]:
    return {(r, c) for r, c, _ in o.cells}


def slide(
    cells: set[tuple[int, int]],
    step: tuple[int, int],
    blocked: set[tuple[int, int]],
    height: int,
    width: int,
) -> int:
    """How many steps ``cells`` move along ``step`` before the next step would leave the grid
    or overlap ``blocked``."""
    dr, dc = step
    n = 0
    while True:
        nxt = {(r + (n + 1) * dr, c + (n + 1) * dc) for r, c in cells}
        if any(not (0 <= r < height and 0 <= c < width) for r, c in nxt) or nxt & blocked:
            return n
        n += 1


def ray_length(
    cells: set[tuple[int, int]],
    direction: str,
    blocked: set[tuple[int, int]],
    height: int,
    width: int,
) -> int:
    """Free cells a ray from ``cells``' leading edge runs along ``direction`` before it meets
    ``blocked`` or the edge (from the edge's first cell in reading order)."""
    dr, dc = STEP[direction]
    key = {"up": lambda p: p[0], "down": lambda p: -p[0], "left": lambda p: p[1],
           "right": lambda p: -p[1]}[direction]  # fmt: skip
    r, c = min(cells, key=lambda p: (key(p), p))
    n = 0
    while True:
        r, c = r + dr, c + dc
        if not (0 <= r < height and 0 <= c < width) or (r, c) in blocked:
            return n
        n += 1


def _lead(cells: set[tuple[int, int]], direction: str) -> int:
    """How far ``cells`` already are toward ``direction`` (larger: nearer the edge it moves to)."""
    dr, dc = STEP[direction]
    return max(r * dr + c * dc for r, c in cells)


@dataclass
class Resolved:
    rows: list[tuple[int, list[dict[str, Any]]]]  # (input id, concrete actions), paint order
    created: list[list[list[int]]]  # [row, col, colour] cells of each spawned object


def resolve(gl: GridLabels, actions: list[ObjectAction]) -> Resolved | None:
    """Concrete label rows (live input objects in paint order, with their actions) and the
    cells of spawned objects that do ``actions`` on ``gl``'s objects, or None if an action is
    ``other``.

    Objects that move until contact move one by one, the one nearest its destination first, so
    a stack settles as gravity settles it; then pushed objects do (a pusher stops against the
    object where it stood, which then flies on); deleted objects are gone before anything
    moves, and grown rays stop at the objects' final cells.
    """
    if len(actions) != len(gl.objects):
        raise ValueError(f"{len(actions)} actions for {len(gl.objects)} objects")
    if not all(a.representable() for a in actions):
        return None
    cells = [_cells(o) for o in gl.objects]
    rows: dict[int, list[dict[str, Any]]] = {i: [] for i in range(len(gl.objects))}
    alive = [a.op != "delete" for a in actions]
    touching = touching_colours(gl)
    for i, a in enumerate(actions):
        to = a.color
        if a.op == "recolor_as_touching":  # one colour beside it: that one; else no change
            to = next(iter(touching[i])) if len(touching[i]) == 1 else None
        elif a.op == "recolor_as_container":
            to = container_colour(gl, i)
        if a.op == "move_by" and a.by is not None:
            cells[i] = {(r + a.by[0], c + a.by[1]) for r, c in cells[i]}
            rows[i].append({"op": "move", "by": list(a.by)})
        elif a.op in ("recolor", "recolor_as_touching", "recolor_as_container") and to is not None:
            for colour in gl.objects[i].colors:
                if colour != to:
                    rows[i].append({"op": "recolor", "from": colour, "to": to})
        elif a.op in ("raise", "lower"):
            rows[i].append({"op": a.op})
    for kind in ("move_until_contact", "pushed_until_contact"):
        _slide_all(gl, actions, kind, cells, alive, rows)
    for i, a in enumerate(actions):
        if a.op == "grow_until_contact" and alive[i]:
            d = str(a.direction)
            blocked = set().union(*(cells[j] for j in range(len(cells)) if j != i and alive[j]))
            n = ray_length(cells[i], d, blocked, gl.height, gl.width)
            if n:
                rows[i].append({"op": "grow", "direction": d, "by": n})
    order = sorted(range(len(gl.objects)), key=lambda i: PAINT.get(actions[i].op, 1))
    painted = [(gl.objects[i].id, rows[i]) for i in order if alive[i]]
    created = []
    for i, a in enumerate(actions):
        colour = a.spawn_color
        if a.spawn == "outline_own":  # the object's own colour (its most common one)
            counts = Counter(k for _, _, k in gl.objects[i].cells)
            colour = counts.most_common(1)[0][0]
        if a.spawn in (*COLOR_SPAWNS, "outline_own") and colour is not None:
            made = spawn_cells(a.spawn, cells[i], gl.height, gl.width)
            created.append([[r, c, colour] for r, c in sorted(made)])
    return Resolved(painted, created)


def spawn_cells(
    kind: str, cells: set[tuple[int, int]], height: int, width: int
) -> set[tuple[int, int]]:
    """The cells of an object that ``cells`` spawn: ``outline``, the ring one cell outside its
    box; ``fill``, the cells of its box it encloses (not 4-connected to the box's outside);
    ``center``, its box's centre cell (the upper-left of the middle four on an even side)."""
    rows, cols = [r for r, _ in cells], [c for _, c in cells]
    top, bottom, left, right = min(rows), max(rows), min(cols), max(cols)
    if kind == "center":
        return {(top + (bottom - top) // 2, left + (right - left) // 2)}
    if kind in ("outline", "outline_own"):
        ring = {(r, c) for r in range(top - 1, bottom + 2) for c in (left - 1, right + 1)}
        ring |= {(r, c) for c in range(left - 1, right + 2) for r in (top - 1, bottom + 1)}
        return {(r, c) for r, c in ring if 0 <= r < height and 0 <= c < width}
    # flood the box's free cells from a ring just outside it: what the flood misses is enclosed
    free = {(r, c) for r in range(top - 1, bottom + 2) for c in range(left - 1, right + 2)}
    free -= cells
    seen = {(r, c) for r, c in free if r in (top - 1, bottom + 1) or c in (left - 1, right + 1)}
    stack = list(seen)
    while stack:
        r, c = stack.pop()
        for nxt in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if nxt in free and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return free - seen


def render_actions(gl: GridLabels, actions: list[ObjectAction]) -> np.ndarray | None:
    """The output grid ``actions`` paint on ``gl``'s scene (``z2h.arc.replay.render``), or
    None when an action is ``other``."""
    done = resolve(gl, actions)
    if done is None:
        return None
    inputs = {o.id: o.cells for o in gl.objects}
    return render(inputs, done.rows, gl.height, gl.width, gl.background, done.created)


def _slide_all(
    gl: GridLabels,
    actions: list[ObjectAction],
    kind: str,
    cells: list[set[tuple[int, int]]],
    alive: list[bool],
    rows: dict[int, list[dict[str, Any]]],
) -> None:
    """Slide every live object whose op is ``kind`` until contact (updates ``cells``, ``rows``)."""
    movers = [i for i, a in enumerate(actions) if a.op == kind and alive[i]]
    movers.sort(key=lambda i: -_lead(cells[i], str(actions[i].direction)))
    for i in movers:
        d = str(actions[i].direction)
        blocked = set().union(*(cells[j] for j in range(len(cells)) if j != i and alive[j]))
        n = slide(cells[i], STEP[d], blocked, gl.height, gl.width)
        dr, dc = STEP[d]
        cells[i] = {(r + n * dr, c + n * dc) for r, c in cells[i]}
        if n:
            rows[i].append({"op": "move", "by": [n * dr, n * dc]})


# -- the generators whose rules are object actions -------------------------------------------
# every pair of theirs is explained by this action space (tests/arc/models/test_reasoner.py
# renders each explanation and compares it with the generated output)
OBJECT_GENERATORS = (
    "align_to_marker", "box_around", "bring_color_to_front", "bring_to_front", "delete_touching",
    "fill_enclosed", "gravity", "keep_extreme", "keep_inside", "keep_touching", "mark_center",
    "move_until_touching", "push", "recolor_beyond_line", "recolor_by_count",
    "recolor_by_orientation", "recolor_by_position", "recolor_by_role", "recolor_by_shape",
    "recolor_by_size", "recolor_inside", "recolor_same", "recolor_touching", "remove_noise",
    "remove_occluder", "shoot_ray",
)  # fmt: skip
# held out of training in the benchmark: each one's actions also occur in a seen generator
# (delete, recolour, move until contact, raise), in a new situation
HELD_OUT_GENERATORS = ("keep_inside", "recolor_by_position", "move_until_touching",
                       "bring_color_to_front")  # fmt: skip
SEEN_GENERATORS = tuple(g for g in OBJECT_GENERATORS if g not in HELD_OUT_GENERATORS)
