"""benchmarks/arc_data_stats.py: its figures on a hand-made grid, and a run at toy size."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from z2h.arc.labels import grid_labels
from z2h.arc.scene import Obj, Scene

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "arc_data_stats.py"
ENV = {"PYTHONPATH": str(ROOT / "src"), "PATH": ""}


def _module():
    spec = importlib.util.spec_from_file_location("arc_data_stats", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_an_object_is_a_component_only_when_alone_and_one_coloured():
    two = np.array([[1, 2]], np.uint8)  # one object of two colours
    objs = [
        Obj.rect(0, 2, 2, 3, (0, 0)),  # plain: a component
        Obj.rect(1, 1, 2, 5, (4, 0)),  # touches object 2, same colour: not a component alone
        Obj.rect(2, 1, 2, 5, (5, 0)),
        Obj(3, np.ones((1, 2), bool), two, (0, 4)),  # two colours: not
    ]
    scene = Scene(7, 7, 0, objs)
    got = _module().grid_figures(scene.render(), grid_labels(scene))
    assert got == {"objects": 4, "equal": 1, "multi": 1, "largest": 4, "side": 7}


def test_percentile_matches_numpy():
    mod = _module()
    xs = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
    for q in (0.0, 0.5, 0.9, 1.0):
        assert mod.percentile(xs, q) == np.percentile(xs, q * 100)


def test_runs_at_toy_size():
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--generators", "flip,mark_center", "--tasks", "2", "--json"],
        check=True, capture_output=True, text=True, env=ENV,
    )  # fmt: skip
    result = json.loads(out.stdout)
    assert [r["generator"] for r in result["per_generator"]] == ["flip", "mark_center"]
    overall = result["overall"]
    assert overall["grids"] >= 2 * 2 * 3 and 0 <= overall["one_colour_component_share"] <= 1
    assert set(overall["meets"]) == {
        "one_colour_component_share",
        "largest_object_p90",
        "grid_side_p90",
    }
    text = subprocess.run(
        [sys.executable, str(SCRIPT), "--generators", "flip", "--tasks", "1"],
        check=True, capture_output=True, text=True, env=ENV,
    ).stdout  # fmt: skip
    assert "one_colour_component_share" in text and "target <= 0.7" in text
    text = subprocess.run(
        [sys.executable, str(SCRIPT), "--generators", "flip,mark_center", "--tasks", "2",
         "--per-generator"],
        check=True, capture_output=True, text=True, env=ENV,
    ).stdout  # fmt: skip
    rows = {line.split()[0]: line.split() for line in text.splitlines()[-2:]}
    # each row: objects, share, what it adds to the overall share (the rows' adds sum to it)
    assert set(rows) == {"flip", "mark_center"}
    adds = sum(float(row[3]) for row in rows.values())
    assert abs(adds - overall_of(text)) < 2e-3


def overall_of(text: str) -> float:
    """The overall one-colour component share the text output prints."""
    line = next(x for x in text.splitlines() if x.strip().startswith("one_colour_component_share"))
    return float(line.split()[1])


def test_bad_arguments_exit_2():
    for args in (["--tasks", "0"], ["--difficulty", "1,0"], ["--generators", "nope"]):
        run = subprocess.run(
            [sys.executable, str(SCRIPT), *args],
            capture_output=True, text=True, env=ENV,
        )  # fmt: skip
        assert run.returncode == 2 and run.stderr.startswith("error: "), args
