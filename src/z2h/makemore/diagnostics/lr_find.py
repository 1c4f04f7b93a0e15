"""Lecture 3's learning-rate finder: one short run whose learning rate grows exponentially.

Step ``i`` of ``n`` uses ``lr = lo * (hi / lo) ** (i / (n - 1))``. The loss first falls faster as
the rate grows, then flattens, then blows up. The suggestion is the rate at the bottom of the
smoothed curve divided by 3 (half a decade): the bottom already sits near the edge of
instability, because the sweep reaches it with a model that earlier, smaller rates have trained.
Lecture 3 reads the same picture and picks 0.1 for its MLP.

The sweep is a run of the shared Trainer with its "exponential" schedule; an ``on_step`` callback
records each step's rate and loss and ends the run once the smoothed loss climbs past its bound.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from z2h.defaults import DEFAULT_SEED
from z2h.errors import Z2HError
from z2h.makemore.diagnostics.setups import Setup
from z2h.train import TrainConfig

DEFAULT_RANGES = {"sgd": (1e-3, 10.0), "adamw": (1e-5, 1.0)}  # (lo, hi) per optimizer
SMOOTHING = 0.95  # EMA factor for the plotted and judged loss curve
DIVERGE_FACTOR = 4.0  # stop once the smoothed loss exceeds this multiple of its minimum
SAFETY = 3.0  # suggested = lr at the minimum / SAFETY


@dataclass
class LRSweep:
    optimizer: str
    lrs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)
    best_lr: float = math.nan  # rate at the smoothed minimum
    best_loss: float = math.nan
    suggested: float = math.nan
    stopped_early: bool = False
    reason: str = ""

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def sweep_fields(lo: float, hi: float, steps: int) -> dict[str, Any]:
    """The TrainConfig fields of a ``steps``-step exponential sweep from ``lo`` to ``hi``."""
    if not (0 < lo < hi) or steps < 2:
        raise Z2HError(f"need 0 < lo < hi and at least 2 steps, got lo={lo}, hi={hi}, {steps}")
    # subtle: the Trainer runs step i at frac i / steps; for the last step (i = steps - 1) to meet
    # hi, the schedule's end rate (frac 1) lies one step beyond it.
    end = lo * (hi / lo) ** (steps / (steps - 1))
    return {"max_steps": steps, "schedule": "exponential", "lr_start": lo, "lr": end}


def lr_schedule(lo: float, hi: float, steps: int) -> list[float]:
    """The rate of each step of a sweep, ``lo * (hi / lo) ** (i / (steps - 1))``, as trained."""
    cfg = TrainConfig(**sweep_fields(lo, hi, steps))
    return [cfg.lr_at(i / steps) for i in range(steps)]


def lr_sweep(
    setup: Setup,
    *,
    steps: int = 1000,
    lo: float | None = None,
    hi: float | None = None,
    optimizer: str | None = None,
    seed: int = DEFAULT_SEED,
) -> LRSweep:
    """Sweep a copy of ``setup.model`` (left untouched) over exponentially growing rates."""
    cfg = setup.train_config(max_steps=steps, optimizer=optimizer)
    cfg.validate()
    d_lo, d_hi = DEFAULT_RANGES[cfg.optimizer]
    cfg = dataclasses.replace(
        cfg,
        **sweep_fields(lo or d_lo, hi or d_hi, steps),
        seed=seed,
        explode_factor=math.inf,  # the sweep judges divergence itself, on the smoothed loss
    )
    out = LRSweep(optimizer=cfg.optimizer)
    ema, best = 0.0, math.inf

    def watch(step: int, loss: float, lr: float) -> bool:
        nonlocal ema, best
        if not math.isfinite(loss):
            out.stopped_early, out.reason = True, f"loss became {loss} at lr {lr:.3g}"
            return True
        ema = SMOOTHING * ema + (1 - SMOOTHING) * loss
        smooth = ema / (1 - SMOOTHING**step)  # bias-corrected, like Adam's moments
        out.lrs.append(lr)
        out.losses.append(loss)
        out.smoothed.append(smooth)
        if smooth < best:
            best, out.best_lr, out.best_loss = smooth, lr, smooth
        if smooth > DIVERGE_FACTOR * best:
            out.stopped_early = True
            out.reason = f"smoothed loss {smooth:.3g} > {DIVERGE_FACTOR:g}x its minimum"
            return True
        return False

    model = copy.deepcopy(setup.model)
    with setup.scratch_trainer(model, cfg, desc=f"lr-find {setup.name}", on_step=watch) as trainer:
        trainer.fit()
    if not out.lrs:
        raise Z2HError("the sweep diverged at its first step; lower --lo")
    out.suggested = out.best_lr / SAFETY
    return out


def explain(s: LRSweep) -> str:
    """Why the suggestion, in words."""
    lines = [
        f"swept {s.optimizer} learning rates {s.lrs[0]:.3g} .. {s.lrs[-1]:.3g} over "
        f"{len(s.lrs)} steps" + (f" (stopped early: {s.reason})" if s.stopped_early else ""),
        f"the smoothed loss is lowest ({s.best_loss:.3f}) at lr {s.best_lr:.3g}; "
        f"suggested lr {s.suggested:.3g} (that divided by {SAFETY:g}).",
        "why: where the curve bottoms out the rate is about as large as training tolerates - the "
        "sweep got there with a model the smaller rates had already improved, and a little further "
        "the loss climbs. Half a decade below keeps the fast descent with a safety margin.",
    ]
    if s.best_lr >= s.lrs[-1] * 0.999:
        lines.append("note: the minimum is at the top of the range; sweep higher (--hi).")
    if s.best_lr <= s.lrs[0] * 1.001:
        lines.append("note: the minimum is at the bottom of the range; sweep lower (--lo).")
    return "\n".join(lines)
