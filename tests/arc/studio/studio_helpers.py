"""Shared constants and helpers of the studio's tests (conftest.py holds the fixtures), and the
browser that the sketch tests' pages use too."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from z2h.arc.grid import PALETTE

# a hand-made task: a red 2x2 square and a blue cell on black (no labels: the page finds them)
SQUARE = {
    "train": [
        {
            "input": [
                [0, 0, 0, 0, 0],
                [0, 2, 2, 0, 0],
                [0, 2, 2, 0, 0],
                [0, 0, 0, 1, 0],
                [0, 0, 0, 0, 0],
            ],
            "output": [
                [0, 0, 0, 0, 0],
                [0, 0, 2, 2, 0],
                [0, 0, 2, 2, 0],
                [0, 0, 0, 1, 0],
                [0, 0, 0, 0, 0],
            ],
        }
    ],
    "test": [{"input": [[3, 0], [0, 0]], "output": [[0, 3], [0, 0]]}],
}
GENERATOR = "flip"


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` -> a hash of its bytes and its mtime, so a rewrite with the same
    bytes counts as a change too (symlinks by their target)."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            out[str(path.relative_to(root))] = "-> " + str(path.readlink())
        elif path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            out[str(path.relative_to(root))] = f"{digest} {path.stat().st_mtime_ns}"
    return out


# ---- the page in a browser (conftest.py's `browser` and `open_page` fixtures) ------------------


def views(page) -> list:
    """(split, index, side) of every view, in page order."""
    return page.evaluate("studio.state.views.map(v => [v.split, v.index, v.side])")


def view_index(page, split: str, index: int, side: str) -> int:
    return views(page).index([split, index, side])


def cell_point(page, k: int, row: int, col: int) -> tuple[float, float]:
    """Page coordinates of the centre of cell (row, col) of view k."""
    p = page.evaluate(f"studio.state.views[{k}].view.cellCenterOnPage({row}, {col})")
    return p["x"], p["y"]


def canvas_pixel(page, k: int, x: int, y: int) -> list[int]:
    """The RGB of device pixel (x, y) of view k's canvas."""
    return page.evaluate(
        f"""(() => {{
        const v = studio.state.views[{k}].view;
        const px = v.canvas.getContext("2d").getImageData({x}, {y}, 1, 1).data;
        return [px[0], px[1], px[2]];
    }})()"""
    )


def pixel(page, k: int, row: int, col: int) -> list[int]:
    """The RGB the canvas of view k shows at the centre of cell (row, col)."""
    return page.evaluate(
        f"""(() => {{
        const v = studio.state.views[{k}].view;
        const d = window.devicePixelRatio || 1;
        const {{x, y}} = v.cellToXY({row}, {col});
        const s = v.cellSize;
        const px = v.canvas.getContext("2d").getImageData(
            Math.floor((x + s / 2) * d), Math.floor((y + s / 2) * d), 1, 1).data;
        return [px[0], px[1], px[2]];
    }})()"""
    )


def rgb(colour: int) -> list[int]:
    h = PALETTE[colour].lstrip("#")
    return [int(h[i : i + 2], 16) for i in (0, 2, 4)]


def settle(page) -> None:
    """Wait until every view has finished its pending redraws."""
    page.evaluate("Promise.all(studio.state.views.map(v => v.view.idle))")


def grid_of(page, split: str, index: int, side: str) -> list:
    return page.evaluate(f"studio.state.task.{split}[{index}].{side}")


@contextmanager
def launched_browser() -> Iterator[Any]:
    """Headless Chromium; skips (fails under CI=true) without one. The studio keeps one for the
    session; the sketch modules close theirs, since mini-racer refuses a timed call while
    Playwright's loop runs on the thread."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    reason = None if chromium else "no chromium on PATH (Debian: apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright Python package is not installed (pip install playwright)"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the browser tests cannot run: {reason}")
        pytest.skip(reason)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()
