"""The neural n-gram of lecture 2: one linear layer from the one-hot context to the next character.

Unlike its counted sibling (``ngram``), its table is learned by gradient descent. The lecture
multiplies one-hot rows by ``W``; multiplying a one-hot vector by a matrix selects a row, so here
the ``k`` rows of ``W`` picked by the context characters are summed directly (exercise E04), and
the loss is ``F.cross_entropy`` (exercise E05). The optional regulariser ``reg * (W**2).mean()``
is the lecture's "smoothing" of the neural model; it is added to the training loss only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.errors import Z2HError
from z2h.makemore.models.ngram import ngram_block_size
from z2h.makemore.registry import ModelEntry, register


@dataclass
class NeuralNGramConfig:
    vocab_size: int = 27  # characters including the boundary token "."
    n: int = 2  # order: predict from the previous n-1 characters (2 = the lecture's bigram)
    reg: float = 0.01  # lecture 2's regularisation strength on (W**2).mean(); 0 disables it
    block_size: int | None = None  # context length; always n - 1 (filled in automatically)

    def __post_init__(self) -> None:
        self.block_size = ngram_block_size(self.n, self.block_size)
        if self.reg < 0:
            raise Z2HError(f"reg must be >= 0, got {self.reg}")


class NeuralNGram(nn.Module):
    """logits = sum over positions i of row W[i * vocab + idx[:, i]]; no bias, as in lecture 2."""

    def __init__(self, config: NeuralNGramConfig):
        super().__init__()
        self.config = config
        V = config.vocab_size
        # one block of V rows per context position; n=1 has a single block fed a constant "."
        positions = max(config.block_size, 1)
        self.W = nn.Parameter(torch.randn(positions * V, V))  # the lecture's W = torch.randn
        self.register_buffer("offsets", torch.arange(positions) * V, persistent=False)

    def onehot_logits(self, idx: torch.Tensor) -> torch.Tensor:
        """The lecture's formulation: concatenated one-hot contexts times W (for E04)."""
        idx = self._padded(idx)
        V = self.config.vocab_size
        xenc = F.one_hot(idx, V).float().flatten(1)  # (B, k) -> (B, k * V)
        return xenc @ self.W  # (B, k * V) @ (k * V, V) -> (B, V)

    def _padded(self, idx: torch.Tensor) -> torch.Tensor:
        k = self.config.block_size
        if idx.dim() != 2 or idx.shape[1] != k:
            raise Z2HError(f"a neural {self.config.n}-gram takes (B, {k}) contexts")
        return idx if k else torch.zeros(idx.shape[0], 1, dtype=torch.long)

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        idx = self._padded(idx)
        V, positions = self.config.vocab_size, idx.shape[1]
        if V**positions <= idx.shape[0]:
            # fewer possible contexts than examples (full-batch training, evaluation): work on
            # the table of every context's logits, not on one row per example
            table = self.logit_table()  # (V**k, V)
            # (B, k) -> (B,): base-V, the first column most significant; integer work in NumPy,
            # single-threaded, as torch's threads cost more than they save on these O(B) passes
            ids = idx.numpy()
            key_np = np.zeros(idx.shape[0], dtype=np.int64)
            for j in range(positions):
                key_np = key_np * V + ids[:, j]
            key = torch.from_numpy(key_np)
            logits = F.embedding(key, table)  # (B,) -> (B, V)
            loss = None if targets is None else _table_cross_entropy(table, key, targets)
        else:
            # (B, k) -> (B, k, V): the rows a one-hot would pick; F.embedding's backward is a
            # dedicated scatter-add, faster than W[idx]'s general index_put
            rows = F.embedding(idx + self.offsets, self.W)
            logits = rows.sum(1)  # (B, k, V) -> (B, V)
            loss = None if targets is None else F.cross_entropy(logits, targets, ignore_index=-1)
        if loss is not None and self.training and self.config.reg > 0:
            loss = loss + self.config.reg * (self.W**2).mean()
        return logits, loss

    def logit_table(self) -> torch.Tensor:
        """Logits of every possible context, ``(V**k, V)``; row ``c1*V**(k-1) + ... + ck``."""
        V = self.config.vocab_size
        blocks = self.W.view(-1, V, V)  # (k, V, V): one block of rows per context position
        table = blocks[0]
        for block in blocks[1:]:
            # (C, V) + (V, V) -> (C, V, V) -> (C * V, V): extend every context by one character
            table = (table[:, None, :] + block[None, :, :]).reshape(-1, V)
        return table


def _table_cross_entropy(
    table: torch.Tensor, key: torch.Tensor, targets: torch.Tensor
) -> torch.Tensor:
    """``F.cross_entropy(table[key], targets, ignore_index=-1)`` without the ``(B, V)`` tensor.

    subtle: log-softmax depends only on the context, so the mean of -log p over the examples is
    the count-weighted mean over (context, target) pairs: count the pairs once (O(B), no
    gradient), then the loss and its backward touch only the table.
    """
    V = table.shape[1]
    y = targets.numpy()
    pair = np.where(y != -1, key.numpy() * V + y, table.numel())  # ignored targets: an extra bin
    counts = torch.from_numpy(np.bincount(pair, minlength=table.numel() + 1)[:-1])
    logp = F.log_softmax(table, dim=-1).reshape(-1)  # (V**k * V,)
    return -(counts * logp).sum() / counts.sum()


def _lecture2_recipe(time_budget: float | None, max_steps: int | None) -> dict[str, dict]:
    """Lecture 2's training: full-batch gradient descent, lr 50, no decay, no clipping."""
    return {
        "model": {},
        "train": {
            "optimizer": "sgd",
            "lr": 50.0,
            "schedule": "constant",
            "weight_decay": 0.0,  # the model's own reg term plays this part
            "grad_clip": 0.0,
            "batch_size": 0,  # 0: the whole training set every step
            "eval_interval": 50,
            "max_steps": 300 if time_budget is None and max_steps is None else max_steps,
        },
    }


register(
    ModelEntry(
        name="neural-ngram",
        model_cls=NeuralNGram,
        config_cls=NeuralNGramConfig,
        input_kind="context",
        description="lecture 2's neural n-gram: one linear layer on the one-hot context",
        presets={"bigram": {"n": 2}, "trigram": {"n": 3}},
        default_preset="bigram",
        recipe=_lecture2_recipe,
    )
)
