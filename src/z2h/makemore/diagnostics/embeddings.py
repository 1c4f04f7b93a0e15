"""Lecture 3's picture of the learned character embeddings, for any model with an embedding table.

The table is the first ``nn.Embedding`` with one row per vocabulary entry. With 2 columns (the
lecture's n_embd=2 run) the rows are drawn as they are; wider tables are projected on their top two
principal components, which keep as much of the spread between characters as a plane can.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn as nn

from z2h.makemore.data import Vocab
from z2h.makemore.diagnostics import plots


def embedding_table(model: nn.Module, vocab_size: int) -> tuple[str, torch.Tensor] | None:
    """(module name, weight) of the model's character embedding, or None if it has none."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Embedding) and module.num_embeddings == vocab_size:
            return name, module.weight.detach()
    return None


def project_2d(table: torch.Tensor) -> tuple[torch.Tensor, list[float]]:
    """(V, D) -> (V, 2) on the top principal components, and the share of variance each keeps."""
    table = table.double()
    if table.shape[1] == 1:
        return torch.cat([table, torch.zeros_like(table)], dim=1), [1.0, 0.0]
    if table.shape[1] == 2:
        return table, [float("nan"), float("nan")]
    centred = table - table.mean(0, keepdim=True)
    _, s, v = torch.linalg.svd(centred, full_matrices=False)
    var = s**2
    share = (var[:2] / var.sum()).tolist() if var.sum() > 0 else [0.0, 0.0]
    return centred @ v[:2].T, share


def plot_model_embeddings(
    model: nn.Module, vocab: Vocab, path: str | os.PathLike[str]
) -> Path | None:
    """Write the scatter to ``path``; None (nothing written) if the model has no embedding table."""
    found = embedding_table(model, len(vocab))
    if found is None:
        return None
    name, table = found
    points, share = project_2d(table)
    if table.shape[1] > 2:
        title = (
            f"{name}: {table.shape[1]}-d embeddings on 2 principal components "
            f"({100 * share[0]:.0f}% + {100 * share[1]:.0f}% of variance)"
        )
    else:
        title = f"{name}: {table.shape[1]}-d character embeddings"
    pts = [(float(x), float(y)) for x, y in points.tolist()]
    return plots.plot_embeddings(pts, vocab.to_list(), path, title)
