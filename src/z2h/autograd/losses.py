"""Losses on lists of ``Value`` predictions: each returns one ``Value``, the mean over examples."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from z2h.autograd.engine import Value


def _mean(terms: list[Value]) -> Value:
    if not terms:
        raise ValueError("a loss needs at least one example")
    return sum(terms) * (1.0 / len(terms))


def mse(preds: Sequence[Value], targets: Sequence[float | Value]) -> Value:
    """Mean squared error: mean((pred - target) ** 2)."""
    return _mean([(p - t) ** 2 for p, t in zip(preds, targets, strict=True)])


def hinge(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    """The max-margin (SVM) loss for labels in {-1, +1}: mean(relu(1 - label * score))."""
    for y in labels:
        if y not in (-1, 1):
            raise ValueError(f"hinge loss needs labels -1 or +1, got {y!r}")
    # written as micrograd's demo writes it, so the numbers match it exactly
    return _mean([(1 + -y * s).relu() for y, s in zip(labels, scores, strict=True)])


def binary_cross_entropy(probs: Sequence[Value], targets: Sequence[float]) -> Value:
    """mean(-(t * log(p) + (1 - t) * log(1 - p))) for probabilities p strictly inside (0, 1).

    A probability of exactly 0 or 1 raises ``ValueError`` (log of 0), where torch would clamp
    the log at -100; squash scores with ``sigmoid()`` first.
    """
    terms = [-(t * p.log() + (1 - t) * (1 - p).log()) for p, t in zip(probs, targets, strict=True)]
    return _mean(terms)


def l2(params: Iterable[Value]) -> Value:
    """The sum of squared parameters, the lecture's weight penalty: sum(p * p)."""
    return sum(p * p for p in params)
