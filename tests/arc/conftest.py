"""A replay checker for generated labels, as a fixture: each correspondence row's chain of
actions is applied to the input object's cells and must give the output object's cells exactly
(the claim a label row makes, see /work/shared/ARC.md "Labels you can check")."""

from collections.abc import Callable

import pytest

from z2h.arc.labels import GridLabels, ObjectLabel, PairLabels, TaskLabels

Cells = set[tuple[int, int, int]]

# ops that say why or how an object moved or stayed, without changing its cells themselves
NO_CELL_CHANGE = {"stop_at_contact", "hit", "keep", "raise", "lower", "hidden", "sort"}

DIAGONAL_STEPS = {
    "up": (-1, 0),
    "down": (1, 0),
    "left": (0, -1),
    "right": (0, 1),
    "up_left": (-1, -1),
    "up_right": (-1, 1),
    "down_left": (1, -1),
    "down_right": (1, 1),
}


def _cells(o: ObjectLabel) -> Cells:
    return {(r, c, k) for r, c, k in o.cells}


def _about_box(cells: Cells, fn: Callable[[int, int, int, int], tuple[int, int]]) -> Cells:
    """``cells`` mapped by ``fn(r, c, h, w)`` in box coordinates, put back at the box's corner."""
    top, left = min(r for r, _, _ in cells), min(c for _, c, _ in cells)
    h = max(r for r, _, _ in cells) - top + 1
    w = max(c for _, c, _ in cells) - left + 1
    out = set()
    for r, c, k in cells:
        nr, nc = fn(r - top, c - left, h, w)
        out.add((nr + top, nc + left, k))
    return out


def apply_action(cells: Cells, a: dict) -> Cells:
    """One action on an object's cells (ValueError for an op that says nothing checkable)."""
    op = a["op"]
    if op in NO_CELL_CHANGE:
        return cells
    if op in ("move", "push"):
        dr, dc = a["by"]
        return {(r + dr, c + dc, k) for r, c, k in cells}
    if op == "recolor":
        return {(r, c, a["to"] if k == a["from"] else k) for r, c, k in cells}
    if op == "swap":
        x, y = a["colors"]
        return {(r, c, y if k == x else x if k == y else k) for r, c, k in cells}
    if op == "crop":  # the box kept, moved to the corner; cells outside it gone
        top, left, h, w = a["box"]
        return {
            (r - top, c - left, k) for r, c, k in cells if 0 <= r - top < h and 0 <= c - left < w
        }
    if op == "flip":
        if a["axis"] == "h":
            return _about_box(cells, lambda r, c, h, w: (r, w - 1 - c))
        return _about_box(cells, lambda r, c, h, w: (h - 1 - r, c))
    if op == "transpose":
        return _about_box(cells, lambda r, c, h, w: (c, r))
    if op == "scale":  # each cell a factor x factor block, about the box's corner
        f = a["factor"]
        top, left = min(r for r, _, _ in cells), min(c for _, c, _ in cells)
        return {
            (top + (r - top) * f + i, left + (c - left) * f + j, k)
            for r, c, k in cells
            for i in range(f)
            for j in range(f)
        }
    if op == "rotate":
        out = cells
        for _ in range(a["k"] % 4):  # anticlockwise, as np.rot90
            out = _about_box(out, lambda r, c, h, w: (w - 1 - c, r))
        return out
    raise ValueError(f"op {op!r} is not replayed")


def _grown(before: Cells, after: Cells, a: dict) -> str | None:
    """Why ``after`` is not ``before`` grown as a ray (``grow``), or None."""
    dr, dc = DIAGONAL_STEPS[a["direction"]]
    added = after - before
    if not before <= after or len(added) != a["by"]:
        return f"grow by {a['by']} adds {len(added)} cells"
    pos = {(r, c) for r, c, _ in before}
    for r, c, _ in added:
        if not any((r - t * dr, c - t * dc) in pos for t in range(1, 31)):
            return f"grown cell {(r, c)} is not on a {a['direction']} ray"
    return None


def _replay_pair(pl: PairLabels, where: str) -> list[str]:
    problems = []
    gin: GridLabels = pl.input
    gout: GridLabels | None = pl.output
    if gout is None:
        return problems
    ins = {o.id: o for o in gin.objects}
    outs = {o.id: o for o in gout.objects}
    owner = {}
    for o in gout.objects:  # the object each output cell shows
        for r, c, _ in o.cells:
            owner[(r, c)] = o.id
    for m in pl.correspondence:
        w = f"{where} row {m.input_id}->{m.output_id}"
        ops = [a["op"] for a in m.actions]
        if m.input_id is None or m.output_id is None:
            if "replaced" in ops:
                a = m.actions[ops.index("replaced")]
                copies = {
                    x.output_id
                    for x in pl.correspondence
                    if x.input_id == a["by"] and any(y["op"] == "copy" for y in x.actions)
                }
                if not all(owner.get((r, c)) in copies for r, c, _ in ins[m.input_id].cells):
                    problems.append(f"{w}: replaced, but no copy of {a['by']} covers it")
            continue
        before, after = _cells(ins[m.input_id]), _cells(outs[m.output_id])
        if "merge" in ops:
            a = m.actions[ops.index("merge")]
            joined = {x.output_id for x in pl.correspondence if x.input_id in a["with"]}
            if joined != {m.output_id}:
                problems.append(f"{w}: merged with {a['with']}, which became {joined}")
            continue
        if "copy" in ops or "reshape" in ops:
            continue  # a copy's place is its marker's; a reshape's truth is its counterpart
        if "hidden" in ops:
            a = m.actions[ops.index("hidden")]
            shown = [owner[(r, c)] for r, c, _ in after if owner.get((r, c)) != m.output_id]
            if len(shown) != len(after) or sorted(set(shown)) != sorted(a["by"]):
                problems.append(f"{w}: hidden by {a['by']}, but in front are {sorted(set(shown))}")
        cells = before
        try:
            for a in m.actions:
                if a["op"] == "grow":
                    why = _grown(cells, after, a)
                    if why:
                        problems.append(f"{w}: {why}")
                    cells = after
                else:
                    cells = apply_action(cells, a)
        except ValueError as e:
            problems.append(f"{w}: {e}")
            continue
        if cells != after:
            problems.append(f"{w}: replaying {ops} does not give the output object's cells")
    return problems


def replay_problems(labels: TaskLabels) -> list[str]:
    """Every row of ``labels`` whose actions, replayed, disagree with the output's cells."""
    problems = []
    for split, pls in (("train", labels.train), ("test", labels.test)):
        for i, pl in enumerate(pls):
            problems += _replay_pair(pl, f"{labels.task_id} {split} {i}")
    return problems


@pytest.fixture
def replay():
    """``replay(labels) -> problems``: see ``replay_problems``."""
    return replay_problems
