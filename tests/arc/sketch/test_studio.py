"""Sketch mode in the studio, in headless Chromium: type a sketch, the preview appears (the same
pairs as headless), an error shows its line in the editor, save, generate.

Without Chromium or Playwright these tests skip with the reason; under CI=true they fail
instead."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sketch_helpers import fnv1a32
from studio_helpers import launched_browser

from z2h.arc.studio.api import Studio
from z2h.arc.studio.server import StudioServer
from z2h.arc.studio.sketchdesk import SketchDesk

MOVER = """function pair() {
  createCanvas(6, 4);
  fill(random([1, 2, 3]));
  const a = rect(randomInt(0, 2), randomInt(0, 3), 2, 1);
  output();
  a.move(2, 0);
}
"""


@pytest.fixture(scope="module")
def browser():
    with launched_browser() as b:
        yield b


@pytest.fixture
def studio_page(browser, tmp_path: Path):
    studio = Studio([tmp_path / "tasks"])
    studio.sketch_desk = SketchDesk(studio, tmp_path / "sketches")
    server = StudioServer(studio, "127.0.0.1", 0)
    server.start()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"http://127.0.0.1:{server.port}/?token={server.token}")
    page.wait_for_selector("body[data-ready]", timeout=15000)
    page.click("#modes button[data-mode=sketch]")
    page.wait_for_selector("body[data-sketch-ready]", timeout=15000)
    page.wait_for_selector("#sketch-previews .sketch-card", timeout=15000)
    yield page, tmp_path
    page.close()
    server.shutdown()
    server.server_close()


def type_sketch(page, text: str) -> None:
    """Replace the editor's text and wait until the page has run it (the pane names the
    source it last ran by its FNV-1a hash)."""
    page.click("#sketch-editor .cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)
    page.wait_for_selector(f"#sketch-pane[data-source='{fnv1a32(text)}']", timeout=15000)


def headless_preview(source: str, seed: int):
    from z2h.arc.sketch.host import SketchGenerator

    def run():
        got = SketchGenerator(source, "my_sketch").preview(seed)
        return [got["input"], got["output"]]

    with ThreadPoolExecutor(1) as pool:  # (mini-racer wants a thread without a running loop)
        return pool.submit(run).result()


def test_type_a_sketch_and_the_preview_shows_its_pairs(studio_page) -> None:
    page, _ = studio_page
    page.fill("#sketch-name", "my_sketch")
    type_sketch(page, MOVER)
    cards = page.locator("#sketch-previews .sketch-card")
    assert cards.count() == 8
    assert page.text_content("#sketch-error") == ""
    for k in (0, 5):
        shown = json.loads(cards.nth(k).get_attribute("data-pair"))
        assert shown == headless_preview(MOVER, k)
    # from the edit (after its debounce) to eight pairs drawn; the figure is printed, the
    # bound is loose: this machine is shared
    edit_to_pairs = page.evaluate(
        """() => new Promise((done) => {
          const box = document.getElementById('sketch-previews');
          const t0 = performance.now();
          new MutationObserver(() => done(performance.now() - t0))
            .observe(box, { childList: true });
          const view = document.querySelector('#sketch-editor .cm-content');
          view.focus();
          document.execCommand('insertText', false, ' ');
        })"""
    )
    print(f"edit to 8 previewed pairs: {edit_to_pairs:.0f} ms (worker: {cards.count()} pairs)")
    assert edit_to_pairs < 2000
    page.click("#sketch-next")  # the next eight seeds
    page.wait_for_function("document.querySelector('.sketch-card').dataset.seed === '8'")
    assert page.errors == []


def test_hovering_an_object_links_it_to_its_counterpart(studio_page) -> None:
    page, _ = studio_page
    page.fill("#sketch-name", "my_sketch")
    type_sketch(page, MOVER)
    first = page.locator("#sketch-previews .sketch-card").first
    inp, _ = headless_preview(MOVER, 0)
    row = next(r for r, cells in enumerate(inp) if any(cells))
    col = next(c for c, v in enumerate(inp[row]) if v)
    canvas = first.locator(".sketch-input canvas")
    box = canvas.bounding_box()
    scale = box["width"] / len(inp[0])
    page.mouse.move(box["x"] + (col + 0.5) * scale, box["y"] + (row + 0.5) * scale)
    assert first.locator(".sketch-note").inner_text() == "0 -> 0: move"
    assert first.locator(".sketch-output .sketch-mark").is_visible()


def test_an_error_shows_its_line_in_the_editor(studio_page) -> None:
    page, _ = studio_page
    page.fill("#sketch-name", "bad")
    type_sketch(page, "function pair() {\n  createCanvas(4, 4);\n  fill(12);\n  output();\n}\n")
    assert "bad.js line 3: fill: colour 12" in page.text_content("#sketch-error")
    page.wait_for_selector(".cm-lintRange-error")
    assert page.get_attribute("#sketch-editor", "data-error-line") == "3"
    type_sketch(page, "function pair() {\n  createCanvas(4, 4);\n  let x = ;\n}\n")
    assert "bad.js line 3: SyntaxError" in page.text_content("#sketch-error")


def test_an_endless_loop_stops_the_preview_not_the_page(studio_page) -> None:
    page, _ = studio_page
    type_sketch(page, "function pair() {\n  while (true) {}\n}\n")
    page.wait_for_function(
        "document.getElementById('sketch-error').textContent.includes('endless loop')",
        timeout=15000,
    )
    type_sketch(page, MOVER)  # the page still answers, and a new worker draws
    page.wait_for_function("document.getElementById('sketch-error').textContent === ''")


def test_save_and_generate(studio_page) -> None:
    page, root = studio_page
    page.fill("#sketch-name", "mover")
    type_sketch(page, MOVER)
    page.click("#sketch-save")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('saved')")
    assert (root / "sketches" / "mover.js").read_text() == MOVER
    page.fill("#sketch-tasks", "3")
    page.click("#sketch-generate")
    page.wait_for_function(
        "document.getElementById('status').textContent.startsWith('wrote')", timeout=30000
    )
    manifest = json.loads((root / "sketches" / "sets" / "mover-0" / "manifest.json").read_text())
    assert manifest["tasks"] == 3 and manifest["sketch"]["verified"] is False


def test_writes_need_the_token(studio_page) -> None:
    page, root = studio_page
    status = page.evaluate(
        "fetch('/api/sketches/x', {method: 'PUT', headers: {'Content-Type': 'application/json'},"
        " body: JSON.stringify({source: 'x'})}).then(r => r.status)"
    )
    assert status == 401 and not (root / "sketches" / "x.js").exists()


def test_leaving_sketch_mode_shows_the_pairs_again(studio_page) -> None:
    page, _ = studio_page
    assert page.is_visible("#sketch-pane") and not page.is_visible("#pairs")
    page.click("#modes button[data-mode=inspect]")
    assert page.is_hidden("#sketch-pane") and page.is_visible("#pairs")
    page.click("#modes button[data-mode=sketch]")
    assert page.is_visible("#sketch-pane")
    assert page.errors == []
