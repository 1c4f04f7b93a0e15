"""The GPT of ``z2h.gpt.model`` as a makemore sequence model, with a recipe that fits the wait.

The network is ``z2h.gpt.model.GPT`` itself (pre-LayerNorm blocks, causal self-attention, MLP);
this module only adds a makemore config (``block_size`` left to the data: the longest word + 1),
presets, and ``recipe(time_budget, max_steps)``: how big a model, how large a batch and which
schedule to use for the time a user says they can wait.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn
from torch.nn.attention import SDPBackend, sdpa_kernel

from z2h.errors import Z2HError
from z2h.gpt.model import GPT, GPTConfig
from z2h.makemore.models.ensemble import Ensemble
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
    members: int = 1  # > 1: an ensemble of this many transformers, their probabilities averaged
    input_noise: float = 0.0  # training only: chance of swapping an input letter for a random one


def word_layout(idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Positions and attention mask for rows that hold several words back to back.

    Every word starts with the boundary token 0, so a row ``.emma.olivia..`` is two words and
    two padding tokens. Each token gets its place inside its own word (B, T) and may attend
    only to earlier tokens of that word (B, 1, T, T): a packed row computes exactly what its
    words would compute one per row.
    """
    T = idx.size(1)
    at = torch.arange(T, device=idx.device)
    starts = idx == 0
    word = starts.cumsum(1)  # (B, T): which word of the row each token belongs to
    first = torch.where(starts, at, 0).cummax(1).values  # where that word starts
    causal = at[:, None] >= at[None, :]
    mask = (word[:, :, None] == word[:, None, :]) & causal
    return at - first, mask.unsqueeze(1)


def noisy_inputs(idx: torch.Tensor, p: float, vocab_size: int) -> torch.Tensor:
    """``idx`` with each letter (not the boundary token 0) swapped for a random one with chance p.

    Only the inputs change, never the targets: the model must predict the true next letter from a
    slightly wrong context, which keeps it from memorising whole training words (data noising,
    Xie et al. 2017). Boundary tokens stay put, so the words of a packed row keep their places.
    """
    swap = (torch.rand(idx.shape, device=idx.device) < p) & (idx != 0)
    letters = torch.randint(1, vocab_size, idx.shape, device=idx.device)
    return torch.where(swap, letters, idx)


def gpt_config(config: TransformerConfig) -> GPTConfig:
    """The ``GPTConfig`` of a makemore transformer: every field the two configs share; fields
    only makemore has (ensemble size, input noise) stay out, fields only GPT has keep its
    defaults."""
    shared = {f.name for f in dataclasses.fields(GPTConfig)} & {
        f.name for f in dataclasses.fields(config)
    }
    return GPTConfig(**{name: getattr(config, name) for name in shared})


class Transformer(GPT):
    """``z2h.gpt.model.GPT`` built from a ``TransformerConfig``; targets of -1 are padding.

    A row may hold several words (``--pack``): attention never crosses the boundary token
    that starts a word, and positions restart there.
    """

    def __init__(self, config: TransformerConfig):
        if config.block_size is None:
            raise ValueError("block_size is None: set it to the longest sequence (word + 1)")
        if config.members != 1:
            raise ValueError(f"a single Transformer has members=1, got {config.members}")
        if not 0.0 <= config.input_noise < 1.0:
            raise Z2HError(f"input_noise must be in [0, 1), got {config.input_noise}")
        super().__init__(gpt_config(config))
        self.input_noise = config.input_noise

    def prepare(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(inputs, positions, mask) for ``GPT.forward``: the word layout, checked, and the
        inputs with ``input_noise`` applied while training."""
        positions, mask = word_layout(idx)
        # (skipped while torch.compile traces: reading a tensor's value would split the graph)
        if not torch.compiler.is_compiling() and idx.numel() and positions.max() >= self.block_size:
            raise Z2HError(
                f"a word of {int(positions.max())} characters or more does not fit block_size "
                f"{self.block_size} (the longest word + 1)"
            )
        if self.training and self.input_noise > 0:
            idx = noisy_inputs(idx, self.input_noise, self.config.vocab_size)
        return idx, positions, mask

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        idx, positions, mask = self.prepare(idx)
        with attention_kernel(idx):
            return super().forward(idx, targets, positions, mask)

    def logits_from(
        self, idx: torch.Tensor, positions: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Logits of rows already through ``prepare`` (the ensemble's stacked step)."""
        with attention_kernel(idx):
            return super().forward(idx, None, positions, mask)[0]


def attention_kernel(idx: torch.Tensor) -> Any:
    """The attention kernel for words on ``idx``'s device.

    subtle: for sequences as short as words (T <= ~16, head size 16-32) PyTorch's CPU
    flash-attention kernel does more bookkeeping than work and loses to plain
    matmul-softmax-matmul (time both with benchmarks/makemore_packing.py), so on CPU pick the
    latter.
    """
    if idx.device.type != "cpu":
        return contextlib.nullcontext()
    return sdpa_kernel(SDPBackend.MATH)


def build_transformer(config: TransformerConfig) -> nn.Module:
    """One ``Transformer``, or an ``Ensemble`` of them when ``config.members`` > 1."""
    if config.members == 1:
        return Transformer(config)
    one = dataclasses.replace(config, members=1)
    return Ensemble(lambda: Transformer(one), config.members, config)


PRESETS: dict[str, dict[str, Any]] = {
    # makemore.py's default transformer: 4 layers, 4 heads, width 64 (~204K parameters)
    "makemore": {"n_layer": 4, "n_head": 4, "n_embd": 64},
}


# a run given neither --time-budget nor --max-steps trains this long: a couple of minutes is as
# long as a newcomer waits for a first result
DEFAULT_TIME_BUDGET = 120.0

# the block every recipe tier uses: RoPE, RMSNorm, SwiGLU, QK-norm, no biases (LLaMA-style); in
# equal-time runs it reached a lower dev loss than the GPT-2 block (the makemore docs keep the
# measurements).
RECIPE_BLOCK: dict[str, Any] = {
    "pos": "rope",
    "norm": "rmsnorm",
    "mlp": "swiglu",
    "qk_norm": True,
    "bias": False,
}

# Every tier packs words back to back into rows of PACK_LENGTH tokens, BATCH_ROWS rows a step:
# one word a row spends about half of the positions of a row as wide as the longest name on
# padding. Of the row counts tried in equal-time runs, 64 rows gave the lowest dev loss: fewer
# rows take noisier steps, more rows take too few.
PACK_LENGTH = 32
BATCH_ROWS = 64

# (seconds, steps) from which each size of the recipe takes over, chosen by equal-time runs whose
# results the makemore docs keep. The first tier is a small, lightly regularised model at a high
# learning rate: a short run is compute-bound, and a small model sees the most characters. Long
# runs are data-bound: one wider model overfits, while an ensemble of small models, each trained
# on its own share of the rows, averages much of that away. The last tier compiles the stacked
# members, which buys more steps after a slow first one, and spends them on more members rather
# than more steps each (the members overfit before the run ends); averaging the weights over steps
# (EMA) and a stronger weight decay lower its loss further, while more members than six leave each
# too few steps. The middle tier sits between the measured ones.
TIERS: list[tuple[float, int, dict[str, Any], dict[str, Any]]] = [
    # from seconds, from steps, model sizes, training settings
    (0.0, 0, {"n_embd": 64, "dropout": 0.05}, {"lr": 5e-3}),
    (300.0, 5000, {"n_embd": 64, "dropout": 0.05, "members": 2}, {"lr": 5e-3}),
    (
        600.0,
        8000,
        {"n_embd": 64, "dropout": 0.05, "members": 6},
        {"lr": 5e-3, "compile": True, "ema": 0.999, "weight_decay": 0.5},
    ),
]


def recipe(time_budget: float | None, max_steps: int | None) -> dict[str, dict[str, Any]]:
    """Training defaults for a run of ``time_budget`` seconds (or ``max_steps`` steps).

    Short runs are compute-bound: what counts is how many characters the model sees, so a small
    model at a high learning rate, fed packed rows, wins (see TIERS). Long
    runs are data-bound (25.6K training words): a single model overfits, so the time goes to an
    ensemble of small ones, each with its own share of the rows (from 600 s: six, compiled as one
    stacked network, their weights averaged over steps and decayed harder). bf16 autocast speeds
    up the matmuls on CPUs with AVX512-BF16 or AMX ("auto": fp32 elsewhere, where bf16 is
    emulated and slower); the cosine schedule spans whichever of the time or
    the steps runs out first.
    """
    if time_budget is None and max_steps is None:
        time_budget = DEFAULT_TIME_BUDGET
    sizes, settings = TIERS[0][2], TIERS[0][3]
    for seconds, steps, tier_sizes, tier_settings in TIERS:
        if (time_budget is not None and time_budget >= seconds) or (
            time_budget is None and max_steps is not None and max_steps >= steps
        ):
            sizes, settings = tier_sizes, tier_settings
    model = {"n_layer": 4, "n_head": 4, **RECIPE_BLOCK, **sizes}
    train: dict[str, Any] = {
        "optimizer": "adamw",
        "weight_decay": 0.1,
        **settings,  # a tier's settings win over the defaults around them
        "schedule": "cosine",
        "warmup_frac": 0.02,
        "min_lr_frac": 0.05,
        "grad_clip": 1.0,
        "autocast": "auto",  # bf16 where the CPU computes it natively, else fp32
        "batch_size": BATCH_ROWS * model.get("members", 1),  # rows over all members
        "pack": PACK_LENGTH,
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
        model_cls=build_transformer,
        config_cls=TransformerConfig,
        input_kind="sequence",
        description="GPT-style decoder over whole words (z2h.gpt.model.GPT)",
        presets=PRESETS,
        default_preset="makemore",
        recipe=recipe,
        packable=True,
    )
)
