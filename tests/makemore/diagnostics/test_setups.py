"""A diagnostic's setup draws the batches ``z2h makemore train`` draws, at the run's batch size."""

from __future__ import annotations

import pytest
import torch

from z2h.makemore.batches import batch_fn
from z2h.makemore.diagnostics import setups
from z2h.makemore.training import TrainOptions, train


def test_a_loaded_run_draws_batches_of_the_size_it_trained_with(toy_words, tmp_path):
    out = tmp_path / "run"
    opts = TrainOptions(
        model="mlp",
        out=out,
        data=toy_words,
        batch_size=7,  # not the recipe's 32
        model_fields={"n_hidden": 8},
        train_fields={"max_steps": 2},
    )
    train(opts)
    setup = setups.load(out)
    assert setup.batch_size == 7
    x, y = setup.batch(torch.Generator().manual_seed(0))
    assert len(x) == len(y) == 7
    assert setup.extra()["batch_size"] == 7  # and what a diagnostic saves keeps it


@pytest.mark.parametrize("name", ["mlp", "lstm"])
def test_setup_batches_are_the_trainers(name, toy_words):
    setup = setups.fresh(name, data=str(toy_words))
    X, Y = setup.splits["dev"]
    want = batch_fn(X, Y, setup.batch_size, setup.entry.input_kind)(
        torch.Generator().manual_seed(3)
    )
    got = setup.batch(torch.Generator().manual_seed(3), split="dev")
    assert all(torch.equal(a, b) for a, b in zip(got, want, strict=True))
