"""The one training loop of z2h, shared by makemore and gpt.

A system hands the ``Trainer`` a model that honours the language-model contract
``forward(idx, targets) -> (logits, loss)``, a function that draws a training batch from a
``torch.Generator``, and a function that evaluates the model (returning e.g. ``{"dev": 2.05}``).
The trainer owns everything else: optimizer, learning-rate schedule over the run (by steps or by
wall time), gradient clipping and accumulation, bf16 autocast, periodic evaluation, the best and the
last checkpoint, exact resume, divergence detection, a progress bar, scalar logs and, under
``torchrun``, data-parallel training with DDP.

A caller that needs to watch training from inside (diagnostics, a learning-rate finder) does not
write a loop of its own: it registers optimizer step hooks on ``trainer.optimizer`` (they see the
gradients before and the weights after every update), and/or passes ``on_step(step, loss, lr)``,
called after every optimizer step, which may return True to end the run early.

Files in the run directory:

- ``last.pt``: everything needed to resume (model, optimizer, step, elapsed time, RNG states),
  written atomically at every evaluation, every ``save_interval`` steps and every
  ``save_seconds`` seconds, whichever comes first;
- ``best.pt``: the model at its best evaluation so far (what ``sample`` and ``eval`` load);
- ``scalars.csv``: ``step,name,value`` rows (train loss, learning rate, evaluations), rewritten
  atomically with every ``last.pt`` so the two always agree.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from z2h.checkpoint import load_checkpoint, save_checkpoint
from z2h.defaults import DEFAULT_SEED
from z2h.errors import CheckpointError, Z2HError
from z2h.run import METRICS_FILE, SCALARS_FILE, Reporter, ScalarLog, check_output_dir, make_run_dir

LAST_CHECKPOINT = "last.pt"
BEST_CHECKPOINT = "best.pt"
# the files that make a folder a run: a new run never writes over any of them
RUN_FILES = (LAST_CHECKPOINT, BEST_CHECKPOINT, METRICS_FILE)
# signals that stop a run after its current step, with last.pt saved (SIGTERM: what schedulers
# and `kill` send)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

Batch = tuple[torch.Tensor, torch.Tensor]

# payload keys that must be equal between a checkpoint and the run that resumes it, checked in
# this order: the data first, since other data also changes the vocabulary and the model's size
RESUME_MUST_MATCH = ("data", "model", "seed", "tokenizer", "vocab", "model_config")

SCHEDULES = ("constant", "step", "cosine", "exponential")
AUTOCASTS = ("fp32", "bf16", "auto")

# /proc/cpuinfo flags of CPUs that compute in bfloat16 natively (x86: AVX512-BF16 or AMX; Arm: BF16)
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})

# on_step(step, loss, lr) -> True to stop after this step (None/False: go on)
StepCallback = Callable[[int, float, float], bool | None]


class TrainingDiverged(Z2HError):
    """The loss became NaN/inf or exploded; the last good checkpoint is kept."""


class TrainingInterrupted(KeyboardInterrupt):
    """SIGINT (Ctrl-C) or SIGTERM stopped a run; ``last.pt`` holds the step it reached, so the
    CLI can print the command that resumes it. ``signum`` is the signal that stopped it."""

    def __init__(self, signum: int, text: str = ""):
        super().__init__(text)
        self.signum = signum


def check_run_dir(run_dir: str | os.PathLike[str], *, resume: bool) -> Path:
    """Refuse, before any work, a run folder that cannot take this run; makes nothing.

    It must be writable (``z2h.run.check_output_dir``); a new run needs a folder that holds no
    run (none of ``RUN_FILES``: a finished run keeps best.pt and metrics.json without last.pt,
    and they are never written over); ``resume`` needs the ``last.pt`` to continue from.
    """
    run_dir = check_output_dir(run_dir)
    held = [name for name in RUN_FILES if (run_dir / name).exists()]
    if resume:
        if not run_dir.is_dir():
            raise CheckpointError(
                f"cannot resume: {run_dir} does not exist; drop --resume to start a run"
            )
        if LAST_CHECKPOINT not in held:
            if held:
                raise CheckpointError(
                    f"cannot resume: {run_dir} holds a run ({', '.join(held)}) but no "
                    f"{LAST_CHECKPOINT} to continue from; start a new run with another --out"
                )
            raise CheckpointError(
                f"cannot resume: {run_dir} holds no {LAST_CHECKPOINT} to continue from; "
                "drop --resume to start a new run there"
            )
    elif held:
        hint = "pass --resume to continue it or " if LAST_CHECKPOINT in held else ""
        raise CheckpointError(
            f"{run_dir} already holds a run ({', '.join(held)}); {hint}choose another --out"
        )
    return run_dir


def describe_difference(old: Any, new: Any, name: str = "") -> list[str]:
    """The keys where two settings differ, each as ``key: OLD -> NEW`` (nested dicts by
    dotted key), for messages that would otherwise print two whole dicts."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new), key=str):
            sub = f"{name}.{key}" if name else str(key)
            out += describe_difference(old.get(key, "(unset)"), new.get(key, "(unset)"), sub)
        return out
    if old == new:
        return []
    return [f"{name or 'value'}: {_short(old)} -> {_short(new)}"]


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class TrainConfig:
    """Hyper-parameters of the training loop (the model's own live in its config)."""

    max_steps: int | None = None  # stop after this many optimizer steps (None: no step limit)
    time_budget: float | None = None  # stop after this many seconds, evaluations included
    optimizer: str = "adamw"  # "adamw" or "sgd"
    lr: float = 1e-3  # peak learning rate (the end rate of an "exponential" schedule)
    min_lr_frac: float = 0.1  # cosine decays to lr * min_lr_frac
    weight_decay: float = 0.01  # AdamW/SGD decay, on matmul matrices only (see decay_groups)
    betas: tuple[float, float] = (0.9, 0.99)  # AdamW betas
    momentum: float = 0.0  # SGD momentum
    schedule: str = "cosine"  # "constant", "step" (lecture 3/4), "cosine" (warmup + cosine) or
    # "exponential" (lr_start * (lr / lr_start) ** frac: lecture 3's learning-rate sweep)
    warmup_frac: float = 0.0  # fraction of the run spent in linear warmup (cosine schedule)
    step_decay_at: tuple[float, ...] = (0.5,)  # "step" schedule: run fractions where lr drops
    step_decay_factor: float = 0.1  # "step" schedule: multiply lr by this at each drop
    lr_start: float | None = None  # "exponential" schedule: the rate at step 0 (lr is at frac 1)
    grad_clip: float = 1.0  # max global gradient norm; 0 disables clipping
    grad_accum: int = 1  # micro-batches per optimizer step
    eval_interval: int = 500  # steps between evaluations (and checkpoints)
    eval_interval_seconds: float | None = None  # also evaluate when this much time has passed
    save_interval: int | None = None  # also write last.pt every this many steps (None: only
    # at evaluations and by save_seconds)
    save_seconds: float | None = 30.0  # also write last.pt when this much time has passed since
    # the last one, so a short run killed early can still be resumed (None: off)
    log_interval: int = 10  # steps between scalar-log rows
    autocast: str = "fp32"  # "fp32", "bf16" (bf16 autocast of matmuls on CPU/CUDA) or "auto"
    # (bf16 where the device computes it natively, else fp32: see resolve_autocast)
    compile: bool = False  # wrap the model in torch.compile
    ema: float = 0.0  # > 0: evaluate and keep an exponential moving average of the weights
    # with this decay per step (e.g. 0.999); 0: the weights as trained
    explode_factor: float = 10.0  # stop if the loss exceeds this multiple of the first loss
    seed: int = DEFAULT_SEED  # seeds the batch generator (identical on every DDP rank)

    def validate(self) -> None:
        if self.max_steps is None and self.time_budget is None:
            raise Z2HError("give --max-steps or --time-budget (or both)")
        if self.max_steps is not None and self.max_steps <= 0:
            raise Z2HError(f"--max-steps must be positive, got {self.max_steps}")
        if self.time_budget is not None and not self.time_budget > 0:
            raise Z2HError(f"--time-budget must be positive seconds, got {self.time_budget}")
        if self.optimizer not in ("adamw", "sgd"):
            raise Z2HError(f"unknown optimizer {self.optimizer!r}: choose adamw or sgd")
        if self.schedule not in SCHEDULES:
            raise Z2HError(
                f"unknown schedule {self.schedule!r}: choose one of {', '.join(SCHEDULES)}"
            )
        if self.schedule == "exponential":
            self._lr_start()
        if self.autocast not in AUTOCASTS:
            raise Z2HError(f"unknown autocast {self.autocast!r}: choose {', '.join(AUTOCASTS)}")
        if not self.lr > 0:
            raise Z2HError(f"--lr must be positive, got {self.lr}")
        for flag, value in (
            ("--warmup-frac", self.warmup_frac),
            ("--min-lr-frac", self.min_lr_frac),
        ):
            if not 0.0 <= value <= 1.0:
                raise Z2HError(f"{flag} must be in [0, 1], got {value}")
        if not self.grad_clip >= 0:
            raise Z2HError(f"--grad-clip must be >= 0 (0: off), got {self.grad_clip}")
        if not 0.0 <= self.ema < 1.0:
            raise Z2HError(f"--ema must be in [0, 1), got {self.ema}")
        if self.grad_accum < 1 or self.eval_interval < 1 or self.log_interval < 1:
            raise Z2HError("grad_accum, eval_interval and log_interval must be at least 1")
        if self.save_interval is not None and self.save_interval < 1:
            raise Z2HError(f"save_interval must be at least 1 step, got {self.save_interval}")
        if self.save_seconds is not None and not self.save_seconds > 0:
            raise Z2HError(f"save_seconds must be positive, got {self.save_seconds}")

    def _lr_start(self) -> float:
        if self.lr_start is None or not self.lr_start > 0:
            raise Z2HError(f"the exponential schedule needs lr_start > 0, got {self.lr_start}")
        return self.lr_start

    def lr_at(self, frac: float) -> float:
        """Learning rate at ``frac`` in [0, 1] of the run."""
        frac = min(max(frac, 0.0), 1.0)
        if self.schedule == "constant":
            return self.lr
        if self.schedule == "exponential":
            start = self._lr_start()
            return start * (self.lr / start) ** frac
        if self.schedule == "step":
            drops = sum(1 for at in self.step_decay_at if frac >= at)
            return self.lr * self.step_decay_factor**drops
        if frac < self.warmup_frac:
            return self.lr * frac / self.warmup_frac
        t = (frac - self.warmup_frac) / max(1e-12, 1.0 - self.warmup_frac)
        floor = self.lr * self.min_lr_frac
        return floor + 0.5 * (self.lr - floor) * (1.0 + math.cos(math.pi * t))


@dataclass
class TrainResult:
    steps: int  # optimizer steps taken in total (including before a resume)
    seconds: float  # training wall time in total (including before a resume)
    best_step: int  # step of the best evaluation
    best: dict[str, float]  # the evaluation at best_step
    last_eval: dict[str, float]  # the final evaluation
    train_loss: float  # mean training loss over the last log interval
    samples: int  # training sequences/examples seen (global batch, all ranks)
    history: list[dict[str, float]] = field(default_factory=list)  # every evaluation
    resumed_from: int | None = None  # the step a resumed run continued from (None: a new run)
    autocast: str = "fp32"  # the precision actually used ("auto" resolved)

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else float("nan")


def dist_info() -> tuple[int, int]:
    """(rank, world size); (0, 1) when not running under torch.distributed."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def cpu_supports_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16, AMX or Arm BF16).

    Without it, bf16 autocast is emulated and slower than fp32. Read from /proc/cpuinfo; where
    that does not exist (macOS, Windows) the answer is no, the safe side.
    """
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features") and BF16_CPU_FLAGS & set(value.split()):
                    return True
    except OSError:
        return False
    return False


def resolve_autocast(autocast: str, device_type: str) -> str:
    """``"auto"`` -> ``"bf16"`` where ``device_type`` computes it natively, else ``"fp32"``."""
    if autocast != "auto":
        return autocast
    if device_type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if device_type == "cpu":
        return "bf16" if cpu_supports_bf16() else "fp32"
    return "fp32"


def decay_groups(model: nn.Module) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """The trainable parameters split as nanoGPT's ``configure_optimizers`` does: (decayed, not
    decayed). Every tensor of two or more dimensions decays (the matrices of linear layers and
    the embedding tables); biases and norms' gains do not.
    """
    decay, no_decay = [], []
    for p in model.parameters():  # (each shared parameter once)
        if p.requires_grad:
            (decay if p.dim() >= 2 else no_decay).append(p)
    return decay, no_decay


def make_optimizer(
    model: nn.Module, cfg: TrainConfig, note: Callable[[str], None] | None = None
) -> torch.optim.Optimizer:
    """AdamW or SGD with weight decay on matrices only (see ``decay_groups``); AdamW's fused
    kernel (one launch for every parameter's update) where the parameters live on CUDA.
    ``note`` is told the two groups' parameter counts, as nanoGPT prints them."""
    decay, no_decay = decay_groups(model)
    groups = [
        {"params": decay, "weight_decay": cfg.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    groups = [g for g in groups if g["params"]]
    fused = cfg.optimizer == "adamw" and all(p.is_cuda for p in decay + no_decay)
    if note is not None:
        n_decay, n_plain = (sum(p.numel() for p in g) for g in (decay, no_decay))
        note(
            f"{cfg.optimizer}{' (fused)' if fused else ''}: {len(decay)} tensors, {n_decay:,} "
            f"parameters decayed; {len(no_decay)} tensors, {n_plain:,} parameters not"
        )
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum)
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=cfg.betas, fused=fused or None)


class Trainer:
    """Train ``model`` in ``run_dir``; see the module docstring for the contract.

    ``on_step(step, loss, lr)``, if given, is called after every optimizer step with the step
    number (1-based), that step's training loss and its learning rate, before the divergence
    check (so it sees a NaN loss too). Returning True ends the run after this step, with the
    usual final evaluation and checkpoint; the divergence check is skipped for that step. Under
    DDP every rank calls it, and rank 0's answer decides.

    ``reporter`` shows progress (default: a ``z2h.run.Reporter`` that picks a bar on a terminal,
    plain lines elsewhere, nothing under ``Z2H_PROGRESS=0``); ranks other than 0 stay silent.
    """

    def __init__(
        self,
        model: nn.Module,
        cfg: TrainConfig,
        *,
        train_batch: Callable[[torch.Generator], Batch],
        evaluate: Callable[[nn.Module], dict[str, float]],
        run_dir: str | os.PathLike[str],
        kind: str,
        extra: dict[str, Any] | None = None,
        select: str = "dev",
        desc: str = "train",
        on_step: StepCallback | None = None,
        reporter: Reporter | None = None,
    ):
        cfg.validate()
        self.model = model
        self.cfg = cfg
        self.train_batch = train_batch
        self.evaluate = evaluate
        self.run_dir = Path(run_dir)
        self.kind = kind
        self.extra = dict(extra or {})
        self.select = select
        self.desc = desc
        self.on_step = on_step
        self._stop_requested = False
        self._signal: int | None = None  # SIGINT/SIGTERM received during fit (stop and save)
        self._recent: deque[float] = deque()  # the latest training losses (TrainResult)
        self.rank, self.world = dist_info()
        self.is_main = self.rank == 0
        if not self.is_main:
            reporter = Reporter(desc, mode="off")
        self.reporter = reporter if reporter is not None else Reporter(desc)
        self.device = next(model.parameters()).device
        self.autocast = resolve_autocast(cfg.autocast, self.device.type)
        self.optimizer = make_optimizer(model, cfg, note=self.reporter.note)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.step = 0
        self.elapsed = 0.0
        # wall time of the run's first step (torch.compile compiles in it), left out of the
        # schedule's clock so a timed warmup is not spent before the second step
        self.setup_seconds = 0.0
        self.best_metric = math.inf
        self.best_step = -1
        self.best_eval: dict[str, float] = {}
        self.history: list[dict[str, float]] = []
        self.samples = 0
        # the moving average of the weights (cfg.ema > 0): evaluated, kept in best.pt. It covers
        # the saved floating-point buffers too (BatchNorm's running statistics), so the averaged
        # model normalises with statistics that followed the averaged weights, not the live ones;
        # buffers left out of the state (tables derived from the config) are not averaged.
        saved = {id(t) for t in model.state_dict(keep_vars=True).values()}
        self._averaged = [p for p in model.parameters() if p.requires_grad] + [
            b for b in model.buffers() if b.is_floating_point() and id(b) in saved
        ]
        self.ema: list[torch.Tensor] | None = None
        if cfg.ema > 0:
            self.ema = [t.detach().clone() for t in self._averaged]
        self._train_model: nn.Module = model
        if self.world > 1:
            self._train_model = nn.parallel.DistributedDataParallel(model)
        if cfg.compile:
            self._train_model = torch.compile(self._train_model)
        self._log: ScalarLog | None = None
        self._saved_step = -1  # the step last.pt holds (-1: none written by this run yet)
        self._saved_time = 0.0

    # -- checkpoints -------------------------------------------------------------------------
    def _payload(self) -> dict[str, Any]:
        return {
            **self.extra,
            "model_state": self.model.state_dict(),
            "train_config": asdict(self.cfg),
        }

    def save_last(self) -> None:
        state = {
            **self._payload(),
            "optimizer_state": self.optimizer.state_dict(),
            "step": self.step,
            "elapsed": self.elapsed,
            "setup_seconds": self.setup_seconds,
            "samples": self.samples,
            "best_metric": self.best_metric,
            "best_step": self.best_step,
            "best_eval": self.best_eval,
            "history": self.history,
            "torch_rng": torch.get_rng_state(),
            "batch_rng": self.gen.get_state(),
        }
        if self.ema is not None:
            state["ema_state"] = self.ema
        save_checkpoint(self.run_dir / LAST_CHECKPOINT, state, kind=self.kind)
        if self._log is not None:
            self._log.flush()
        self._saved_step, self._saved_time = self.step, self.elapsed

    def save_best(self) -> None:
        payload = {**self._payload(), "step": self.step, "eval": self.best_eval}
        save_checkpoint(self.run_dir / BEST_CHECKPOINT, payload, kind=self.kind)

    def restore(self) -> bool:
        """Load ``last.pt`` if present; returns whether a run was resumed."""
        path = self.run_dir / LAST_CHECKPOINT
        if not path.exists():
            return False
        ckpt = load_checkpoint(path, kind=self.kind)
        for key in RESUME_MUST_MATCH:
            if key in self.extra and key in ckpt and ckpt[key] != self.extra[key]:
                diff = describe_difference(ckpt[key], self.extra[key], key)
                raise CheckpointError(
                    f"cannot resume: {path} was trained with other {key.replace('_', ' ')}"
                    f" ({'; '.join(diff[:5])}{'; ...' if len(diff) > 5 else ''}); use a new --out"
                )
        self.model.load_state_dict(ckpt["model_state"])
        try:
            self.optimizer.load_state_dict(ckpt["optimizer_state"])
        except ValueError as e:  # other parameter groups (see decay_groups): torch's own error
            raise CheckpointError(
                f"cannot resume: {path}'s optimizer state has other parameter groups than this "
                f"trainer makes ({e}); use a new --out"
            ) from None
        self.step = int(ckpt["step"])
        self.elapsed = float(ckpt["elapsed"])
        self.setup_seconds = float(ckpt.get("setup_seconds", 0.0))
        self.samples = int(ckpt["samples"])
        self.best_metric = float(ckpt["best_metric"])
        self.best_step = int(ckpt["best_step"])
        self.best_eval = dict(ckpt["best_eval"])
        self.history = list(ckpt["history"])
        torch.set_rng_state(ckpt["torch_rng"])
        self.gen.set_state(ckpt["batch_rng"])
        if self.ema is not None:
            saved = ckpt.get("ema_state")
            if saved is None:
                raise CheckpointError(f"cannot resume with --ema: {path} keeps no weight average")
            if len(saved) != len(self.ema):
                raise CheckpointError(
                    f"cannot resume with --ema: {path} averages {len(saved)} tensors, this model "
                    f"{len(self.ema)} (written by an older z2h); use a new --out"
                )
            for avg, value in zip(self.ema, saved, strict=True):
                avg.copy_(value)
        self._saved_step, self._saved_time = self.step, self.elapsed
        return True

    def _checkpoint_note(self) -> str:
        """Which checkpoint a stopped run can be resumed from, for messages."""
        path = self.run_dir / LAST_CHECKPOINT
        if self._saved_step >= 0 and path.exists():
            return f"The last good checkpoint is {path} (step {self._saved_step})."
        return "No checkpoint was written before it."

    # -- the loop ----------------------------------------------------------------------------
    def _progress_frac(self) -> float:
        """How far the run is, in [0, 1+]: the larger of the step and the time fraction."""
        fracs = []
        if self.cfg.max_steps is not None:
            fracs.append(self.step / self.cfg.max_steps)
        if self.cfg.time_budget is not None:
            fracs.append(self.elapsed / self.cfg.time_budget)
        return max(fracs)

    def _schedule_frac(self) -> float:
        """Where the learning-rate schedule is: like ``_progress_frac``, but the clock starts
        after the first step, whose time (compilation, warm caches) says nothing of the run."""
        fracs = []
        if self.cfg.max_steps is not None:
            fracs.append(self.step / self.cfg.max_steps)
        if self.cfg.time_budget is not None:
            budget = self.cfg.time_budget - self.setup_seconds
            fracs.append((self.elapsed - self.setup_seconds) / budget if budget > 0 else 1.0)
        return max(fracs)

    def _agree(self, flag: bool, *, op: str) -> bool:
        """One answer for all ranks: rank 0's (``op="rank0"``) or any rank's (``op="any"``)."""
        if self.world == 1:
            return flag
        value = torch.tensor([1.0 if flag else 0.0], device=self.device)
        if op == "rank0":
            torch.distributed.broadcast(value, src=0)
        else:
            torch.distributed.all_reduce(value, op=torch.distributed.ReduceOp.MAX)
        return bool(value.item() > 0)

    def _should_stop(self) -> bool:
        # subtle: ranks measure time separately; rank 0 decides so all stop at the same step.
        stop = self._stop_requested or self._signal is not None or self._progress_frac() >= 1.0
        return self._agree(stop, op="rank0")

    def _autocast(self) -> Any:
        return torch.autocast(
            self.device.type, dtype=torch.bfloat16, enabled=self.autocast == "bf16"
        )

    def _train_step(self, lr: float) -> float:
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        if not self.model.training:  # (setting it anyway would make torch.compile recheck)
            self._train_model.train()
        total = 0.0
        for micro in range(self.cfg.grad_accum):
            x, y = self.train_batch(self.gen)
            if self.world > 1:
                # every rank draws the same global batch and keeps its own slice of it
                x, y = x[self.rank :: self.world], y[self.rank :: self.world]
            sync = micro == self.cfg.grad_accum - 1
            ctx = (
                self._train_model.no_sync()
                if self.world > 1 and not sync
                else contextlib.nullcontext()
            )
            with ctx, self._autocast():
                _, loss = self._train_model(x, y)
            (loss / self.cfg.grad_accum).backward()
            total += loss.item() / self.cfg.grad_accum
            self.samples += len(x) * self.world
        if self.cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        if self.ema is not None:
            # early steps average over fewer steps, so the start does not drag the average
            decay = min(self.cfg.ema, (1 + self.step) / (10 + self.step))
            with torch.no_grad():
                torch._foreach_lerp_(self.ema, self._averaged, 1.0 - decay)
        return total

    def _swap_ema(self) -> None:
        """Exchange the live weights with their moving average (twice: back as they were)."""
        if self.ema is None:
            return
        with torch.no_grad():
            for t, avg in zip(self._averaged, self.ema, strict=True):
                live = t.detach().clone()
                t.copy_(avg)
                avg.copy_(live)

    def _run_eval(self) -> dict[str, float]:
        self.model.eval()
        with torch.no_grad(), self._autocast():
            result = {k: float(v) for k, v in self.evaluate(self.model).items()}
        self.model.train()
        return result

    def _eval_and_checkpoint(self) -> dict[str, float]:
        self._swap_ema()  # with --ema, the average is what is evaluated and kept as best
        try:
            result = self._run_eval()
            self.history.append({"step": self.step, **result})
            if self._log is not None:
                self._log.log(self.step, **{f"eval_{k}": v for k, v in result.items()})
            metric = result.get(self.select, math.inf)
            if metric < self.best_metric:
                self.best_metric, self.best_step, self.best_eval = metric, self.step, result
                self.save_best()
        finally:
            self._swap_ema()
        self.save_last()
        self.reporter.evaluated(self.step, self.elapsed, result)
        return result

    def _save_due(self) -> bool:
        cfg = self.cfg
        by_steps = cfg.save_interval is not None and self.step % cfg.save_interval == 0
        by_time = cfg.save_seconds is not None and self.elapsed - self._saved_time >= (
            cfg.save_seconds
        )
        return by_steps or by_time

    def fit(self, resume: bool = False) -> TrainResult:
        """Train to the end of the budget; ``resume=True`` continues the run in ``run_dir`` (and
        refuses when there is nothing there to continue)."""
        cfg = self.cfg
        if self.is_main or resume:
            check_run_dir(self.run_dir, resume=resume)
        if resume:
            self.restore()
            self._check_budget_left()
        resumed_from = self.step if resume else None
        if self.is_main:
            make_run_dir(self.run_dir)
            self._log = ScalarLog(self.run_dir / SCALARS_FILE, resume_at=resumed_from)
        self._stop_requested = False
        self._recent = deque(maxlen=cfg.log_interval)
        last_eval: dict[str, float] = self.history[-1] if self.history else {}
        reporter = self.reporter
        if resumed_from is not None:
            reporter.note(f"resumed from step {resumed_from:,} ({self.elapsed:.0f} s trained)")
        reporter.start(
            step=self.step, elapsed=self.elapsed, max_steps=cfg.max_steps,
            time_budget=cfg.time_budget,
        )  # fmt: skip
        t0 = time.perf_counter() - self.elapsed
        self._signal = None
        try:
            with self._stop_on_signals():
                last_eval = self._loop(t0, resumed_from, last_eval)
        finally:
            reporter.close()
            if self._log is not None:
                self._log.close()
                self._log = None
        return TrainResult(
            steps=self.step,
            seconds=self.elapsed,
            best_step=self.best_step,
            best=self.best_eval,
            last_eval=last_eval,
            train_loss=sum(self._recent) / len(self._recent) if self._recent else math.nan,
            samples=self.samples,
            history=self.history,
            resumed_from=resumed_from,
            autocast=self.autocast,
        )

    def _check_budget_left(self) -> None:
        """A resumed run that already spent its budget is refused, not "finished" again (which
        would rewrite its metrics.json with a run of no steps)."""
        cfg = self.cfg
        if cfg.max_steps is not None and self.step >= cfg.max_steps:
            raise CheckpointError(
                f"cannot resume: {self.run_dir} already took --max-steps {cfg.max_steps:,} "
                f"(it is at step {self.step:,}); raise --max-steps to train it further"
            )
        if cfg.time_budget is not None and self.elapsed >= cfg.time_budget:
            raise CheckpointError(
                f"cannot resume: {self.run_dir} already used --time-budget {cfg.time_budget:g} s "
                f"({self.elapsed:.0f} s trained); raise --time-budget to train it further"
            )

    @contextlib.contextmanager
    def _stop_on_signals(self) -> Iterator[None]:
        """SIGINT and SIGTERM end the run after the current step, with last.pt saved (a second
        one stops at once). Signal handlers can only be set in the main thread: elsewhere
        (a library caller's worker thread) the default behaviour stays."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def stop(signum: int, frame: Any) -> None:
            if self._signal is not None:
                raise TrainingInterrupted(signum, "stopped at once by a second signal")
            self._signal = signum
            self.reporter.note(
                f"{signal.Signals(signum).name}: saving {LAST_CHECKPOINT} after this step "
                "(send it again to stop at once)"
            )

        previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _loop(
        self, t0: float, resumed_from: int | None, last_eval: dict[str, float]
    ) -> dict[str, float]:
        """Train until the budget, a stop request or a signal; returns the last evaluation."""
        cfg, reporter = self.cfg, self.reporter
        first_loss: float | None = None
        window: list[float] = []  # losses since the last scalar-log row
        recent = self._recent
        last_eval_time = self.elapsed
        while not self._should_stop():
            lr = cfg.lr_at(self._schedule_frac())
            loss = self._train_step(lr)
            self.step += 1
            self.elapsed = time.perf_counter() - t0
            if first_loss is None:
                first_loss = loss
                if resumed_from is None:
                    self.setup_seconds = self.elapsed
            asked = self.on_step is not None and bool(self.on_step(self.step, loss, lr))
            self._stop_requested = self._stop_requested or asked
            exploded = loss > cfg.explode_factor * max(first_loss, 1e-3)
            bad = not asked and (not math.isfinite(loss) or exploded)
            # subtle: under DDP every rank must stop together, or the others wait forever
            # in the next collective for the one that raised
            if self._agree(bad, op="any"):
                what = (
                    f"training loss became {loss:.4g} at step {self.step} "
                    f"(first loss {first_loss:.4g})"
                    if bad
                    else f"training loss went bad on another rank at step {self.step}"
                )
                raise TrainingDiverged(
                    f"{what}; stopped. {self._checkpoint_note()} "
                    "Try a lower --lr or gradient clipping."
                )
            window.append(loss)
            recent.append(loss)
            if self.step % cfg.log_interval == 0:
                if self._log is not None:
                    self._log.log(self.step, train_loss=sum(window) / len(window), lr=lr)
                window = []
            reporter.step(self.step, self.elapsed, loss)
            due = self.step % cfg.eval_interval == 0 or (
                cfg.eval_interval_seconds is not None
                and self.elapsed - last_eval_time >= cfg.eval_interval_seconds
            )
            if due and self.is_main:
                last_eval = self._eval_and_checkpoint()
                last_eval_time = self.elapsed = time.perf_counter() - t0
            elif self.is_main and self._save_due():
                self.save_last()
        if self._agree(self._signal is not None, op="rank0"):
            # subtle: no final evaluation (it can take long, and a second signal would cut it);
            # last.pt alone lets the run continue exactly where it stopped
            if self.is_main:
                self.save_last()
            raise TrainingInterrupted(self._signal or signal.SIGINT, f"stopped at step {self.step}")
        if self.is_main and (not self.history or self.history[-1]["step"] != self.step):
            last_eval = self._eval_and_checkpoint()
        self.elapsed = time.perf_counter() - t0
        return last_eval


def load_model_state(run_dir: str | os.PathLike[str], kind: str) -> dict[str, Any]:
    """Load the best checkpoint of a run directory (falling back to the last one)."""
    run_dir = Path(run_dir)
    if not run_dir.exists():
        raise CheckpointError(f"run folder {run_dir} does not exist")
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir} is not a run folder (a directory written by train)")
    for name in (BEST_CHECKPOINT, LAST_CHECKPOINT):
        if (run_dir / name).exists():
            return load_checkpoint(run_dir / name, kind=kind)
    raise CheckpointError(f"{run_dir} holds no checkpoint ({BEST_CHECKPOINT} or {LAST_CHECKPOINT})")
