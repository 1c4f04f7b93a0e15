from __future__ import annotations

import pytest

from z2h.cli import main
from z2h.errors import Z2HError
from z2h.gpt.recipe import TrainSettings, budget_recipe, resolve_settings
from z2h.gpt.sample import load_run
from z2h.run import read_metrics

TEXT = "Now is the winter of our discontent\nMade glorious summer by this sun of York;\n" * 30


def test_explicit_flag_beats_preset_beats_recipe():
    s = resolve_settings(TrainSettings(out="x", time_budget=48, preset="lecture", n_layer=2))
    assert s.n_layer == 2  # flag
    assert s.n_embd == 384 and s.dropout == 0.2  # preset
    assert s.lr == budget_recipe(48, None, task=False)["lr"]  # recipe
    assert s.norm == "layernorm" and s.pos == "learned"  # a preset names the architecture
    recipe = resolve_settings(TrainSettings(out="x", time_budget=48))
    assert (recipe.pos, recipe.norm, recipe.mlp, recipe.qk_norm) == (
        "rope",
        "rmsnorm",
        "swiglu",
        True,
    )


def test_recipe_grows_with_the_budget():
    small, large = budget_recipe(48, None, False), budget_recipe(3600, None, False)
    assert small["n_embd"] * small["n_layer"] < large["n_embd"] * large["n_layer"]


def test_finetune_from_a_run(tmp_path):
    data = tmp_path / "t.txt"
    data.write_text(TEXT, encoding="utf-8")
    toy = ["--preset", "tiny", "--batch-size", "8", "--threads", "1", "--data", str(data)]
    assert main(["gpt", "train", "--out", str(tmp_path / "a"), *toy, "--max-steps", "20"]) == 0
    args = ["gpt", "train", "--out", str(tmp_path / "b"), *toy, "--max-steps", "1", "--lr", "1e-9"]
    assert main([*args, "--init-from", str(tmp_path / "a")]) == 0
    a, b = read_metrics(tmp_path / "a"), read_metrics(tmp_path / "b")
    # one step at lr ~0 from a's weights: b evaluates like a, far below a fresh model
    assert b["val_loss"] == pytest.approx(a["val_loss"], abs=1e-3)
    assert (
        load_run(tmp_path / "b").tokenizer.to_dict() == load_run(tmp_path / "a").tokenizer.to_dict()
    )


def test_finetune_with_another_model_size_is_refused(tmp_path, capsys):
    data = tmp_path / "t.txt"
    data.write_text(TEXT, encoding="utf-8")
    toy = ["--preset", "tiny", "--batch-size", "8", "--threads", "1", "--data", str(data)]
    main(["gpt", "train", "--out", str(tmp_path / "a"), *toy, "--max-steps", "1"])
    capsys.readouterr()
    code = main(["gpt", "train", "--out", str(tmp_path / "b"), *toy, "--max-steps", "1",
                 "--n-embd", "64", "--init-from", str(tmp_path / "a")])  # fmt: skip
    assert code == 2 and "same model settings" in capsys.readouterr().err


def test_finetune_from_a_missing_run_says_it_does_not_exist(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    data = tmp_path / "t.txt"
    data.write_text(TEXT, encoding="utf-8")
    for init, message in [("nope", "no such run folder"), ("empty", "no GPT checkpoint")]:
        code = main(["gpt", "train", "--out", str(tmp_path / "b"), "--data", str(data),
                     "--max-steps", "1", "--init-from", str(tmp_path / init)])  # fmt: skip
        assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_unknown_task_is_an_error(tmp_path):
    from z2h.gpt.recipe import run_training

    with pytest.raises(Z2HError, match="unknown task"):
        run_training(TrainSettings(out=str(tmp_path), max_steps=1, task="subtraction", threads=1))
