"""Initialisation reports (lecture 3 E02, lecture 4 E01) and the learning-rate finder."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from z2h.errors import Z2HError
from z2h.makemore import registry
from z2h.makemore.data import prepare
from z2h.makemore.diagnostics import init_report, lr_find, setups


def test_zero_init_only_the_last_bias_moves(toy_words):
    """Lecture 4 E01 at toy size: with everything zero only the output bias learns."""
    setup = setups.fresh("bnmlp", data=str(toy_words), model_overrides={"n_hidden": 8, "n_embd": 4})
    z = init_report.zero_init_experiment(setup, steps=30)
    names = [n for n, _ in setup.model.named_parameters()]
    last = names[-1]  # the output layer's bias (or the output BatchNorm's shift)
    assert z.moved == [last]
    assert z.got_gradient == [last]
    assert set(z.stuck) == set(names) - {last}
    assert z.first_loss == pytest.approx(z.uniform, abs=1e-5)  # all-zero logits: uniform
    # an output bias alone can at best learn the next-character frequencies
    assert z.zero_dev > z.unigram - 0.2
    assert "unigram" in z.explanation


def test_zero_init_deep_preset_moves_only_the_output_shift(toy_words):
    setup = setups.fresh(
        "bnmlp",
        preset="lecture4-deep",
        data=str(toy_words),
        model_overrides={"n_hidden": 8, "n_embd": 4},
    )
    z = init_report.zero_init_experiment(setup, steps=10)
    assert len(z.moved) == 1 and z.moved[0].endswith(".bias")


def test_unigram_entropy_by_hand():
    Y = torch.tensor([0, 0, 1, 1, -1])  # padding is ignored
    assert init_report.unigram_entropy(Y, 3) == pytest.approx(math.log(2))


def test_init_losses_cover_every_preset(toy_words):
    data = prepare(toy_words)
    names = ["mlp", "bnmlp"]
    rows = init_report.init_losses(data, names=names)
    expected = {(n, p) for n in names for p in registry.get(n).presets}
    assert {(r.model, r.preset) for r in rows} == expected
    for r in rows:
        assert r.uniform == pytest.approx(math.log(len(data.vocab)))
        assert abs(r.gap) < 0.5  # the lecture presets start near a uniform prediction
    assert "ln(V)" in init_report.format_init_table(rows)


def test_lr_schedule_is_exponential():
    lrs = lr_find.lr_schedule(1e-3, 10.0, 5)
    assert lrs[0] == pytest.approx(1e-3) and lrs[-1] == pytest.approx(10.0)
    ratios = [b / a for a, b in itertools.pairwise(lrs)]
    assert all(r == pytest.approx(10.0) for r in ratios)
    with pytest.raises(Z2HError):
        lr_find.lr_schedule(1.0, 0.1, 5)


def test_lr_sweep_finds_a_minimum_and_stops_on_divergence(toy_words):
    setup = setups.fresh("mlp", data=str(toy_words))
    before = {k: v.clone() for k, v in setup.model.state_dict().items()}
    sweep = lr_find.lr_sweep(setup, steps=200, lo=1e-3, hi=1e4, optimizer="sgd")
    assert sweep.stopped_early  # lr 1e4 blows any model up
    assert sweep.lrs[0] <= sweep.best_lr < sweep.lrs[-1]
    assert sweep.suggested == pytest.approx(sweep.best_lr / lr_find.SAFETY)
    assert min(sweep.smoothed) == pytest.approx(sweep.best_loss)
    # the Trainer ran exactly the sweep's schedule, step by step, up to the early stop
    assert sweep.lrs == pytest.approx(lr_find.lr_schedule(1e-3, 1e4, 200)[: len(sweep.lrs)])
    assert len(sweep.losses) == len(sweep.smoothed) == len(sweep.lrs) < 200
    # the swept copy trained; the original model did not
    assert all(torch.equal(v, setup.model.state_dict()[k]) for k, v in before.items())
    assert "suggested lr" in lr_find.explain(sweep)
