"""The GPT of ``z2h.gpt.model`` as a makemore sequence model, with a recipe that fits the wait.

The network is ``z2h.gpt.model.GPT`` itself (pre-LayerNorm blocks, causal self-attention, MLP);
this module only adds a makemore config (``block_size`` left to the data: the longest word + 1),
presets, and ``recipe(time_budget, max_steps)``: how big a model, how large a batch and which
schedule to use for the time a user says they can wait.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

from z2h.gpt.model import GPT, GPTConfig
from z2h.makemore.registry import ModelEntry, register


@dataclass
class TransformerConfig:
    vocab_size: int = 27  # characters including the boundary token "."
    block_size: int | None = None  # longest sequence; None: the longest word + 1 (set by train)
    n_layer: int = 4  # Transformer blocks (makemore.py: 4)
    n_head: int = 4  # attention heads per block (makemore.py: 4)
    n_embd: int = 64  # residual stream width (makemore.py: 64)
    dropout: float = 0.0  # on attention weights, residual branches and embeddings
    bias: bool = True  # biases in Linear layers and LayerNorms
    norm: str = "layernorm"  # "layernorm" (GPT-2) or "rmsnorm" (LLaMA)
    mlp: str = "gelu"  # "gelu" (GPT-2, 4x wide) or "swiglu" (LLaMA, 8/3x wide)
    pos: str = "learned"  # "learned" position table (GPT-2) or "rope" (rotary, LLaMA)
    qk_norm: bool = False  # normalise queries and keys per head before attention


class Transformer(GPT):
    """``z2h.gpt.model.GPT`` built from a ``TransformerConfig``; targets of -1 are padding."""

    def __init__(self, config: TransformerConfig):
        if config.block_size is None:
            raise ValueError("block_size is None: set it to the longest sequence (word + 1)")
        super().__init__(GPTConfig(**dataclasses.asdict(config)))

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if idx.device.type != "cpu":
            return super().forward(idx, targets)
        # subtle: for words (T <= ~16, head size 16-32) PyTorch's CPU flash-attention kernel is
        # slower than plain matmul-softmax-matmul: measured 2.1x slower per training step at
        # width 128 under bf16 autocast (benchmarks/makemore_ladder.py notes), so pick the latter.
        with sdpa_kernel(SDPBackend.MATH):
            return super().forward(idx, targets)


PRESETS: dict[str, dict[str, Any]] = {
    # makemore.py's default transformer: 4 layers, 4 heads, width 64 (~204K parameters)
    "makemore": {"n_layer": 4, "n_head": 4, "n_embd": 64},
}


# a run given neither --time-budget nor --max-steps trains this long (the README's main job)
DEFAULT_TIME_BUDGET = 120.0

# the block every recipe tier uses: RoPE, RMSNorm, SwiGLU, QK-norm, no biases (LLaMA-style).
# Measured in 100 s runs on 2 idle cores (width 32, lr 5e-3): dev 1.9975 against 2.0097 for the
# GPT-2 block.
RECIPE_BLOCK: dict[str, Any] = {
    "pos": "rope",
    "norm": "rmsnorm",
    "mlp": "swiglu",
    "qk_norm": True,
    "bias": False,
}

# (seconds, steps) from which each size of the recipe takes over. The first tier was chosen by
# 100 s runs on 2 idle cores (LLaMA block, dev loss): width 32 / no dropout / lr 5e-3 1.9975,
# width 64 / dropout 0.1 / lr 3e-3 1.9811, lr 5e-3 1.9758, lr 7e-3 1.9833, width 64 / no dropout
# / lr 3e-3 1.9919, width 64 / dropout 0.05 / lr 5e-3 1.9617 (chosen).
TIERS: list[tuple[float, int, dict[str, Any], float]] = [
    # from seconds, from steps, model sizes, peak lr
    (0.0, 0, {"n_embd": 64, "dropout": 0.05}, 5e-3),
    (300.0, 3000, {"n_embd": 64, "dropout": 0.1}, 3e-3),
    # subtle: GELU, not SwiGLU, at width 128: with SwiGLU the untrained model's loss is 0.12
    # above ln(vocab) (0.06 with GELU), past the 0.1 that every makemore preset keeps.
    (600.0, 6000, {"n_embd": 128, "dropout": 0.2, "mlp": "gelu"}, 2e-3),
]


def recipe(time_budget: float | None, max_steps: int | None) -> dict[str, dict[str, Any]]:
    """Training defaults for a run of ``time_budget`` seconds (or ``max_steps`` steps).

    Short runs are compute-bound: what counts is how many words the model sees, so a small model
    at a high learning rate wins (see TIERS for the measurements). Long runs are data-bound
    (25.6K training words): wider models with more dropout keep improving where narrow ones
    stall. bf16 autocast speeds up the matmuls on CPUs with AVX512-BF16; the cosine schedule
    spans whichever of the time or the steps runs out first.
    """
    if time_budget is None and max_steps is None:
        time_budget = DEFAULT_TIME_BUDGET
    sizes, lr = TIERS[0][2], TIERS[0][3]
    for seconds, steps, tier_sizes, tier_lr in TIERS:
        if (time_budget is not None and time_budget >= seconds) or (
            time_budget is None and max_steps is not None and max_steps >= steps
        ):
            sizes, lr = tier_sizes, tier_lr
    model = {"n_layer": 4, "n_head": 4, **RECIPE_BLOCK, **sizes}
    train: dict[str, Any] = {
        "optimizer": "adamw",
        "lr": lr,
        "schedule": "cosine",
        "warmup_frac": 0.02,
        "min_lr_frac": 0.05,
        "weight_decay": 0.1,
        "grad_clip": 1.0,
        "autocast": "bf16",
        "batch_size": 128,
        "eval_interval": 1000,
    }
    if time_budget is not None:
        train["time_budget"] = time_budget
        train["eval_interval_seconds"] = time_budget / 6
    else:
        train["max_steps"] = max_steps
    return {"model": model, "train": train}


register(
    ModelEntry(
        name="transformer",
        model_cls=Transformer,
        config_cls=TransformerConfig,
        input_kind="sequence",
        description="GPT-style decoder over whole words (z2h.gpt.model.GPT)",
        presets=PRESETS,
        default_preset="makemore",
        recipe=recipe,
    )
)
