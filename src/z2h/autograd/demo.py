"""The lecture's demo: a 2-16-16-1 ReLU MLP separating two interleaved half-moons.

Max-margin (hinge) loss on all 100 points plus 1e-4 L2, plain SGD with learning rate
``1.0 - 0.9 * k / 100`` at step k. ``train`` runs on the fast ``Tape`` by default (the graph of
this batch is traced once and replayed) or on the readable engine with ``fast=False``; both give
the same numbers.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from z2h.autograd.draw import to_svg
from z2h.autograd.engine import Value
from z2h.autograd.fast import Tape
from z2h.autograd.losses import hinge, l2
from z2h.autograd.nn import MLP
from z2h.defaults import DEFAULT_SEED
from z2h.plotting import pyplot, save_figure


@dataclass
class DemoConfig:
    steps: int = 100  # SGD steps, each on the full batch
    seed: int = DEFAULT_SEED  # seeds the data and the initial weights
    n_points: int = 100  # two-moons points, half per moon
    noise: float = 0.1  # standard deviation of the Gaussian noise added to each point
    hidden: tuple[int, ...] = (16, 16)  # hidden layer sizes; the output is one score
    alpha: float = 1e-4  # L2 weight penalty


def make_moons(
    n: int = 100, noise: float = 0.1, rng: random.Random | None = None
) -> tuple[list[list[float]], list[int]]:
    """Two interleaved half-circles with Gaussian noise, shuffled; labels -1 (upper) and +1.

    The same construction as scikit-learn's ``make_moons``, drawn from Python's ``random``.
    """
    if n < 2:
        raise ValueError(f"make_moons needs at least 2 points, got {n}")
    rng = rng if rng is not None else random.Random()
    n_upper = n // 2
    n_lower = n - n_upper
    points = []
    for i in range(n_upper):  # the upper moon: the top half of the unit circle
        t = math.pi * i / (n_upper - 1) if n_upper > 1 else 0.0
        points.append(([math.cos(t), math.sin(t)], -1))
    for i in range(n_lower):  # the lower moon: flipped and shifted into the upper one's gap
        t = math.pi * i / (n_lower - 1) if n_lower > 1 else 0.0
        points.append(([1 - math.cos(t), 0.5 - math.sin(t)], 1))
    rng.shuffle(points)
    X = [[x + rng.gauss(0, noise), y + rng.gauss(0, noise)] for (x, y), _ in points]
    labels = [label for _, label in points]
    return X, labels


def moons_loss(
    model: MLP, X: list[list[float]], y: list[int], alpha: float = 1e-4
) -> tuple[Value, list[Value]]:
    """The graph of the demo's loss on the whole batch, and the model's score for each point."""
    inputs = [[Value(a) for a in row] for row in X]
    scores = [model(x) for x in inputs]
    return hinge(scores, y) + alpha * l2(model.parameters()), scores


def learning_rate(k: int) -> float:
    return 1.0 - 0.9 * k / 100


def train(
    model: MLP,
    X: list[list[float]],
    y: list[int],
    steps: int,
    alpha: float = 1e-4,
    fast: bool = True,
    on_step: Callable[[int, float, float], None] | None = None,
) -> list[tuple[float, float]]:
    """Train in place; returns (loss, accuracy) before each step's update."""
    params = model.parameters()
    history = []
    if fast:
        loss, scores = moons_loss(model, X, y, alpha)
        tape = Tape(loss, params)
    for k in range(steps):
        if fast:
            loss_value = tape.forward()
            score_values = [tape.value(s) for s in scores]
            model.zero_grad()
            tape.backward()
        else:
            loss, scores = moons_loss(model, X, y, alpha)
            loss_value = loss.data
            score_values = [s.data for s in scores]
            model.zero_grad()
            loss.backward()
        accuracy = sum((yi > 0) == (s > 0) for yi, s in zip(y, score_values, strict=True)) / len(y)
        lr = learning_rate(k)
        for p in params:
            p.data -= lr * p.grad
        history.append((loss_value, accuracy))
        if on_step is not None:
            on_step(k, loss_value, accuracy)
    return history


def predict_grid(model: MLP, xs: list[float], ys: list[float]) -> list[list[float]]:
    """The model's score at every (x, y) of a grid, by replaying one traced forward pass."""
    point = [Value(0.0), Value(0.0)]
    tape = Tape(model(point), [*model.parameters(), *point])
    grid = []
    for b in ys:
        row = []
        for a in xs:
            point[0].data, point[1].data = a, b
            row.append(tape.forward())
        grid.append(row)
    return grid


def plot_decision_boundary(model: MLP, X: list[list[float]], y: list[int], path: Path) -> None:
    plt = pyplot()
    lo_x, hi_x = min(p[0] for p in X) - 1, max(p[0] for p in X) + 1
    lo_y, hi_y = min(p[1] for p in X) - 1, max(p[1] for p in X) + 1
    n = 80
    xs = [lo_x + (hi_x - lo_x) * i / (n - 1) for i in range(n)]
    ys = [lo_y + (hi_y - lo_y) * i / (n - 1) for i in range(n)]
    scores = predict_grid(model, xs, ys)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.contourf(xs, ys, [[s > 0 for s in row] for row in scores], cmap="Spectral", alpha=0.8)
    ax.scatter([p[0] for p in X], [p[1] for p in X], c=y, s=30, cmap="jet", edgecolors="k")
    ax.set_title("micrograd MLP(2, [16, 16, 1]) on two moons")
    fig.tight_layout()
    save_figure(fig, path, dpi=100)


def neuron_graph_svg(model: MLP, point: list[float]) -> str:
    """SVG of the first hidden neuron on one point, after backward from that neuron's output."""
    neuron = model.layers[0].neurons[0]
    for i, w in enumerate(neuron.w, start=1):
        w.label = f"w{i}"
    neuron.b.label = "b"
    x = [Value(a, label=f"x{i}") for i, a in enumerate(point, start=1)]
    out = neuron(x)
    out.label = "out"
    model.zero_grad()
    out.backward()
    svg = to_svg(out)
    model.zero_grad()
    return svg


@dataclass
class DemoResult:
    history: list[tuple[float, float]]
    seconds: float
    model: MLP
    X: list[list[float]]
    y: list[int]


def run_demo(
    config: DemoConfig, on_step: Callable[[int, float, float], None] | None = None
) -> DemoResult:
    rng = random.Random(config.seed)
    X, y = make_moons(config.n_points, config.noise, rng)
    model = MLP(2, [*config.hidden, 1], rng=rng)
    start = time.perf_counter()
    history = train(model, X, y, config.steps, config.alpha, fast=True, on_step=on_step)
    return DemoResult(history, time.perf_counter() - start, model, X, y)
