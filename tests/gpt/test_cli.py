"""End-to-end: ``z2h gpt train`` / ``sample`` at toy size, resume, and bad input."""

from __future__ import annotations

import json

import pytest
import torch

from z2h.checkpoint import save_checkpoint
from z2h.cli import main
from z2h.gpt.sample import load_run, sample
from z2h.run import read_metrics

TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n" * 40
TOY = ["--preset", "tiny", "--batch-size", "8", "--threads", "1", "--autocast", "fp32"]


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def train(out, data, *extra):
    return main(["gpt", "train", "--out", str(out), "--data", str(data), *TOY, *extra])


def test_train_then_sample(tmp_path, text_file, capsys):
    assert train(tmp_path / "run", text_file, "--max-steps", "40", "--lr", "1e-2") == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    metrics = read_metrics(tmp_path / "run")
    assert metrics["steps"] == 40 and metrics["model"] == "gpt"
    assert metrics["val_loss"] == summary["val_loss"]
    assert metrics["val_loss"] < 2.0  # from ln(vocab) = 3.0 on a very repetitive text
    assert metrics["tokens_per_s"] > 0 and metrics["params"] > 0
    code = main(["gpt", "sample", "--out", str(tmp_path / "run"), "--prompt", "First",
                 "--max-new-tokens", "20", "--seed", "7"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("First") and len(out.rstrip("\n")) == len("First") + 20


def test_sampling_is_deterministic_by_seed(tmp_path, text_file):
    train(tmp_path / "run", text_file, "--max-steps", "5")
    run = load_run(tmp_path / "run")
    a = sample(run, "Be", 40, seed=1, num_samples=2)
    assert a == sample(run, "Be", 40, seed=1, num_samples=2)
    assert a != sample(run, "Be", 40, seed=2, num_samples=2)
    assert a[0] != a[1]


def test_prompt_outside_vocabulary(tmp_path, text_file, capsys):
    train(tmp_path / "run", text_file, "--max-steps", "2")
    capsys.readouterr()
    assert main(["gpt", "sample", "--out", str(tmp_path / "run"), "--prompt", "ZQ€"]) == 2
    assert "not in the model's vocabulary" in capsys.readouterr().err


def test_resume_after_interrupt_matches_an_uninterrupted_run(tmp_path, text_file, monkeypatch):
    import z2h.gpt.recipe as recipe

    args = ("--max-steps", "12", "--eval-interval", "4")
    train(tmp_path / "ref", text_file, *args)
    calls = {"n": 0}
    real = recipe.random_windows

    def dies_at_step_7(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 7:
            raise KeyboardInterrupt  # what Ctrl-C does; last.pt holds step 4
        return real(*a, **kw)

    monkeypatch.setattr(recipe, "random_windows", dies_at_step_7)
    assert train(tmp_path / "run", text_file, *args) == 130
    monkeypatch.setattr(recipe, "random_windows", real)
    assert train(tmp_path / "run", text_file, *args, "--resume") == 0
    ref, run = load_run(tmp_path / "ref"), load_run(tmp_path / "run")
    for a, b in zip(ref.model.state_dict().values(), run.model.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert read_metrics(tmp_path / "run")["steps"] == 12


def test_resume_with_another_tokenizer_is_refused(tmp_path, text_file, capsys):
    train(tmp_path / "run", text_file, "--max-steps", "2")
    other = tmp_path / "other.txt"
    other.write_text(TEXT.upper(), encoding="utf-8")
    capsys.readouterr()
    assert train(tmp_path / "run", other, "--max-steps", "4", "--resume") == 2
    assert "different" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\xff\xfe bad", "UTF-8"), (b"short text", "too short for block_size")],
)
def test_bad_text(tmp_path, capsys, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    assert train(tmp_path / "run", path, "--max-steps", "2") == 2
    assert message in capsys.readouterr().err


def test_foreign_checkpoint_is_refused(tmp_path, capsys):
    save_checkpoint(tmp_path / "best.pt", {"model": "mlp"}, kind="makemore")
    assert main(["gpt", "sample", "--out", str(tmp_path)]) == 2
    assert "'makemore' checkpoint" in capsys.readouterr().err


def test_missing_run_directory(tmp_path, capsys):
    assert main(["gpt", "sample", "--out", str(tmp_path / "nope")]) == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_addition_task_smoke(tmp_path):
    out = tmp_path / "add"
    code = main(["gpt", "train", "--out", str(out), "--task", "addition", "--digits", "1",
                 "--max-steps", "10", "--batch-size", "16", "--threads", "1",
                 "--eval-interval", "5"])  # fmt: skip
    assert code == 0
    metrics = read_metrics(out)
    assert 0.0 <= metrics["accuracy"] <= 1.0 and metrics["task"]["digits"] == 1
    run = load_run(out)
    assert run.model.config.block_size == 5  # "a+b=" (4) + 2 answer digits - 1


def test_bpe_tokenizer(tmp_path, text_file):
    from z2h.bpe import RegexTokenizer

    RegexTokenizer().train(TEXT, 260).save(tmp_path / "tok")
    out = tmp_path / "run"
    assert (
        train(out, text_file, "--max-steps", "3", "--tokenizer", str(tmp_path / "tok.model")) == 0
    )
    run = load_run(out)
    assert run.tokenizer.kind == "bpe" and run.model.config.vocab_size == 260
    (tmp_path / "tok.model").unlink()  # the run directory alone must suffice
    assert sample(load_run(out), "First", 5, seed=0)[0].startswith("First")


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit):
        main(["gpt", "--help"])
    out = capsys.readouterr().out
    assert "train" in out and "sample" in out
