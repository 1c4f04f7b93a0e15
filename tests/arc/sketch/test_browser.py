"""The same runtime in headless Chromium: the same sketch, seed and index give the same task
and label files as headless V8 in Python (mini-racer), and every verb the same grid.

Without Chromium or Playwright these tests skip with the reason; under CI=true they fail
instead, so CI cannot pass by skipping them.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sketch_helpers import sketch
from studio_helpers import launched_browser
from test_verbs import VERBS

from z2h.arc.labels import ACTIONS
from z2h.arc.sketch import load, shipped
from z2h.arc.sketch.host import runtime_source, task_and_labels
from z2h.arc.task import dumps_task


@pytest.fixture(scope="module")
def page():
    with launched_browser() as browser:
        p = browser.new_page()
        p.set_content("<!doctype html><title>sketch runtime</title>")
        p.add_script_tag(content=runtime_source())
        p.evaluate("ops => Z2HSketch.setActions(ops)", sorted(ACTIONS))
        yield p


def headless(fn):
    """``fn()`` on another thread: Playwright's sync API keeps an asyncio loop running on this
    one, and mini-racer refuses a timed call from a thread with a running loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def in_browser(page, source: str, name: str, call: str):
    """``call`` (JS using ``s``, the loaded sketch) evaluated in the page, as JSON text (as
    the host reads it: Playwright's own transfer would turn a -0 into -0.0)."""
    return json.loads(
        page.evaluate(
            "([src, name]) => { const s = Z2HSketch.load(src, name); "
            f"return JSON.stringify({call}); }}",
            [source, name],
        )
    )


def files(value: dict, name: str, seed: int, index: int) -> tuple[str, str]:
    task, labels = task_and_labels(value, name, seed, index, (0.0, 1.0))
    return dumps_task(task), json.dumps(labels.to_json())


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.stem)
def test_browser_and_headless_make_byte_identical_files(page, path) -> None:
    gen = headless(lambda: load(path))
    for index in range(2):
        there = headless(lambda i=index: gen.raw_task(7, i, (0.0, 1.0), 200))
        here = in_browser(page, gen.source, gen.name, f"s.makeTask(7, {index}, [0, 1], 200)")
        assert here == there
        assert files(here["value"], gen.name, 7, index) == files(there["value"], gen.name, 7, index)


@pytest.mark.parametrize("verb, body, expected", VERBS, ids=[v[0] for v in VERBS])
def test_every_verb_draws_the_same_grid_in_the_browser(page, verb, body, expected) -> None:
    source = f"function pair() {{\ncreateCanvas(5, 5);\n{body}\noutput();\n}}\n"
    browser = in_browser(page, source, "t", "s.preview(0, [0, 1])")
    assert browser["value"] == headless(lambda: sketch(source).preview(0))


def test_an_error_names_the_same_line_in_the_browser(page) -> None:
    source = "function pair() {\n  createCanvas(5, 5);\n  fill(12);\n  output();\n}\n"
    browser = in_browser(page, source, "bad", "s.preview(0, [0, 1])")
    assert browser["error"]["line"] == 3
    assert browser["error"]["message"].startswith("bad.js line 3: fill: colour 12")
