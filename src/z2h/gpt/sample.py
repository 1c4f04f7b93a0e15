"""Rebuild a trained GPT and its tokenizer from a run directory alone, and sample text from it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch

from z2h.defaults import DEFAULT_SEED
from z2h.errors import CheckpointError, Z2HError
from z2h.gpt.model import GPT, GPTConfig
from z2h.gpt.tokenizer import TextTokenizer, from_dict
from z2h.train import load_model_state

KIND = "gpt"


@dataclass
class LoadedRun:
    model: GPT
    tokenizer: TextTokenizer
    checkpoint: dict[str, Any]


def load_run(
    run_dir: str | os.PathLike[str], device: str = "cpu", special: str = "raise"
) -> LoadedRun:
    """The best model of ``run_dir`` (else its last) with the tokenizer it was trained with;
    ``special`` says how that tokenizer encodes special-token strings (a BPE tokenizer's)."""
    ckpt = load_model_state(run_dir, kind=KIND)
    for key in ("model_config", "tokenizer", "model_state"):
        if key not in ckpt:
            raise CheckpointError(f"{run_dir}: GPT checkpoint lacks {key!r} (corrupted?)")
    model = GPT(GPTConfig.from_dict(ckpt["model_config"]))
    model.load_state_dict(ckpt["model_state"])
    model.to(device).eval()
    tokenizer = from_dict(ckpt["tokenizer"], special=special)
    if tokenizer.vocab_size != model.config.vocab_size:
        raise CheckpointError(
            f"{run_dir}: tokenizer has {tokenizer.vocab_size} tokens but the model "
            f"{model.config.vocab_size}"
        )
    return LoadedRun(model, tokenizer, ckpt)


def prompt_ids(tokenizer: TextTokenizer, prompt: str) -> list[int]:
    """Token ids of ``prompt``; an empty prompt starts from a newline (or token 0 if unknown)."""
    if prompt:
        return tokenizer.encode(prompt)
    try:
        return tokenizer.encode("\n")
    except Z2HError:
        return [0]


def sample(
    run: LoadedRun,
    prompt: str = "",
    max_new_tokens: int = 500,
    temperature: float = 1.0,
    top_k: int | None = None,
    seed: int = DEFAULT_SEED,
    num_samples: int = 1,
) -> list[str]:
    """``num_samples`` continuations of ``prompt`` (prompt included), reproducible by ``seed``."""
    if max_new_tokens < 0:
        raise Z2HError(f"--max-new-tokens must be >= 0, got {max_new_tokens}")
    if num_samples < 1:
        raise Z2HError(f"--num-samples must be at least 1, got {num_samples}")
    ids = prompt_ids(run.tokenizer, prompt)
    device = next(run.model.parameters()).device
    start = torch.tensor([ids] * num_samples, dtype=torch.long, device=device)
    gen = torch.Generator(device=device).manual_seed(seed)
    out = run.model.generate(start, max_new_tokens, temperature, top_k, generator=gen)
    skip = 0 if prompt else len(ids)  # do not print the implicit newline start
    return [run.tokenizer.decode(row[skip:].tolist()) for row in out]
