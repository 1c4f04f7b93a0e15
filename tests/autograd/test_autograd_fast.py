"""The Tape replays the readable engine's graph bit for bit."""

from __future__ import annotations

import math
import random

import pytest
from autograd_graphs import build_graph, leaves_st, program_st
from hypothesis import given, settings

from z2h.autograd import Value
from z2h.autograd.fast import Tape
from z2h.autograd.losses import hinge, l2
from z2h.autograd.nn import MLP


@settings(max_examples=100, deadline=None)
@given(program=program_st, xs=leaves_st)
def test_random_graphs_equal_engine_exactly(program, xs):
    leaves = [Value(x) for x in xs]
    out = build_graph(program, leaves, "ours")
    out.backward()
    want = [v.grad for v in leaves]
    for v in leaves:
        v.grad = 0.0
    tape = Tape(out, leaves)
    assert tape.forward() == out.data
    tape.backward()
    assert [v.grad for v in leaves] == want
    # new inputs: the replay equals a freshly built graph
    for v in leaves:
        v.data = v.data * 0.5 + 0.1
        v.grad = 0.0
    fresh = build_graph(program, [Value(v.data) for v in leaves], "ours")
    assert tape.forward() == fresh.data


def test_every_op_replays():
    a, b = Value(1.3), Value(0.4)
    out = (a**b + a**-1.5 + (a * b).exp() + a.log() + b.tanh() + (-b).relu() + a.sigmoid()) / b
    out = out - 2.0**b
    out.backward()
    want = (out.data, a.grad, b.grad)
    a.grad = b.grad = 0.0
    tape = Tape(out, [a, b])
    got_out = tape.forward()
    tape.backward()
    assert (got_out, a.grad, b.grad) == want


@pytest.mark.parametrize(
    "make", [lambda a, b: a**0, lambda a, b: a**b, lambda a, b: a**0.0 * b.exp()]
)
def test_zeroth_power_at_zero_replays_as_engine(make):
    a, b = Value(0.0), Value(0.0)
    out = make(a, b)
    out.backward()
    want = (out.data, a.grad, b.grad)
    assert want[1] == 0.0  # torch: x ** 0 has gradient 0 at x == 0, not nan
    a.grad = b.grad = 0.0
    tape = Tape(out, [a, b])
    got_out = tape.forward()
    tape.backward()
    assert (got_out, a.grad, b.grad) == want


def _same(x: float, y: float) -> bool:
    """Equal as floats, nan equal to nan, and the sign of a zero counted."""
    return repr(x) == repr(y)


SPECIAL_EXPONENTS = [math.inf, -math.inf, math.nan, -0.0, 0.0, 3, 1e-300]
# ints past float's exact ones, with bases whose power stays finite (else the engine overflows)
LARGE_INTS = [(0.5, 2**60), (1.0, 2**60), (0.5, 10**20), (1.5, -(2**53 + 1)), (1.0, -(10**20))]


@pytest.mark.parametrize(
    "base, k", [(b, k) for b in (0.5, 1.0, 1.5) for k in SPECIAL_EXPONENTS] + LARGE_INTS
)
def test_constant_exponents_replay_as_engine(base, k):
    """A constant exponent reaches the replay as a value: inf, nan and -0.0 have no literal."""
    a = Value(base)
    out = a**k * 2.0
    out.backward()
    want = (out.data, a.grad)
    a.grad = 0.0
    tape = Tape(out, [a])
    got = tape.forward()
    tape.backward()
    assert _same(got, want[0]) and _same(a.grad, want[1]), (got, a.grad, want)


def test_mlp_training_step_equals_engine():
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(8)]
    y = [1 if rng.random() < 0.5 else -1 for _ in range(8)]
    model = MLP(2, [4, 4, 1], rng=random.Random(1))
    params = model.parameters()

    def graph():
        return hinge([model(x) for x in X], y) + 1e-4 * l2(params)

    loss = graph()
    tape = Tape(loss, params)
    for _ in range(3):
        fresh = graph()
        model.zero_grad()
        fresh.backward()
        want = [p.grad for p in params]
        model.zero_grad()
        assert tape.forward() == fresh.data
        tape.backward()
        assert [p.grad for p in params] == want
        for p in params:
            p.data -= 0.5 * p.grad


def test_constants_and_unused_inputs():
    a, unused = Value(2.0), Value(5.0)
    c = Value(3.0) * Value(4.0)  # constant subgraph, frozen at trace time
    out = a * c
    tape = Tape(out, [a, unused])
    a.data = 10.0
    assert tape.forward() == 120.0
    tape.backward()
    assert (a.grad, unused.grad) == (12.0, 0.0)
    assert tape.value(c) == 12.0


def test_domain_errors_in_replay():
    a = Value(2.0)
    tape = Tape(a.log(), [a])
    a.data = -1.0
    with pytest.raises(ValueError, match="log of a non-positive"):
        tape.forward()


def test_inputs_must_be_leaves():
    a = Value(1.0)
    b = a * 2
    with pytest.raises(ValueError, match="leaf"):
        Tape(b * 3, [b])
