"""benchmarks/arc_sketch.py runs at toy size (both engines, the port cross-check)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def test_benchmark_smoke() -> None:
    engines = "mini-racer,node" if shutil.which("node") else "mini-racer"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "arc_sketch.py"), "--sketches",
         "fall,to_center", "--tasks", "2", "--repeat", "1", "--ports", "2",
         "--engines", engines, "--json"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rows = {r["sketch"]: r for r in report["sketches"]}
    assert rows["fall"]["port"] == "gravity" and rows["fall"]["port_unsolved"] == 0
    assert all(r["pairs"] > 0 and r["pairs_per_cpu_s"] > 0 for r in rows.values())
    if "node" in engines:
        assert all(r["node_pairs_per_wall_s"] > 0 for r in rows.values())


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_node_makes_the_same_tasks_as_mini_racer(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import arc_sketch

    from z2h.arc.labels import ACTIONS
    from z2h.arc.sketch import load
    from z2h.arc.sketch.host import runtime_source

    gen = load("sort_bars")
    driver, runtime = tmp_path / "d.js", tmp_path / "runtime.js"
    driver.write_text(arc_sketch.NODE_DRIVER)
    runtime.write_text(runtime_source())
    done = subprocess.run(
        ["node", str(driver), str(runtime), gen.path, gen.name],
        input="0 0 0 1 200\n0 1 0 1 200\n", capture_output=True, text=True, check=True,
        env={"Z2H_ACTIONS": json.dumps(sorted(ACTIONS)), "PATH": os.environ["PATH"]},
    )  # fmt: skip
    got = [json.loads(line) for line in done.stdout.splitlines()]
    assert got == [gen.raw_task(0, i, (0.0, 1.0), 200) for i in range(2)]
