"""The studio's second pass in headless Chromium: the grid you act on, a layout that uses the
screen, modes (inspect by default, edit, solve), tasks in and out of the page, the gallery.

The first six tests are the broken items of the issue; each fails on the first studio's page.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from studio_helpers import (
    SQUARE,
    canvas_pixel,
    cell_point,
    grid_of,
    rgb,
    settle,
    view_index,
    views,
)

from z2h.arc.predictions import write_predictions

GRID_LINE = [80, 80, 80]


def wide_task(rows: int = 12, cols: int = 19, pairs: int = 3) -> dict:
    """A task of rows x cols grids (a 19-wide task, as the issue measured)."""
    rng = np.random.default_rng(0)

    def grid():
        return (rng.random((rows, cols)) < 0.3).astype(int) * rng.integers(1, 9, (rows, cols))

    train = [{"input": grid().tolist(), "output": grid().tolist()} for _ in range(pairs)]
    return {"train": train, "test": [{"input": grid().tolist(), "output": grid().tolist()}]}


def hover_then_leave(page, k, row, col):
    page.mouse.move(*cell_point(page, k, row, col))


# ---- the broken items -------------------------------------------------------------------------


def test_tools_act_on_the_grid_clicked_not_the_one_crossed(open_page, plain_folder):
    page = open_page([plain_folder], "/task/plain/square")
    page.keyboard.press("e")
    k_in = view_index(page, "train", 0, "input")
    k_out = view_index(page, "train", 0, "output")
    page.mouse.click(*cell_point(page, k_in, 1, 1))  # selects the red square of the input
    # on the way to the panel the pointer crosses the output grid
    for col in range(5):
        page.mouse.move(*cell_point(page, k_out, 2, col))
    assert page.locator(".view.active").get_attribute("data-side") == "input"
    assert "train 0 input" in page.locator(".active-name").inner_text()
    page.click("#delete")
    assert grid_of(page, "train", 0, "input")[1] == [0, 0, 0, 0, 0]
    assert grid_of(page, "train", 0, "output") == SQUARE["train"][0]["output"]
    # keys and resize go to the grid clicked too
    page.mouse.click(*cell_point(page, k_in, 3, 3))
    page.mouse.move(*cell_point(page, k_out, 0, 0))
    page.fill("#rows", "4")
    page.fill("#cols", "6")
    page.click("#resize")
    got = grid_of(page, "train", 0, "input")
    assert (len(got), len(got[0])) == (4, 6)
    assert grid_of(page, "train", 0, "output") == SQUARE["train"][0]["output"]
    assert page.errors == []


def test_predictions_fit_and_a_wrong_size_shows_its_content(open_page, tmp_path):
    folder = tmp_path / "preds"
    folder.mkdir()
    task = wide_task(6, 7, pairs=1)
    (folder / "t.json").write_text(json.dumps(task))
    answer = np.array(task["test"][0]["output"])
    off_by_one = answer.copy()
    off_by_one[0, 0] = (off_by_one[0, 0] + 1) % 10
    preds = tmp_path / "p.json"
    write_predictions(preds, {"t": [[answer[:, :5], off_by_one]]})
    page = open_page([folder], "/task/preds/t", predictions=[preds], width=1366, height=768)
    k1 = view_index(page, "test", 0, "prediction")
    captions = page.locator(".view[data-side=prediction] .caption").all_inner_texts()
    assert "6 x 5, expected 6 x 7" in captions[0]
    assert page.evaluate(f"studio.state.views[{k1}].view.marks") == []  # content not covered
    assert page.evaluate(f"studio.state.views[{k1 + 1}].view.marks") == [[0, 0]]
    settle(page)
    assert canvas_pixel(page, k1, 2, 2)[:3] == rgb(task["test"][0]["output"][0][0])
    pane = page.locator("#pairs").bounding_box()
    for box in page.locator(".view[data-side=prediction] canvas").all():
        b = box.bounding_box()
        assert b["x"] + b["width"] <= pane["x"] + pane["width"], "an attempt is cut off"
    assert page.evaluate("document.getElementById('pairs').scrollWidth") <= page.evaluate(
        "document.getElementById('pairs').clientWidth"
    )


def test_panels_follow_the_task_and_the_source(open_page, generated_set, plain_folder):
    page = open_page([generated_set, plain_folder])
    labels = json.loads(next((generated_set / "labels").glob("*.json")).read_text())
    pair = labels["train"][0]
    match = next(m for m in pair["correspondence"] if m["change"] == "kept")
    obj = next(o for o in pair["input"]["objects"] if o["id"] == match["input_id"])
    owner = {}
    for o in pair["input"]["objects"]:
        for r, c, _ in o["cells"]:
            owner[r, c] = o["id"]
    row, col, _ = next(cell for cell in obj["cells"] if owner[cell[0], cell[1]] == obj["id"])
    k_in = view_index(page, "train", 0, "input")
    k_out = view_index(page, "train", 0, "output")
    page.keyboard.press("e")
    page.mouse.click(*cell_point(page, k_in, row, col))
    page.mouse.move(1, 1)
    assert page.evaluate(f"[...studio.state.views[{k_out}].view.highlighted]") == [
        match["output_id"]
    ]
    assert page.locator("#happened").inner_text() != "-"
    # moving the object: its old counterpart is no longer outlined, nothing is said about it
    page.keyboard.press("ArrowDown" if row == 0 else "ArrowUp")
    assert page.evaluate(f"[...studio.state.views[{k_out}].view.highlighted]") == []
    assert page.locator("#happened").inner_text() == "-"
    # another source: its first task replaces this one, and the panels start empty
    page.select_option("#source", "plain")
    page.wait_for_url("**/task/plain/square")
    page.wait_for_function("studio.state.task.train[0].input[1][1] === 2")
    assert page.locator("#happened").inner_text() == "-"
    assert page.locator("#hover-info").inner_text() == "-"
    assert page.dialogs and "unsaved" in page.dialogs[0]


def test_read_only_warning_stays(open_page, plain_folder):
    page = open_page([plain_folder], "/task/plain/square", token=False)
    page.wait_for_function("studio.state.current && studio.state.current.id === 'square'")
    warning = page.locator("#readonly")
    assert warning.is_visible() and "read-only" in warning.inner_text()
    page.keyboard.press("e")
    page.click("#save")
    page.wait_for_function("document.getElementById('status').textContent.includes('not saved')")
    assert warning.is_visible()


@pytest.mark.parametrize("scale", [1, 2])
def test_grid_lines_are_crisp(open_page, plain_folder, scale):
    """One line between cells is exactly one CSS pixel of grey, with pure cell colours on either
    side (a 1-pixel stroke on whole-pixel coordinates blurs over two at device scale 1)."""
    page = open_page([plain_folder], "/task/plain/square", scale=scale)
    k = view_index(page, "train", 0, "input")
    settle(page)
    s = page.evaluate(f"studio.state.views[{k}].view.cellSize")
    # between cells (1, 1) and (1, 2), both red; and between (1, 2) red and (1, 3) black
    y = int((s + s / 2) * scale)
    for col, left, right in [(2, 2, 2), (3, 2, 0)]:
        x = col * s * scale
        for dx in range(scale):
            assert canvas_pixel(page, k, x + dx, y) == GRID_LINE
        assert canvas_pixel(page, k, x - 1, y) == rgb(left)
        assert canvas_pixel(page, k, x + scale, y) == rgb(right)


# ---- layout, keys and the mouse ---------------------------------------------------------------


@pytest.mark.parametrize("width, height", [(1366, 768), (1920, 1080)])
def test_layout_uses_the_screen(open_page, tmp_path, width, height):
    folder = tmp_path / "wide"
    folder.mkdir()
    task = wide_task()
    (folder / "w.json").write_text(json.dumps(task))
    answer = np.array(task["test"][0]["output"])
    preds = tmp_path / "p.json"
    write_predictions(preds, {"w": [[answer, answer[:, :17]]]})
    page = open_page([folder], "/task/wide/w", predictions=[preds], width=width, height=height)
    settle(page)
    page.screenshot(path=str(tmp_path / f"studio-{width}.png"))
    for pane in ("pairs", "list-panel", "side"):
        overflow = page.evaluate(
            "(id) => { const e = document.getElementById(id);"
            " return e.scrollWidth - e.clientWidth; }",
            pane,
        )
        assert overflow <= 0, f"{pane} overflows by {overflow} px at {width} x {height}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    cell = page.evaluate("studio.state.cellSize")
    if width == 1920:
        # the first studio drew min(32, 240 / 19) = 12 px cells whatever the window
        assert cell >= 24
    # zoom: keys and ctrl+wheel, and back to fit
    page.keyboard.press("+")
    assert page.evaluate("studio.state.cellSize") > cell
    page.keyboard.press("Control+0")
    assert page.evaluate("studio.state.cellSize") == cell
    page.mouse.move(*cell_point(page, 0, 1, 1))
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    page.wait_for_function(f"studio.state.cellSize > {cell}")


def test_inspect_is_the_default_and_keys(open_page, plain_folder):
    long = copy.deepcopy(SQUARE)
    long["train"] = long["train"] * 8
    (plain_folder / "zz-long.json").write_text(json.dumps(long))
    page = open_page([plain_folder], "/task/plain/square")
    k = view_index(page, "train", 0, "input")
    assert page.evaluate("document.body.dataset.mode") == "inspect"
    page.mouse.click(*cell_point(page, k, 1, 1))  # a click looks: it selects the square
    assert page.evaluate(f"studio.state.views[{k}].view.selection.cells.length") == 4
    for key in ("5", "Backspace", "Delete", "r", "ArrowRight"):
        page.keyboard.press(key)
    assert grid_of(page, "train", 0, "input") == SQUARE["train"][0]["input"]
    page.keyboard.press("e")  # editing is a mode you enter
    page.keyboard.press("5")
    assert grid_of(page, "train", 0, "input")[1][1] == 5
    page.keyboard.press("i")
    page.keyboard.press("Control+z")
    # search: Enter opens the first match and leaves the box, so j / k work again
    page.click("#search")
    page.keyboard.type("long")
    page.keyboard.press("Enter")
    page.wait_for_url("**/task/plain/zz-long")
    page.keyboard.press("k")
    assert page.input_value("#search") == "long"
    # arrows and PageDown scroll a long task instead of switching tasks
    page.wait_for_function("studio.state.task.train.length === 8")
    page.keyboard.press("PageDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.getElementById('pairs').scrollTop") > 0
    assert page.url.endswith("/task/plain/zz-long")


def test_list_sizes_captions_and_generator_description(open_page, generated_set):
    page = open_page([generated_set])
    page.click("#tasks li")  # ensure the listed row is current
    task = page.evaluate("studio.state.task")
    sizes = {
        f"{len(g)}x{len(g[0])}" for s in ("train", "test") for p in task[s] for g in p.values()
    }
    page.client.server.studio.sources["set"].index()  # the launch does it in the background
    page.wait_for_function("studio.state.list[0].sizes !== null", timeout=15000)
    meta = page.locator("#tasks li .meta").first.inner_text()
    assert all(size in meta for size in sizes) and "flip" in meta
    captions = page.locator(".view .caption").all_inner_texts()
    for text, (split, index, side) in zip(captions, views(page), strict=True):
        grid = task[split][index][side]
        assert f"{len(grid)} x {len(grid[0])}" in text
    # search by any grid's size finds the task
    page.fill("#search", sorted(sizes)[0])
    assert page.locator("#tasks li").count() == 1
    generators = page.evaluate("studio.state.generators")
    description = next(g["description"] for g in generators if g["name"] == "flip")
    assert description in page.locator("#task-info").inner_text()


def test_authoring_sizes_and_the_mouse(open_page, plain_folder):
    page = open_page([plain_folder], "/task/plain/square")
    page.keyboard.press("e")
    page.click("#add-train")  # a new pair like the last: 5 x 5 and 5 x 5
    new = page.evaluate("studio.state.task.train[1]")
    assert new == {"input": [[0] * 5] * 5, "output": [[0] * 5] * 5}
    page.keyboard.press("Control+z")
    # a grid resized alone goes back to its partner's size in one click
    k = view_index(page, "test", 0, "output")
    page.mouse.click(*cell_point(page, k, 0, 0))
    page.fill("#rows", "3")
    page.click("#resize")
    assert len(grid_of(page, "test", 0, "output")) == 3
    page.click("#like-partner")
    out = grid_of(page, "test", 0, "output")
    assert (len(out), len(out[0])) == (2, 2)
    # drag a selected object: it moves (one undo step); a click on the background, or a
    # Shift+click, selects one cell
    k = view_index(page, "train", 0, "input")
    page.mouse.click(*cell_point(page, k, 1, 1))
    page.mouse.move(*cell_point(page, k, 1, 1))
    page.mouse.down()
    page.mouse.move(*cell_point(page, k, 2, 1))
    page.mouse.move(*cell_point(page, k, 2, 2))
    page.mouse.up()
    moved = grid_of(page, "train", 0, "input")
    assert [moved[2][2], moved[2][3], moved[3][2], moved[3][3], moved[1][1]] == [2, 2, 2, 2, 0]
    page.keyboard.press("Escape")
    page.keyboard.press("Control+z")
    assert grid_of(page, "train", 0, "input") == SQUARE["train"][0]["input"]
    page.mouse.click(*cell_point(page, k, 0, 4))
    assert page.evaluate(f"studio.state.views[{k}].view.selection.cells") == [[0, 4]]
    page.keyboard.down("Shift")
    page.mouse.click(*cell_point(page, k, 2, 2))
    page.keyboard.up("Shift")
    assert page.evaluate(f"studio.state.views[{k}].view.selection.cells") == [[2, 2]]
    assert page.errors == []


def test_changed_cells_view(open_page, plain_folder):
    page = open_page([plain_folder], "/task/plain/square")
    page.check("#show-changed")
    k = view_index(page, "train", 0, "output")
    changed = page.evaluate(f"[...studio.state.views[{k}].view.changed].sort((a, b) => a - b)")
    cols = 5
    assert changed == [r * cols + c for r, c in [(1, 1), (1, 3), (2, 1), (2, 3)]]
    assert "4 changed" in page.locator(".view .caption").nth(k).inner_text()
    settle(page)
    # an unchanged cell is dimmed, a changed one keeps its colour
    s = page.evaluate(f"studio.state.views[{k}].view.cellSize")
    assert canvas_pixel(page, k, int(1.5 * s), int(1.5 * s)) == rgb(0)  # (1, 1): black, changed
    assert canvas_pixel(page, k, int(2.5 * s), int(1.5 * s)) != rgb(2)  # (1, 2): red, dimmed
    page.uncheck("#show-changed")
    assert page.evaluate(f"studio.state.views[{k}].view.changed") is None


# ---- solve mode, tasks in and out --------------------------------------------------------------


def test_solve_mode(open_page, plain_folder):
    page = open_page([plain_folder], "/task/plain/square")
    page.keyboard.press("Shift+S")
    assert views(page) == [
        ["train", 0, "input"],
        ["train", 0, "output"],
        ["test", 0, "input"],
        ["test", 0, "answer"],
    ]  # the test output is hidden
    k = view_index(page, "test", 0, "answer")
    assert grid_of(page, "test", 0, "output") == SQUARE["test"][0]["output"]  # kept, unseen
    page.locator(".solve-bar button", has_text="submit").click()
    assert page.locator(".solve-verdict").inner_text() == "not exact"
    page.locator(".solve-bar button", has_text="copy input").click()
    page.keyboard.press("p")
    page.keyboard.press("0")
    page.mouse.click(*cell_point(page, k, 0, 0))
    page.keyboard.press("3")
    page.mouse.click(*cell_point(page, k, 0, 1))
    page.keyboard.press("Enter")
    assert page.locator(".solve-verdict").inner_text() == "exact"
    record = page.locator("#solve-record").inner_text()
    assert record.startswith("2 attempts, 1 of 1 test input(s) solved")
    stored = page.evaluate("JSON.parse(localStorage.getItem('z2h-arc-studio-solve'))")
    assert [a["exact"] for a in stored["plain/square"]] == [False, True]
    assert not page.locator("#dirty").is_visible()  # answers are not edits of the task
    page.keyboard.press("i")
    assert ["test", 0, "output"] in views(page)
    assert page.errors == []


def test_solve_mode_does_not_tell_the_test_answer(open_page, generated_set):
    # the labels of a test pair say what its output is (a flip task's "flipped up-down"): solve
    # mode must show neither the pair's rule nor what happened to an object of its input
    task_file = next((generated_set / "tasks").glob("*.json"))
    page = open_page([generated_set], f"/task/set/{task_file.stem}")
    test_head = page.locator(".pair[data-split=test] .pair-head")
    assert "flipped" in test_head.inner_text()  # inspect shows the rule of the test pair
    page.keyboard.press("Shift+S")
    assert "flipped" not in test_head.inner_text()
    assert "flipped" in page.locator(".pair[data-split=train] .pair-head").first.inner_text()
    k = view_index(page, "test", 0, "input")
    # (a task of several demonstrations puts its test pair below the fold)
    page.locator(".pair[data-split=test]").first.scroll_into_view_if_needed()
    pair = np.array(json.loads(task_file.read_text())["test"][0]["input"])
    background = int(np.bincount(pair.ravel()).argmax())
    row, col = map(int, np.argwhere(pair != background)[0])
    page.mouse.move(*cell_point(page, k, row, col))
    assert page.locator("#hover-info").inner_text() != "-"
    assert "hidden while solving" in page.locator("#happened").inner_text()
    page.keyboard.press("i")
    page.mouse.move(1, 1)
    page.mouse.move(*cell_point(page, k, row, col))
    assert "hidden" not in page.locator("#happened").inner_text()
    assert page.errors == []


def test_tasks_in_and_out(open_page, plain_folder, tmp_path):
    page = open_page([plain_folder], "/task/plain/square")
    other = copy.deepcopy(SQUARE)
    other["test"][0]["input"][1][1] = 6
    path = tmp_path / "from file.json"
    path.write_text(json.dumps(other))
    page.set_input_files("#open-input", str(path))
    page.wait_for_function("studio.state.task.test[0].input[1][1] === 6")
    assert page.input_value("#save-id") == "from-file" and page.url.endswith("/new")
    # pasted JSON: a broken task says why and stays in the dialog; a good one opens
    page.click("#open-paste")
    broken = {"train": [{"input": [[1, 2], [3]], "output": [[1]]}], "test": []}
    page.fill("#paste-text", json.dumps(broken))
    page.click("#paste-open")
    assert "row 1 has a different length" in page.locator("#paste-error").inner_text()
    pasted = copy.deepcopy(SQUARE)
    pasted["train"][0]["input"][0][0] = 9
    page.fill("#paste-text", json.dumps(pasted))
    page.click("#paste-open")
    page.wait_for_function("studio.state.task.train[0].input[0][0] === 9")
    with page.expect_download() as info:
        page.click("#download")
    download = info.value
    assert download.suggested_filename == "pasted-task.json"
    assert json.loads(Path(download.path()).read_text()) == pasted
    assert page.errors == []


# ---- the gallery ------------------------------------------------------------------------------


def test_gallery_captions_give_the_sizes_of_the_pair_shown(open_page, tmp_path):
    # a thumbnail draws the first pair (2 x 3 -> 3 x 2): its caption gives those two sizes,
    # not the first two sizes of the whole task (2 x 3 and the 1 x 1 test input)
    folder = tmp_path / "shapes"
    folder.mkdir()
    task = {
        "train": [{"input": [[1, 0, 0], [0, 0, 0]], "output": [[1, 0], [0, 0], [0, 0]]}],
        "test": [{"input": [[4]], "output": [[4]]}],
    }
    (folder / "turn.json").write_text(json.dumps(task))
    page = open_page([folder], "/task/shapes/turn")
    page.keyboard.press("g")
    page.wait_for_function(
        "(() => { const c = document.querySelector('.thumb[data-id=turn] canvas');"
        " return c && c.width === 3; })()"
    )
    meta = page.locator(".thumb[data-id=turn] .thumb-meta").inner_text()
    assert meta.split() == ["2x3", "→", "3x2"]
    assert page.errors == []


def test_gallery_virtualised_filtered_and_compared(open_page, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    n = 400
    for i in range(n):
        colour = i % 9 + 1
        task = {
            "train": [{"input": [[colour, 0], [0, 0]], "output": [[0, colour], [0, 0]]}],
            "test": [{"input": [[colour]], "output": [[colour]]}],
        }
        (folder / f"t{i:04d}.json").write_text(json.dumps(task))
    # predictions: exact for t0000-t0009, wrong for t0010-t0019, none for the rest
    preds = tmp_path / "p.json"
    entries = {f"t{i:04d}": [[np.array([[i % 9 + 1]])]] for i in range(10)}
    entries.update({f"t{i:04d}": [[np.array([[0]])]] for i in range(10, 20)})
    write_predictions(preds, entries)
    page = open_page([folder], "/task/many/t0000", predictions=[preds], width=1366, height=768)
    page.keyboard.press("g")
    page.wait_for_function("document.querySelectorAll('.thumb:not([hidden])').length > 0")
    shown = page.locator(".thumb:not([hidden])").count()
    assert 0 < shown < n / 4, "only the thumbnails on screen exist"
    # thumbnails draw the first pair: t0000's input has colour 1 at (0, 0)
    page.wait_for_function(
        "(() => { const c = document.querySelector('.thumb[data-id=t0000] canvas');"
        " return c && c.width === 2; })()"
    )
    px = page.evaluate(
        "[...document.querySelector('.thumb[data-id=t0000] canvas')"
        ".getContext('2d').getImageData(0, 0, 1, 1).data].slice(0, 3)"
    )
    assert px == rgb(1)
    # scrolled to the end, the last task is on screen
    page.evaluate(
        "(() => { const s = document.getElementById('gallery-scroll');"
        " s.scrollTop = s.scrollHeight; })()"
    )
    page.wait_for_selector(f".thumb[data-id=t{n - 1:04d}]:not([hidden])")
    # the verdict filter
    page.wait_for_function("!document.getElementById('gallery-filter').disabled")
    for verdict, count in (("exact", 10), ("wrong", 10), ("missing", n - 20)):
        page.select_option("#gallery-filter", verdict)
        assert page.locator("#gallery-count").inner_text().startswith(f"{count} of {n}")
    page.select_option("#gallery-filter", "exact")
    page.evaluate("document.getElementById('gallery-scroll').scrollTop = 0")
    page.wait_for_selector(".thumb[data-id=t0003]:not([hidden])")
    page.click(".thumb[data-id=t0001]")
    page.click(".thumb[data-id=t0003]")
    page.click("#compare")
    page.wait_for_selector(".compare-col")
    assert page.locator(".compare-col").evaluate_all("cols => cols.map(c => c.dataset.id)") == [
        "t0001",
        "t0003",
    ]
    assert page.locator(".compare-col canvas").count() == 2 * 4  # train in, out; test in, out
    page.keyboard.press("Escape")
    # the gallery lays its thumbnails out again on the next frame
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.dblclick(".thumb[data-id=t0003]:not([hidden])")
    page.wait_for_url("**/task/many/t0003")
    assert page.evaluate("document.body.dataset.mode") == "inspect"
    assert page.errors == []


# ---- the component: GridView (issue 21) --------------------------------------------------------


def test_gridview_takes_labels_boxes_copies_and_background(demo_page):
    got = demo_page.evaluate(
        """async () => {
        const { GridView } = await import("/static/sketch.js");
        const host = document.createElement("div");
        document.body.append(host);
        const grid = [[1, 1, 1, 1, 1, 1], [1, 0, 1, 1, 1, 1], [1, 1, 1, 2, 2, 2]];
        // labels' format: box [top, left, height, width]; cells [r, c, colour]
        const objects = [{ id: 7, colors: [2], cells: [[2, 3, 2], [2, 4, 2], [2, 5, 2]],
                           box: [2, 3, 1, 3] }, { id: 8, colors: [0], cells: [[1, 1, 0]] }];
        const before = JSON.stringify(objects);
        const view = new GridView(host, { grid, objects, background: 1, cellSize: 20 });
        await view.ready;
        view.setHighlight([7]);
        await view.idle;
        const ctx = view.canvas.getContext("2d");
        const at = (x, y) => [...ctx.getImageData(x, y, 1, 1).data].slice(0, 3);
        const edge = at(3 * 20 + 1, 2 * 20 + 10);  // the outline's left side, on row 2
        const inside = view.objectAt(2, 4).box;
        grid[0][0] = 5;  // the caller's grid and objects stay the caller's
        const unchanged = JSON.stringify(objects) === before && view.grid[0][0] === 1;
        // without objects: components against the given background, not the commonest colour
        const bg = new GridView(host, { grid: [[1, 1, 1], [1, 0, 1], [1, 1, 1]], background: 0 });
        await bg.ready;
        const comps = bg.objects.map((o) => [o.cells.length, o.box]);
        let calls = 0;
        const handler = () => { calls += 1; };
        bg.on("select", handler);
        bg.selectObject(0);
        bg.off("select", handler);
        bg.selectObject(0);
        view.remove();
        bg.remove();
        host.remove();
        return { edge, inside, unchanged, comps, calls, noBox: !("box" in objects[1]) };
    }"""
    )
    assert got["edge"] == [255, 220, 0]  # the highlight outline is drawn at the box's left
    assert got["inside"] == [2, 3, 1, 3]
    assert got["unchanged"] and got["noBox"]
    assert got["comps"] == [[8, [0, 0, 3, 3]]]  # the ring of 1s, box [top, left, h, w]
    assert got["calls"] == 1


TASKS_TO_CHECK = [
    {"train": [{"input": [[1]], "output": [[1]]}], "test": [{"input": [[1]]}]},
    {"train": [{"input": [[1]], "output": [[1]]}], "test": []},
    {"train": [], "test": [{"input": [[1]]}]},
    {"train": [{"input": [[1]]}], "test": [{"input": [[1]]}]},
    {"train": [{"input": [[1, 2], [3]], "output": [[1]]}], "test": []},
    {"train": [{"input": [[10]], "output": [[1]]}], "test": []},
    {"train": [{"input": [[1.5]], "output": [[1]]}], "test": []},
    {"train": [{"input": [[True]], "output": [[1]]}], "test": []},
    {"train": [{"input": [[0] * 31], "output": [[1]]}], "test": []},
    {"train": [{"input": [], "output": [[1]]}], "test": []},
    {"train": [{"input": [[]], "output": [[1]]}], "test": []},
    {"train": [{"input": [[1]], "output": [[1]]}], "test": [{"input": [[1]], "output": [[-1]]}]},
    {"test": [{"input": [[1]]}]},
]


def test_page_checks_tasks_as_z2h_arc_task_does(demo_page):
    """gridops.js's taskProblem (opening a file or pasted JSON) accepts exactly the tasks
    z2h.arc.task.task_from_json accepts, on valid and broken tasks."""
    from z2h.arc.grid import ArcError
    from z2h.arc.task import task_from_json

    got = demo_page.evaluate(
        """async (tasks) => {
        const { taskProblem } = await import("/static/gridops.js");
        return tasks.map((t) => taskProblem(t));
    }""",
        TASKS_TO_CHECK,
    )
    for task, problem in zip(TASKS_TO_CHECK, got, strict=True):
        try:
            task_from_json(task, "t")
            python_ok = True
        except ArcError:
            python_ok = False
        assert (problem is None) == python_ok, (task, problem)
