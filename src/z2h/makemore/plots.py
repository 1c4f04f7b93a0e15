"""Pictures of makemore: lecture 2's bigram count table and the smoothing sweep (matplotlib Agg)."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from z2h.makemore.data import Vocab
from z2h.plotting import pyplot, save_figure

LABELLED_MAX_VOCAB = 40  # above this, cells are too small to print characters and counts in


def plot_bigram_counts(
    ctx_keys: torch.Tensor,
    counts: torch.Tensor,
    vocab: Vocab,
    path: str | os.PathLike[str],
) -> Path:
    """Lecture 2's picture: the V x V bigram count table, each cell labelled ``ab`` and its count.

    ``ctx_keys (M,)`` and ``counts (M, V)`` are a bigram's rows for the contexts it saw (from
    ``NGram.count_table``); unseen contexts are drawn as zero rows.
    """
    V = len(vocab)
    N = torch.zeros(V, V, dtype=torch.long)
    N[ctx_keys] = counts.round().long()
    plt = pyplot()
    size = max(6.0, 16.0 * V / 27)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(N.numpy(), cmap="Blues")
    if V <= LABELLED_MAX_VOCAB:
        for i in range(V):
            for j in range(V):
                ax.text(j, i, vocab.itos[i] + vocab.itos[j], ha="center", va="bottom", color="gray")
                ax.text(j, i, str(int(N[i, j])), ha="center", va="top", color="gray")
    ax.set_title("bigram counts: row = first character, column = next character")
    ax.axis("off")
    return save_figure(fig, path, bbox_inches="tight", dpi=72)


def plot_smoothing_sweep(
    rows: list[dict[str, float]], chosen: float, path: str | os.PathLike[str]
) -> Path:
    """Train and dev loss against add-k's k (log axis), the chosen k marked."""
    plt = pyplot()
    ks = [r["k"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(ks, [r["train_loss"] for r in rows], "o-", label="train")
    ax.plot(ks, [r["dev_loss"] for r in rows], "s-", label="dev")
    ax.axvline(chosen, color="gray", linestyle="--", label=f"chosen k = {chosen:g}")
    ax.set_xscale("log")
    ax.set_xlabel("add-k smoothing k")
    ax.set_ylabel("loss (nats per character)")
    ax.legend()
    return save_figure(fig, path, bbox_inches="tight", dpi=100)
