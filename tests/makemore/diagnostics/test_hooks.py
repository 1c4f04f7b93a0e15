"""Hooks see every layer of every registry model; update ratios match the lecture's formula."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.makemore import registry
from z2h.makemore.data import examples, prepare
from z2h.makemore.diagnostics.hooks import LayerRecorder, UpdateTracker, layers
from z2h.makemore.diagnostics.report import snapshot

# every gradient-trained model; a registry that fails to load fails this module's collection
TRAINABLE = [n for n in registry.names() if registry.get(n).trainable]


def test_the_ladder_is_registered():
    assert {"mlp", "bnmlp", "wavenet", "rnn", "gru", "lstm", "transformer"} <= set(TRAINABLE)


@pytest.mark.parametrize("name", TRAINABLE)
def test_hooks_see_every_layer_of_every_registry_model(name, toy_words):
    data = prepare(toy_words)
    entry = registry.get(name)
    cfg = registry.make_config(name, vocab_size=len(data.vocab))
    block = cfg.block_size if entry.input_kind == "context" else data.max_word_length + 1
    if entry.input_kind == "sequence":
        cfg = registry.make_config(name, vocab_size=len(data.vocab), block_size=max(block, 10))
    torch.manual_seed(0)
    model = registry.build(name, cfg)
    X, Y = examples(data.train[:16], data.vocab, entry.input_kind, cfg.block_size)
    expected = dict(layers(model))
    assert expected, f"{name} has no layers"
    with LayerRecorder(model) as rec:
        _, loss = model(X, Y)
        loss.backward()
    for lname, module in expected.items():
        rec_ = rec.records[lname]
        assert rec_.outputs, f"{name}: layer {lname} ({rec_.type}) produced no recorded output"
        # subtle: a model that is one single layer may compute its loss from something other
        # than the logits it returns (neural-ngram's table path), so only inner layers must
        # see a gradient at their output
        if module is not model and any(o.dtype.is_floating_point for o in rec_.outputs):
            assert rec_.grads, f"{name}: no gradient reached layer {lname} ({rec_.type})"
    snap = snapshot(model, X, Y)
    assert {p.name for p in snap.params} == {
        n for n, p in model.named_parameters() if p.requires_grad
    }
    assert snap.loss == pytest.approx(loss.item(), rel=1e-4, abs=1e-4) or model_has_dropout(model)
    # the hooks are gone afterwards
    assert all(not m._forward_hooks for m in model.modules())


def model_has_dropout(model: nn.Module) -> bool:
    return any(isinstance(m, nn.Dropout) and m.p > 0 for m in model.modules())


def test_recorder_handles_tuples_repeats_and_inplace():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(3, 4, batch_first=True)
            self.lin = nn.Linear(4, 4)

        def forward(self, x, y=None):
            out, _ = self.lstm(x)  # a tuple output
            h = self.lin(out)
            h = self.lin(h)  # the same layer called twice
            return h, (h**2).sum()

    net = Net()
    with LayerRecorder(net) as rec:
        _, loss = net(torch.randn(2, 5, 3))
        loss.backward()
    assert rec.records["lstm"].output().shape == (10, 4)
    assert len(rec.records["lin"].outputs) == 2 and rec.records["lin"].output().shape == (20, 4)
    assert len(rec.records["lin"].grads) == 2
    assert rec.records["lin"].grad().shape == (20, 4)


def test_recorder_clones_before_an_inplace_op():
    lin, relu = nn.Linear(3, 8), nn.ReLU(inplace=True)
    net = nn.Sequential(lin, relu)
    with LayerRecorder(net) as rec:
        out = net(torch.randn(16, 3))
    assert (rec.records["0"].output() < 0).any()  # the Linear's output before the ReLU
    assert (out >= 0).all()


def test_update_tracker_equals_lr_grad_for_sgd():
    torch.manual_seed(0)
    net = nn.Linear(5, 3)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    tracker = UpdateTracker(net, opt)
    x, y = torch.randn(8, 5), torch.randint(0, 3, (8,))
    F.cross_entropy(net(x), y).backward()
    before = net.weight.detach().clone()
    expected = math.log10((0.1 * net.weight.grad).std().item() / before.std().item())
    opt.step()
    tracker.remove()
    assert tracker.history.steps == [1]
    assert tracker.history.lrs == [0.1]
    assert tracker.history.ratios["weight"][0] == pytest.approx(expected, abs=1e-6)
    opt.zero_grad()
    F.cross_entropy(net(x), y).backward()
    opt.step()  # after remove(): not measured
    assert tracker.history.steps == [1]


def test_update_tracker_every():
    net = nn.Linear(2, 2)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    tracker = UpdateTracker(net, opt, every=3)
    for _ in range(7):
        net(torch.randn(4, 2)).sum().backward()
        opt.step()
        opt.zero_grad()
    assert tracker.history.steps == [1, 4, 7]
    with pytest.raises(ValueError):
        UpdateTracker(net, opt, every=0)
