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


def test_benchmark_side_by_side_with_a_baseline(tmp_path):
    # this checkout against itself: the same tasks on both sides
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "arc_generate.py"), "--generators", "flip",
         "--tasks", "1", "--repeat", "2", "--baseline", str(ROOT / "src"), "--json"],
        check=True, capture_output=True, text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
    )  # fmt: skip
    result = json.loads(out.stdout)
    (row,) = result["generators"]
    assert result["same_pairs"] and row["pairs"] == row["baseline_pairs"] >= 4
    assert row["pairs_per_cpu_s"] > 0 and row["baseline_pairs_per_cpu_s"] > 0
    assert result["median_ratio"] == row["pairs_per_cpu_s"] / row["baseline_pairs_per_cpu_s"]
    bad = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "arc_generate.py"), "--baseline",
         str(tmp_path)],
        capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
    )  # fmt: skip
    assert bad.returncode == 2 and "no z2h package there" in bad.stderr


PEER = """
def generate_aaa(lo, hi):
    import random
    row = tuple(random.randrange(1, 10) for _ in range(3))
    return {"input": (row,), "output": (row[::-1],)}


def generate_bbb(lo, hi):
    return {"input": ((1, 2),), "output": ((1, 2),)}  # output == input: never kept
"""
VERIFIERS = """
def verify_aaa(grid):
    return tuple(r[::-1] for r in grid)


def verify_bbb(grid):
    return grid
"""


def test_side_by_side_with_a_stand_in_for_re_arc(tmp_path):
    """The re-arc comparison's loop and checks, on a two-generator stand-in for a checkout."""
    (tmp_path / "generators.py").write_text(PEER)
    (tmp_path / "verifiers.py").write_text(VERIFIERS)
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "arc_vs_rearc.py"), "--rearc", str(tmp_path),
         "--window", "0.05", "--only", "2", "--json"],
        check=True, capture_output=True, text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
    )  # fmt: skip
    result = json.loads(out.stdout)
    assert result["re-arc"]["generators"] == 2 and result["z2h"]["generators"] == 2
    # bbb never makes a valid example (its output is its input): the median is half aaa's rate
    assert result["re-arc"]["p10"] == 0 and result["re-arc"]["median"] > 0
    assert result["median_ratio"] == result["z2h"]["median"] / result["re-arc"]["median"]
    assert result["machine"]["cpu"] and result["machine"]["torch"] is None
