"""Lecture 6's WaveNet-style model: like ``bnmlp`` but fusing the context pairwise, level by level.

8 characters -> 4 pairs -> 2 quads -> 1 octet, each level a Linear-BatchNorm-tanh over two
neighbours, instead of squashing all 8 into the first layer at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.makemore.models.bnmlp import BatchNorm1d
from z2h.makemore.registry import ModelEntry, lecture_sgd_recipe, register


class FlattenConsecutive(nn.Module):
    """(B, T, C) -> (B, T // n, C * n): concatenate each run of n neighbours along channels."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        if T % self.n:
            raise ValueError(f"cannot fuse groups of {self.n} over a length of {T}")
        return x.reshape(B, T // self.n, C * self.n)


@dataclass
class WaveNetConfig:
    vocab_size: int = 27  # characters including the boundary token "."
    block_size: int = 8  # characters of context; a power of 2, one fusion level per halving
    n_embd: int = 24  # embedding size per character (lecture 6: 24)
    n_hidden: int = 128  # units per fusion level (lecture 6: 128)
    bn_momentum: float = 0.1  # running-statistics update rate (lecture 6: 0.1)
    last_gain: float = 0.1  # output weight scale at init: small logits, loss ~ln(vocab)


class WaveNet(nn.Module):
    """C[idx] -> [FlattenConsecutive(2) -> Linear -> BatchNorm -> tanh] x log2(k) -> Linear."""

    def __init__(self, config: WaveNetConfig):
        super().__init__()
        c = config
        if c.block_size < 2 or c.block_size & (c.block_size - 1):
            raise ValueError(f"wavenet needs a power-of-2 block_size >= 2, got {c.block_size}")
        self.config = config
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        layers: list[nn.Module] = []
        width, length = c.n_embd, c.block_size
        while length > 1:
            layers += [
                FlattenConsecutive(2),
                nn.Linear(2 * width, c.n_hidden, bias=False),
                BatchNorm1d(c.n_hidden, momentum=c.bn_momentum),
                nn.Tanh(),
            ]
            width, length = c.n_hidden, length // 2
        self.layers = nn.Sequential(*layers)
        self.head = nn.Linear(width, c.vocab_size)
        with torch.no_grad():
            nn.init.normal_(self.wte.weight)
            for m in self.layers:
                if isinstance(m, nn.Linear):  # the lecture's Linear: randn / sqrt(fan_in)
                    nn.init.normal_(m.weight, std=m.in_features**-0.5)
            nn.init.normal_(self.head.weight, std=c.last_gain * width**-0.5)
            nn.init.zeros_(self.head.bias)

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        x = self.wte(idx)  # (B, 8, n_embd)
        x = self.layers(x)  # (B, 4, H) -> (B, 2, H) -> (B, 1, H)
        logits = self.head(x.squeeze(1))  # (B, H) -> (B, vocab)
        loss = None if targets is None else F.cross_entropy(logits, targets, ignore_index=-1)
        return logits, loss


register(
    ModelEntry(
        name="wavenet",
        model_cls=WaveNet,
        config_cls=WaveNetConfig,
        input_kind="context",
        description="hierarchical WaveNet-style MLP over 8 characters with BatchNorm (lecture 6)",
        presets={"lecture6": {"block_size": 8, "n_embd": 24, "n_hidden": 128}},
        default_preset="lecture6",
        recipe=lecture_sgd_recipe(decay_at=0.75),
    )
)
