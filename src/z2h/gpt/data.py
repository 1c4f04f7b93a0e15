"""Text as token streams: a 90/10 train/val split, random training windows, exact val loss.

Training draws ``batch_size`` windows of ``block_size + 1`` tokens at random offsets (lecture 7's
``get_batch``); the targets are the inputs shifted by one. Evaluation is deterministic: the val
split cut into consecutive non-overlapping windows, every window scored (or an evenly spaced
subset of them when ``eval_tokens`` caps the cost), so two evaluations of one model agree exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from z2h.errors import DataError
from z2h.gpt.tokenizer import TextTokenizer

VAL_FRACTION = 0.1  # lecture 7 / nanoGPT: the last 10% of the text is the validation split


@dataclass
class TextData:
    train: torch.Tensor  # (N_train,) int64 token ids
    val: torch.Tensor  # (N_val,) int64 token ids

    @classmethod
    def from_text(
        cls, text: str, tokenizer: TextTokenizer, val_fraction: float = VAL_FRACTION
    ) -> TextData:
        if not text:
            raise DataError("the training text is empty")
        ids = torch.tensor(tokenizer.encode(text), dtype=torch.long)
        n = int(len(ids) * (1.0 - val_fraction))
        return cls(train=ids[:n], val=ids[n:])

    def check_block_size(self, block_size: int) -> None:
        """Both splits must hold at least one window of ``block_size + 1`` tokens."""
        shortest = min(len(self.train), len(self.val))
        if shortest < block_size + 1:
            # subtle: a split of 0 or 1 token holds no window at any block size
            advice = (
                f"use a smaller --block-size (at most {shortest - 1}) or a longer text"
                if shortest >= 2
                else "use a longer text (each split needs at least 2 tokens)"
            )
            raise DataError(
                f"the text is too short for block_size {block_size}: the smaller split has "
                f"{shortest} tokens and needs at least {block_size + 1}; {advice}"
            )


def random_windows(
    data: torch.Tensor, batch_size: int, block_size: int, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch_size`` random windows: x (B, T) and y = x shifted left by one (B, T)."""
    start = torch.randint(0, len(data) - block_size, (batch_size,), generator=gen)
    rows = data[start[:, None] + torch.arange(block_size + 1)]  # (B, T + 1)
    return rows[:, :-1], rows[:, 1:]


def fixed_windows(
    data: torch.Tensor, block_size: int, max_tokens: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Consecutive non-overlapping windows covering ``data`` (evenly thinned to ``max_tokens``)."""
    n = (len(data) - 1) // block_size
    x = data[: n * block_size].view(n, block_size)
    y = data[1 : n * block_size + 1].view(n, block_size)
    if max_tokens is not None and n * block_size > max_tokens:
        keep = max(1, max_tokens // block_size)
        rows = torch.linspace(0, n - 1, keep).round().long()
        x, y = x[rows], y[rows]
    return x, y


@torch.no_grad()
def mean_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 64) -> float:
    """Token-weighted mean cross-entropy of ``model`` over the rows of x/y."""
    device = next(model.parameters()).device
    total, count = 0.0, 0
    for i in range(0, len(x), batch_size):
        xb, yb = x[i : i + batch_size].to(device), y[i : i + batch_size].to(device)
        _, loss = model(xb, yb)
        n = int((yb != -1).sum())
        total += loss.float().item() * n
        count += n
    return total / max(count, 1)
