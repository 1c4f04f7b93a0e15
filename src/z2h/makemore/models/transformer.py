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


class Transformer(GPT):
    """``z2h.gpt.model.GPT`` built from a ``TransformerConfig``; targets of -1 are padding."""

    def __init__(self, config: TransformerConfig):
        if config.block_size is None:
            raise ValueError("block_size is None: set it to the longest sequence (word + 1)")
        super().__init__(GPTConfig(**dataclasses.asdict(config)))


PRESETS: dict[str, dict[str, Any]] = {
    # makemore.py's default transformer: 4 layers, 4 heads, width 64 (~204K parameters)
    "makemore": {"n_layer": 4, "n_head": 4, "n_embd": 64},
}


def recipe(time_budget: float | None, max_steps: int | None) -> dict[str, dict[str, Any]]:
    """Training defaults for a run of ``time_budget`` seconds (or ``max_steps`` steps)."""
    train: dict[str, Any] = {
        "optimizer": "adamw",
        "lr": 2e-3,
        "schedule": "cosine",
        "warmup_frac": 0.02,
        "min_lr_frac": 0.05,
        "weight_decay": 0.1,
        "grad_clip": 1.0,
        "batch_size": 128,
    }
    if time_budget is None and max_steps is None:
        train["max_steps"] = 5000
    return {"model": {}, "train": train}


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
