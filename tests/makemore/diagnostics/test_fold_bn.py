"""Folding BatchNorm into the preceding Linear: equality in eval mode, originals untouched."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.checkpoint import load_checkpoint, save_checkpoint
from z2h.errors import Z2HError
from z2h.makemore import registry
from z2h.makemore.diagnostics.fold_bn import (
    fold_batchnorm,
    folded_structure,
    is_batchnorm,
    max_abs_diff,
    verify_and_time,
)


class LastDimBN(nn.Module):
    """A hand-written BatchNorm over the last dimension, like the registry's."""

    def __init__(self, dim, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.register_buffer("running_mean", torch.zeros(dim))
        self.register_buffer("running_var", torch.ones(dim))

    def forward(self, x):
        dims = tuple(range(x.dim() - 1))
        if self.training:
            mean, var = x.mean(dims), x.var(dims)
            with torch.no_grad():
                self.running_mean.lerp_(mean, self.momentum)
                self.running_var.lerp_(var, self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        return self.weight * (x - mean) / torch.sqrt(var + self.eps) + self.bias


class Net(nn.Module):
    def __init__(self, bn_cls, dims=(6, 16, 12, 5), seq=False):
        super().__init__()
        layers = []
        for i, (a, b) in enumerate(itertools.pairwise(dims)):
            layers += [nn.Linear(a, b, bias=i % 2 == 0), bn_cls(b), nn.Tanh()]
        self.layers = nn.Sequential(*layers[:-1])
        self.seq = seq

    def forward(self, x, targets=None):
        return self.layers(x), None


def _random_stats(net: nn.Module, gen: torch.Generator, shape, dtype=torch.float32) -> None:
    """Give every BatchNorm non-trivial gamma/beta and running statistics."""
    with torch.no_grad():
        for m in net.modules():
            if is_batchnorm(m):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen, dtype=dtype))
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen, dtype=dtype))
    net.train()
    for _ in range(5):  # train-mode passes move the running statistics
        net(torch.randn(*shape, generator=gen, dtype=dtype) * 3 + 1)


@pytest.mark.parametrize("bn_cls", [nn.BatchNorm1d, LastDimBN], ids=["torch", "handwritten"])
@pytest.mark.parametrize("seed", range(4))
def test_folding_equals_eval_mode(bn_cls, seed):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = Net(bn_cls)
    _random_stats(net, gen, (64, 6))
    net.train()  # folding must use running statistics even when handed a train-mode model
    stats_before = {k: v.clone() for k, v in net.state_dict().items()}
    folded, names = fold_batchnorm(net)
    assert names == ["layers.1", "layers.4", "layers.7"]
    assert not any(is_batchnorm(m) for m in folded.modules())
    # the original is untouched: still in train mode, same weights and running statistics
    assert net.training
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in stats_before.items())
    X = torch.randn(500, 6, generator=gen) * 2
    assert max_abs_diff(net, folded, X) <= 1e-5
    assert net.training  # max_abs_diff restored the mode
    # train mode normalises with the batch's own statistics: folding must not equal that
    with torch.no_grad():
        train_out, _ = net.train()(X)
        folded_train, _ = folded.train()(X)
        folded_eval, _ = folded.eval()(X)
    assert not torch.allclose(train_out, folded_eval, atol=1e-3)
    assert torch.equal(folded_train, folded_eval)  # no BatchNorm left: modes agree


def test_folding_in_float64_is_exact_to_rounding():
    torch.manual_seed(0)
    net = Net(LastDimBN).double()
    _random_stats(net, torch.Generator().manual_seed(0), (64, 6), torch.float64)
    folded, _ = fold_batchnorm(net)
    X = torch.randn(200, 6, dtype=torch.float64)
    assert max_abs_diff(net, folded, X) <= 1e-12


def test_three_dimensional_input():
    """WaveNet's case: (B, T, C) through Linear then a BatchNorm over the last dim."""
    torch.manual_seed(0)
    net = Net(LastDimBN)
    _random_stats(net, torch.Generator().manual_seed(1), (16, 4, 6))
    folded, _ = fold_batchnorm(net)
    assert max_abs_diff(net, folded, torch.randn(32, 4, 6)) <= 1e-5


@pytest.mark.parametrize("name", ["bnmlp", "wavenet"])
def test_registry_bn_models_fold(name):
    cfg = registry.make_config(name)
    torch.manual_seed(0)
    model = registry.build(name, cfg)
    X = torch.randint(0, cfg.vocab_size, (256, cfg.block_size))
    Y = torch.randint(0, cfg.vocab_size, (256,))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(5):
        _, loss = model(X, Y)
        loss.backward()
        opt.step()
        opt.zero_grad()
    folded, names = fold_batchnorm(model)
    assert names
    report = verify_and_time(model, folded, names, X, timed=False)
    assert report.max_abs_diff <= 1e-5
    logits, _ = folded(X)
    assert F.cross_entropy(logits, Y).isfinite()


def test_save_and_reload_folded(tmp_path):
    torch.manual_seed(0)
    net = Net(LastDimBN)
    _random_stats(net, torch.Generator().manual_seed(2), (64, 6))
    folded, names = fold_batchnorm(net)
    path = save_checkpoint(
        tmp_path / "folded.pt",
        {"folded_batchnorms": names, "model_state": folded.state_dict()},
        kind="makemore-folded",
    )
    ckpt = load_checkpoint(path, kind="makemore-folded")
    rebuilt = folded_structure(Net(LastDimBN), ckpt["folded_batchnorms"])
    rebuilt.load_state_dict(ckpt["model_state"])
    X = torch.randn(50, 6)
    assert max_abs_diff(folded, rebuilt, X) == 0.0


def test_refuses_models_it_cannot_fold():
    with pytest.raises(Z2HError, match="no BatchNorm"):
        fold_batchnorm(nn.Sequential(nn.Linear(2, 2), nn.Tanh()))
    with pytest.raises(Z2HError, match="must directly follow"):
        fold_batchnorm(nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.BatchNorm1d(2)))
    with pytest.raises(Z2HError, match="differs"):
        net = Net(LastDimBN)
        _random_stats(net, torch.Generator().manual_seed(3), (64, 6))
        folded, names = fold_batchnorm(net)
        with torch.no_grad():
            folded.layers[0].bias.add_(1.0)
        verify_and_time(net, folded, names, torch.randn(10, 6))
