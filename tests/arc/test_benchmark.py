"""benchmarks/arc_generate.py runs at toy size and never imports torch."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_smoke():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "arc_generate.py"), "--generators", "flip,push",
         "--tasks", "2", "--repeat", "1", "--worker-tasks", "1", "--json"],
        check=True, capture_output=True, text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
    )  # fmt: skip
    result = json.loads(out.stdout)
    assert [r["generator"] for r in result["generators"]] == ["flip", "push"]
    assert all(r["pairs"] >= 8 and r["pairs_per_cpu_s"] > 0 for r in result["generators"])
    assert result["torch_imported"] is False
    assert result["machine"]["cpu"] and result["machine"]["torch"] is None  # torch not used
    assert result["workers"]["tasks"] == 2
