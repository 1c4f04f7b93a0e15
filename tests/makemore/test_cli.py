from __future__ import annotations

import json

import pytest

from z2h.cli import main
from z2h.run import read_metrics

WORDS = (
    "emma olivia ava isabella sophia charlotte mia amelia harper "
    "evelyn abigail emily elizabeth mila ella avery sofia camila"
).replace(" ", "\n")
VOCAB_SIZE = 1 + len(set(WORDS) - {"\n"})


@pytest.fixture
def words_file(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text(WORDS + "\n", encoding="utf-8")
    return path


def run(*argv):
    return main(["makemore", *map(str, argv)])


def check_metrics(out, model):
    m = read_metrics(out)
    assert m["model"] == model
    for key in ("params", "train_loss", "dev_loss", "test_loss", "seconds", "steps"):
        assert key in m
    assert 0 < m["test_loss"] < 10
    return m


@pytest.mark.parametrize(
    "extra",
    [["--n", "2"], ["--n", "3", "--smoothing", "auto"], ["--n", "4", "--smoothing", "kneser-ney"]],
)
def test_ngram_train_sample_eval(tmp_path, words_file, capsys, extra):
    out = tmp_path / "run"
    assert run("train", "--model", "ngram", *extra, "--data", words_file, "--out", out) == 0
    m = check_metrics(out, "ngram")
    assert m["steps"] == 0
    if "auto" in extra:
        assert {"smoothing_sweep.png", "smoothing_sweep.md", "smoothing_sweep.json"} <= {
            p.name for p in out.iterdir()
        }
    if extra[1] == "2":
        assert (out / "bigram_counts.png").stat().st_size > 0
    printed = capsys.readouterr().out
    assert "samples " in printed and f"run folder  {out}" in printed
    assert run("sample", "--run", out, "-n", "7", "--seed", "3", "--top-k", "5") == 0
    first = capsys.readouterr().out.splitlines()
    assert len(first) == 7
    run("sample", "--run", out, "-n", "7", "--seed", "3", "--top-k", "5")
    assert capsys.readouterr().out.splitlines() == first
    assert run("eval", "--run", out, "--split", "test") == 0
    printed = float(capsys.readouterr().out.split()[-1])
    assert printed == pytest.approx(m["test_loss"], abs=1e-4)


def test_neural_ngram_train_sample_eval(tmp_path, words_file, capsys):
    out = tmp_path / "run"
    args = ["--model", "neural-ngram", "--n", "3", "--data", words_file, "--out", out]
    assert run("train", *args, "--max-steps", "30", "--eval-interval", "10") == 0
    m = check_metrics(out, "neural-ngram")
    # one weight per (context position, character) -> character, as in the lecture's W
    assert m["steps"] == 30 and m["params"] == 2 * VOCAB_SIZE * VOCAB_SIZE
    assert (out / "best.pt").exists() and (out / "scalars.csv").exists()
    capsys.readouterr()
    assert run("sample", "--run", out, "-n", "3", "--temperature", "0.5") == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert run("eval", "--run", out, "--split", "dev") == 0
    assert float(capsys.readouterr().out.split()[-1]) == pytest.approx(m["dev_loss"], abs=1e-4)
    assert run("eval", "--run", out, "--split", "dev", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["split"] == "dev" and report["loss"] == pytest.approx(m["dev_loss"], abs=1e-4)
    assert run("eval", "--run", out, "--quiet") == 0 and capsys.readouterr().out == ""
    # same command again without --resume refuses; with --resume it continues
    assert run("train", *args, "--max-steps", "30") == 2
    assert run("train", *args, "--max-steps", "40", "--resume") == 0
    assert read_metrics(out)["steps"] == 40


def test_models_and_help(capsys):
    assert run("models") == 0
    listed = capsys.readouterr().out
    assert "ngram" in listed and "neural-ngram" in listed
    with pytest.raises(SystemExit) as e:
        run("train", "--help")
    assert e.value.code == 0


def test_exercises_toy(tmp_path, words_file, capsys):
    out = tmp_path / "ex"
    assert run("exercises", "lecture2", "--data", words_file, "--out", out, "--quick") == 0
    text, err = capsys.readouterr()
    for ex in ("E01", "E02", "E03", "E04", "E05", "E06"):
        assert ex in text
    # the minute-long run shows each row as it is measured
    assert "makemore exercises: E01/E02 bigram, counted, +1 smoothing (dev " in err
    rows = json.loads((out / "lecture2.json").read_text())
    assert rows and (out / "lecture2.md").exists() and (out / "bigram_counts.png").exists()
    # --json as in train: the machine-readable result on stdout instead of the table
    assert run("exercises", "lecture2", "--data", words_file, "--quick", "--json") == 0
    assert [r["exercise"] for r in json.loads(capsys.readouterr().out)] == [
        r["exercise"] for r in rows
    ]


# -- bad input -----------------------------------------------------------------------------------
def test_unknown_model_lists_valid_names(tmp_path, words_file, capsys):
    assert run("train", "--model", "nope", "--data", words_file, "--out", tmp_path / "r") == 2
    err = capsys.readouterr().err
    assert "unknown model 'nope'" in err and "ngram" in err


@pytest.mark.parametrize(
    ("content", "match"),
    [("", "no words"), ("a\n" + "x" * 400, "more than the limit"), (b"\x00\x01", "binary")],
)
def test_bad_word_list(tmp_path, capsys, content, match):
    path = tmp_path / "bad.txt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    assert run("train", "--data", path, "--out", tmp_path / "r") == 2
    assert match in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["--model", "ngram", "--smoothing", "lots"],
        ["--model", "neural-ngram", "--smoothing", "auto"],
        ["--model", "neural-ngram", "--max-steps", "0"],
        ["--model", "neural-ngram", "--time-budget", "-1"],
        ["--model", "ngram", "--n", "0"],
        ["--set", "nope=1"],
    ],
)
def test_bad_train_flags(tmp_path, words_file, capsys, args):
    assert run("train", *args, "--data", words_file, "--out", tmp_path / "r") == 2
    assert "error" in capsys.readouterr().err


def test_bad_run_directories(tmp_path, words_file, capsys):
    assert run("sample", "--run", tmp_path / "empty") == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert run("sample", "--run", tmp_path / "empty") == 2
    assert "no checkpoint" in capsys.readouterr().err
    out = tmp_path / "run"
    assert run("train", "--model", "ngram", "--data", words_file, "--out", out) == 0
    # a training run on the same folder refuses to overwrite it
    assert run("train", "--model", "ngram", "--data", words_file, "--out", out) == 2
    # a word list with characters the model never saw
    other = tmp_path / "other.txt"
    other.write_text("xyzq\nqqq\nzzz\n")
    assert run("eval", "--run", out, "--data", other) == 2
    assert "another word list" in capsys.readouterr().err
    # a checkpoint of another kind, and a corrupted one
    from z2h.checkpoint import save_checkpoint

    save_checkpoint(out / "best.pt", {"x": 1}, kind="gpt")
    assert run("eval", "--run", out) == 2
    assert (
        "checkpoint of kind 'gpt'; this command needs one of kind 'makemore'"
        in capsys.readouterr().err
    )
    (out / "best.pt").write_bytes(b"not a checkpoint at all")
    assert run("sample", "--run", out) == 2
    assert "corrupted" in capsys.readouterr().err


def test_checkpoint_that_does_not_fit_its_model(tmp_path, words_file, capsys):
    import torch

    from z2h.checkpoint import load_checkpoint, save_checkpoint

    out = tmp_path / "run"
    assert (
        run(
            "train",
            "--model",
            "neural-ngram",
            "--data",
            words_file,
            "--out",
            out,
            "--max-steps",
            "2",
        )
        == 0
    )
    ckpt = load_checkpoint(out / "best.pt", kind="makemore")
    ckpt["model_state"] = {"W": torch.zeros(3, 3)}
    save_checkpoint(out / "best.pt", ckpt, kind="makemore")
    assert run("eval", "--run", out) == 2
    assert "does not fit" in capsys.readouterr().err
    ckpt["vocab"] = [".", "a"]
    save_checkpoint(out / "best.pt", ckpt, kind="makemore")
    assert run("sample", "--run", out) == 2


def test_relative_data_path_works_from_another_folder(tmp_path, monkeypatch, capsys):
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    work.mkdir()
    elsewhere.mkdir()
    (work / "words.txt").write_text(WORDS + "\n", encoding="utf-8")
    monkeypatch.chdir(work)
    assert run("train", "--model", "ngram", "--data", "words.txt", "--out", "run") == 0
    m = read_metrics(work / "run")
    assert m["data"] == str((work / "words.txt").resolve())
    monkeypatch.chdir(elsewhere)
    capsys.readouterr()
    assert run("eval", "--run", work / "run", "--split", "test") == 0
    assert float(capsys.readouterr().out.split()[-1]) == pytest.approx(m["test_loss"], abs=1e-4)
    assert run("sample", "--run", work / "run", "-n", "2", "--seed", "1") == 0


def test_named_data_set_is_recorded_by_name(tmp_path, data_dir):
    out = tmp_path / "run"
    assert run("train", "--model", "ngram", "--data", "names", "--out", out) == 0
    assert read_metrics(out)["data"] == "names"


@pytest.mark.parametrize(
    ("extra", "preset"),
    [
        ([], "bigram"),
        (["--n", "3"], "trigram"),  # no --preset: the preset that --n 3 gives
        (["--preset", "trigram"], "trigram"),
        (["--preset", "bigram", "--n", "3"], "trigram"),
        (["--n", "4"], None),  # no preset is a 4-gram with add-1
        (["--n", "2", "--smoothing", "0.5"], None),  # k overridden
        (["--n", "5", "--smoothing", "kneser-ney"], "kn5"),
    ],
)
def test_metrics_record_the_preset_in_effect(tmp_path, words_file, extra, preset):
    out = tmp_path / "run"
    assert run("train", "--model", "ngram", *extra, "--data", words_file, "--out", out) == 0
    assert read_metrics(out)["preset"] == preset


def test_tampered_ngram_checkpoint_is_rejected(tmp_path, words_file, capsys):

    from z2h.checkpoint import load_checkpoint, save_checkpoint

    out = tmp_path / "run"
    assert run("train", "--model", "ngram", "--n", "3", "--data", words_file, "--out", out) == 0
    ckpt = load_checkpoint(out / "best.pt", kind="makemore")
    keys = ckpt["model_state"]["keys"].clone()
    keys[-1] = VOCAB_SIZE**3 + 5  # an n-gram key no vocabulary of this size can make
    ckpt["model_state"]["keys"] = keys
    save_checkpoint(out / "best.pt", ckpt, kind="makemore")
    capsys.readouterr()
    assert run("sample", "--run", out) == 2
    err = capsys.readouterr().err
    assert "does not fit" in err and "keys must lie in" in err


def test_named_preset_wins_over_the_recipe(tmp_path, words_file):
    # the transformer's recipe for a 2-step run is narrow; --preset makemore asks for width 64
    out = tmp_path / "run"
    args = ["--model", "transformer", "--max-steps", "2", "--data", words_file, "--out", out]
    assert run("train", *args, "--preset", "makemore", "--threads", "1") == 0
    assert read_metrics(out)["config"]["n_embd"] == 64


def test_unknown_setting_lists_the_model_settings(tmp_path, words_file, capsys):
    args = ["--model", "mlp", "--set", "n_layer=2", "--data", words_file, "--out", tmp_path / "r"]
    assert run("train", *args) == 2
    err = capsys.readouterr().err
    assert "model 'mlp' has no setting(s) n_layer; its settings: " in err and "n_hidden" in err


def test_counted_model_over_a_run_says_choose_another_out(tmp_path, words_file, capsys):
    args = ["--model", "ngram", "--data", words_file, "--out", tmp_path / "r"]
    assert run("train", *args) == 0
    capsys.readouterr()
    assert run("train", *args) == 2
    err = capsys.readouterr().err
    assert "already holds a run (best.pt, metrics.json); choose another --out" in err
    assert "--resume" not in err


def test_bad_threads(tmp_path, words_file, capsys):
    assert run("train", "--data", words_file, "--out", tmp_path / "r", "--threads", "0") == 2
    assert "--threads" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "n_hidden=abc"], "setting n_hidden must be an integer, got 'abc'"),
        (["--set", "n_hidden=-5"], "setting n_hidden must be at least 1, got -5"),
        (["--set", "init_scale=-1.0"], "setting init_scale must be at least 0.0"),
        (["--lr", "-1"], "--lr must be positive"),
        (["--batch-size", "-3"], "--batch-size must be >= 0"),
    ],
)
def test_bad_settings_are_errors_and_leave_no_folder(tmp_path, words_file, capsys, args, message):
    out = tmp_path / "r"
    assert run("train", "--model", "mlp", *args, "--data", words_file, "--out", out) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_temperature_zero_is_greedy(tmp_path, words_file, capsys):
    import torch

    from z2h.makemore.runs import load_run

    out = tmp_path / "run"
    assert run("train", "--model", "ngram", "--n", "2", "--data", words_file, "--out", out) == 0
    capsys.readouterr()
    assert run("sample", "--run", out, "-n", "3", "--temperature", "0", "--seed", "1") == 0
    words = capsys.readouterr().out.split()
    assert run("sample", "--run", out, "-n", "3", "--temperature", "0", "--seed", "2") == 0
    assert capsys.readouterr().out.split() == words and len(set(words)) == 1
    model = load_run(out)
    ids = [0]  # greedy by hand from the boundary token
    while len(ids) < 20:
        logits, _ = model.model(torch.tensor([[ids[-1]]]))
        ids.append(int(logits.reshape(-1, logits.size(-1))[-1].argmax()))
        if ids[-1] == 0:
            break
    assert words[0] == model.vocab.decode([i for i in ids[1:] if i != 0])


def test_default_out_is_a_new_run_folder(tmp_path, words_file, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert run("train", "--model", "ngram", "--data", words_file) == 0
    runs = sorted((tmp_path / "runs" / "makemore").iterdir())
    assert len(runs) == 2 and all(r.name.startswith("ngram-") for r in runs)


def test_quiet_and_json(tmp_path, words_file, capsys, monkeypatch):
    monkeypatch.delenv("Z2H_PROGRESS")  # stderr is captured: progress comes as plain lines
    args = ["--model", "neural-ngram", "--max-steps", "3", "--data", words_file]
    assert run("train", *args, "--out", tmp_path / "a", "--quiet") == 0
    assert capsys.readouterr() == ("", "")
    assert run("train", *args, "--out", tmp_path / "b", "--json") == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == read_metrics(tmp_path / "b")
    assert "step 3" in err  # --json moves the summary, not the progress (as --help says)


def test_resume_says_where_from_and_refuses_nothing(tmp_path, words_file, capsys):
    args = ["--model", "neural-ngram", "--data", words_file, "--out", tmp_path / "run"]
    assert run("train", *args, "--max-steps", "3") == 0
    capsys.readouterr()
    assert run("train", *args, "--max-steps", "5", "--resume") == 0
    assert "resumed from step 3" in capsys.readouterr().out
    assert read_metrics(tmp_path / "run")["steps"] == 5
    nothing = ["--model", "neural-ngram", "--data", words_file, "--out", tmp_path / "nope"]
    assert run("train", *nothing, "--resume") == 2
    assert "does not exist; drop --resume" in capsys.readouterr().err
    counted = ["--model", "ngram", "--data", words_file, "--out", tmp_path / "ng", "--resume"]
    assert run("train", *counted) == 2
    assert "nothing to resume" in capsys.readouterr().err


def test_help_shows_the_real_defaults(capsys):
    from z2h.makemore import cli, registry
    from z2h.makemore.defaults import DEFAULT_MODEL
    from z2h.makemore.models import transformer

    assert DEFAULT_MODEL == "transformer"
    assert f"{transformer.DEFAULT_TIME_BUDGET:g} s for the transformer" in cli.DEFAULT_BUDGET_HELP
    assert f"{registry.LECTURE_STEPS:,} steps" in cli.DEFAULT_BUDGET_HELP
    with pytest.raises(SystemExit):
        run("train", "--help")
    out = " ".join(capsys.readouterr().out.split())
    assert "default transformer" in out and "120 s for the transformer" in out


def test_resume_with_another_word_list_says_different_data(tmp_path, words_file, capsys):
    out = tmp_path / "run"
    args = ["--model", "neural-ngram", "--max-steps", "2", "--out", out]
    assert run("train", *args, "--data", words_file) == 0
    other = tmp_path / "other.txt"
    other.write_text(WORDS.replace("a", "q") + "\n", encoding="utf-8")  # another vocabulary too
    capsys.readouterr()
    assert run("train", *args, "--data", other, "--resume") == 2
    err = capsys.readouterr().err
    assert "other data" in err and "model config" not in err


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--max-steps", "5"], "--max-steps does not apply"),
        (["--lr", "0.1", "--batch-size", "4"], "--batch-size, --lr does not apply"),
        (["--warmup-frac", "0.1"], "--warmup-frac does not apply"),
    ],
)
def test_a_counted_model_refuses_step_flags(tmp_path, words_file, capsys, flags, says):
    """A counted n-gram is fit in one go: --max-steps and the other loop flags are refused, not
    silently ignored, and no folder is made."""
    out = tmp_path / "r"
    assert run("train", "--model", "ngram", *flags, "--data", words_file, "--out", out) == 2
    err = capsys.readouterr().err
    assert "is counted, not trained step by step" in err and says in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--warmup-frac", "1.5"), ("--warmup-frac", "-0.1"), ("--grad-clip", "-1")],
)
def test_training_ranges_are_checked(tmp_path, words_file, capsys, flag, value):
    out = tmp_path / "r"
    args = ["--model", "mlp", "--max-steps", "1", flag, value, "--data", words_file, "--out", out]
    assert run("train", *args) == 2
    assert f"{flag} must be" in capsys.readouterr().err
    assert not out.exists()


def test_manual_backprop_refuses_negative_steps(capsys):
    assert run("manual-backprop", "--steps", "-1") == 2
    assert "--steps must be at least 1 (or 0: check only), got -1" in capsys.readouterr().err


def test_manual_backprop_checks_as_json(capsys):
    assert run("manual-backprop", "--steps", "0", "--json") == 0
    worst = json.loads(capsys.readouterr().out)["worst_abs_diff"]
    assert worst["float64"] <= 1e-10 and worst["float32"] <= 1e-5
    assert run("manual-backprop", "--steps", "0", "--quiet") == 0
    assert capsys.readouterr().out == ""
