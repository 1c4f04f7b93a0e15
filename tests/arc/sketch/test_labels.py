"""Labels come from the handles: each change a sketch makes is recorded, never guessed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sketch_helpers import drawn

from z2h.arc.labels import ACTIONS
from z2h.arc.sketch import load, shipped


def rows(body: str, after: str) -> list[dict[str, Any]]:
    return drawn(body, 6, 6, after)["labels"]["correspondence"]


def test_moved() -> None:
    assert rows("const a = rect(0, 0, 1, 1);", "a.move(2, 1);") == [
        {"input_id": 0, "output_id": 0, "actions": [{"op": "move", "by": [1, 2]}]}
    ]


def test_recoloured_and_unchanged() -> None:
    got = rows("fill(1); const a = rect(0, 0, 1, 1); rect(3, 3, 1, 1);", 'a.recolor("red");')
    assert got == [
        {"input_id": 0, "output_id": 0, "actions": [{"op": "recolor", "from": 1, "to": 2}]},
        {"input_id": 1, "output_id": 1, "actions": []},
    ]


def test_deleted() -> None:
    assert rows("const a = rect(0, 0, 1, 1); rect(3, 3, 1, 1);", 'a.delete("noise");')[0] == {
        "input_id": 0,
        "output_id": None,
        "actions": [{"op": "delete", "reason": "noise"}],
    }


def test_created() -> None:
    got = drawn(
        "rect(0, 0, 1, 1);", 6, 6, 'fill(4); point(3, 3).label("mark", { where: "center" });'
    )
    assert got["labels"]["correspondence"][-1] == {
        "input_id": None,
        "output_id": 1,
        "actions": [{"op": "mark", "where": "center"}],
    }
    assert got["output"][3][3] == 4


def test_composed_chain_in_order() -> None:
    # falls to the floor, then recoloured: the row lists both rules, in the order applied
    got = rows("fill(1); const a = rect(1, 0, 2, 1);", "a.slide(0, 1).recolor(3);")
    assert got[0]["actions"] == [
        {"op": "move", "by": [5, 0]},
        {"op": "stop_at_contact", "with": "edge"},
        {"op": "recolor", "from": 1, "to": 3},
    ]


def test_slide_names_what_stopped_it() -> None:
    got = rows("const floor_ = rect(0, 5, 6, 1); const a = rect(2, 0, 1, 1);", "a.slide(0, 1);")
    assert got[1]["actions"] == [{"op": "move", "by": [4, 0]}, {"op": "stop_at_contact", "with": 0}]


def test_copy_flip_rotate_scale() -> None:
    got = rows(
        "const a = rect(0, 0, 2, 1); const b = rect(4, 4, 2, 1);",
        "a.copy(0, 2); a.flip('h'); b.rotate(HALF_PI);",
    )
    assert {
        "input_id": 0,
        "output_id": 2,
        "actions": [{"op": "copy"}, {"op": "move", "by": [2, 0]}],
    } in got
    assert got[0]["actions"] == [{"op": "flip", "axis": "h"}]
    assert got[2]["actions"] == [{"op": "rotate", "k": 3}]  # one clockwise turn = 3 anticlockwise


def test_an_op_outside_the_vocabulary_is_refused_with_its_line() -> None:
    from z2h.arc.sketch.host import SketchError

    with pytest.raises(SketchError, match=r"t\.js line 5: action \"teleport\" is not in"):
        drawn("const a = rect(0, 0, 1, 1);", 6, 6, 'a.label("teleport");')


# Replaying an input object's actions must give its output object's cells exactly (the claim
# a label row makes, docs/arc.md): checked here for every shipped sketch's tasks.
def _replay(cells: list[list[int]], actions: list[dict[str, Any]]) -> set[tuple[int, int, int]]:
    got = {(r, c, k) for r, c, k in cells}
    for a in actions:
        top = min(r for r, _, _ in got)
        left = min(c for _, c, _ in got)
        h = max(r for r, _, _ in got) - top + 1
        w = max(c for _, c, _ in got) - left + 1
        op = a["op"]
        if op == "move":
            dr, dc = a["by"]
            got = {(r + dr, c + dc, k) for r, c, k in got}
        elif op == "recolor":
            got = {(r, c, a["to"] if k == a["from"] else k) for r, c, k in got}
        elif op == "flip":
            if a["axis"] == "h":
                got = {(r, 2 * left + w - 1 - c, k) for r, c, k in got}
            else:
                got = {(2 * top + h - 1 - r, c, k) for r, c, k in got}
        elif op == "rotate":
            mask = np.full((h, w), -1)
            for r, c, k in got:
                mask[r - top, c - left] = k
            mask = np.rot90(mask, a["k"])
            got = {(top + i, left + j, int(v)) for (i, j), v in np.ndenumerate(mask) if v >= 0}
        elif op == "scale":
            f = a["factor"]
            got = {
                (top + (r - top) * f + i, left + (c - left) * f + j, k)
                for r, c, k in got
                for i in range(f)
                for j in range(f)
            }
        elif op in ("stop_at_contact", "sort", "copy"):
            pass  # why it moved or where it came from: no cells change
        else:
            raise AssertionError(f"no replay for {op}")
    return got


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.stem)
def test_shipped_labels_replay_and_use_the_vocabulary(path) -> None:
    gen = load(path)
    for index in range(2):
        labels = gen.make_task(0, index, (0.0, 1.0), 200).labels
        assert labels.provenance == "sketch"
        for pl in labels.train + labels.test:
            ins = {o.id: o for o in pl.input.objects}
            outs = {o.id: o for o in pl.output.objects}
            for a in pl.actions:
                assert a["op"] in ACTIONS
            for m in pl.correspondence:
                assert all(a["op"] in ACTIONS for a in m.actions)
                if m.input_id is None or m.output_id is None:
                    continue
                want = {tuple(c) for c in outs[m.output_id].cells}
                assert _replay(ins[m.input_id].cells, m.actions) == want, (path.stem, m)
