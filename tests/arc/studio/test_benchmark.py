"""benchmarks/arc_studio.py end to end at toy size (the lead times it at full size)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "arc_studio.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("arc_studio_benchmark", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on PATH")
def test_benchmark_runs_at_toy_size(capsys):
    pytest.importorskip("playwright", reason="the benchmark drives Chromium with playwright")
    bench = load_benchmark()
    # the gallery and the listing (the hover part opens a 13-view page: seconds, not a test's)
    argv = ["--only", "gallery", "--only", "list", "--tasks", "20", "--repeat", "1"]
    assert bench.main([*argv, "--gallery-tasks", "60", "--scroll-seconds", "0.3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "hovers" not in result and result["tasks"] == 20 and result["gallery_tasks"] == 60
    assert result["gallery_frames"] > 1 and result["gallery_fps"] > 0
    assert 0 < result["gallery_thumbs_on_screen"] <= 60


def test_benchmark_refuses_bad_arguments(capsys):
    bench = load_benchmark()
    with pytest.raises(SystemExit) as e:
        bench.main(["--gallery-tasks", "0"])
    assert e.value.code == 2 and "--gallery-tasks must be at least 1" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on PATH")
def test_benchmark_takes_the_docs_pictures(tmp_path):
    pytest.importorskip("playwright", reason="the benchmark drives Chromium with playwright")
    bench = load_benchmark()
    assert bench.main(["--screenshots", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == [
        "arc_studio.png",
        "arc_studio_compare.png",
        "arc_studio_gallery.png",
        "arc_studio_paste.png",
        "arc_studio_predictions.png",
        "arc_studio_solve.png",
    ]
    for name in names:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
