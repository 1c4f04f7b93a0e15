"""Fold each BatchNorm into the linear layer before it (lecture 4, exercise E02).

At inference a BatchNorm uses fixed running statistics, so it is an affine map per channel:
``y = gamma * (z - mean) / sqrt(var + eps) + beta``. With ``z = W x + b`` and
``s = gamma / sqrt(var + eps)`` this is ``y = (s * W) x + (s * (b - mean) + beta)``: one linear
layer with scaled rows and a new bias. The folded model drops every BatchNorm; in eval mode it
computes what the original computes (to rounding), with fewer operations.

A BatchNorm folds when it directly follows an ``nn.Linear`` inside an ``nn.Sequential`` (the shape
of every BatchNorm model in the registry) and normalises the Linear's output features. Any
BatchNorm-like module (``running_mean``, ``running_var``, ``eps`` and optional affine
``weight``/``bias``) qualifies, torch's own and the registry's.
"""

from __future__ import annotations

import copy
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn

from z2h.errors import Z2HError


def is_batchnorm(module: nn.Module) -> bool:
    """A module with running statistics: nn.BatchNorm* or a hand-written equivalent."""
    return (
        isinstance(module, nn.modules.batchnorm._BatchNorm)
        or (hasattr(module, "running_mean") and hasattr(module, "running_var"))
    ) and hasattr(module, "eps")


@torch.no_grad()
def fold_pair(linear: nn.Linear, bn: nn.Module) -> nn.Linear:
    """A new Linear equal to ``bn(linear(x))`` with ``bn`` in eval mode."""
    mean, var = bn.running_mean, bn.running_var
    if mean is None or var is None:
        raise Z2HError("a BatchNorm without running statistics cannot be folded")
    if mean.numel() != linear.out_features:
        raise Z2HError(
            f"BatchNorm over {mean.numel()} features cannot fold into a Linear with "
            f"{linear.out_features} outputs"
        )
    dtype = linear.weight.dtype
    w = linear.weight.double()
    b = (
        linear.bias.double()
        if linear.bias is not None
        else torch.zeros_like(mean, dtype=torch.double)
    )
    gamma = bn.weight.double() if getattr(bn, "weight", None) is not None else 1.0
    beta = bn.bias.double() if getattr(bn, "bias", None) is not None else 0.0
    # subtle: fold in float64 so the folded layer's own rounding is the only new error
    scale = gamma * torch.rsqrt(var.double() + bn.eps)
    folded = nn.Linear(linear.in_features, linear.out_features, bias=True)
    folded = folded.to(device=linear.weight.device, dtype=dtype)
    folded.weight.copy_((w * scale[:, None]).to(dtype))
    folded.bias.copy_((scale * (b - mean.double()) + beta).to(dtype))
    return folded


def _fold_sequential(seq: nn.Sequential, prefix: str, done: list[str]) -> None:
    names = list(seq._modules)
    for i, name in enumerate(names):
        module = seq._modules[name]
        if not is_batchnorm(module):
            continue
        prev = seq._modules[names[i - 1]] if i > 0 else None
        if not isinstance(prev, nn.Linear):
            continue
        seq._modules[names[i - 1]] = fold_pair(prev, module)
        seq._modules[name] = nn.Identity()
        done.append(f"{prefix}{name}")


def fold_batchnorm(model: nn.Module) -> tuple[nn.Module, list[str]]:
    """A folded copy of ``model`` (the original is untouched) and the names of the folded BNs.

    Raises ``Z2HError`` if the model has no BatchNorm, or one that does not follow a Linear.
    """
    folded = copy.deepcopy(model).eval()
    done: list[str] = []
    for name, module in list(folded.named_modules()):
        if isinstance(module, nn.Sequential):
            _fold_sequential(module, f"{name}." if name else "", done)
    left = [n for n, m in folded.named_modules() if is_batchnorm(m)]
    if not done and not left:
        raise Z2HError("the model has no BatchNorm layer to fold")
    if left:
        raise Z2HError(
            f"cannot fold BatchNorm layer(s) {', '.join(left)}: each must directly follow an "
            "nn.Linear inside an nn.Sequential"
        )
    for p in folded.parameters():
        p.requires_grad_(False)
    return folded, done


def folded_structure(model: nn.Module, folded_names: list[str]) -> nn.Module:
    """Rebuild the folded architecture from a fresh model (weights to be loaded after).

    Each folded BatchNorm becomes Identity and the Linear before it gains a bias.
    """
    model = copy.deepcopy(model)
    for full in folded_names:
        parent_name, _, name = full.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        if not isinstance(parent, nn.Sequential):
            raise Z2HError(f"{full}: parent is not an nn.Sequential")
        names = list(parent._modules)
        i = names.index(name)
        lin = parent._modules[names[i - 1]]
        if not isinstance(lin, nn.Linear):
            raise Z2HError(f"{full}: no Linear before it")
        parent._modules[names[i - 1]] = nn.Linear(lin.in_features, lin.out_features, bias=True)
        parent._modules[name] = nn.Identity()
    return model.eval()


@torch.no_grad()
def max_abs_diff(a: nn.Module, b: nn.Module, X: torch.Tensor, batch_size: int = 4096) -> float:
    """Largest |a(X) - b(X)| over the logits of every example, both models in eval mode.

    Each model's train/eval mode is restored afterwards.
    """
    modes = (a.training, b.training)
    a.eval()
    b.eval()
    worst = 0.0
    try:
        for i in range(0, len(X), batch_size):
            la, _ = a(X[i : i + batch_size])
            lb, _ = b(X[i : i + batch_size])
            worst = max(worst, (la - lb).abs().max().item())
    finally:
        a.train(modes[0])
        b.train(modes[1])
    return worst


@torch.no_grad()
def time_pair(
    a: nn.Module, b: nn.Module, X: torch.Tensor, repeats: int = 7, batch_size: int = 4096
) -> tuple[float, float]:
    """Median seconds of one eval-mode pass over ``X`` for each model.

    subtle: the two models are timed alternately, so a load change on a shared machine hits
    both alike instead of biasing the ratio.
    """
    modes = (a.training, b.training)
    a.eval()
    b.eval()
    times: tuple[list[float], list[float]] = ([], [])
    for r in range(repeats + 1):  # the first round warms up
        for model, out in ((a, times[0]), (b, times[1])):
            t0 = time.perf_counter()
            for i in range(0, len(X), batch_size):
                model(X[i : i + batch_size])
            if r:
                out.append(time.perf_counter() - t0)
    a.train(modes[0])
    b.train(modes[1])
    return statistics.median(times[0]), statistics.median(times[1])


@dataclass
class FoldReport:
    folded: list[str]  # BatchNorm modules folded away
    max_abs_diff: float  # largest logit difference over the whole set, eval mode
    examples: int
    seconds_original: float  # median eval pass over the set (batches of 4096)
    seconds_folded: float
    latency_original: float  # median seconds of one single-example forward
    latency_folded: float

    @property
    def speedup(self) -> float:
        return self.seconds_original / self.seconds_folded

    @property
    def latency_speedup(self) -> float:
        return self.latency_original / self.latency_folded


def verify_and_time(
    original: nn.Module,
    folded: nn.Module,
    names: list[str],
    X: torch.Tensor,
    tol: float = 1e-5,
    timed: bool = True,
) -> FoldReport:
    """Check eval-mode equality on ``X`` within ``tol`` and (if ``timed``) time both models."""
    diff = max_abs_diff(original, folded, X)
    if not diff <= tol:
        raise Z2HError(f"the folded model differs from the original by {diff:.3g} > {tol:g}")
    nan = float("nan")
    seconds = time_pair(original, folded, X) if timed else (nan, nan)
    # single examples: per-call overhead dominates, as when sampling one name at a time
    latency = time_pair(original, folded, X[:1], repeats=300) if timed else (nan, nan)
    return FoldReport(names, diff, len(X), *seconds, *latency)


FOLDED_FILE = "folded.pt"  # written by ``z2h makemore fold-bn`` into the run directory
FOLDED_KIND = "makemore-folded"


def load_folded(path: str | os.PathLike[str]) -> tuple[nn.Module, dict[str, Any]]:
    """The folded model saved by ``z2h makemore fold-bn`` (eval mode) and its checkpoint."""
    from z2h.checkpoint import load_checkpoint
    from z2h.makemore import registry

    ckpt = load_checkpoint(path, kind=FOLDED_KIND)
    entry = registry.get(ckpt["model"])
    fresh = registry.build(entry.name, entry.config_cls(**ckpt["model_config"]))
    model = folded_structure(fresh, list(ckpt["folded_batchnorms"]))
    model.load_state_dict(ckpt["model_state"])
    return model, ckpt
