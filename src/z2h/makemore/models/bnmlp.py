"""Lecture 4's MLP with BatchNorm: like ``mlp`` but each hidden linear layer feeds a BatchNorm.

Those linear layers drop their bias (BatchNorm's shift replaces it), weights get Kaiming init for
tanh and the last layer is scaled down so the first loss is ~ln(vocab). ``BatchNorm1d`` here is the
lecture's layer written out (running statistics as buffers); it also handles the 3-D input that
``wavenet`` needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.makemore.registry import ModelEntry, lecture_sgd_recipe, register

TANH_GAIN = 5 / 3  # Kaiming gain for tanh: keeps activations at unit scale through the stack


class BatchNorm1d(nn.Module):
    """Normalise each feature over the batch (and time, for 3-D input), then scale and shift.

    Input ``(B, C)`` takes statistics over dim 0; input ``(B, T, C)`` over dims 0 and 1, so each
    of the C channels has one mean and variance (torch.nn.BatchNorm1d wants ``(B, C, T)`` for that;
    the lecture's first version reduced over dim 0 only, which is the bug lecture 6 fixes).
    """

    def __init__(self, dim: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.eps = eps
        self.momentum = momentum
        self.weight = nn.Parameter(torch.ones(dim))  # gamma
        self.bias = nn.Parameter(torch.zeros(dim))  # beta
        self.register_buffer("running_mean", torch.zeros(dim))
        self.register_buffer("running_var", torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() not in (2, 3):
            raise ValueError(f"BatchNorm1d expects (B, C) or (B, T, C), got shape {tuple(x.shape)}")
        dims = tuple(range(x.dim() - 1))  # (0,) or (0, 1)
        if self.training:
            mean = x.mean(dims)
            var = x.var(dims, unbiased=False)  # the batch's own (biased) variance normalises
            with torch.no_grad():
                n = x.numel() // x.shape[-1]
                # subtle: running_var tracks the unbiased estimate, as torch.nn.BatchNorm1d does
                unbiased = var * n / max(n - 1, 1)
                self.running_mean.lerp_(mean.detach().to(self.running_mean.dtype), self.momentum)
                self.running_var.lerp_(unbiased.detach().to(self.running_var.dtype), self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        xhat = (x - mean) * torch.rsqrt(var + self.eps)
        return self.weight * xhat + self.bias


@dataclass
class BNMLPConfig:
    vocab_size: int = 27  # characters including the boundary token "."
    block_size: int = 3  # characters of context
    n_embd: int = 10  # embedding size per character (lecture 4: 10)
    n_hidden: int = 200  # units per hidden layer (lecture 4: 200 for one layer, 100 when deep)
    n_layers: int = 1  # hidden Linear-BatchNorm-tanh layers (lecture 4: 1, then 5 for the deep net)
    bn_momentum: float = 0.001  # running-statistics update rate (lecture 4 uses 0.001)
    output_bn: bool = False  # BatchNorm the logits too (lecture 4's deep net) or a biased Linear
    last_gain: float = 0.1  # scale of the last layer at init: small logits, loss ~ln(vocab)


class BNMLP(nn.Module):
    """C[idx] -> [Linear(no bias) -> BatchNorm -> tanh] x n_layers -> Linear [-> BatchNorm]."""

    def __init__(self, config: BNMLPConfig):
        super().__init__()
        if config.n_layers < 1:
            raise ValueError(f"n_layers must be at least 1, got {config.n_layers}")
        self.config = config
        c = config
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        layers: list[nn.Module] = []
        fan_in = c.block_size * c.n_embd
        for _ in range(c.n_layers):
            layers += [
                nn.Linear(fan_in, c.n_hidden, bias=False),
                BatchNorm1d(c.n_hidden, momentum=c.bn_momentum),
                nn.Tanh(),
            ]
            fan_in = c.n_hidden
        if c.output_bn:
            layers += [
                nn.Linear(fan_in, c.vocab_size, bias=False),
                BatchNorm1d(c.vocab_size, momentum=c.bn_momentum),
            ]
        else:
            layers.append(nn.Linear(fan_in, c.vocab_size))
        self.layers = nn.Sequential(*layers)
        with torch.no_grad():
            nn.init.normal_(self.wte.weight)
            for m in self.layers:
                if isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, std=TANH_GAIN / m.in_features**0.5)
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
            # subtle: an output BatchNorm fixes the logits' scale, so shrink its gain, not W
            self.layers[-1].weight.mul_(c.last_gain)

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        x = self.wte(idx).flatten(1)  # (B, k) -> (B, k * n_embd)
        logits = self.layers(x)  # (B, vocab)
        loss = None if targets is None else F.cross_entropy(logits, targets, ignore_index=-1)
        return logits, loss


register(
    ModelEntry(
        name="bnmlp",
        model_cls=BNMLP,
        config_cls=BNMLPConfig,
        input_kind="context",
        description="MLP with BatchNorm after every linear layer and Kaiming init (lecture 4)",
        presets={
            "lecture4": {"block_size": 3, "n_embd": 10, "n_hidden": 200, "n_layers": 1},
            "lecture4-deep": {
                "block_size": 3,
                "n_embd": 10,
                "n_hidden": 100,
                "n_layers": 5,
                "bn_momentum": 0.1,
                "output_bn": True,
            },
        },
        default_preset="lecture4",
        recipe=lecture_sgd_recipe(decay_at=0.5),
    )
)
