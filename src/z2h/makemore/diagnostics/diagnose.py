"""``z2h makemore diagnose``: train (or load) a model and write lecture 4's four pictures + summary.

Training goes through the shared ``Trainer``; the update:data ratios come from optimizer step hooks
(``UpdateTracker``), the activation and gradient statistics from module hooks on one batch
(``report.snapshot``) at initialisation and after training.

Files written to the output directory:

- ``viz1_activations.png``, ``viz2_gradients.png``, ``viz3_weight_grads.png``,
  ``viz4_update_ratios.png`` (after training), ``init_viz1_activations.png`` and
  ``init_viz2_gradients.png`` (at initialisation; fresh models only), ``embeddings.png`` (models
  with an embedding);
- ``diagnostics.json``: statistics per layer and parameter at init and at the end, the update-ratio
  history, and ``findings``: the flags in plain words.
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from z2h.defaults import DEFAULT_SEED
from z2h.errors import Z2HError
from z2h.makemore.diagnostics import plots
from z2h.makemore.diagnostics.embeddings import plot_model_embeddings
from z2h.makemore.diagnostics.hooks import UpdateHistory, UpdateTracker
from z2h.makemore.diagnostics.report import Snapshot, findings, snapshot, update_summary
from z2h.makemore.diagnostics.setups import Setup
from z2h.makemore.evaluate import evaluate_loss
from z2h.makemore.runs import KIND
from z2h.run import write_json_atomic
from z2h.train import LAST_CHECKPOINT, Trainer

SUMMARY_FILE = "diagnostics.json"
SNAPSHOT_BATCH = 256  # examples in the batch the statistics are measured on


@dataclass
class DiagnoseResult:
    out: Path
    init: Snapshot | None  # None for a loaded run
    final: Snapshot
    updates: UpdateHistory
    findings: list[str]
    dev_loss: float
    files: list[Path]


def _snapshot_batch(setup: Setup, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    X, Y = setup.splits["train"]
    g = torch.Generator().manual_seed(seed)
    ix = torch.randint(0, len(X), (min(SNAPSHOT_BATCH, len(X)),), generator=g)
    return X[ix], Y[ix]


def _dev_eval(setup: Setup) -> Any:
    Xdev, Ydev = setup.splits["dev"]
    return lambda model: {"dev": evaluate_loss(model, Xdev, Ydev)}


def train_with_tracking(
    setup: Setup,
    out: Path,
    steps: int,
    every: int = 1,
    **train_overrides: Any,
) -> UpdateHistory:
    """Train ``setup.model`` for ``steps`` with the shared Trainer, tracking update ratios."""
    cfg = setup.train_config(max_steps=steps, **train_overrides)
    cfg.eval_interval = max(cfg.eval_interval, steps)  # one evaluation, at the end
    trainer = Trainer(
        setup.model,
        cfg,
        train_batch=setup.batch,
        evaluate=_dev_eval(setup),
        run_dir=out,
        kind=KIND,
        extra={**setup.extra(), "batch_size": setup.batch_size},
        desc=f"diagnose {setup.name}",
    )
    tracker = UpdateTracker(setup.model, trainer.optimizer, every=every)
    try:
        trainer.fit()
    finally:
        tracker.remove()
    return tracker.history


def continue_with_tracking(
    setup: Setup, steps: int, every: int = 1, **train_overrides: Any
) -> UpdateHistory:
    """Train a copy of a loaded model for ``steps`` (no files) just to measure update ratios."""
    model = copy.deepcopy(setup.model)
    cfg = setup.train_config(max_steps=steps, **train_overrides)
    with setup.scratch_trainer(model, cfg, desc=f"diagnose {setup.name} (copy)") as trainer:
        tracker = UpdateTracker(model, trainer.optimizer, every=every)
        try:
            trainer.fit()
        finally:
            tracker.remove()
    return tracker.history


def diagnose(
    setup: Setup,
    out: str | os.PathLike[str],
    *,
    steps: int,
    train: bool = True,
    seed: int = DEFAULT_SEED,
    **train_overrides: Any,
) -> DiagnoseResult:
    """Measure ``setup.model``, train it ``steps`` steps, measure again; write pictures + summary.

    With ``train=False`` (a loaded run) the model itself is measured as it is, and a copy is
    trained ``steps`` steps only to measure the update ratios; there is no "at init" snapshot.
    """
    if steps < 1:
        raise Z2HError(f"--steps must be positive, got {steps}")
    out = Path(out)
    if train and (out / LAST_CHECKPOINT).exists():
        raise Z2HError(
            f"{out} already holds a run: diagnose it with --run {out}, or choose another --out"
        )
    out.mkdir(parents=True, exist_ok=True)
    X, Y = _snapshot_batch(setup, seed)
    init = snapshot(setup.model, X, Y) if train else None
    every = max(1, steps // 500)  # at most ~500 points on the viz #4 curves
    if train:
        updates = train_with_tracking(setup, out, steps, every, **train_overrides)
    else:
        updates = continue_with_tracking(setup, steps, every, **train_overrides)
    final = snapshot(setup.model, X, Y)
    matrices = {p.name for p in final.params if len(p.shape) == 2}
    notes = findings(final, updates, matrices)
    init_notes = findings(init, None, matrices) if init is not None else []
    dev = evaluate_loss(setup.model, *setup.splits["dev"])
    title = f"{setup.name}"
    files = [
        plots.plot_activations(final, out / "viz1_activations.png", f"{title}: activations"),
        plots.plot_gradients(final, out / "viz2_gradients.png", f"{title}: output gradients"),
        plots.plot_weight_grads(final, out / "viz3_weight_grads.png", f"{title}: weight grads"),
        plots.plot_update_ratios(
            updates, out / "viz4_update_ratios.png", matrices, f"{title}: update:data ratio"
        ),
    ]
    if init is not None:
        files += [
            plots.plot_activations(init, out / "init_viz1_activations.png", f"{title} at init"),
            plots.plot_gradients(init, out / "init_viz2_gradients.png", f"{title} at init"),
        ]
    emb = plot_model_embeddings(setup.model, setup.vocab, out / "embeddings.png")
    if emb is not None:
        files.append(emb)
    summary = {
        "model": setup.name,
        "model_config": setup.extra()["model_config"],
        "steps": steps,
        "trained_here": train,
        "dev_loss": dev,
        "uniform_loss": math.log(len(setup.vocab)),
        "findings": notes
        or ["nothing alarming: no dead units, no saturated layers, ratios near the guide line"],
        "findings_at_init": init_notes,
        "update_ratio_tail_mean": update_summary(updates),
        "init": init.to_dict() if init is not None else None,
        "final": final.to_dict(),
        "updates": updates.to_dict(),
        "files": [f.name for f in files],
    }
    write_json_atomic(out / SUMMARY_FILE, summary)
    return DiagnoseResult(out, init, final, updates, notes, dev, files)
