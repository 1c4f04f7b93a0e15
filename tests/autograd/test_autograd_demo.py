"""The moons demo at toy size, fast path against the readable engine, and the CLI end to end."""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET

import pytest

from z2h.autograd.demo import DemoConfig, make_moons, run_demo, train
from z2h.autograd.nn import MLP
from z2h.cli import main


def test_make_moons_is_seeded_balanced_and_shaped():
    X, y = make_moons(20, 0.1, random.Random(3))
    assert len(X) == 20 and all(len(p) == 2 for p in X)
    assert sorted(set(y)) == [-1, 1] and y.count(1) == 10
    assert (X, y) == make_moons(20, 0.1, random.Random(3))
    clean, labels = make_moons(10, 0.0, random.Random(0))
    for (a, b), label in zip(clean, labels, strict=True):
        # noiseless points lie on their circle: radius 1 around (0, 0) or (1, 0.5)
        cx, cy = (0.0, 0.0) if label == -1 else (1.0, 0.5)
        assert abs((a - cx) ** 2 + (b - cy) ** 2 - 1) < 1e-12


def test_fast_training_equals_readable_engine():
    X, y = make_moons(12, 0.1, random.Random(0))
    a = MLP(2, [4, 4, 1], rng=random.Random(1))
    b = MLP(2, [4, 4, 1], rng=random.Random(1))
    fast = train(a, X, y, steps=4, fast=True)
    slow = train(b, X, y, steps=4, fast=False)
    assert fast == slow
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


def test_toy_demo_learns():
    result = run_demo(DemoConfig(steps=30, n_points=20, hidden=(8, 8)))
    losses = [loss for loss, _ in result.history]
    assert losses[-1] < 0.5 * losses[0]
    assert result.history[-1][1] >= 0.8


def test_cli_demo_smoke(tmp_path):
    out = tmp_path / "run"
    assert main(["micrograd", "demo", "--steps", "3", "--seed", "1", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 3 and len(metrics["loss_curve"]) == 3
    assert {"seconds", "loss", "accuracy"} <= metrics.keys()
    assert 0 <= metrics["accuracy"] <= 1
    assert (out / "decision_boundary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = ET.fromstring((out / "graph.svg").read_text())
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert {"w1", "w2", "b", "x1", "x2", "out", "ReLU"} <= set(texts)


def test_cli_rejects_bad_steps(capsys):
    assert main(["micrograd", "demo", "--steps", "0"]) == 2
    assert "--steps" in capsys.readouterr().err


def test_decision_boundary_png_is_written_atomically(tmp_path, broken_savefig):
    from z2h.autograd.demo import plot_decision_boundary

    path = tmp_path / "decision_boundary.png"
    path.write_bytes(b"previous picture")
    X, y = make_moons(6, 0.1, random.Random(0))
    model = MLP(2, [4, 1], rng=random.Random(1))
    with pytest.raises(OSError, match="disk full"):
        plot_decision_boundary(model, X, y, path)
    assert path.read_bytes() == b"previous picture"
    assert [p.name for p in tmp_path.iterdir()] == ["decision_boundary.png"]


def test_cli_demo_default_out_is_a_new_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert main(["micrograd", "demo", "--steps", "2"]) == 0
    runs = sorted((tmp_path / "runs" / "micrograd").iterdir())
    assert len(runs) == 2 and all((r / "metrics.json").is_file() for r in runs)


def test_cli_demo_json_and_quiet(tmp_path, capsys):
    import json

    assert main(["micrograd", "demo", "--steps", "2", "--json", "--out", str(tmp_path / "a")]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["steps"] == 2 and "loss_curve" not in line
    assert main(["micrograd", "demo", "--steps", "2", "--quiet", "--out", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().out == ""
