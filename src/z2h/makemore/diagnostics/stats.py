"""The numbers lecture 4 reads off its plots, as plain functions of tensors.

- activations: mean, std, the share of saturated units (|tanh| > 0.97, or exactly zero after a
  ReLU) and dead units (saturated on every example, so no gradient ever flows through them);
- gradients: mean and std;
- parameters: the grad:data ratio std(grad) / std(data) and the update:data ratio
  log10(std(update) / std(data)), whose healthy value the lecture puts near -3.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

TANH_SATURATION = 0.97  # lecture 4: |tanh| above this sits on the flat tail, gradient ~0
UPDATE_RATIO_GUIDE = -3.0  # lecture 4: log10(update / data) near -3 is a healthy learning rate

# Module class names (lower case) treated as activation functions, by how they saturate.
TANH_LIKE = ("tanh", "hardtanh", "sigmoid", "hardsigmoid")
RELU_LIKE = ("relu", "relu6", "leakyrelu")
SMOOTH = ("gelu", "silu", "elu", "selu", "celu", "mish", "softplus", "newgelu", "gelutanh")


def activation_kind(module_type: str) -> str | None:
    """'tanh', 'relu', 'smooth' for an activation module's class name, None for other layers."""
    t = module_type.lower()
    if t in TANH_LIKE:
        return "tanh"
    if t in RELU_LIKE:
        return "relu"
    if t in SMOOTH:
        return "smooth"
    return None


def _as_units(t: torch.Tensor) -> torch.Tensor:
    """(..., units) -> (examples, units): units are the last dimension, everything else examples."""
    t = t.detach().float()
    if t.dim() == 0:
        return t.reshape(1, 1)
    if t.dim() == 1:
        return t.reshape(-1, 1)
    return t.reshape(-1, t.shape[-1])


def saturation_mask(t: torch.Tensor, kind: str | None) -> torch.Tensor | None:
    """Boolean mask of saturated entries: |x| > 0.97 for tanh-like, x == 0 for ReLU-like."""
    if kind == "tanh":
        return t.abs() > TANH_SATURATION
    if kind == "relu":
        return t == 0
    return None


@dataclass
class TensorStats:
    mean: float
    std: float
    numel: int

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


def tensor_stats(t: torch.Tensor) -> TensorStats:
    """Mean and (unbiased, as torch.std) standard deviation of every entry."""
    t = t.detach().double().reshape(-1)
    if t.numel() == 0:
        return TensorStats(math.nan, math.nan, 0)
    std = t.std().item() if t.numel() > 1 else 0.0
    return TensorStats(t.mean().item(), std, t.numel())


@dataclass
class ActivationStats:
    mean: float
    std: float
    saturated_pct: float | None  # share of entries saturated, in percent (None: cannot saturate)
    dead_units: int | None  # units saturated on every example (None: cannot saturate)
    units: int  # size of the last dimension

    def to_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def activation_stats(t: torch.Tensor, kind: str | None) -> ActivationStats:
    """Statistics of one layer's output ``t`` (units along the last dimension)."""
    basic = tensor_stats(t)
    units = _as_units(t)
    mask = saturation_mask(units, kind)
    if mask is None:
        return ActivationStats(basic.mean, basic.std, None, None, units.shape[1])
    return ActivationStats(
        basic.mean,
        basic.std,
        100.0 * mask.float().mean().item(),
        int(mask.all(dim=0).sum().item()),
        units.shape[1],
    )


def histogram(t: torch.Tensor, bins: int = 50) -> tuple[list[float], list[float]]:
    """(bin centres, density) of the entries of ``t``, like the lecture's torch.histogram plots."""
    t = t.detach().double().reshape(-1)
    if t.numel() == 0:
        return [], []
    lo, hi = t.min().item(), t.max().item()
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    counts = torch.histc(t, bins=bins, min=lo, max=hi)
    width = (hi - lo) / bins
    density = counts / (counts.sum() * width)
    centres = [lo + width * (i + 0.5) for i in range(bins)]
    return centres, density.tolist()


def grad_data_ratio(data: torch.Tensor, grad: torch.Tensor) -> float:
    """std(grad) / std(data): how large a step of lr * grad is against the weights themselves."""
    d = data.detach().double().std().item() if data.numel() > 1 else 0.0
    g = grad.detach().double().std().item() if grad.numel() > 1 else 0.0
    return g / d if d > 0 else math.inf


def update_ratio_log10(update: torch.Tensor, data: torch.Tensor) -> float:
    """log10(std(update) / std(data)); -inf for a parameter that did not move."""
    if update.numel() < 2:
        return math.nan
    u = update.detach().double().std().item()
    d = data.detach().double().std().item()
    if d == 0:
        return math.inf if u > 0 else math.nan
    return math.log10(u / d) if u > 0 else -math.inf
