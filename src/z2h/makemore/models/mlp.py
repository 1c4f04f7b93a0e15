"""The MLP of Bengio et al. 2003 as built in lecture 3: embed k characters, one tanh layer.

idx ``(B, block_size)`` of the previous characters -> logits ``(B, vocab)`` of the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.makemore.registry import ModelEntry, lecture_sgd_recipe, register


@dataclass
class MLPConfig:
    vocab_size: int = 27  # characters including the boundary token "."
    block_size: int = 3  # characters of context (the lecture's 3)
    n_embd: int = 10  # embedding size per character (lecture 3: 10)
    n_hidden: int = 200  # tanh units (lecture 3: 200)
    init_scale: float = 0.01  # output layer weight scale so the first loss is ~ln(vocab)


class MLP(nn.Module):
    """C[idx] -> concat -> tanh(W1 x + b1) -> W2 h + b2."""

    def __init__(self, config: MLPConfig):
        super().__init__()
        self.config = config
        c = config
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        self.hidden = nn.Linear(c.block_size * c.n_embd, c.n_hidden)
        self.head = nn.Linear(c.n_hidden, c.vocab_size)
        with torch.no_grad():
            nn.init.normal_(self.wte.weight)  # the lecture's C = torch.randn(vocab, n_embd)
            # Kaiming for tanh (gain 5/3) keeps the hidden layer out of saturation at init.
            fan_in = c.block_size * c.n_embd
            nn.init.normal_(self.hidden.weight, std=(5 / 3) / fan_in**0.5)
            nn.init.zeros_(self.hidden.bias)
            # subtle: near-zero logits make the first prediction uniform, loss ~ ln(vocab)
            nn.init.normal_(self.head.weight, std=c.init_scale)
            nn.init.zeros_(self.head.bias)

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        emb = self.wte(idx)  # (B, k) -> (B, k, n_embd)
        h = torch.tanh(self.hidden(emb.flatten(1)))  # (B, k * n_embd) -> (B, n_hidden)
        logits = self.head(h)  # (B, vocab)
        loss = None if targets is None else F.cross_entropy(logits, targets, ignore_index=-1)
        return logits, loss


register(
    ModelEntry(
        name="mlp",
        model_cls=MLP,
        config_cls=MLPConfig,
        input_kind="context",
        description="Bengio 2003 MLP (lecture 3): embeddings of 3 characters, one tanh layer",
        presets={"lecture3": {"block_size": 3, "n_embd": 10, "n_hidden": 200}},
        default_preset="lecture3",
        recipe=lecture_sgd_recipe(decay_at=0.5),
    )
)
