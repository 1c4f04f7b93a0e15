"""The one sampler of makemore: batched generation for fixed-context and sequence models.

Every row starts from the boundary token and draws one character at a time from
``softmax(logits / temperature)`` (optionally only the ``top_k`` most likely; temperature 0: the
most likely), feeding the model at most ``block_size`` previous tokens, until it draws the
boundary token ``.`` again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.errors import Z2HError
from z2h.makemore.data import Vocab

MAX_NEW_CONTEXT = 100  # default step limit for fixed-context models (they have no length limit)


@torch.no_grad()
def generate(
    model: nn.Module,
    n: int,
    *,
    input_kind: str,
    block_size: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
    max_new: int | None = None,
) -> list[list[int]]:
    """Draw ``n`` words; returns each as its character indices (without the final boundary).

    ``input_kind="context"``: the model sees exactly the last ``block_size`` indices, starting from
    ``block_size`` boundary tokens, and returns ``(B, vocab)``. ``input_kind="sequence"``: the
    model sees the whole prefix (cropped to its last ``block_size`` tokens), starting from one
    boundary token, and returns ``(B, T, vocab)``; the last position is sampled. ``max_new``
    limits the characters per word (default: ``block_size`` for sequence models, 100 otherwise).
    """
    if n < 0:
        raise Z2HError(f"number of samples must be at least 0, got {n}")
    if not temperature >= 0:
        raise Z2HError(f"temperature must be >= 0 (0: the most likely), got {temperature}")
    if top_k is not None and top_k < 1:
        raise Z2HError(f"top-k must be at least 1, got {top_k}")
    if input_kind not in ("context", "sequence"):
        raise Z2HError(f"unknown input kind {input_kind!r}: choose context or sequence")
    if max_new is None:
        max_new = block_size if input_kind == "sequence" else MAX_NEW_CONTEXT
    was_training = model.training
    model.eval()
    try:
        start = block_size if input_kind == "context" else 1
        seq = torch.zeros(n, start, dtype=torch.long)
        done = torch.zeros(n, dtype=torch.bool)
        for _ in range(max_new):
            if n == 0 or bool(done.all()):
                break
            # subtle: seq[:, -0:] is the whole tensor, so crop by explicit start index
            cond = seq[:, max(0, seq.size(1) - block_size) :]
            logits, _ = model(cond)
            if logits.dim() == 3:
                logits = logits[:, -1, :]  # (B, T, V) -> (B, V): the next token after the prefix
            with _one_thread():
                nxt = _draw(logits, temperature, top_k, generator)  # (B, V) -> (B, 1)
            nxt = nxt.masked_fill(done.unsqueeze(1), 0)
            seq = torch.cat([seq, nxt], dim=1)
            done |= nxt.squeeze(1) == 0
    finally:
        model.train(was_training)
    out = []
    for row in seq[:, start:].tolist():
        out.append(row[: row.index(0)] if 0 in row else row)
    return out


def _draw(
    logits: torch.Tensor, temperature: float, top_k: int | None, generator: torch.Generator | None
) -> torch.Tensor:
    """One index per row from ``softmax(logits / temperature)``, optionally top-k only;
    temperature 0 takes the most likely index (as ``z2h gpt sample`` does)."""
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)  # (B, V) -> (B, 1)
    logits = logits.float() / temperature
    if top_k is not None and top_k < logits.size(-1):
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = F.softmax(logits, dim=-1)
    return torch.multinomial(probs, 1, generator=generator)  # (B, 1)


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run torch ops on one thread, then restore the thread count.

    subtle: softmax and multinomial over a (B, V) batch are tiny per row, but torch splits them
    across threads; on a busy machine the threads wait for each other and one sampling step takes
    many times longer than on one thread. Each row's result does not depend on the thread count,
    so the samples are the same.
    """
    threads = torch.get_num_threads()
    if threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def sample_words(
    model: nn.Module,
    vocab: Vocab,
    n: int,
    *,
    input_kind: str,
    block_size: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    seed: int | None = None,
    max_new: int | None = None,
) -> list[str]:
    """``generate`` decoded to strings; ``seed`` seeds a private ``torch.Generator``."""
    gen = torch.Generator()
    if seed is not None:
        gen.manual_seed(seed)
    else:
        gen.seed()
    rows = generate(
        model,
        n,
        input_kind=input_kind,
        block_size=block_size,
        temperature=temperature,
        top_k=top_k,
        generator=gen,
        max_new=max_new,
    )
    return [vocab.decode(r) for r in rows]
