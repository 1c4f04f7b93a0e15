"""The ARC model registry: a name on the command line -> the model's class and typed config.

``grid-gpt`` and ``grid-vit`` answer tasks (``GridSolver``); ``objects`` finds object instances in
a grid. A checkpoint stores the name and the config, so ``eval`` and ``predict`` rebuild the model
from the run directory alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from z2h.errors import CheckpointError, Z2HError

KIND = "arc"  # checkpoint kind of every ARC model run


@dataclass(frozen=True)
class ModelEntry:
    name: str  # registry key
    model_cls: type  # built as model_cls(config)
    config_cls: type  # a dataclass
    solves_tasks: bool  # True: a GridSolver (answers test inputs); False: the object finder
    description: str  # one line for --help and error messages
    reads_labels: bool = False  # trained and scored from task labels (the object reasoner)


def _entries() -> dict[str, ModelEntry]:
    from z2h.arc.models.gridgpt import GridGPT, GridGPTConfig
    from z2h.arc.models.gridvit import GridViT, GridViTConfig
    from z2h.arc.models.objects_model import ObjectFinder, ObjectFinderConfig
    from z2h.arc.models.reasoner import ObjectReasoner, ObjectReasonerConfig

    entries = [
        ModelEntry("grid-gpt", GridGPT, GridGPTConfig, True,
                   "decoder over a task as tokens; demonstrations in context, answer written "
                   "token by token"),
        ModelEntry("grid-vit", GridViT, GridViTConfig, True,
                   "encoder over fixed canvases; paints every output cell at once, plus its size"),
        ModelEntry("objects", ObjectFinder, ObjectFinderConfig, False,
                   "per-cell object-instance finder trained from the labels"),
        ModelEntry("object-reasoner", ObjectReasoner, ObjectReasonerConfig, True,
                   "objects as tokens: explains each object's action, solves by acting on the "
                   "test's objects and rendering them", reads_labels=True),
    ]  # fmt: skip
    return {e.name: e for e in entries}


def names() -> list[str]:
    return list(_entries())


def get_entry(name: str) -> ModelEntry:
    entries = _entries()
    if name not in entries:
        raise Z2HError(f"unknown model {name!r}; choose one of: {', '.join(entries)}")
    return entries[name]


def make_config(name: str, **overrides: Any) -> Any:
    """The config of model ``name`` with ``overrides`` (from ``--set KEY=VALUE``) applied."""
    entry = get_entry(name)
    known = {f.name: f for f in dataclasses.fields(entry.config_cls)}
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise Z2HError(
            f"model {name} has no setting(s) {', '.join(unknown)}; it has: {', '.join(known)}"
        )
    typed = {}
    for key, value in overrides.items():
        want = type(getattr(entry.config_cls(), key))
        if want is bool and not isinstance(value, bool):
            raise Z2HError(f"--set {key}: expected True or False, got {value!r}")
        if want in (int, float) and isinstance(value, bool | str):
            raise Z2HError(f"--set {key}: expected a number, got {value!r}")
        typed[key] = float(value) if want is float else value
    return entry.config_cls(**typed)


def build(name: str, config: Any) -> Any:
    return get_entry(name).model_cls(config)


@dataclass
class LoadedRun:
    name: str
    model: Any
    checkpoint: dict[str, Any]


def load_run(run_dir: str | Path, device: str = "cpu") -> LoadedRun:
    """The best model of an ARC run directory (else its last), rebuilt from the checkpoint."""
    from z2h.train import load_model_state

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckpointError(f"--run {run_dir}: no such run directory")
    ckpt = load_model_state(run_dir, kind=KIND)
    for key in ("model", "model_config", "model_state"):
        if key not in ckpt:
            raise CheckpointError(f"{run_dir}: ARC checkpoint lacks {key!r} (corrupted?)")
    settings = dict(ckpt["model_config"])
    if ckpt["model"] == "objects" and "arch" not in settings:
        # saved before the conv body and its components start: the transformer, no prior
        settings.update(arch="transformer", prior=0.0)
    model = build(ckpt["model"], make_config(ckpt["model"], **settings))
    try:
        model.load_state_dict(ckpt["model_state"])
    except RuntimeError as e:
        raise CheckpointError(f"{run_dir}: weights do not fit the model ({e})") from None
    model.to(device).eval()
    return LoadedRun(ckpt["model"], model, ckpt)
