"""Lecture 7's EX2: train the GPT on a+b=c instead of text.

A problem with ``digits`` = 3 is written with fixed widths, ``"042+917=" + "9590"``: both operands
zero-padded, the sum written with its digits reversed (least significant first, the order in which
carries are computed) and padded to ``digits + 1``. The loss only counts the answer: targets on the
question are ``-1`` (ignored by ``GPT.forward``). Held-out problems are a fixed 1% of all pairs
(chosen by a hash of the pair), never drawn for training; accuracy is exact match of the greedily
decoded answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from z2h.errors import Z2HError
from z2h.gpt.model import IGNORE_INDEX
from z2h.gpt.tokenizer import CharTokenizer

ADDITION_CHARS = "0123456789+="
HELD_OUT_PER_MILLE = 10  # 1% of all (a, b) pairs are test problems


def _is_held_out(pair: torch.Tensor) -> torch.Tensor:
    # a multiplicative hash (Knuth) spreads consecutive pair ids over the buckets
    return (pair * 2654435761) % (1 << 32) % 1000 < HELD_OUT_PER_MILLE


@dataclass
class AdditionTask:
    digits: int = 3  # digits per operand

    def __post_init__(self) -> None:
        if not 1 <= self.digits <= 9:
            raise Z2HError(f"--digits must be between 1 and 9, got {self.digits}")
        self.tokenizer = CharTokenizer(ADDITION_CHARS)
        self.n_pairs = 10 ** (2 * self.digits)

    @property
    def prompt_len(self) -> int:
        return 2 * self.digits + 2  # "a+b="

    @property
    def answer_len(self) -> int:
        return self.digits + 1

    @property
    def block_size(self) -> int:
        return self.prompt_len + self.answer_len - 1  # the last answer digit is never an input

    def to_dict(self) -> dict[str, int | str]:
        return {"name": "addition", "digits": self.digits}

    # -- encoding --------------------------------------------------------------------------------
    def _digits(self, n: torch.Tensor, width: int) -> torch.Tensor:
        """(N,) numbers -> (N, width) digit ids, most significant first."""
        powers = 10 ** torch.arange(width - 1, -1, -1)
        return n[:, None] // powers % 10  # digit d has token id d

    def encode(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """(N,) operands -> (N, 3 * digits + 3) token ids of the full problem with its answer."""
        plus = torch.full_like(a, self.tokenizer.stoi["+"])[:, None]
        eq = torch.full_like(a, self.tokenizer.stoi["="])[:, None]
        answer = self._digits(a + b, self.answer_len).flip(1)  # reversed: units digit first
        return torch.cat(
            [self._digits(a, self.digits), plus, self._digits(b, self.digits), eq, answer], 1
        )

    def examples(self, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and targets (question masked with -1) for operands a, b."""
        seq = self.encode(a, b)
        x, y = seq[:, :-1], seq[:, 1:].clone()
        y[:, : self.prompt_len - 1] = IGNORE_INDEX  # predicting the question is not the task
        return x, y

    def _split(self, pair: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scale = 10**self.digits
        return pair // scale, pair % scale

    # -- data ------------------------------------------------------------------------------------
    def train_batch(
        self, gen: torch.Generator, batch_size: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch of training problems, resampling any that fall in the held-out set."""
        pair = torch.randint(0, self.n_pairs, (batch_size,), generator=gen)
        held = _is_held_out(pair)
        while held.any():
            pair[held] = torch.randint(0, self.n_pairs, (int(held.sum()),), generator=gen)
            held = _is_held_out(pair)
        return self.examples(*self._split(pair))

    def test_pairs(self, limit: int = 2000) -> tuple[torch.Tensor, torch.Tensor]:
        """Up to ``limit`` held-out problems (a fixed, evenly spread subset when there are more)."""
        if self.n_pairs <= 10**6:
            pair = torch.arange(self.n_pairs)
            pair = pair[_is_held_out(pair)]
        else:  # too many to enumerate: scan a strided sample of pair ids instead
            pair = torch.linspace(0, self.n_pairs - 1, 200 * limit, dtype=torch.float64).long()
            pair = pair[_is_held_out(pair)]
        if len(pair) > limit:
            pair = pair[torch.linspace(0, len(pair) - 1, limit).round().long()]
        return self._split(pair)

    # -- evaluation ------------------------------------------------------------------------------
    @torch.no_grad()
    def answers(self, model: nn.Module, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Greedy answers of ``model`` to a+b as numbers (N,); -1 where it wrote a non-digit."""
        seq = self.encode(a, b)[:, : self.prompt_len]
        device = next(model.parameters()).device
        seq = seq.to(device)
        for _ in range(self.answer_len):
            logits, _ = model(seq)
            seq = torch.cat([seq, logits[:, -1].argmax(-1, keepdim=True)], 1)
        digits = seq[:, self.prompt_len :].cpu()  # reversed digits
        value = (digits * 10 ** torch.arange(self.answer_len)).sum(1)
        return value.masked_fill((digits > 9).any(1), -1)  # a non-digit answer is wrong

    def evaluate(self, model: nn.Module, limit: int = 2000) -> dict[str, float]:
        """Masked loss and exact-match accuracy on held-out problems."""
        a, b = self.test_pairs(limit)
        x, y = self.examples(a, b)
        device = next(model.parameters()).device
        _, loss = model(x.to(device), y.to(device))
        acc = (self.answers(model, a, b) == a + b).float().mean().item()
        return {"val": loss.float().item(), "acc": acc}


TASKS = {"addition": AdditionTask}
