"""A model and its examples for the diagnostic tools: built fresh from the registry, or loaded.

Fresh models come from ``registry.make_config`` + ``registry.build`` and the data from
``z2h.makemore.data``; the training settings come from the model's recipe (the lecture's SGD for
the lecture presets). A run directory is read through ``z2h.train.load_model_state``, using the
keys the makemore trainer stores beside the weights (``model``, ``model_config``, ``vocab``,
``data``, ``seed``).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn

from z2h.defaults import DEFAULT_SEED
from z2h.errors import Z2HError
from z2h.makemore import registry
from z2h.makemore.batches import batch_fn
from z2h.makemore.data import Vocab, WordData, examples, prepare
from z2h.makemore.defaults import DEFAULT_BATCH_SIZE, DEFAULT_DATA
from z2h.makemore.runs import KIND, load_run
from z2h.makemore.training import build_config
from z2h.train import StepCallback, TrainConfig, Trainer


@dataclass
class Setup:
    """Everything a diagnostic needs: the model, its registry entry, and tensors per split."""

    name: str
    entry: registry.ModelEntry
    config: Any
    model: nn.Module
    data: WordData
    splits: dict[str, tuple[torch.Tensor, torch.Tensor]]  # "train"/"dev"/"test" -> (X, Y)
    # TrainConfig fields plus batch_size: the run's own, else the recipe's
    train_defaults: dict[str, Any]
    preset: str | None = None

    @property
    def vocab(self) -> Vocab:
        return self.data.vocab

    @property
    def batch_size(self) -> int:
        return int(self.train_defaults.get("batch_size", DEFAULT_BATCH_SIZE))

    def extra(self) -> dict[str, Any]:
        """What the makemore trainer stores beside the weights, so the run reloads alone."""
        return {
            "model": self.name,
            "model_config": dataclasses.asdict(self.config),
            "vocab": self.vocab.to_list(),
            "data": self.data.source,
            "seed": self.data.seed,
            "batch_size": self.batch_size,
        }

    def batch(
        self, gen: torch.Generator, split: str = "train"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``batch_size`` random examples of ``split``: the batches ``z2h makemore train`` draws."""
        return batch_fn(*self.splits[split], self.batch_size, self.entry.input_kind)(gen)

    def train_config(self, **overrides: Any) -> TrainConfig:
        """The recipe's TrainConfig with ``overrides`` (None values ignored)."""
        known = {f.name for f in dataclasses.fields(TrainConfig)}
        fields = {k: v for k, v in self.train_defaults.items() if k in known}
        fields.update({k: v for k, v in overrides.items() if v is not None})
        return TrainConfig(**fields)

    @contextmanager
    def scratch_trainer(
        self,
        model: nn.Module,
        cfg: TrainConfig,
        *,
        desc: str,
        evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
        on_step: StepCallback | None = None,
    ) -> Iterator[Trainer]:
        """The shared Trainer on this setup's batches, in a run directory deleted afterwards.

        For diagnostics that train only to watch (update ratios, which parameters move, a
        learning-rate sweep). ``evaluate`` (if given) runs once, at the end. Register optimizer
        hooks on ``trainer.optimizer`` inside the ``with`` block, before ``trainer.fit()``.
        """
        if cfg.max_steps is not None:
            cfg = dataclasses.replace(cfg, eval_interval=cfg.max_steps, eval_interval_seconds=None)
        with tempfile.TemporaryDirectory(prefix="z2h-diagnostics-") as run_dir:
            yield Trainer(
                model,
                cfg,
                train_batch=self.batch,
                evaluate=evaluate or (lambda _model: {}),
                run_dir=run_dir,
                kind=KIND,
                desc=desc,
                on_step=on_step,
            )


def _recipe(entry: registry.ModelEntry, max_steps: int | None) -> dict[str, dict[str, Any]]:
    if entry.recipe is None:
        return {"model": {}, "train": {}}
    return entry.recipe(None, max_steps)


def fresh(
    name: str,
    *,
    preset: str | None = None,
    data: str = DEFAULT_DATA,
    seed: int = DEFAULT_SEED,
    max_steps: int | None = None,
    model_overrides: dict[str, Any] | None = None,
) -> Setup:
    """A newly initialised registry model (seeded by ``seed``) with its data split."""
    entry = registry.get(name)
    if not entry.trainable:
        raise Z2HError(
            f"model {name!r} is fit by counting, not gradient descent: nothing to look at"
        )
    words = prepare(data, seed=seed)
    recipe = _recipe(entry, max_steps)
    cfg = build_config(entry, preset, {**recipe.get("model", {}), **(model_overrides or {})}, words)
    torch.manual_seed(seed)
    model = registry.build(name, cfg)
    return Setup(
        name, entry, cfg, model, words, _splits(entry, cfg, words), recipe.get("train", {})
    )


def _splits(
    entry: registry.ModelEntry, cfg: Any, words: WordData
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    return {
        s: examples(words.split(s), words.vocab, entry.input_kind, cfg.block_size)
        for s in ("train", "dev", "test")
    }


def load(run_dir: str | os.PathLike[str], data: str | None = None) -> Setup:
    """The model of a makemore run directory (its best checkpoint) with the split it trained on."""
    run = load_run(run_dir)
    if not run.entry.trainable:
        raise Z2HError(f"{run_dir} holds a counted {run.name!r} model: nothing to look at")
    words = prepare(data or run.data, seed=run.seed, vocab=run.vocab)
    train = _recipe(run.entry, None).get("train", {})
    saved = run.checkpoint.get("train_config") or {}
    train.update({k: v for k, v in saved.items() if k not in ("max_steps", "time_budget")})
    if "batch_size" in run.checkpoint:
        train["batch_size"] = run.checkpoint["batch_size"]
    splits = _splits(run.entry, run.config, words)
    preset = run.checkpoint.get("preset")
    return Setup(run.name, run.entry, run.config, run.model, words, splits, train, preset)


def trainable_names() -> list[str]:
    """Registry models trained by gradient descent (the ones diagnostics apply to)."""
    return [n for n in registry.names() if registry.get(n).trainable]
