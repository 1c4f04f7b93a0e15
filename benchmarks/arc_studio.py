"""ARC studio speed: hover-to-redraw per frame in headless Chromium on a 30x30 task with 5 pairs
and a prediction (13 views), the time to list a folder of 10,000 tasks, and the frame rate of
the gallery scrolling through 10,000 tasks; optionally the docs' pictures of the page.

    python benchmarks/arc_studio.py [--hovers 300] [--tasks 10000] [--json]
    python benchmarks/arc_studio.py --only gallery [--gallery-tasks 10000] [--scroll-seconds 5]
    python benchmarks/arc_studio.py --screenshots docs/img

Targets: median hover-to-redraw <= 16 ms; listing <= 200 ms; gallery scrolling >= 50 frames
per second. A hover is timed from the pointer event to the end of every redraw it causes (the
hovered view and its linked counterpart); the page loads with all 13 views before timing starts.
Listing is timed over HTTP, cold (ids, generators and concepts; sizes still being indexed) and
warm (sizes indexed). The gallery scrolls by a fixed step every animation frame (about 2,400
pixels a second, a thumbnail row every 3 frames) while its thumbnails are fetched and drawn; the
frame rate is frames over elapsed time, with the slowest frames. Needs Debian's chromium and the
playwright package.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from z2h.arc.grid import most_common_color
from z2h.arc.labels import GridLabels, Match, PairLabels, TaskLabels, check_labels, object_label
from z2h.arc.objects import find_objects
from z2h.arc.predictions import write_predictions
from z2h.arc.relations import relations
from z2h.arc.studio.api import Studio
from z2h.arc.studio.server import StudioServer
from z2h.arc.task import Pair, Task, write_task
from z2h.machine import describe, machine
from z2h.run import write_json_atomic

# screenshot: generators tried in order (the first one registered is used)
SHOT_GENERATORS = ("move_until_touch", "gravity", "recolor_by_size", "flip")


def grid_labels_of(grid: np.ndarray) -> GridLabels:
    objs = find_objects(grid)
    h, w = grid.shape
    return GridLabels(
        h, w, most_common_color(grid), [object_label(o, h, w) for o in objs], relations(objs)
    )


def busy_task(rng: np.random.Generator, task_id: str) -> tuple[Task, TaskLabels]:
    """3 train + 2 test pairs of 30x30 grids with ~40 rectangles each; the output recolours
    every object (so each input object has a labelled counterpart to highlight)."""
    perm = np.array([0, *rng.permutation(np.arange(1, 10))], np.uint8)
    pairs, labels = [], []
    for _ in range(5):
        grid = np.zeros((30, 30), np.uint8)
        for _ in range(40):
            r, c = rng.integers(0, 27, size=2)
            h, w = rng.integers(1, 4, size=2)
            grid[r : r + h, c : c + w] = rng.integers(1, 10)
        out = perm[grid]
        gi, go = grid_labels_of(grid), grid_labels_of(out)
        corr = [
            Match(a.id, b.id, [{"op": "recolor", "from": a.colors[0], "to": b.colors[0]}])
            for a, b in zip(gi.objects, go.objects, strict=True)
        ]
        pairs.append(Pair(grid, out))
        labels.append(PairLabels(gi, go, corr, []))
    task = Task(task_id, pairs[:3], pairs[3:])
    tl = TaskLabels(task_id, None, None, None, None, {}, labels[:3], labels[3:])
    problems = check_labels(task, tl)
    if problems:
        raise RuntimeError(problems[0])
    return task, tl


def launch(folder: Path, predictions: list[Path] = ()) -> StudioServer:
    server = StudioServer(Studio([folder], predictions), "127.0.0.1", 0)
    server.start()
    return server


def hover_benchmark(root: Path, hovers: int) -> dict:
    from playwright.sync_api import sync_playwright

    rng = np.random.default_rng(0)
    folder = root / "hover"
    task, labels = busy_task(rng, "busy")
    write_task(folder / "tasks" / "busy.json", task)
    write_json_atomic(folder / "labels" / "busy.json", labels.to_json())
    preds = root / "predictions.json"
    wrong = task.test[0].output.copy()
    wrong[:3, :3] = 0
    write_predictions(preds, {"busy": [[wrong, task.test[0].output], [wrong]]})
    server = launch(folder, [preds])
    chromium = chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        start = time.perf_counter()
        page.goto(f"http://127.0.0.1:{server.port}/task/hover/busy?token={server.token}")
        page.wait_for_selector("body[data-ready]", timeout=30000)
        page.evaluate("Promise.all(studio.state.views.map(v => v.view.idle))")
        open_ms = (time.perf_counter() - start) * 1000
        n_views = page.evaluate("studio.state.views.length")
        # pointer events at the centres of cells across the train 0 input, each followed by
        # waiting for every redraw it started (hovered view + linked counterpart)
        times = page.evaluate(
            """async (n) => {
            const entry = studio.state.views[0];
            const view = entry.view;
            const canvas = view.canvas;
            const rect = canvas.getBoundingClientRect();
            const out = [];
            for (let i = 0; i < n; i++) {
                const row = (i * 7) % view.rows, col = (i * 13) % view.cols;
                const {x, y} = view.cellToXY(row, col);
                const t0 = performance.now();
                canvas.dispatchEvent(new PointerEvent("pointermove", {
                    clientX: rect.left + x + view.cellSize / 2,
                    clientY: rect.top + y + view.cellSize / 2, bubbles: true}));
                await Promise.all(studio.state.views.map(v => v.view.idle));
                out.push(performance.now() - t0);
            }
            return out;
        }""",
            hovers,
        )
        browser.close()
    server.shutdown()
    if errors:
        raise SystemExit(f"arc_studio benchmark: page errors: {errors}")
    times.sort()
    return {
        "views": n_views,
        "open_ms": round(open_ms, 1),
        "hovers": len(times),
        "hover_median_ms": round(statistics.median(times), 2),
        "hover_p90_ms": round(times[int(0.9 * (len(times) - 1))], 2),
        "hover_max_ms": round(times[-1], 2),
    }


def list_benchmark(root: Path, n_tasks: int, repeat: int) -> dict:
    folder = root / "many"
    small_tasks(folder, n_tasks, seed=1)
    server = launch(folder)

    def get() -> float:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        start = time.perf_counter()
        conn.request("GET", "/api/sources/many/tasks")
        body = conn.getresponse().read()
        seconds = time.perf_counter() - start
        conn.close()
        assert len(json.loads(body)["ids"]) == n_tasks
        return seconds * 1000

    first = get()  # reads the folder; later requests reuse the listing while its mtime holds
    cold = sorted(get() for _ in range(repeat))
    start = time.perf_counter()
    indexed = server.studio.sources["many"].index()
    index_s = time.perf_counter() - start
    warm = sorted(get() for _ in range(repeat))
    server.shutdown()
    return {
        "tasks": n_tasks,
        "list_first_ms": round(first, 1),
        "list_cold_median_ms": round(statistics.median(cold), 1),
        "list_warm_median_ms": round(statistics.median(warm), 1),
        "index_s": round(index_s, 2),
        "indexed": indexed,
    }


def small_tasks(folder: Path, n_tasks: int, seed: int) -> list[str]:
    """n_tasks random tasks of 3-12 rows and columns, named as generated ones; their ids."""
    tasks = folder / "tasks"
    tasks.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    ids = []
    for i in range(n_tasks):
        grid = rng.integers(0, 10, size=(rng.integers(3, 12), rng.integers(3, 12))).tolist()
        text = json.dumps({"train": [{"input": grid, "output": grid}], "test": [{"input": grid}]})
        ids.append(f"flip-{i // 1000}-{i % 1000:06d}")
        (tasks / f"{ids[-1]}.json").write_text(text)
    return ids


def chromium_path() -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("arc_studio benchmark: no chromium on PATH (apt-get install chromium)")
    return chromium


def gallery_benchmark(root: Path, n_tasks: int, seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    ids = small_tasks(root / "gallery", n_tasks, seed=2)
    server = launch(root / "gallery")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"http://127.0.0.1:{server.port}/task/gallery/{ids[0]}?token={server.token}")
        page.wait_for_selector("body[data-ready]", timeout=30000)
        page.keyboard.press("g")
        page.wait_for_selector(".thumb:not([hidden])")
        frames = page.evaluate(
            """async (seconds) => {
            const scroll = document.getElementById("gallery-scroll");
            const times = [];
            await new Promise((resolve) => {
                const frame = (t) => {
                    times.push(t);
                    scroll.scrollTop += 40;
                    const end = scroll.scrollTop + scroll.clientHeight >= scroll.scrollHeight;
                    if (t - times[0] < seconds * 1000 && !end) requestAnimationFrame(frame);
                    else resolve();
                };
                requestAnimationFrame(frame);
            });
            return { times, top: scroll.scrollTop,
                     shown: document.querySelectorAll(".thumb:not([hidden])").length };
        }""",
            seconds,
        )
        browser.close()
    server.shutdown()
    if errors:
        raise SystemExit(f"arc_studio benchmark: page errors: {errors}")
    times = frames["times"]
    gaps = sorted(b - a for a, b in itertools.pairwise(times))
    elapsed = times[-1] - times[0]
    return {
        "gallery_tasks": n_tasks,
        "gallery_frames": len(times),
        "gallery_fps": round((len(times) - 1) / elapsed * 1000, 1) if elapsed else None,
        "gallery_frame_p90_ms": round(gaps[int(0.9 * (len(gaps) - 1))], 1) if gaps else None,
        "gallery_frame_max_ms": round(gaps[-1], 1) if gaps else None,
        "gallery_scrolled_px": frames["top"],
        "gallery_thumbs_on_screen": frames["shown"],
    }


def screenshots(out: Path, root: Path) -> None:
    """The docs' pictures: a task with its labels (the pointer on an object), solve mode, a
    prediction of the wrong size at 1366 x 768, the gallery, two tasks compared, pasting."""
    from playwright.sync_api import sync_playwright

    from z2h.arc.generate import make_task
    from z2h.arc.generators.registry import get_generator, names

    folder = root / "examples"
    made_all = {}
    for i, name in enumerate(names()):
        made = make_task(get_generator(name), 0, 0, (0.2, 0.4))
        made_all[name] = made
        write_task(folder / "tasks" / f"{made.task.id}.json", made.task)
        write_json_atomic(folder / "labels" / f"{made.task.id}.json", made.labels.to_json())
        if i >= 40:
            break
    name = next((g for g in SHOT_GENERATORS if g in made_all), next(iter(made_all)))
    made = made_all[name]
    # predictions: every other task exact (attempt 1), the rest wrong in one cell (attempt 1)
    # and one column short (attempt 2)
    preds = {}
    for k, (_, m) in enumerate(sorted(made_all.items())):
        answer = m.task.test[0].output
        one_off = answer.copy()
        one_off[0, 0] = (one_off[0, 0] + 1) % 10
        short = answer[:, :-1] if answer.shape[1] > 1 else one_off
        preds[m.task.id] = [[answer if k % 2 else one_off, short]]
    write_predictions(root / "preds.json", preds)
    server = launch(folder, [root / "preds.json"])
    server.studio.start_indexing().join()  # the list shows sizes, as after a launch
    base = f"http://127.0.0.1:{server.port}"
    out.mkdir(parents=True, exist_ok=True)

    def shot(page, file: str) -> None:
        page.evaluate("Promise.all(studio.state.views.map(v => v.view.idle))")
        page.wait_for_timeout(300)
        page.screenshot(path=str(out / file))
        print(f"arc_studio: wrote {out / file}")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 820})
        page.goto(f"{base}/task/examples/{made.task.id}?token={server.token}")
        page.wait_for_selector("body[data-ready]", timeout=30000)
        page.check("#show-ids")
        # point at the first input object that has a counterpart in the output
        pl = made.labels.train[0]
        match = next(
            (m for m in pl.correspondence if m.input_id is not None and m.output_id is not None),
            None,
        )
        if match is not None:
            obj = next(o for o in pl.input.objects if o.id == match.input_id)
            row, col = (int(v) for v in obj.cells[len(obj.cells) // 2][:2])
            p = page.evaluate(f"studio.state.views[0].view.cellCenterOnPage({row}, {col})")
            page.mouse.move(p["x"], p["y"])
        shot(page, "arc_studio.png")
        page.mouse.move(1, 1)
        page.keyboard.press("Shift+S")
        k = page.evaluate("studio.state.views.findIndex(v => v.side === 'answer')")
        page.locator(".solve-bar button", has_text="copy input").first.click()
        p = page.evaluate(f"studio.state.views[{k}].view.cellCenterOnPage(0, 0)")
        page.keyboard.press("p")
        page.keyboard.press("4")
        page.mouse.click(p["x"], p["y"])
        page.mouse.move(1, 1)
        page.locator(".solve-bar button", has_text="submit").first.click()
        shot(page, "arc_studio_solve.png")
        page.keyboard.press("i")
        page.keyboard.press("g")
        page.wait_for_timeout(1500)
        shot(page, "arc_studio_gallery.png")
        thumbs = page.locator(".thumb:not([hidden])")
        thumbs.nth(0).click()
        thumbs.nth(1).click()
        page.click("#compare")
        page.wait_for_selector(".compare-col")
        shot(page, "arc_studio_compare.png")
        small = browser.new_page(viewport={"width": 1366, "height": 768})
        wrong = next(m for k, (_, m) in enumerate(sorted(made_all.items())) if k % 2 == 0)
        small.goto(f"{base}/task/examples/{wrong.task.id}?token={server.token}")
        small.wait_for_selector("body[data-ready]", timeout=30000)
        small.locator(".pair[data-split=test]").first.scroll_into_view_if_needed()
        shot(small, "arc_studio_predictions.png")
        small.click("#open-paste")
        small.fill(
            "#paste-text", '{"train": [{"input": [[1, 2], [3]], "output": [[1]]}], "test": []}'
        )
        small.click("#paste-open")
        shot(small, "arc_studio_paste.png")
        browser.close()
    server.shutdown()


PARTS = ("hover", "list", "gallery")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hovers", type=int, default=300, help="pointer moves timed")
    parser.add_argument("--tasks", type=int, default=10000, help="tasks in the listed folder")
    parser.add_argument("--repeat", type=int, default=5, help="list requests timed (median)")
    parser.add_argument(
        "--gallery-tasks", type=int, default=10000, help="tasks in the gallery scrolled"
    )
    parser.add_argument(
        "--scroll-seconds", type=float, default=5.0, help="how long the gallery scrolls"
    )
    parser.add_argument(
        "--only", choices=PARTS, action="append", help="run only these measures (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--screenshots", type=Path, metavar="DIR", help="write the docs' PNGs into DIR and stop"
    )
    args = parser.parse_args(argv)
    for name in ("hovers", "tasks", "repeat", "gallery_tasks"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.scroll_seconds <= 0:
        parser.error("--scroll-seconds must be positive")
    parts = args.only or PARTS
    with tempfile.TemporaryDirectory(prefix="z2h-arc-studio-") as tmp:
        root = Path(tmp)
        if args.screenshots:
            screenshots(args.screenshots, root)
            return 0
        result: dict = {}
        if "hover" in parts:
            result.update(hover_benchmark(root, args.hovers))
        if "list" in parts:
            result.update(list_benchmark(root, args.tasks, args.repeat))
        if "gallery" in parts:
            result.update(gallery_benchmark(root, args.gallery_tasks, args.scroll_seconds))
        result.update(
            machine=machine(torch_used=False),  # (the studio's server runs no torch)
            cpus=os.cpu_count(),
            loadavg=[round(v, 2) for v in os.getloadavg()],
        )
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{'measure':<48} {'value':>10}  target")
    for name, value, target in table_rows(result):
        print(f"{name:<48} {value:>10}  {target}")
    print(f"{describe(result['machine'])}; load average {result['loadavg']}")
    return 0


def table_rows(result: dict) -> list[tuple[str, object, str]]:
    rows: list[tuple[str, object, str]] = []
    if "hover_median_ms" in result:
        rows += [
            (f"page open, {result['views']} views (ms)", result["open_ms"], ""),
            (f"hover-to-redraw median of {result['hovers']} (ms)", result["hover_median_ms"],
             "<= 16"),
            ("hover-to-redraw p90 (ms)", result["hover_p90_ms"], ""),
            ("hover-to-redraw max (ms)", result["hover_max_ms"], ""),
        ]  # fmt: skip
    if "list_first_ms" in result:
        n = result["tasks"]
        rows += [
            (f"list {n} tasks, first request (ms)", result["list_first_ms"], "<= 200"),
            (f"list {n} tasks, sizes not indexed (ms)", result["list_cold_median_ms"], "<= 200"),
            (f"list {n} tasks, sizes indexed (ms)", result["list_warm_median_ms"], "<= 200"),
            ("index their sizes in the background (s)", result["index_s"], ""),
        ]
    if "gallery_fps" in result:
        n = result["gallery_tasks"]
        rows += [
            (f"gallery of {n} tasks, scrolling (frames/s)", result["gallery_fps"], ">= 50"),
            ("gallery frame p90 (ms)", result["gallery_frame_p90_ms"], ""),
            ("gallery frame max (ms)", result["gallery_frame_max_ms"], ""),
            ("gallery thumbnails on screen", result["gallery_thumbs_on_screen"], ""),
        ]
    return rows


if __name__ == "__main__":
    sys.exit(main())
