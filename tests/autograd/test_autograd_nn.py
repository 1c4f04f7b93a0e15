"""nn shapes, optimizers against torch.optim and losses against torch.nn.functional."""

from __future__ import annotations

import random

import pytest
import torch
import torch.nn.functional as F

from z2h.autograd import Value
from z2h.autograd.losses import binary_cross_entropy, hinge, l2, mse
from z2h.autograd.nn import MLP, Layer, Neuron
from z2h.autograd.optim import SGD, Adam


def test_shapes_and_parameter_counts():
    rng = random.Random(0)
    n = Neuron(3, rng=rng)
    assert isinstance(n([1.0, 2.0, 3.0]), Value) and len(n.parameters()) == 4
    layer = Layer(3, 5, rng=rng)
    out = layer([1.0, 2.0, 3.0])
    assert len(out) == 5 and len(layer.parameters()) == 20
    mlp = MLP(2, [16, 16, 1], rng=rng)
    assert isinstance(mlp([0.5, -0.5]), Value)
    assert len(mlp.parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1)  # 337
    assert len(MLP(3, [4, 2], rng=rng)([1.0, 2.0, 3.0])) == 2
    assert isinstance(MLP(3, [1, 1], rng=rng)([1.0, 2.0, 3.0]), Value)  # a 1-wide hidden layer


@pytest.mark.parametrize("nonlin", ["relu", "tanh", "sigmoid", "linear"])
def test_nonlinearity_choice(nonlin):
    mlp = MLP(2, [3, 1], nonlin=nonlin, rng=random.Random(0))
    hidden = mlp.layers[0]([0.3, -0.7])
    w = [[p.data for p in n.w] for n in mlp.layers[0].neurons]
    pre = [wi[0] * 0.3 + wi[1] * -0.7 for wi in w]
    f = {"relu": F.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda t: t}
    want = f[nonlin](torch.tensor(pre, dtype=torch.float64))
    assert [h.data for h in hidden] == pytest.approx(want.tolist(), rel=1e-12, abs=1e-15)
    assert mlp.layers[-1].neurons[0].nonlin == "linear"


def test_bad_arguments():
    with pytest.raises(ValueError, match="nonlinearity"):
        MLP(2, [3, 1], nonlin="gelu")
    with pytest.raises(ValueError, match="expects 2 inputs"):
        Neuron(2)([1.0])
    with pytest.raises(ValueError, match="labels"):
        hinge([Value(1.0)], [0])


def test_zero_grad():
    mlp = MLP(2, [3, 1], rng=random.Random(0))
    mlp([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == 0 for p in mlp.parameters())


def _two_steps(opt_ours, opt_torch, ours, theirs):
    for _ in range(2):  # the second step exercises momentum / moment buffers
        opt_ours.zero_grad()
        loss = sum((p * p * p + p).tanh() for p in ours)
        loss.backward()
        opt_ours.step()
        opt_torch.zero_grad()
        (theirs**3 + theirs).tanh().sum().backward()
        opt_torch.step()
    assert [p.data for p in ours] == pytest.approx(theirs.tolist(), rel=1e-12, abs=1e-14)


def test_sgd_momentum_matches_torch():
    init = [0.5, -1.2, 0.8]
    ours = [Value(x) for x in init]
    theirs = torch.tensor(init, dtype=torch.float64, requires_grad=True)
    _two_steps(
        SGD(ours, lr=0.1, momentum=0.9),
        torch.optim.SGD([theirs], lr=0.1, momentum=0.9),
        ours,
        theirs,
    )


def test_adam_matches_torch():
    init = [0.5, -1.2, 0.8]
    ours = [Value(x) for x in init]
    theirs = torch.tensor(init, dtype=torch.float64, requires_grad=True)
    _two_steps(Adam(ours, lr=0.05), torch.optim.Adam([theirs], lr=0.05), ours, theirs)


def _check_loss(ours_fn, torch_fn, preds, targets):
    vs = [Value(p) for p in preds]
    loss = ours_fn(vs, targets)
    loss.backward()
    tp = torch.tensor(preds, dtype=torch.float64, requires_grad=True)
    tl = torch_fn(tp, torch.tensor(targets, dtype=torch.float64))
    tl.backward()
    assert loss.data == pytest.approx(tl.item(), rel=1e-12)
    assert [v.grad for v in vs] == pytest.approx(tp.grad.tolist(), rel=1e-12, abs=1e-15)


def test_losses_match_torch():
    _check_loss(mse, F.mse_loss, [0.5, -1.0, 2.0], [1.0, 0.0, 2.5])
    _check_loss(
        hinge, lambda s, y: torch.relu(1 - y * s).mean(), [0.5, -2.0, 2.0, 0.9], [1, -1, -1, 1]
    )
    _check_loss(binary_cross_entropy, F.binary_cross_entropy, [0.2, 0.9, 0.6], [0.0, 1.0, 0.0])
    ps = [Value(1.5), Value(-2.0)]
    assert l2(ps).data == 6.25
    with pytest.raises(ValueError, match="log of a non-positive"):
        binary_cross_entropy([Value(1.0)], [1.0])
