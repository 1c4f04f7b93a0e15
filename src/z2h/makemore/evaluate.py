"""The one evaluator of makemore: mean negative log-likelihood per character, for any model.

It reads only the logits of ``model(idx)``, so it serves every registry model: fixed-context
models give ``(B, vocab)``, sequence models ``(B, T, vocab)``; targets of ``-1`` are padding and
are skipped. The loss is in nats (natural log), the lectures' unit.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

EVAL_BATCH_SIZE = 4096  # rows per forward pass; bounds memory, not the result


@torch.no_grad()
def nll_sum(
    model: nn.Module, X: torch.Tensor, Y: torch.Tensor, batch_size: int = EVAL_BATCH_SIZE
) -> tuple[float, int]:
    """(summed NLL in nats, number of scored characters) of ``model`` on examples ``X -> Y``.

    The model is put in eval mode for the call and restored to its previous mode afterwards.
    """
    was_training = model.training
    model.eval()
    total = torch.zeros((), dtype=torch.float64)
    count = 0
    try:
        for i in range(0, len(X), batch_size):
            x, y = X[i : i + batch_size], Y[i : i + batch_size]
            logits, _ = model(x)
            # (B, V) or (B, T, V) -> (B*T, V); padding (-1) contributes nothing
            loss = F.cross_entropy(
                logits.reshape(-1, logits.size(-1)).float(),
                y.reshape(-1),
                ignore_index=-1,
                reduction="sum",
            )
            total += loss.double()
            count += int((y != -1).sum())
    finally:
        model.train(was_training)
    return float(total), count


def evaluate_loss(
    model: nn.Module, X: torch.Tensor, Y: torch.Tensor, batch_size: int = EVAL_BATCH_SIZE
) -> float:
    """Mean negative log-likelihood per character (nats) over every non-padding target."""
    total, count = nll_sum(model, X, Y, batch_size)
    if count == 0:
        raise ValueError("no targets to evaluate (every target is padding)")
    return total / count
