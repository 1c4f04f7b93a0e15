"""Training batches from a split's examples: random examples, or words packed into rows.

Both return a ``train_batch(gen)`` for ``z2h.train.Trainer``: ``batch_fn`` draws whole examples
(one context or one padded word each); ``pack_fn`` places random words back to back in rows of a
fixed length, for the models that can read several words in one row.
"""

from __future__ import annotations

from typing import Any

import torch

from z2h.errors import Z2HError
from z2h.makemore import registry


def batch_fn(X: torch.Tensor, Y: torch.Tensor, batch_size: int, input_kind: str) -> Any:
    """A ``train_batch(gen)`` drawing ``batch_size`` random examples (0: all of them)."""

    def draw(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        if batch_size == 0 or batch_size >= len(X):
            return X, Y
        ix = torch.randint(0, len(X), (batch_size,), generator=gen)
        x, y = X[ix], Y[ix]
        if input_kind == "sequence":
            # trailing columns that are padding in every row change no loss: drop them
            width = int((y != -1).any(0).nonzero().max()) + 1
            x, y = x[:, :width], y[:, :width]
        return x, y

    return draw


def check_pack(entry: registry.ModelEntry, pack: int, block_size: int, batch_size: int) -> None:
    """Refuse a packing length the model or the words cannot take, with the reason."""
    if pack == 0:
        return
    if pack < 0:
        raise Z2HError(f"--pack must be >= 0 (0: one word a row), got {pack}")
    if not entry.packable:
        packable = [n for n in registry.names() if registry.get(n).packable]
        raise Z2HError(
            f"model {entry.name!r} cannot read several words in one row; --pack works for: "
            f"{', '.join(packable)}"
        )
    if pack < block_size:
        raise Z2HError(
            f"--pack {pack} is shorter than the longest word + 1 ({block_size}): "
            f"every row must hold at least one whole word"
        )
    if batch_size == 0:
        raise Z2HError("--pack needs a --batch-size (rows per step) above 0")


def pack_fn(X: torch.Tensor, Y: torch.Tensor, rows: int, length: int) -> Any:
    """A ``train_batch(gen)`` packing random words back to back into ``rows`` rows of ``length``.

    ``X``, ``Y`` hold one padded word a row (``sequence_examples``). Words are drawn at random
    and placed one after another; a word that does not fit in what is left of a row starts the
    next row, and the rest of the row is padding. A packable model restarts attention and
    positions at each word's boundary token, so each word is read as if alone, while the rows
    carry several times fewer padding positions than one word a row (names: ~9 of 16).
    """
    import numpy as np

    lengths = (Y != -1).sum(1).numpy()  # tokens of each word: boundary + characters
    if len(lengths) == 0 or int(lengths.max()) > length:
        longest = int(lengths.max()) if len(lengths) else 0
        raise Z2HError(f"rows of {length} tokens cannot hold a word of {longest} tokens (or none)")
    width = X.size(1)
    per_row = max(1, length // max(1, int(lengths.mean())))
    Xf, Yf = X.reshape(-1), Y.reshape(-1)

    def draw(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        words: list[int] = []
        starts: list[int] = []
        row = col = 0
        pool = torch.randint(0, len(X), (rows * (per_row + 2),), generator=gen).tolist()
        k = 0
        while row < rows:
            if k == len(pool):
                pool += torch.randint(0, len(X), (rows,), generator=gen).tolist()
            i = pool[k]
            n = int(lengths[i])
            if col + n > length:
                row, col = row + 1, 0
                continue
            words.append(i)
            starts.append(row * length + col)
            col += n
            k += 1
        n_tok = lengths[words]
        # flat source and destination index of every token placed
        offsets = np.arange(int(n_tok.sum())) - np.repeat(np.cumsum(n_tok) - n_tok, n_tok)
        src = torch.from_numpy(np.repeat(np.asarray(words) * width, n_tok) + offsets)
        dst = torch.from_numpy(np.repeat(np.asarray(starts), n_tok) + offsets)
        x = torch.zeros(rows * length, dtype=X.dtype)
        y = torch.full((rows * length,), -1, dtype=Y.dtype)
        x[dst], y[dst] = Xf[src], Yf[src]
        return x.view(rows, length), y.view(rows, length)

    return draw
