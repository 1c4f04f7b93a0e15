"""``z2h arc train / eval / predict`` end to end at toy size, resume, and every bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from z2h.arc.generate import make_task
from z2h.arc.generators.registry import get_generator
from z2h.arc.models.evaluate import CC_VARIANTS, hand_grids, object_scores
from z2h.arc.models.registry import load_run
from z2h.arc.predictions import read_predictions
from z2h.arc.task import Pair, Task, write_task
from z2h.checkpoint import save_checkpoint
from z2h.run import read_metrics, write_json_atomic

GPT = ["--model", "grid-gpt", "--set", "n_layer=1", "--set", "n_head=2", "--set", "n_embd=16",
       "--set", "block_size=160"]  # fmt: skip
VIT = ["--model", "grid-vit", "--set", "n_layer=1", "--set", "n_head=2", "--set", "n_embd=16",
       "--set", "canvas=4"]  # fmt: skip
FAST = ["--batch-size", "4", "--val-tasks", "4", "--val-exact", "2", "--threads", "1",
        "--difficulty", "0,0"]  # fmt: skip


def make_set(folder, names=("flip", "rotate"), n=4, seed=5):
    """A generated set on disk, as 'z2h arc generate' lays it out."""
    for name in names:
        for i in range(n):
            made = make_task(get_generator(name), seed, i, (0.0, 0.0))
            write_task(folder / "tasks" / f"{made.task.id}.json", made.task)
            write_json_atomic(folder / "labels" / f"{made.task.id}.json", made.labels.to_json())
    return folder


@pytest.fixture(scope="module")
def gpt_run(tmp_path_factory, arc):
    """One toy grid-gpt run that several tests read (made once per module)."""
    out = tmp_path_factory.mktemp("runs") / "gpt"
    code = arc(["train", "--out", str(out), "--generator", "flip", *GPT, *FAST,
                    "--max-steps", "3", "--eval-interval", "2"])  # fmt: skip
    assert code == 0
    return out


def test_train_writes_a_run(gpt_run):
    metrics = read_metrics(gpt_run)
    assert metrics["model"] == "grid-gpt" and metrics["steps"] == 3
    assert [h["step"] for h in metrics["history"]] == [2, 3]
    for key in ("loss", "pass1", "pass2", "cell_accuracy"):
        assert key in metrics["val"]
    assert {p.name for p in gpt_run.iterdir()} >= {"best.pt", "last.pt", "metrics.json"}
    assert load_run(gpt_run).model.config.n_embd == 16


def test_eval_and_predict_write_the_predictions_file(arc, gpt_run, tmp_path, capsys):
    preds = tmp_path / "preds.json"
    assert arc(["eval", "--json", "--run", str(gpt_run), "--generator", "flip,rotate",
                "--tasks", "2", "--difficulty", "0,0", "--predictions", str(preds), "--metrics",
                str(tmp_path / "m.json")]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["tasks"] == 4 and set(summary["per_generator"]) == {"flip", "rotate"}
    assert 0.0 <= summary["pass1"] <= summary["pass2"] <= 1.0
    answers = read_predictions(preds)
    assert len(answers) == 4 and all(1 <= len(a[0]) <= 2 for a in answers.values())
    assert json.loads((tmp_path / "m.json").read_text())["tasks"] == 4
    # with TTA, and predict on a single task file whose answer is hidden
    assert arc(["eval", "--json", "--run", str(gpt_run), "--generator", "flip", "--tasks", "1",
                "--difficulty", "0,0", "--tta", "--tta-views", "3"]) == 0  # fmt: skip
    task = make_task(get_generator("flip"), 9, 0, (0.0, 0.0)).task
    hidden = Task("hidden", task.train, [Pair(task.test[0].input, None)])
    write_task(tmp_path / "hidden.json", hidden)
    out = tmp_path / "hidden-preds.json"
    assert arc(["predict", "--json", "--run", str(gpt_run), "--data", str(tmp_path / "hidden.json"),
                "--predictions", str(out)]) == 0  # fmt: skip
    assert list(read_predictions(out)) == ["hidden"]


def test_grid_vit_on_a_generated_folder_and_resume(arc, tmp_path, capsys):
    data = make_set(tmp_path / "set")
    args = ["train", "--out", str(tmp_path / "vit"), "--data", str(data), *VIT, *FAST,
            "--eval-interval", "2"]  # fmt: skip
    assert arc([*args, "--max-steps", "2"]) == 0
    assert arc([*args, "--max-steps", "4", "--resume"]) == 0
    metrics = read_metrics(tmp_path / "vit")
    assert metrics["steps"] == 4 and [h["step"] for h in metrics["history"]] == [2, 4]
    new = make_set(tmp_path / "new", seed=6)
    assert arc(["eval", "--json", "--run", str(tmp_path / "vit"), "--data", str(new), "--tta"]) == 0
    expect_error(arc, capsys, ["eval", "--run", str(tmp_path / "vit"), "--data", str(data)],
                 "is the folder this run trained on")  # fmt: skip


def test_resume_matches_an_uninterrupted_run(arc, tmp_path, monkeypatch):
    import z2h.arc.models.train as train

    args = ["--generator", "flip", *VIT, *FAST, "--max-steps", "4", "--eval-interval", "2",
            "--val-exact", "0"]  # fmt: skip
    assert arc(["train", "--out", str(tmp_path / "ref"), *args]) == 0
    real = train.solver_example
    calls = {"n": 0}

    def dies_in_step_3(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 2 * 4 + 1:  # the first example of step 3; last.pt holds step 2
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(train, "solver_example", dies_in_step_3)
    assert arc(["train", "--out", str(tmp_path / "run"), *args]) == 130  # as Ctrl-C ends it
    monkeypatch.setattr(train, "solver_example", real)
    assert arc(["train", "--out", str(tmp_path / "run"), *args, "--resume"]) == 0
    a = load_run(tmp_path / "ref").model.state_dict()
    b = load_run(tmp_path / "run").model.state_dict()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def test_objects_model_and_components(arc, tmp_path, capsys):
    out = tmp_path / "objects"
    assert arc(["train", "--out", str(out), "--model", "objects", "--scenes", "touching",
                "--set", "n_layer=1", "--set", "n_embd=16", "--set", "n_head=2",
                "--set", "canvas=16",
                "--batch-size", "4", "--max-steps", "2", "--val-tasks", "4",
                "--threads", "1"]) == 0  # fmt: skip
    capsys.readouterr()
    assert arc(["eval", "--json", "--run", str(out), "--scenes", "touching", "--tasks", "5"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["grids"] == 5 and summary["model"] == "objects"
    assert 0 <= summary["object_f1"] <= 1
    assert summary["cc4"] < 1 and summary["cc8-multicolour"] == 0.0  # all objects touch
    data = make_set(tmp_path / "set", names=("gravity",), n=2)
    assert arc(["eval", "--json", "--run", str(out), "--data", str(data)]) == 0
    capsys.readouterr()
    # the hand-checked real tasks (the command docs/arc-models.md shows): grids over the
    # canvas (16) stop the eval, by name, unless left out of every score
    expect_error(arc, capsys, ["eval", "--run", str(out), "--data", "hand"], "--skip-too-big")
    assert arc(["eval", "--json", "--run", str(out), "--data", "hand", "--skip-too-big"]) == 0
    hand = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    grids = hand_grids()
    fits = [g for g in grids if max(g[0].shape) < 16]
    assert 0 < len(fits) < len(grids)
    assert (hand["grids"], hand["skipped"]) == (len(fits), len(grids) - len(fits))
    assert {k: hand[k] for k in CC_VARIANTS} == {
        k: v for k, v in object_scores(None, fits).items() if k in CC_VARIANTS
    }
    assert 0 <= hand["object_f1"] <= 1


# -- bad input: a clear message, exit 2, nothing overwritten ---------------------------------------
def expect_error(arc, capsys, argv, says):
    capsys.readouterr()
    assert arc(argv) == 2
    err = capsys.readouterr().err
    assert "z2h arc: error:" in err and says in err, err
    assert "Traceback" not in err


def test_a_data_folder_without_tasks(arc, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    expect_error(
        arc,
        capsys,
        [
            "train",
            "--out",
            str(tmp_path / "r"),
            "--data",
            str(tmp_path / "empty"),
            *GPT,
            "--max-steps",
            "1",
        ],
        "no tasks there",
    )
    assert not (tmp_path / "r" / "last.pt").exists()


def test_a_task_bigger_than_the_canvas_or_context(arc, gpt_run, tmp_path, capsys):
    big = np.zeros((12, 12), np.uint8)
    big[0, 0] = 1
    write_task(tmp_path / "big.json", Task("big", [Pair(big, big[::-1].copy())] * 2,
                                           [Pair(big, big[::-1].copy())]))  # fmt: skip
    preds = tmp_path / "preds.json"
    preds.write_text("keep me")
    expect_error(
        arc,
        capsys,
        [
            "eval",
            "--out",
            str(gpt_run),
            "--data",
            str(tmp_path / "big.json"),
            "--predictions",
            str(preds),
        ],
        "task big: needs at least",
    )
    assert preds.read_text() == "keep me"
    # with --skip-too-big it is scored as unsolved instead
    capsys.readouterr()
    assert arc(["eval", "--json", "--run", str(gpt_run), "--data", str(tmp_path / "big.json"),
                "--skip-too-big", "--predictions", str(preds)]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["skipped"] == 1 and summary["tasks"] == 1 and summary["pass2"] == 0.0
    assert read_predictions(preds) == {}
    # training on generated tasks too big for the canvas names the held-out task
    expect_error(
        arc,
        capsys,
        [
            "train",
            "--out",
            str(tmp_path / "v"),
            "--generator",
            "gravity",
            *VIT,
            *FAST,
            "--max-steps",
            "1",
        ],
        "grid needs a canvas of at least 6",
    )


def test_training_draws_past_tasks_too_big_for_the_model(arc, tmp_path):
    # flip at difficulty 0-0.3 makes grids of 6-8 cells a side; a canvas of 8 reads up to 7, so
    # some tasks fit and the others are drawn past (and counted) instead of stopping the run
    out = tmp_path / "r"
    small = ["--set", "n_layer=1", "--set", "n_head=2", "--set", "n_embd=16", "--set", "canvas=8"]
    assert arc(["train", "--out", str(out), "--generator", "flip", "--model", "grid-vit", *small,
                "--batch-size", "4", "--val-tasks", "8", "--val-exact", "1", "--threads", "1",
                "--max-steps", "2", "--quiet"]) == 0  # fmt: skip
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 2
    assert metrics["too_big"]["train"] > 0 and 0 < metrics["too_big"]["held_out"] < 8
    # the objects model too, on the labelled grids of the same tasks
    objects = tmp_path / "o"
    assert arc(["train", "--out", str(objects), "--generator", "flip", "--model", "objects",
                "--set", "n_layer=1", "--set", "n_head=2", "--set", "n_embd=16", "--set",
                "canvas=8", "--batch-size", "4", "--val-tasks", "4", "--threads", "1",
                "--max-steps", "2", "--quiet"]) == 0  # fmt: skip
    metrics = json.loads((objects / "metrics.json").read_text())
    assert metrics["steps"] == 2 and metrics["too_big"]["train"] > 0
    assert metrics["too_big"]["held_out"] > 0


def test_a_run_of_another_kind_and_a_corrupt_checkpoint(arc, tmp_path, capsys):
    other = tmp_path / "gptrun"
    save_checkpoint(other / "best.pt", {"model_state": {}}, kind="gpt")
    expect_error(
        arc,
        capsys,
        ["eval", "--json", "--run", str(other), "--generator", "flip"],
        "is a checkpoint of kind 'gpt'; this command needs one of kind 'arc'",
    )
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "best.pt").write_bytes(b"not a checkpoint")
    expect_error(
        arc,
        capsys,
        ["eval", "--json", "--run", str(broken), "--generator", "flip"],
        "not a readable z2h checkpoint",
    )
    expect_error(
        arc,
        capsys,
        ["eval", "--json", "--run", str(tmp_path / "none"), "--generator", "flip"],
        "--run " + str(tmp_path / "none") + ": no such run directory",
    )


def test_the_hand_set_on_a_task_solver(arc, gpt_run, capsys):
    says = "--data hand scores found objects (the objects model) or explanations"
    expect_error(arc, capsys, ["eval", "--run", str(gpt_run), "--data", "hand"], says)


def test_resuming_a_run_of_another_model(arc, gpt_run, tmp_path, capsys):
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(gpt_run, run)
    before = (run / "last.pt").read_bytes()
    expect_error(
        arc,
        capsys,
        [
            "train",
            "--out",
            str(run),
            "--generator",
            "flip",
            *VIT,
            *FAST,
            "--max-steps",
            "1",
            "--resume",
        ],
        "holds a grid-gpt run",
    )
    assert (run / "last.pt").read_bytes() == before
    expect_error(
        arc,
        capsys,
        ["train", "--out", str(run), "--generator", "flip", *GPT, *FAST, "--max-steps", "1"],
        "already holds a run",
    )


def test_tta_on_a_model_that_cannot_use_it(arc, tmp_path, capsys):
    out = tmp_path / "fixed"
    assert arc(["train", "--out", str(out), "--generator", "flip", *VIT, "--set", "demos=0",
                *FAST, "--max-steps", "1"]) == 0  # fmt: skip
    expect_error(
        arc,
        capsys,
        ["eval", "--json", "--run", str(out), "--generator", "flip", "--tta"],
        "--tta needs a model that reads demonstrations",
    )
    expect_error(  # --tasks makes tasks; a folder's tasks are all used, so it is refused there
        arc,
        capsys,
        ["eval", "--json", "--run", str(out), "--data", str(tmp_path), "--tasks", "2"],
        "with --data every task there is used",
    )
    expect_error(  # no views at all is refused, not TTA quietly switched off
        arc,
        capsys,
        ["eval", "--json", "--run", str(out), "--generator", "flip", "--tta", "--tta-views", "0"],
        "--tta-views must be at least 1",
    )


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--generator", "nope"], "unknown generator 'nope'"),
        (["--generator", "flip", "--data", "x"], "give exactly one of"),
        (["--generator", "flip", "--model", "vit"], "unknown model 'vit'"),
        (["--generator", "flip", "--set", "canvass=3"], "has no setting(s) canvass"),
        (["--generator", "flip", "--difficulty", "0.5,0.2"], "LO <= HI"),
        (["--scenes", "touching"], "train the objects model with it"),
        (["--generator", "flip", "--val-tasks", "0"], "--val-tasks must be at least 1"),
        (["--generator", "flip", "--batch-size", "0"], "--batch-size must be at least 1, got 0"),
    ],
)
def test_bad_training_arguments(arc, tmp_path, capsys, argv, says):
    expect_error(
        arc, capsys, ["train", "--out", str(tmp_path / "r"), *argv, "--max-steps", "1"], says
    )


def test_a_seed_a_generator_cannot_use_is_skipped(monkeypatch):
    import z2h.arc.generate as generate
    from z2h.arc.generate import make_tasks
    from z2h.arc.models.train import GeneratorSource

    real = generate.make_task

    def fails_on_index_1(gen, seed, index, difficulty):
        if index == 1:
            raise generate.GenerationError("no valid task")
        return real(gen, seed, index, difficulty)

    monkeypatch.setattr(generate, "make_task", fails_on_index_1)
    made = make_tasks(get_generator("flip"), 3, 3, (0.0, 0.0))
    assert [m.labels.index for m in made] == [0, 2, 3]
    source = GeneratorSource("flip", (0.0, 0.0), 1)
    assert len(source.held_out(3)) == 3
    calls = {"n": 0}

    def fails_first(gen, seed, index, difficulty):
        calls["n"] += 1
        if calls["n"] == 1:
            raise generate.GenerationError("no valid task")
        return real(gen, seed, index, difficulty)

    monkeypatch.setattr(generate, "make_task", fails_first)
    task, _ = source.draw(np.random.default_rng(0))
    assert calls["n"] == 2 and task.id.startswith("flip-1-")


def test_eval_reads_the_run_named_by_out_too_and_prints_a_summary(arc, gpt_run, capsys):
    """``--run`` names the run to read, as in makemore and gpt; the older ``--out`` still works,
    and without --json the end is a readable block, not a JSON line."""
    # (the toy model's context is too small for the task: it is skipped, and still summarised)
    assert arc(["eval", "--out", str(gpt_run), "--generator", "flip", "--tasks", "1",
                "--skip-too-big"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert out.startswith("arc eval grid-gpt: 1 task in 0:0")
    assert "  pass@1 " in out and "  flip  " in out and "{" not in out
    assert_rounded(out)


def assert_rounded(text):
    """Every number printed has at most 4 decimals (no raw 0.123456789 of a dict's repr)."""
    import re

    long = re.findall(r"\d+\.\d{5,}", text)
    assert not long, f"unrounded numbers {long} in:\n{text}"


def test_train_and_eval_summaries_say_what_was_written_and_what_next(arc, tmp_path, capsys):
    """arc train ends as the other trainers do: rounded scores, the files written, the eval
    command; predict names its file and the commands that show it in the studio."""
    out = tmp_path / "vit"
    assert arc(["train", "--out", str(out), "--generator", "flip", *VIT, *FAST,
                "--max-steps", "2"]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert text.startswith("arc grid-vit: 2 steps in ")
    for row in ("val loss", "pass@1", "best step", f"  {out}\n",
                "best.pt, last.pt, metrics.json, scalars.csv",
                f"z2h arc eval --run {out} --generator flip"):  # fmt: skip
        assert row in text, text
    assert_rounded(text)
    preds = tmp_path / "p.json"
    assert arc(["predict", "--run", str(out), "--generator", "flip", "--tasks", "1",
                "--difficulty", "0,0", "--predictions", str(preds)]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert f"  {preds}\n" in text and "  predictions " in text
    assert f"--out SET && z2h arc studio SET --predictions {preds}" in text
    # the command shown makes the very tasks that were predicted: the studio finds them all
    from z2h.arc.studio.api import Studio
    from z2h.arc.studio.cli import predictions_warning

    generate = text.split("view them", 1)[1].split("&&")[0].split()[1:]
    folder = tmp_path / "set"
    assert arc([*generate[1:-1], str(folder)]) == 0
    assert predictions_warning(Studio([folder], [preds])) is None


def test_train_json_keeps_progress_on_stderr(arc, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("Z2H_PROGRESS", "1")
    out = tmp_path / "vit"
    assert arc(["train", "--json", "--out", str(out), "--generator", "flip", *VIT, *FAST,
                "--max-steps", "2", "--eval-interval", "1"]) == 0  # fmt: skip
    captured = capsys.readouterr()
    assert json.loads(captured.out)["steps"] == 2
    assert "arc grid-vit: step 1" in captured.err


def test_train_without_a_budget_takes_the_default_one(monkeypatch, tmp_path):
    """A bare 'z2h arc train --model grid-vit --generator flip' (the README's) trains the
    default time budget instead of asking for one."""
    import z2h.arc.models.train as train_mod
    from z2h.arc.models import cli as arc_cli
    from z2h.cli import main

    seen = {}

    def fake_run(settings):
        seen["budget"], seen["steps"] = settings.time_budget, settings.max_steps
        raise KeyboardInterrupt

    monkeypatch.setattr(train_mod, "run_training", fake_run)
    monkeypatch.chdir(tmp_path)
    assert main(["arc", "train", "--model", "grid-vit", "--generator", "flip"]) == 130
    assert seen == {"budget": arc_cli.DEFAULT_TIME_BUDGET, "steps": None}


def test_train_without_out_makes_a_new_run_folder(arc, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["train", "--generator", "flip", *VIT, *FAST, "--max-steps", "1"]
    assert arc(args) == 0 and arc(args) == 0
    runs = sorted((tmp_path / "runs" / "arc").iterdir())
    assert len(runs) == 2 and all((r / "last.pt").is_file() for r in runs)
    assert str(runs[-1].relative_to(tmp_path)) in capsys.readouterr().out


def test_train_quiet_says_nothing_about_threads(monkeypatch, capsys):
    """--quiet prints errors only: the note on the threads taken (other processes busy) too."""
    import z2h.arc.models.train as train_mod
    import z2h.run

    threads = torch.get_num_threads()
    monkeypatch.setattr(z2h.run, "busy_cpus", lambda window=0.25: 1.0)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 64)  # so one busy CPU leaves fewer
    monkeypatch.setattr(train_mod, "_run", lambda settings, device: {})
    try:
        for quiet in (False, True):
            settings = train_mod.ArcTrainSettings(out="unused", device="cpu", quiet=quiet)
            train_mod.run_training(settings)
            assert ("torch thread(s)" in capsys.readouterr().err) is not quiet
    finally:
        torch.set_num_threads(threads)
