"""End-to-end smoke tests of the diagnostics commands at toy size."""

from __future__ import annotations

import argparse
import json

import pytest

from z2h.errors import Z2HError
from z2h.makemore.diagnostics.cli import configure_diagnostics


def run(argv: list[str]) -> int:
    """Parse with the diagnostics subcommands alone and call the handler, as z2h.cli does."""
    parser = argparse.ArgumentParser(prog="z2h makemore")
    configure_diagnostics(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


def test_diagnose_then_reuse_the_run(toy_words, tmp_path, capsys):
    out = tmp_path / "diag"
    code = run(
        ["diagnose", "--model", "bnmlp", "--preset", "lecture4-deep", "--steps", "20",
         "--data", str(toy_words), "--out", str(out), "--schedule", "constant"]
    )  # fmt: skip
    assert code == 0
    for f in (
        "viz1_activations.png",
        "viz2_gradients.png",
        "viz3_weight_grads.png",
        "viz4_update_ratios.png",
        "embeddings.png",
        "best.pt",
    ):
        assert (out / f).stat().st_size > 0, f
    summary = json.loads((out / "diagnostics.json").read_text())
    assert summary["model"] == "bnmlp" and summary["steps"] == 20
    assert summary["findings"] and all(isinstance(s, str) for s in summary["findings"])
    tanh = [layer for layer in summary["final"]["layers"] if layer["type"] == "Tanh"]
    assert len(tanh) == 5 and all(0 <= t["saturated_pct"] <= 100 for t in tanh)
    assert len(summary["updates"]["steps"]) == 20
    assert "findings:" in capsys.readouterr().out

    # the same directory again: refused, pointing at --run
    with pytest.raises(Z2HError, match="--run"):
        run(["diagnose", "--model", "bnmlp", "--steps", "5", "--data", str(toy_words),
             "--out", str(out)])  # fmt: skip
    # a trained run: diagnose a copy, fold its BatchNorms, draw its embeddings
    assert run(["diagnose", "--run", str(out), "--steps", "5", "--data", str(toy_words)]) == 0
    assert (out / "diagnostics" / "viz4_update_ratios.png").exists()
    again = json.loads((out / "diagnostics" / "diagnostics.json").read_text())
    assert again["init"] is None and not again["trained_here"]
    assert len(again["updates"]["steps"]) == 5  # the copy's 5 steps, through the Trainer
    assert again["final"]["layers"] == summary["final"]["layers"]  # the run itself, unchanged
    capsys.readouterr()
    assert run(["fold-bn", "--out", str(out), "--data", str(toy_words), "--json"]) == 0
    fold = json.loads((out / "fold_bn.json").read_text())
    assert json.loads(capsys.readouterr().out) == fold  # --json prints what it wrote
    assert fold["max_abs_diff"] <= 1e-5 and len(fold["folded"]) == 6
    from z2h.makemore.diagnostics import fold_bn, setups

    folded, ckpt = fold_bn.load_folded(out / "folded.pt")
    trained = setups.load(out, data=str(toy_words))
    Xdev = trained.splits["dev"][0]
    assert fold_bn.max_abs_diff(trained.model, folded, Xdev) <= 1e-5
    assert ckpt["folded_batchnorms"] == fold["folded"]
    assert run(["embeddings", "--run", str(out), "--png", str(tmp_path / "e.png")]) == 0
    assert (tmp_path / "e.png").exists()


def test_lr_find(toy_words, tmp_path, capsys):
    out = tmp_path / "lr"
    run(["lr-find", "--model", "mlp", "--steps", "60", "--data", str(toy_words), "--out", str(out)])
    printed = capsys.readouterr().out
    assert "suggested lr" in printed and "why:" in printed
    data = json.loads((out / "lr_find.json").read_text())
    assert data["suggested"] > 0 and len(data["lrs"]) == len(data["losses"])
    assert (out / "lr_find.png").exists()


def test_default_out_is_a_new_folder_each_time(toy_words, tmp_path, monkeypatch, capsys):
    """A bare diagnose (or lr-find) never collides with the last one's folder."""
    monkeypatch.chdir(tmp_path)
    args = ["--model", "mlp", "--steps", "5", "--data", str(toy_words)]
    for _ in range(2):
        assert run(["diagnose", *args]) == 0
        assert run(["lr-find", *args]) == 0
    folders = sorted(p.name for p in (tmp_path / "runs" / "makemore").iterdir())
    assert [f.split("-2")[0] for f in folders] == ["diagnose-mlp"] * 2 + ["lr-find-mlp"] * 2


def test_init_report(toy_words, capsys):
    run(["init-report", "--model", "bnmlp", "--data", str(toy_words), "--zero-init-steps", "5"])
    printed = capsys.readouterr().out
    assert "ln(V)" in printed and "lecture4-deep" in printed
    assert "receive gradient and move: layers." in printed
    args = ["init-report", "--model", "bnmlp", "--data", str(toy_words), "--zero-init-steps", "0"]
    run([*args, "--json"])
    import json

    report = json.loads(capsys.readouterr().out)  # the JSON alone: one document on stdout
    assert {r["model"] for r in report["init_losses"]} == {"bnmlp"}
    run([*args, "--quiet"])
    assert capsys.readouterr().out == ""


def test_bad_input(toy_words, tmp_path):
    with pytest.raises(Z2HError, match="--model NAME"):
        run(["diagnose", "--steps", "5"])
    with pytest.raises(Z2HError, match="not both"):
        run(["diagnose", "--model", "bnmlp", "--run", str(tmp_path)])
    with pytest.raises(Z2HError, match="unknown model"):
        run(["lr-find", "--model", "nope", "--data", str(toy_words)])
    with pytest.raises(Z2HError, match="--steps must be positive"):
        run(["diagnose", "--model", "bnmlp", "--steps", "0", "--data", str(toy_words),
             "--out", str(tmp_path / "x")])  # fmt: skip
    out = tmp_path / "mlp"
    run(["diagnose", "--model", "mlp", "--steps", "3", "--data", str(toy_words),
         "--out", str(out)])  # fmt: skip
    with pytest.raises(Z2HError, match="no BatchNorm"):
        run(["fold-bn", "--out", str(out), "--data", str(toy_words)])
    with pytest.raises(Z2HError):
        run(["fold-bn", "--out", str(tmp_path / "empty")])


def test_help_texts():
    for cmd in ("diagnose", "lr-find", "embeddings", "init-report", "fold-bn"):
        with pytest.raises(SystemExit) as e:
            run([cmd, "--help"])
        assert e.value.code == 0


def test_through_the_z2h_command(capsys):
    from z2h.cli import main

    assert main(["makemore", "diagnose", "--steps", "5"]) == 2  # Z2HError: exit 2, no traceback
    assert "--model NAME" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["lstm", "transformer"])
def test_diagnose_sequence_models(name, toy_words, tmp_path):
    out = tmp_path / name
    assert run(["diagnose", "--model", name, "--steps", "3", "--data", str(toy_words),
                "--out", str(out)]) == 0  # fmt: skip
    summary = json.loads((out / "diagnostics.json").read_text())
    assert summary["final"]["layers"] and len(summary["updates"]["steps"]) == 3
    assert (out / "viz4_update_ratios.png").exists()


@pytest.mark.parametrize(("command", "written"), [("diagnose", "diagnostics.json"),
                                                  ("lr-find", "lr_find.json")])  # fmt: skip
def test_json_and_quiet(command, written, toy_words, tmp_path, capsys):
    """--json prints the JSON the command wrote; --quiet prints no report."""
    args = [command, "--model", "mlp", "--steps", "20", "--data", str(toy_words)]
    assert run([*args, "--json", "--out", str(tmp_path / "a")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "a" / written).read_text())
    assert run([*args, "--quiet", "--out", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().out == ""
