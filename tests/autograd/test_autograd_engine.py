"""The readable Value against torch float64: every op's forward and gradient, random graphs,
finite differences, reuse, deep graphs, repeated backward and domain errors."""

from __future__ import annotations

import gc
import math

import pytest
import torch
from autograd_graphs import build_graph, leaves_st, program_st
from hypothesis import given, settings

from z2h.autograd import Value

# Float64 on both sides; differences come only from rounding order (x / y is x * y**-1 here)
RTOL, ATOL = 1e-12, 1e-12

# name -> (function of two operands, inputs); the function works on Values and torch tensors
BINARY = {
    "add": (lambda a, b: a + b, (1.5, -2.25)),
    "radd": (lambda a, b: 3.0 + a, (1.5, -2.25)),
    "sub": (lambda a, b: a - b, (1.5, -2.25)),
    "rsub": (lambda a, b: 3.0 - a, (1.5, -2.25)),
    "mul": (lambda a, b: a * b, (1.5, -2.25)),
    "rmul": (lambda a, b: 3.0 * a, (1.5, -2.25)),
    "div": (lambda a, b: a / b, (1.5, -2.25)),
    "rdiv": (lambda a, b: 3.0 / a, (1.5, -2.25)),
    "neg": (lambda a, b: -a, (1.5, -2.25)),
    "pow_int": (lambda a, b: a**3, (-1.5, 0.0)),
    "pow_neg_int": (lambda a, b: a**-2, (-1.5, 0.0)),
    "pow_frac": (lambda a, b: a**0.5, (2.5, 0.0)),
    "pow_value": (lambda a, b: a**b, (1.7, -0.6)),
    "pow_value_neg_base_int_exp": (lambda a, b: a**b, (-1.7, 2.0)),
    "rpow": (lambda a, b: 2.0**a, (1.7, 0.0)),
    "pow_zero": (lambda a, b: a**0, (1.7, 0.0)),
    "pow_zero_at_zero": (lambda a, b: a**0, (0.0, 0.0)),  # 0 * inf inside: torch gives 0
    "pow_float_zero_at_zero": (lambda a, b: a**0.0, (0.0, 0.0)),
    "pow_value_zero_zero": (lambda a, b: a**b, (0.0, 0.0)),  # torch: gradients [0, 0]
    "exp": (lambda a, b: a.exp(), (0.7, 0.0)),
    "log": (lambda a, b: a.log(), (0.7, 0.0)),
    "tanh": (lambda a, b: a.tanh(), (-0.8, 0.0)),
    "relu_pos": (lambda a, b: a.relu(), (0.8, 0.0)),
    "relu_neg": (lambda a, b: a.relu(), (-0.8, 0.0)),
    "relu_zero": (lambda a, b: a.relu(), (0.0, 0.0)),
    "sigmoid": (lambda a, b: a.sigmoid(), (-0.8, 0.0)),
    "sigmoid_large": (lambda a, b: a.sigmoid(), (-800.0, 0.0)),
    "mixed": (lambda a, b: (a * b + b.exp()).tanh() * a - (b**2).sigmoid() / a, (0.3, -1.1)),
}


def _torch(fn, a: float, b: float):
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    out = fn(ta, tb)
    out.backward()
    ga = 0.0 if ta.grad is None else ta.grad.item()
    gb = 0.0 if tb.grad is None else tb.grad.item()
    return out.item(), ga, gb


def _ours(fn, a: float, b: float):
    va, vb = Value(a), Value(b)
    out = fn(va, vb)
    out.backward()
    return out.data, va.grad, vb.grad


@pytest.mark.parametrize("name", list(BINARY))
def test_op_forward_and_grad_match_torch(name):
    fn, (a, b) = BINARY[name]
    expected = _torch(fn, a, b)
    got = _ours(fn, a, b)
    for g, e in zip(got, expected, strict=True):
        assert g == pytest.approx(e, rel=RTOL, abs=ATOL, nan_ok=True), (name, got, expected)


def test_zeroth_power_has_zero_gradient_at_zero():
    # hand-derived: x ** 0 is the constant 1, so its gradient is 0 everywhere, x == 0 included
    x = Value(0.0)
    (x**0).backward()
    assert x.grad == 0.0
    x, y = Value(0.0), Value(0.0)
    (x**y).backward()
    assert (x.grad, y.grad) == (0.0, 0.0)


@settings(max_examples=150, deadline=None)
@given(program=program_st, xs=leaves_st)
def test_random_graphs_match_torch(program, xs):
    vals = [Value(x) for x in xs]
    out = build_graph(program, vals, "ours")
    out.backward()
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    tout = build_graph(program, ts, "torch")
    tout.backward()
    assert out.data == pytest.approx(tout.item(), rel=1e-9, abs=1e-9)
    for v, t in zip(vals, ts, strict=True):
        tg = 0.0 if t.grad is None else t.grad.item()
        assert v.grad == pytest.approx(tg, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    "name", [n for n in BINARY if n not in ("relu_zero", "pow_value_neg_base_int_exp")]
)
def test_finite_differences(name):
    fn, (a, b) = BINARY[name]
    _, ga, gb = _ours(fn, a, b)
    h = 1e-6
    for which, g in ((0, ga), (1, gb)):
        if which == 1 and b == 0.0 and name.startswith(("pow_", "rpow")):
            continue  # b is unused by these ops
        hi = [a, b]
        lo = [a, b]
        hi[which] += h
        lo[which] -= h
        numeric = (fn(Value(hi[0]), Value(hi[1])).data - fn(Value(lo[0]), Value(lo[1])).data) / (
            2 * h
        )
        assert g == pytest.approx(numeric, rel=1e-5, abs=1e-6), (name, which)


def test_reuse_accumulates():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert (b.grad, a.grad) == (2.0, 4.0)
    x = Value(-2.0)
    y = x * x * x  # d/dx x^3 = 3x^2
    y.backward()
    assert x.grad == 12.0


def test_second_backward_doubles_leaves_and_recomputes_inner_nodes():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c.tanh() + a
    d.backward()
    first = (a.grad, b.grad, c.grad, d.grad)
    d.backward()
    assert (a.grad, b.grad) == pytest.approx((2 * first[0], 2 * first[1]), rel=1e-15)  # accumulate
    assert (c.grad, d.grad) == (first[2], first[3])  # inner nodes: d(d)/d(node) again
    # torch with retain_graph gives the same leaf gradients
    ta = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-3.0, dtype=torch.float64, requires_grad=True)
    td = (ta * tb).tanh() + ta
    td.backward(retain_graph=True)
    td.backward()
    assert a.grad == pytest.approx(ta.grad.item(), rel=RTOL)
    assert b.grad == pytest.approx(tb.grad.item(), rel=RTOL)


@pytest.mark.slow
def test_million_node_chain():
    gc.disable()  # the cyclic GC rescans the million live nodes over and over; speed only
    try:
        x = Value(0.5)
        c = Value(1.0000001)
        y = x
        for _ in range(1_000_000):
            y = y * c
        y.backward()
        assert x.grad == pytest.approx(1.0000001**1_000_000, rel=1e-9)
        assert c.grad == pytest.approx(1_000_000 * 0.5 * 1.0000001**999_999, rel=1e-9)
        del x, y, c
    finally:
        gc.enable()


def test_domain_errors_raise():
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError):
        2.0 / Value(0.0)
    with pytest.raises(ZeroDivisionError):
        Value(0.0) ** Value(-1.0)
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="log of a non-positive"):
            Value(bad).log()
    with pytest.raises(ValueError, match="negative base"):
        Value(-8.0) ** (1 / 3)
    with pytest.raises(ValueError, match="negative base"):
        Value(-8.0) ** Value(0.5)
    with pytest.raises(OverflowError):
        Value(1000.0).exp()
    assert Value(1000.0).sigmoid().data == 1.0  # stable, unlike exp
    assert (Value(-2.0) ** 3).data == -8.0  # integer powers of negatives are fine


def test_infinite_or_undefined_gradients_follow_torch():
    # sqrt at 0: forward 0, gradient inf
    a = Value(0.0)
    (a**0.5).backward()
    ta = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (ta**0.5).backward()
    assert a.grad == ta.grad.item() == math.inf
    # d(a**b)/db is nan for a < 0 (b an integer), 0 for a == 0
    for base in (-2.0, 0.0):
        a, b = Value(base), Value(2.0)
        (a**b).backward()
        ta = torch.tensor(base, dtype=torch.float64, requires_grad=True)
        tb = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
        (ta**tb).backward()
        assert a.grad == pytest.approx(ta.grad.item())
        if math.isnan(tb.grad.item()):
            assert math.isnan(b.grad)
        else:
            assert b.grad == tb.grad.item()


def test_repr_and_labels():
    v = Value(2, label="w")
    assert v.data == 2.0 and isinstance(v.data, float)
    assert "data=2.0" in repr(v) and v.label == "w"
