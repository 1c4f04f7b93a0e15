"""ARC studio speed: hover-to-redraw per frame in headless Chromium on a 30x30 task with 5 pairs
and a prediction (13 views), and the time to list a folder of 10,000 tasks; optionally a
screenshot of a task page for the docs.

    python benchmarks/arc_studio.py [--hovers 300] [--tasks 10000] [--json]
    python benchmarks/arc_studio.py --screenshot docs/img/arc_studio.png

Targets (issue "ARC studio II"): median hover-to-redraw <= 16 ms; listing <= 200 ms.
A hover is timed from the pointer event to the end of every redraw it causes (the hovered view
and its linked counterpart); the page loads with all 13 views before timing starts. Listing is
timed over HTTP, cold (ids, generators and concepts; sizes still being indexed) and warm
(sizes indexed). Needs Debian's chromium and the playwright package.
"""

from __future__ import annotations

import argparse
import http.client
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
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("arc_studio benchmark: no chromium on PATH (apt-get install chromium)")
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
    tasks = folder / "tasks"
    tasks.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for i in range(n_tasks):
        grid = rng.integers(0, 10, size=(rng.integers(3, 12), rng.integers(3, 12))).tolist()
        text = json.dumps({"train": [{"input": grid, "output": grid}], "test": [{"input": grid}]})
        (tasks / f"flip-{i // 1000}-{i % 1000:06d}.json").write_text(text)
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


def screenshot(path: Path, root: Path) -> None:
    """A task page as the docs show it: a generated task, its labels, the pointer on an object."""
    from playwright.sync_api import sync_playwright

    from z2h.arc.generate import make_task
    from z2h.arc.generators.registry import get_generator, names

    name = next((g for g in SHOT_GENERATORS if g in names()), names()[0])
    made = make_task(get_generator(name), 0, 0, (0.2, 0.4))
    folder = root / "examples"
    write_task(folder / "tasks" / f"{made.task.id}.json", made.task)
    write_json_atomic(folder / "labels" / f"{made.task.id}.json", made.labels.to_json())
    server = launch(folder)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 820})
        page.goto(
            f"http://127.0.0.1:{server.port}/task/examples/{made.task.id}?token={server.token}"
        )
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
        page.evaluate("Promise.all(studio.state.views.map(v => v.view.idle))")
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))
        browser.close()
    server.shutdown()
    print(f"arc_studio: wrote {path} ({name}, seed 0)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hovers", type=int, default=300, help="pointer moves timed")
    parser.add_argument("--tasks", type=int, default=10000, help="tasks in the listed folder")
    parser.add_argument("--repeat", type=int, default=5, help="list requests timed (median)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--screenshot", type=Path, help="write a PNG of a task page and stop")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="z2h-arc-studio-") as tmp:
        root = Path(tmp)
        if args.screenshot:
            screenshot(args.screenshot, root)
            return 0
        result = {
            **hover_benchmark(root, args.hovers),
            **list_benchmark(root, args.tasks, args.repeat),
            "cpus": os.cpu_count(),
            "loadavg": [round(v, 2) for v in os.getloadavg()],
            "machine": machine(torch_used=False),  # (the studio's server runs no torch)
        }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(describe(result["machine"]))
    print(f"{'measure':<44} {'value':>10}  target")
    rows = [
        (f"page open, {result['views']} views (ms)", result["open_ms"], ""),
        (f"hover-to-redraw median of {result['hovers']} (ms)", result["hover_median_ms"], "<= 16"),
        ("hover-to-redraw p90 (ms)", result["hover_p90_ms"], ""),
        ("hover-to-redraw max (ms)", result["hover_max_ms"], ""),
        (f"list {result['tasks']} tasks, first request (ms)", result["list_first_ms"], "<= 200"),
        (
            f"list {result['tasks']} tasks, sizes not indexed (ms)",
            result["list_cold_median_ms"],
            "<= 200",
        ),
        (
            f"list {result['tasks']} tasks, sizes indexed (ms)",
            result["list_warm_median_ms"],
            "<= 200",
        ),
        ("index their sizes in the background (s)", result["index_s"], ""),
    ]
    for name, value, target in rows:
        print(f"{name:<44} {value:>10}  {target}")
    print(f"cpus {result['cpus']}, load average {result['loadavg']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
