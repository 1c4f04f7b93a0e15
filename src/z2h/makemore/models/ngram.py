"""Counted n-gram models (lecture 2's bigram, any n >= 1): add-k or interpolated Kneser-Ney.

Counts are kept sparse, so large n costs memory in proportion to the n-grams seen, never
``vocab**n``: the state is the sorted keys of the distinct n-grams seen in training (each n-gram
read as a base-``vocab`` number, oldest character most significant) and their counts. The
probability tables, one row per context seen, are derived from that state when needed.

- add-k: ``P(w | h) = (c(h, w) + k) / (c(h) + k * vocab)``; an unseen context gives the uniform
  distribution (what add-k assigns to a context with no counts).
- interpolated Kneser-Ney (Chen & Goodman 1998) with one absolute discount ``D``: the highest order
  uses raw counts, lower orders use continuation counts ``N1+(. h w)`` (in how many distinct
  contexts ``w`` followed ``h``), each order interpolates with the next lower one, and the unigram
  level interpolates with the uniform distribution, so every probability is positive. A context
  never seen at one order backs off to its longest suffix that was.

``forward(idx, targets)`` returns log-probabilities as logits, so the shared evaluator, sampler and
cross-entropy loss treat it like any other makemore model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.errors import CheckpointError, Z2HError
from z2h.makemore.registry import ModelEntry, register

SMOOTHINGS = ("add-k", "kneser-ney")
DEFAULT_K_GRID = tuple(round(10**e, 6) for e in [x / 4 for x in range(-12, 9)])  # 1e-3 .. 100


def ngram_block_size(n: object, block_size: object) -> int:
    """The context length of an n-gram of order ``n`` (counted or neural): always ``n - 1``.

    ``block_size`` may be ``None`` (filled in) or must already equal ``n - 1``.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise Z2HError(f"n-gram order n must be an integer >= 1, got {n!r}")
    if block_size is None:
        return n - 1
    if block_size != n - 1:
        raise Z2HError(f"an n-gram's block size is n - 1 = {n - 1}, not {block_size}")
    return n - 1


@dataclass
class NGramConfig:
    vocab_size: int = 27  # characters including the boundary token "."
    n: int = 2  # order: predict from the previous n-1 characters (2 = the lecture's bigram)
    smoothing: str = "add-k"  # "add-k" or "kneser-ney"
    k: float = 1.0  # add-k pseudo-count per (context, character); the lecture's +1
    discount: float = 0.75  # Kneser-Ney absolute discount D, 0 < D <= 1
    block_size: int | None = None  # context length; always n - 1 (filled in automatically)

    def __post_init__(self) -> None:
        self.block_size = ngram_block_size(self.n, self.block_size)
        if self.smoothing not in SMOOTHINGS:
            raise Z2HError(
                f"unknown smoothing {self.smoothing!r}: choose {', '.join(SMOOTHINGS)} "
                "(the command line also takes 'auto' or a number k)"
            )
        if not (self.k >= 0 and math.isfinite(self.k)):
            raise Z2HError(f"add-k smoothing needs k >= 0, got {self.k}")
        if not 0 < self.discount <= 1:
            raise Z2HError(f"Kneser-Ney discount must be in (0, 1], got {self.discount}")
        if self.vocab_size < 1:
            raise Z2HError(f"vocab_size must be positive, got {self.vocab_size}")
        if self.vocab_size**self.n >= 2**62:
            raise Z2HError(
                f"n={self.n} with a vocabulary of {self.vocab_size} overflows 64-bit n-gram keys; "
                "use a smaller n"
            )


def _unique(keys: torch.Tensor, **kw: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """``torch.unique`` via NumPy: single-threaded, so it does not slow down on a busy machine
    where torch's sort threads contend for the cores."""
    uniq, extra = np.unique(keys.numpy(), **kw)
    return torch.from_numpy(uniq), torch.from_numpy(extra).to(torch.long).reshape(-1)


def _unique_sum(keys: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Distinct ``keys`` (sorted) and the sum of ``weights`` over each."""
    uniq, inverse = _unique(keys, return_inverse=True)
    sums = torch.zeros(len(uniq), dtype=torch.long).index_add_(0, inverse, weights)
    return uniq, sums


@dataclass
class _Level:
    """Probability rows for the contexts of one length seen in training."""

    ctx_keys: torch.Tensor  # (M,) sorted int64 keys of the contexts
    counts: torch.Tensor  # (M, V) float64 counts used at this level (raw or continuation)
    logp: torch.Tensor  # (M, V) float32 log-probabilities


def _stack(
    levels: list[_Level | None], V: int
) -> tuple[list[_Level | None], torch.Tensor, list[int]]:
    """One table of log-probability rows: the uniform row, then every level's rows in order.

    Each level's ``logp`` becomes a view into the table, so the rows are stored once.
    """
    uniform = torch.full((1, V), -math.log(V), dtype=torch.float32)  # a context never seen
    parts, offsets, start = [uniform], [], 1
    for level in levels:
        offsets.append(start)
        if level is not None:
            parts.append(level.logp)
            start += len(level.logp)
    table = torch.cat(parts)
    stacked: list[_Level | None] = []
    for level, off in zip(levels, offsets, strict=True):
        if level is not None:
            level = _Level(level.ctx_keys, level.counts, table[off : off + len(level.logp)])
        stacked.append(level)
    return stacked, table, offsets


class NGram(nn.Module):
    """A counted n-gram; ``fit(X, Y)`` adds counts, ``forward`` returns log-probabilities."""

    def __init__(self, config: NGramConfig):
        super().__init__()
        self.config = config
        self.register_buffer("keys", torch.zeros(0, dtype=torch.long))  # distinct n-gram keys
        self.register_buffer("counts", torch.zeros(0, dtype=torch.long))  # how often each occurred
        self._levels: list[_Level | None] | None = None
        self._table = torch.zeros(0)  # (1 + sum of M, V) log-probabilities: uniform, then levels
        self._offsets: list[int] = []  # each level's first row in _table

    # -- counting ----------------------------------------------------------------------------
    def _key(self, cols: torch.Tensor) -> torch.Tensor:
        """(B, c) indices -> (B,) base-V keys, the first column most significant."""
        V = self.config.vocab_size
        key = torch.zeros(cols.shape[0], dtype=torch.long)
        for j in range(cols.shape[1]):
            key = key * V + cols[:, j]
        return key

    @torch.no_grad()
    def fit(self, X: torch.Tensor, Y: torch.Tensor) -> NGram:
        """Add the counts of examples ``X (N, n-1) -> Y (N,)`` (from ``context_examples``)."""
        k = self.config.block_size
        if X.dim() != 2 or X.shape[1] != k or Y.shape != (X.shape[0],):
            raise Z2HError(f"an {self.config.n}-gram counts X of shape (N, {k}) and Y of (N,)")
        top = max(int(X.max()) if X.numel() else 0, int(Y.max()) if len(Y) else 0)
        if top >= self.config.vocab_size:
            raise Z2HError("example indices exceed the model's vocabulary size")
        keys = self._key(torch.cat([X, Y[:, None]], dim=1))
        keys = torch.cat([self.keys, keys])
        weights = torch.cat([self.counts, torch.ones(len(Y), dtype=torch.long)])
        self.keys, self.counts = _unique_sum(keys, weights)
        self._levels = None
        return self

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False) -> Any:
        """Load counts of any size (the buffers' shapes depend on the data), checked first.

        A state that ``fit`` could not have made (keys out of range, unsorted or repeated, counts
        below 1, mismatched shapes, non-integer tensors) raises ``CheckpointError``.
        """
        missing = [k for k in ("keys", "counts") if k not in state_dict]
        extra = [k for k in state_dict if k not in ("keys", "counts")]
        if missing or (strict and extra):
            raise CheckpointError(f"n-gram state: missing {missing}, unexpected {extra}")
        keys, counts = state_dict["keys"], state_dict["counts"]
        self._check_state(keys, counts)
        self.keys = keys.to(torch.long).clone()
        self.counts = counts.to(torch.long).clone()
        self._levels = None
        return nn.modules.module._IncompatibleKeys([], [])

    def _check_state(self, keys: Any, counts: Any) -> None:
        V, n = self.config.vocab_size, self.config.n
        for name, t in (("keys", keys), ("counts", counts)):
            if not isinstance(t, torch.Tensor) or t.dim() != 1:
                raise CheckpointError(f"n-gram state: {name} must be a 1-d tensor")
            if t.dtype.is_floating_point or t.dtype.is_complex or t.dtype == torch.bool:
                raise CheckpointError(f"n-gram state: {name} must be integers, not {t.dtype}")
        if keys.shape != counts.shape:
            raise CheckpointError(
                f"n-gram state: {len(keys)} keys but {len(counts)} counts; they must pair up"
            )
        if len(keys) == 0:
            return
        keys = keys.to(torch.long)
        if int(keys.min()) < 0 or int(keys.max()) >= V**n:
            raise CheckpointError(
                f"n-gram state: keys must lie in [0, {V}**{n}) for a {n}-gram over {V} characters"
            )
        if len(keys) > 1 and not bool((keys[1:] > keys[:-1]).all()):
            raise CheckpointError("n-gram state: keys must be sorted and distinct")
        if int(counts.min()) < 1:
            raise CheckpointError("n-gram state: every count must be at least 1")

    def set_smoothing(self, **changes: Any) -> None:
        """Change smoothing settings (``k``, ``discount``, ``smoothing``) without recounting."""
        for name, value in changes.items():
            setattr(self.config, name, value)
        self.config.__post_init__()
        self._levels = None

    # -- tables ------------------------------------------------------------------------------
    def _grams(self, c: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Distinct (context of length c, next char) keys and their raw counts, by marginalising.

        subtle: every position is counted with a full, boundary-padded context, so dropping the
        oldest characters of the n-gram counts gives exactly the lower-order counts.
        """
        V = self.config.vocab_size
        return _unique_sum(self.keys % V ** (c + 1), self.counts)

    def _dense(
        self, gram_keys: torch.Tensor, values: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Sparse (context*V + w) -> value into (contexts (M,), rows (M, V) float64)."""
        V = self.config.vocab_size
        ctx, w = gram_keys // V, gram_keys % V
        ctx_keys, row = _unique(ctx, return_inverse=True)
        table = torch.zeros(len(ctx_keys), V, dtype=torch.float64)
        table.index_put_((row, w), values.to(torch.float64), accumulate=True)
        return ctx_keys, table

    def _build(self) -> list[_Level | None]:
        cfg = self.config
        V, n = cfg.vocab_size, cfg.n
        if cfg.smoothing == "add-k":
            ctx_keys, table = self._dense(*self._grams(n - 1))
            probs = (table + cfg.k) / (table.sum(1, keepdim=True) + cfg.k * V)
            levels: list[_Level | None] = [None] * (n - 1)
            levels.append(_Level(ctx_keys, table, probs.log().float()))
            return levels
        # Kneser-Ney: raw counts at the top, continuation counts below
        grams = [self._grams(c) for c in range(n)]
        D = cfg.discount
        levels = []
        lower: torch.Tensor | None = None  # (M_{c-1}, V) probabilities of the level below
        lower_keys: torch.Tensor | None = None
        for c in range(n):
            if c == n - 1:
                gram_keys, values = grams[c]
            else:
                # N1+(. h w): how many distinct longer grams end in (h, w)
                gram_keys, values = _unique(grams[c + 1][0] % V ** (c + 1), return_counts=True)
            ctx_keys, table = self._dense(gram_keys, values)
            total = table.sum(1, keepdim=True)  # (M, 1)
            seen = (table > 0).sum(1, keepdim=True).to(torch.float64)  # (M, 1)
            if lower is None:
                below = torch.full((1, V), 1.0 / V, dtype=torch.float64)  # uniform under unigrams
            else:
                suffix = ctx_keys % V ** (c - 1) if c > 1 else torch.zeros_like(ctx_keys)
                below = lower[torch.searchsorted(lower_keys, suffix)]  # every suffix was seen
            probs = (table - D).clamp(min=0) / total + D * seen / total * below
            levels.append(_Level(ctx_keys, table, probs.log().float()))
            lower, lower_keys = probs, ctx_keys
        return levels

    def levels(self) -> list[_Level | None]:
        if self._levels is None:
            if len(self.keys) == 0:
                raise Z2HError("this n-gram has no counts yet; call fit(X, Y) first")
            self._levels, self._table, self._offsets = _stack(self._build(), self.config.vocab_size)
        return self._levels

    def count_table(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(context keys (M,), raw counts (M, V)) of the highest order (the bigram picture)."""
        return self._dense(*self._grams(self.config.n - 1))

    def num_params(self) -> int:
        """Entries of the probability tables (the lecture's 27 x 27 = 729 for a bigram)."""
        return sum(lv.logp.numel() for lv in self.levels() if lv is not None)

    # -- the contract ------------------------------------------------------------------------
    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """idx ``(B, n-1)`` -> logits ``(B, vocab)`` that are log-probabilities."""
        k = self.config.block_size
        if idx.dim() != 2 or idx.shape[1] != k:
            raise Z2HError(
                f"an {self.config.n}-gram takes (B, {k}) contexts, got {tuple(idx.shape)}"
            )
        levels = self.levels()
        V, B = self.config.vocab_size, idx.shape[0]
        # Find each context's row in the stacked table, then gather once: (B,) work per level
        # instead of (B, V). subtle: in NumPy, single-threaded, because sampling calls forward
        # once per character on a small batch, and torch's threads cost more than they save there
        # (on a busy machine, far more: they wait for each other).
        ids = idx.numpy()
        row = np.zeros(B, dtype=np.int64)  # row 0: no context seen, the uniform row
        for c, level in enumerate(levels):
            if level is None:
                continue
            key = np.zeros(B, dtype=np.int64)
            for j in range(k - c, k):  # the last c characters, the oldest most significant
                key = key * V + ids[:, j]
            ctx_keys = level.ctx_keys.numpy()
            pos = np.searchsorted(ctx_keys, key).clip(max=len(ctx_keys) - 1)
            found = ctx_keys[pos] == key
            # longer contexts come later and overwrite shorter ones where they were seen
            row = np.where(found, self._offsets[c] + pos, row)
        logits = torch.from_numpy(self._table.numpy()[row])  # (B,) -> (B, V)
        loss = None if targets is None else F.cross_entropy(logits, targets, ignore_index=-1)
        return logits, loss

    # -- E03: tune k on dev ------------------------------------------------------------------
    @torch.no_grad()
    def tune(
        self,
        train: tuple[torch.Tensor, torch.Tensor],
        dev: tuple[torch.Tensor, torch.Tensor],
        grid: tuple[float, ...] = DEFAULT_K_GRID,
    ) -> list[dict[str, float]]:
        """Sweep add-k's ``k`` over ``grid``; keep the k with the lowest dev loss.

        Returns one row per k: ``{"k", "train_loss", "dev_loss"}`` (mean NLL per character).
        """
        from z2h.makemore.evaluate import evaluate_loss

        rows = []
        for k in grid:
            self.set_smoothing(smoothing="add-k", k=float(k))
            rows.append(
                {
                    "k": float(k),
                    "train_loss": evaluate_loss(self, *train),
                    "dev_loss": evaluate_loss(self, *dev),
                }
            )
        best = min(rows, key=lambda r: r["dev_loss"])
        self.set_smoothing(k=best["k"])
        return rows


register(
    ModelEntry(
        name="ngram",
        model_cls=NGram,
        config_cls=NGramConfig,
        input_kind="context",
        description="counted n-gram (lecture 2's bigram for n=2), add-k or Kneser-Ney smoothing",
        presets={
            "bigram": {"n": 2, "smoothing": "add-k", "k": 1.0},
            "trigram": {"n": 3, "smoothing": "add-k", "k": 1.0},
            "kn5": {"n": 5, "smoothing": "kneser-ney"},
        },
        default_preset="bigram",
        trainable=False,
    )
)
