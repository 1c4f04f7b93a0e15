"""Race the PyPI ``micrograd`` 0.1.0 against z2h.autograd on the lecture's moons demo.

Both train the same MLP(2, [16, 16, 1]) from identical initial weights on identical data (hinge
loss on all 100 points + 1e-4 * sum(p*p), SGD with lr 1.0 - 0.9*k/100), in one process. Prints
both times, the speed ratio and the largest difference between the two loss curves.

    .venv/bin/python benchmarks/micrograd_speed.py [--steps 100] [--json out.json]

The z2h time includes tracing and compiling its Tape, not just the replays.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

from z2h.autograd.demo import make_moons, train
from z2h.autograd.nn import MLP
from z2h.defaults import DEFAULT_SEED
from z2h.machine import describe, machine


def run_pypi(weights: list[float], X: list[list[float]], y: list[int], steps: int) -> list[float]:
    """The demo as micrograd's own notebook writes it, on micrograd's Value and MLP."""
    from micrograd.engine import Value
    from micrograd.nn import MLP as PypiMLP

    model = PypiMLP(2, [16, 16, 1])
    params = model.parameters()
    if len(params) != len(weights):
        raise RuntimeError(f"layout mismatch: {len(params)} vs {len(weights)} parameters")
    # same layout as z2h.autograd.nn: neuron by neuron, weights then bias
    for p, w in zip(params, weights, strict=True):
        p.data = w
    losses = []
    for k in range(steps):
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        hinge = [(1 + -yi * si).relu() for yi, si in zip(y, scores, strict=True)]
        data_loss = sum(hinge) * (1.0 / len(hinge))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        losses.append(total.data)
    return losses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()
    # micrograd's backward sorts its graph recursively; the demo's graph is ~500 nodes deep
    sys.setrecursionlimit(10_000)

    rng = random.Random(args.seed)
    X, y = make_moons(100, 0.1, rng)
    model = MLP(2, [16, 16, 1], rng=rng)
    weights = [p.data for p in model.parameters()]

    start = time.perf_counter()
    ours = [loss for loss, _ in train(model, X, y, args.steps, fast=True)]
    t_ours = time.perf_counter() - start

    start = time.perf_counter()
    theirs = run_pypi(weights, X, y, args.steps)
    t_pypi = time.perf_counter() - start

    diff = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
    result = {
        "steps": args.steps,
        "pypi_micrograd_seconds": round(t_pypi, 3),
        "z2h_seconds": round(t_ours, 3),
        "speedup": round(t_pypi / t_ours, 1),
        "max_loss_diff": diff,
        "final_loss": ours[-1],
        "load_average_1min": os.getloadavg()[0],
        "machine": machine(torch_used=False),  # (both implementations are plain Python)
    }
    print(describe(result["machine"]))
    print(f"{'implementation':<22}{'seconds':>10}")
    print(f"{'PyPI micrograd 0.1.0':<22}{t_pypi:>10.2f}")
    print(f"{'z2h.autograd (Tape)':<22}{t_ours:>10.2f}")
    print(
        f"speedup {t_pypi / t_ours:.1f}x; max |loss difference| over {args.steps} steps: {diff:.3g}"
    )
    print(json.dumps(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
    if diff > 1e-9:
        print("FAIL: the loss curves differ by more than 1e-9", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
