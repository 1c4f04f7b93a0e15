"""A saved makemore run: its model rebuilt from the run directory alone, evaluated or sampled.

Every run directory holds ``best.pt`` (and, while training, ``last.pt``) with the model name,
config, vocabulary, data source and seed beside the weights (a trained one also its batch size
and packing), so ``z2h makemore sample|eval`` and the diagnostics need nothing but the directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch.nn as nn

from z2h.defaults import DEFAULT_SEED
from z2h.errors import CheckpointError, Z2HError
from z2h.makemore import registry
from z2h.makemore.data import Vocab, examples, prepare
from z2h.makemore.defaults import DEFAULT_DATA
from z2h.makemore.evaluate import evaluate_loss
from z2h.makemore.sample import sample_words
from z2h.train import load_model_state

KIND = "makemore"  # checkpoint kind of every makemore run


@dataclass
class Run:
    """A model rebuilt from a run directory."""

    name: str
    entry: registry.ModelEntry
    model: nn.Module
    config: Any
    vocab: Vocab
    data: str
    seed: int
    checkpoint: dict[str, Any]


def load_run(run_dir: str | os.PathLike[str]) -> Run:
    """Rebuild the model of a run directory from its checkpoint alone (best, else last)."""
    ckpt = load_model_state(run_dir, KIND)
    missing = [k for k in ("model", "model_config", "vocab", "model_state") if k not in ckpt]
    if missing:
        raise CheckpointError(f"{run_dir}: checkpoint lacks {', '.join(missing)}")
    entry = registry.get(ckpt["model"])
    try:
        config = entry.config_cls(**ckpt["model_config"])
        vocab = Vocab.from_list(ckpt["vocab"])
        if len(vocab) != config.vocab_size:
            raise CheckpointError(
                f"vocabulary of {len(vocab)} characters but a model for {config.vocab_size}"
            )
        model = entry.model_cls(config)
        model.load_state_dict(ckpt["model_state"])
    except (TypeError, RuntimeError, KeyError, Z2HError) as e:
        raise CheckpointError(
            f"{run_dir}: the checkpoint does not fit model {entry.name!r} ({e})"
        ) from e
    model.eval()
    return Run(
        entry.name,
        entry,
        model,
        config,
        vocab,
        str(ckpt.get("data", DEFAULT_DATA)),
        int(ckpt.get("seed", DEFAULT_SEED)),
        ckpt,
    )


def evaluate_run(
    run_dir: str | os.PathLike[str], split: str = "test", data: str | None = None
) -> float:
    """Loss of a saved run on ``split`` of its data (or of ``data``, split by the run's seed)."""
    run = load_run(run_dir)
    words = prepare(data or run.data, run.seed, vocab=run.vocab)
    X, Y = examples(words.split(split), run.vocab, run.entry.input_kind, run.config.block_size)
    return evaluate_loss(run.model, X, Y)


def sample_run(
    run_dir: str | os.PathLike[str],
    n: int = 20,
    seed: int | None = None,
    temperature: float = 1.0,
    top_k: int | None = None,
) -> list[str]:
    run = load_run(run_dir)
    return sample_words(
        run.model,
        run.vocab,
        n,
        input_kind=run.entry.input_kind,
        block_size=run.config.block_size,
        temperature=temperature,
        top_k=top_k,
        seed=seed,
    )
