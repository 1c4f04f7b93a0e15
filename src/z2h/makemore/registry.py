"""The model registry: a name on the command line -> the model's class, config and presets.

A model module registers itself with ``register(ModelEntry(...))`` at import time. Each config is a
dataclass with at least ``vocab_size`` and ``block_size``: the context length for fixed-context
models (``input_kind="context"``: idx is ``(B, block_size)``, logits ``(B, vocab)``) or the longest
sequence for sequence models (``input_kind="sequence"``: idx ``(B, T)``, logits ``(B, T, vocab)``,
targets of ``-1`` are padding and ignored by the loss).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from z2h.config import check_fields
from z2h.errors import Z2HError

INPUT_KINDS = ("context", "sequence")


@dataclass(frozen=True)
class ModelEntry:
    name: str  # registry key, e.g. "mlp"
    # a class or factory, built as model_cls(config); forward(idx, targets=None) -> (logits, loss)
    model_cls: Callable[[Any], Any]
    config_cls: type  # dataclass with vocab_size and block_size fields
    input_kind: str  # "context" or "sequence" (see the module docstring)
    description: str  # one line for --help and error messages
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)  # preset -> config fields
    default_preset: str | None = None  # the preset used when none is named
    trainable: bool = True  # False for counted models (fit by counting, not gradient descent)
    # True when the model reads a row holding several words back to back correctly (attention
    # restarts at each word's boundary token), so training may pack words into rows
    packable: bool = False
    # Optional: (time_budget, max_steps) -> {"model": {...}, "train": {...}} defaults for a run of
    # that length, so a user who says how long they can wait gets a recipe that suits it.
    recipe: Callable[[float | None, int | None], dict[str, dict[str, Any]]] | None = None

    def __post_init__(self) -> None:
        if self.input_kind not in INPUT_KINDS:
            raise ValueError(f"input_kind must be one of {INPUT_KINDS}, got {self.input_kind!r}")


_REGISTRY: dict[str, ModelEntry] = {}

LECTURE_STEPS = 200_000  # lectures 3, 4 and 6 train 200k steps of batch 32


def lecture_sgd_recipe(
    decay_at: float,
) -> Callable[[float | None, int | None], dict[str, dict[str, Any]]]:
    """The lectures' training as a recipe: SGD, batch 32, lr 0.1 dropping to 0.01 at
    ``decay_at`` of the run, 200k steps unless a budget or step count is given."""

    def recipe(time_budget: float | None, max_steps: int | None) -> dict[str, dict[str, Any]]:
        if time_budget is None and max_steps is None:
            max_steps = LECTURE_STEPS
        train = {
            "optimizer": "sgd",
            "lr": 0.1,
            "schedule": "step",
            "step_decay_at": (decay_at,),
            "step_decay_factor": 0.1,
            "weight_decay": 0.0,
            "grad_clip": 0.0,
            "batch_size": 32,
            "max_steps": max_steps,
        }
        return {"model": {}, "train": train}

    return recipe


def register(entry: ModelEntry) -> ModelEntry:
    if entry.name in _REGISTRY and _REGISTRY[entry.name] is not entry:
        raise ValueError(f"model name {entry.name!r} is registered twice")
    _REGISTRY[entry.name] = entry
    return entry


def names() -> list[str]:
    from z2h.makemore.models import load_all

    load_all()
    return sorted(_REGISTRY)


def get(name: str) -> ModelEntry:
    """The entry for ``name``; an unknown name raises an error listing the valid ones."""
    valid = names()
    if name not in _REGISTRY:
        raise Z2HError(f"unknown model {name!r}; choose one of: {', '.join(valid)}")
    return _REGISTRY[name]


def make_config(name: str, preset: str | None = None, **overrides: Any) -> Any:
    """Build the config of model ``name`` from its preset plus explicit field overrides."""
    entry = get(name)
    preset = preset or entry.default_preset
    fields: dict[str, Any] = {}
    if preset is not None:
        if preset not in entry.presets:
            raise Z2HError(
                f"model {name!r} has no preset {preset!r}; choose one of: "
                f"{', '.join(sorted(entry.presets)) or '(none)'}"
            )
        fields.update(entry.presets[preset])
    overrides_given = {k: v for k, v in overrides.items() if v is not None}
    fields.update(overrides_given)
    known = {f.name for f in dataclasses.fields(entry.config_cls)}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise Z2HError(
            f"model {name!r} has no setting(s) {', '.join(unknown)}; its settings: "
            f"{', '.join(sorted(known))}"
        )
    fields.update(check_fields(entry.config_cls, overrides_given, what=f"model {name!r} setting"))
    return entry.config_cls(**fields)


def build(name: str, config: Any) -> Any:
    """Instantiate model ``name`` from a config object or a dict of its fields."""
    entry = get(name)
    if isinstance(config, dict):
        config = entry.config_cls(**config)
    return entry.model_cls(config)


def num_params(model: Any) -> int:
    """The size makemore reports for any of its models (metrics, init report, benchmarks): every
    parameter of a model trained by gradient descent, position tables included; a counted model,
    which has no parameters, reports its probability-table entries instead."""
    params = list(model.parameters())
    if params or not hasattr(model, "num_params"):
        return sum(p.numel() for p in params)
    return int(model.num_params())
