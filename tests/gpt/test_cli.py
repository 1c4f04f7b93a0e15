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
    assert train(tmp_path / "run", text_file, "--max-steps", "40", "--lr", "1e-2", "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    metrics = read_metrics(tmp_path / "run")
    assert metrics["steps"] == 40 and metrics["model"] == "gpt"
    assert metrics["val_loss"] == summary["val_loss"]
    assert metrics["val_loss"] < 2.0  # from ln(vocab) = 3.0 on a very repetitive text
    assert metrics["tokens_per_s"] > 0 and metrics["params"] > 0
    code = main(["gpt", "sample", "--run", str(tmp_path / "run"), "--prompt", "First",
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
    assert (
        "checkpoint of kind 'makemore'; this command needs one of kind 'gpt'"
        in capsys.readouterr().err
    )


def test_missing_run_directory(tmp_path, capsys):
    assert main(["gpt", "sample", "--run", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


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


def test_summary_quiet_and_json(tmp_path, text_file, capsys, monkeypatch):
    monkeypatch.delenv("Z2H_PROGRESS")  # stderr is captured: progress comes as plain lines
    assert train(tmp_path / "a", text_file, "--max-steps", "3") == 0
    out = capsys.readouterr().out
    assert out.startswith("gpt: 3 steps in ") and "val loss" in out
    assert f"z2h gpt sample --run {tmp_path / 'a'}" in out
    assert train(tmp_path / "b", text_file, "--max-steps", "3", "--quiet") == 0
    assert "step" not in "".join(capsys.readouterr())
    assert train(tmp_path / "c", text_file, "--max-steps", "3", "--json") == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == read_metrics(tmp_path / "c")
    assert "gpt: step 3" in err  # --json moves the summary, not the progress (as --help says)


def test_progress_lines_when_not_a_terminal(tmp_path, text_file, capsys, monkeypatch):
    monkeypatch.delenv("Z2H_PROGRESS")  # stderr is captured: a file, not a terminal
    assert train(tmp_path / "run", text_file, "--max-steps", "4", "--eval-interval", "2") == 0
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.startswith("gpt: step")]
    assert len(lines) == 2 and "steps/s" in lines[0] and "left" in lines[0]
    assert "| eval val" in lines[0] and "\x1b" not in err


def test_default_out_is_a_new_run_folder(tmp_path, text_file, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    toy = ["--data", str(text_file), *TOY, "--max-steps", "2"]
    assert main(["gpt", "train", *toy]) == 0
    assert main(["gpt", "train", *toy]) == 0
    runs = sorted((tmp_path / "runs" / "gpt").iterdir())
    assert len(runs) == 2 and all(r.name.startswith("tiny-") for r in runs)
    assert all((r / "metrics.json").is_file() for r in runs)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
        (["--n-layer", "-2"], "--n-layer must be at least 1"),
        (["--grad-accum", "0"], "--grad-accum must be at least 1"),
        (["--lr", "-1"], "--lr must be at least 0"),
    ],
)
def test_bad_settings_are_errors_before_any_folder(tmp_path, text_file, capsys, flags, message):
    out = tmp_path / "run"
    code = main(["gpt", "train", "--out", str(out), "--data", str(text_file), "--preset", "tiny",
                 "--max-steps", "2", *flags])  # fmt: skip
    assert code == 2 and message in capsys.readouterr().err
    assert not out.exists()  # settings are checked before the run folder is made
    assert not out.exists()


def test_special_tokens_in_the_text(tmp_path, capsys):
    from z2h.bpe import RegexTokenizer

    tok = RegexTokenizer()
    tok.train(TEXT, 260)
    tok.register_special_tokens({"<|endoftext|>": 260})
    tok.save(tmp_path / "tok")
    data = tmp_path / "docs.txt"
    data.write_text((TEXT + "<|endoftext|>") * 2, encoding="utf-8")
    args = ["--tokenizer", str(tmp_path / "tok.model"), "--max-steps", "2"]
    assert train(tmp_path / "a", data, *args) == 2
    err = capsys.readouterr().err
    assert "special token '<|endoftext|>'" in err and "--special all" in err
    assert "Traceback" not in err and not (tmp_path / "a").exists()
    assert train(tmp_path / "b", data, *args, "--special", "all") == 0
    assert train(tmp_path / "c", data, *args, "--special", "none") == 0


def test_corrupt_checkpoint_gives_no_unsafe_advice(tmp_path, capsys):
    (tmp_path / "best.pt").write_bytes(b"garbage")
    assert main(["gpt", "sample", "--run", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a readable z2h checkpoint" in err and "weights_only" not in err


def test_text_too_short_for_any_block(tmp_path, capsys):
    path = tmp_path / "one.txt"
    path.write_text("ab\n", encoding="utf-8")
    assert train(tmp_path / "run", path, "--max-steps", "2") == 2
    err = capsys.readouterr().err
    assert "use a longer text" in err and "at most 0" not in err


def test_resume_with_other_data_says_so(tmp_path, text_file, capsys):
    train(tmp_path / "run", text_file, "--max-steps", "2")
    other = tmp_path / "other.txt"
    other.write_text(TEXT.replace("speak", "spoke"), encoding="utf-8")  # one more character
    capsys.readouterr()
    assert train(tmp_path / "run", other, "--max-steps", "4", "--resume") == 2
    assert "different data" in capsys.readouterr().err


def test_resume_says_where_from_and_refuses_nothing(tmp_path, text_file, capsys):
    train(tmp_path / "run", text_file, "--max-steps", "2")
    capsys.readouterr()
    assert train(tmp_path / "run", text_file, "--max-steps", "4", "--resume") == 0
    assert "resumed from step 2" in capsys.readouterr().out
    assert train(tmp_path / "new", text_file, "--max-steps", "4", "--resume") == 2
    assert "does not exist; drop --resume" in capsys.readouterr().err


def test_ctrl_c_says_how_to_resume(tmp_path, text_file, capsys, monkeypatch):
    import shlex

    import z2h.gpt.recipe as recipe

    calls = {"n": 0}
    real = recipe.random_windows

    def dies_at_step_5(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(recipe, "random_windows", dies_at_step_5)
    monkeypatch.chdir(tmp_path)
    argv = ["gpt", "train", "--data", str(text_file), *TOY, "--max-steps", "8",
            "--eval-interval", "2"]  # fmt: skip
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "interrupted; continue with: z2h gpt train" in err
    command = shlex.split(err.split("continue with: ")[1].splitlines()[0])
    assert command[-1] == "--resume" and command[0] == "z2h"
    monkeypatch.setattr(recipe, "random_windows", real)
    assert main(command[1:]) == 0
    assert "resumed from step 4" in capsys.readouterr().out


def test_temperature_zero_is_argmax(tmp_path, text_file):
    train(tmp_path / "run", text_file, "--max-steps", "5")
    run = load_run(tmp_path / "run")
    a = sample(run, "Be", 30, temperature=0, seed=1)
    assert a == sample(run, "Be", 30, temperature=0, seed=2)
    ids = run.tokenizer.encode("Be")
    for _ in range(30):  # greedy by hand
        logits, _ = run.model(torch.tensor([ids[-run.model.config.block_size :]]))
        ids.append(int(logits[0, -1].argmax()))
    assert a[0] == run.tokenizer.decode(ids)


def test_help_shows_the_real_defaults(capsys):
    from z2h.gpt import cli
    from z2h.gpt.recipe import DEFAULT_TIME_BUDGET, budget_recipe

    assert float(cli.DEFAULT_BUDGET_HELP) == DEFAULT_TIME_BUDGET
    r = budget_recipe(DEFAULT_TIME_BUDGET, None, task=False)
    assert (
        f"block {r['block_size']}, {r['n_layer']} layers, {r['n_head']} heads, width "
        f"{r['n_embd']}, RoPE, RMSNorm, SwiGLU, QK-norm; batch {r['batch_size']}, lr {r['lr']:g}"
        in cli.DEFAULT_MODEL_HELP
    )
    with pytest.raises(SystemExit):
        main(["gpt", "train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "default: 48 when --max-steps" in out and "block 64, 4 layers" in out


def test_summary_shows_a_slow_speed_as_a_whole_number():
    from z2h.gpt.cli import _summary

    metrics = {"steps": 20, "seconds": 44.0, "params": 787_968, "val_loss": 3.08741,
               "best_step": 20, "train_loss": 3.1441, "tokens_per_s": 464.9855,
               "autocast": "fp32", "out": "RUN"}  # fmt: skip
    text = _summary(metrics)
    assert "tokens/s    465\n" in text and "val loss    3.0874" in text


def test_compile_and_device_are_spelled_as_elsewhere():
    """--compile/--no-compile as in makemore, --device auto as gpt train and arc take it."""
    from z2h.cli import build_parser

    parser = build_parser("gpt")
    assert parser.parse_args(["gpt", "train", "--no-compile"]).compile is False
    assert parser.parse_args(["gpt", "train", "--compile"]).compile is True
    assert parser.parse_args(["gpt", "train"]).compile is False
    assert parser.parse_args(["gpt", "sample", "--run", "r", "--device", "auto"]).device == "auto"


@pytest.mark.parametrize(("flag", "value"), [("--min-lr-frac", "1.5"), ("--warmup-frac", "2")])
def test_fractions_are_range_checked(tmp_path, capsys, flag, value):
    out = tmp_path / "r"
    text = tmp_path / "t.txt"
    text.write_text("hello world\n" * 50)
    args = ["gpt", "train", "--data", str(text), "--max-steps", "1", flag, value, "--out", str(out)]
    assert main(args) == 2
    assert f"{flag} must be in [0, 1], got" in capsys.readouterr().err
