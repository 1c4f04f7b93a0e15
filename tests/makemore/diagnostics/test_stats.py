"""Statistics of hand-built tiny nets against values worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn

from z2h.makemore.diagnostics import report, stats


def test_activation_stats_tanh_by_hand():
    t = torch.tensor([[0.99, 0.0, 0.98], [-0.98, 0.5, -0.99], [0.1, 0.2, 0.975]])
    s = stats.activation_stats(t, "tanh")
    # saturated (|x| > 0.97): 0.99, 0.98, -0.98, -0.99, 0.975 -> 5 of 9
    assert s.saturated_pct == pytest.approx(100 * 5 / 9)
    assert s.dead_units == 1  # only the last column is saturated on every row
    assert s.units == 3
    assert s.mean == pytest.approx(t.mean().item())
    assert s.std == pytest.approx(t.std().item())


def test_activation_stats_relu_and_plain():
    t = torch.tensor([[0.0, 1.0], [0.0, 0.0], [0.0, 2.0]])
    s = stats.activation_stats(t, "relu")
    assert s.saturated_pct == pytest.approx(100 * 4 / 6)
    assert s.dead_units == 1
    plain = stats.activation_stats(t, None)
    assert plain.saturated_pct is None and plain.dead_units is None


def test_activation_kind():
    assert stats.activation_kind("Tanh") == "tanh"
    assert stats.activation_kind("ReLU") == "relu"
    assert stats.activation_kind("GELU") == "smooth"
    assert stats.activation_kind("Linear") is None


def test_ratios_by_hand():
    data = torch.tensor([1.0, -1.0, 3.0, -3.0])  # std = sqrt(20/3)
    assert stats.update_ratio_log10(1e-3 * data, data) == pytest.approx(-3.0)
    assert stats.update_ratio_log10(torch.zeros(4), data) == -math.inf
    grad = torch.tensor([0.1, -0.1, 0.3, -0.3])
    assert stats.grad_data_ratio(data, grad) == pytest.approx(0.1)


def test_histogram_is_a_density():
    t = torch.linspace(-1, 1, 1001)
    centres, density = stats.histogram(t, bins=10)
    width = centres[1] - centres[0]
    assert len(centres) == 10
    assert sum(density) * width == pytest.approx(1.0)
    assert stats.histogram(torch.ones(5), bins=4)[1]  # a constant tensor still has a bin


class TwoUnits(nn.Module):
    """x (B, 2) -> tanh(x @ W.T) with W = diag(1, 3); loss = sum of outputs."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2, bias=False)
        self.act = nn.Tanh()
        with torch.no_grad():
            self.lin.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 3.0]]))

    def forward(self, idx, targets=None):
        h = self.act(self.lin(idx))
        return h, h.sum()


def test_snapshot_of_a_hand_built_net():
    x = torch.tensor([[0.5, 1.0], [-0.5, -1.0]])
    snap = report.snapshot(TwoUnits(), x, torch.zeros(2))
    layers = {r.name: r for r in snap.layers}
    assert set(layers) == {"lin", "act"}
    act = layers["act"]
    h = [[math.tanh(0.5), math.tanh(3.0)], [-math.tanh(0.5), -math.tanh(3.0)]]
    assert act.act.mean == pytest.approx(0.0, abs=1e-7)
    flat = [v for row in h for v in row]
    std = math.sqrt(sum(v * v for v in flat) / 3)  # mean 0, unbiased
    assert act.act.std == pytest.approx(std, rel=1e-6)
    # tanh(3) = 0.995 > 0.97 on both rows: unit 1 is dead, half the entries saturated
    assert act.act.saturated_pct == pytest.approx(50.0)
    assert act.act.dead_units == 1
    # d(sum h)/dh = 1 everywhere
    assert act.grad.mean == pytest.approx(1.0) and act.grad.std == pytest.approx(0.0)
    # dL/dz = 1 - tanh(z)^2 at the Linear's output
    dz = [[1 - v * v for v in row] for row in h]
    assert layers["lin"].grad.mean == pytest.approx(sum(sum(r) for r in dz) / 4, rel=1e-6)
    # dL/dW[j, i] = sum_b dz[b, j] * x[b, i]
    xs = [[0.5, 1.0], [-0.5, -1.0]]
    dW = [[sum(dz[b][j] * xs[b][i] for b in range(2)) for i in range(2)] for j in range(2)]
    flat_dw = [v for row in dW for v in row]
    mean_dw = sum(flat_dw) / 4
    std_dw = math.sqrt(sum((v - mean_dw) ** 2 for v in flat_dw) / 3)
    std_w = math.sqrt(sum((v - 1.0) ** 2 for v in [1.0, 0.0, 0.0, 3.0]) / 3)
    (param,) = snap.params
    assert param.grad.std == pytest.approx(std_dw, rel=1e-6)
    assert param.grad_data_ratio == pytest.approx(std_dw / std_w, rel=1e-6)
    notes = report.findings(snap)
    assert any("1 of 2 units" in n and "dead" in n for n in notes)
    assert any("50.0% of activations are saturated" in n for n in notes)


def test_snapshot_restores_grads_and_mode():
    net = TwoUnits().eval()
    net.lin.weight.grad = torch.full((2, 2), 7.0)
    report.snapshot(net, torch.ones(3, 2), torch.zeros(3))
    assert not net.training
    assert torch.equal(net.lin.weight.grad, torch.full((2, 2), 7.0))


def test_healthy_net_has_no_findings():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(20, 50), nn.Tanh(), nn.Linear(50, 50), nn.Tanh())
    nn.init.normal_(net[0].weight, std=0.5 / 20**0.5)
    nn.init.normal_(net[2].weight, std=1.0 / 50**0.5)

    class Wrap(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, x, y=None):
            out = self.net(x)
            return out, (out**2).mean()

    snap = report.snapshot(Wrap(), torch.randn(256, 20), torch.zeros(256))
    assert report.findings(snap) == []


def test_vanishing_gradients_and_saturation_are_flagged():
    """Lecture 4's failure modes: too-small gains shrink gradients, too-large ones saturate."""
    torch.manual_seed(0)

    def deep(gain: float) -> nn.Module:
        layers: list[nn.Module] = []
        for _ in range(6):
            lin = nn.Linear(50, 50, bias=False)
            nn.init.normal_(lin.weight, std=gain / 50**0.5)
            layers += [lin, nn.Tanh()]
        net = nn.Sequential(*layers)

        class Wrap(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = net

            def forward(self, x, y=None):
                out = self.net(x)
                return out, out.sum()

        return Wrap()

    x = torch.randn(128, 50)
    small = report.findings(report.snapshot(deep(0.5), x, None))
    assert any("gradient std differs" in n for n in small)
    big = report.findings(report.snapshot(deep(5.0), x, None))
    assert any("saturated" in n for n in big)
