"""One forward/backward pass under hooks -> per-layer and per-parameter statistics, and findings.

``snapshot`` measures a model on one batch (train mode, as the lecture does); ``findings`` turns a
snapshot and the update history into sentences: dead units, saturated layers, vanishing or
exploding gradients, parameters whose grad:data ratio stands out, learning rates whose
update:data ratio sits far from the 1e-3 guide line.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.nn as nn

from z2h.makemore.diagnostics.hooks import LayerRecorder, UpdateHistory, finite_mean
from z2h.makemore.diagnostics.stats import (
    UPDATE_RATIO_GUIDE,
    ActivationStats,
    TensorStats,
    activation_kind,
    activation_stats,
    grad_data_ratio,
    histogram,
    tensor_stats,
)

SATURATED_PCT = 10.0  # tanh layers above this share of |x| > 0.97 are flagged (lecture: ~5%)
RELU_ZERO_PCT = 80.0  # ReLU layers above this share of exact zeros are flagged (healthy: ~50%)
GRAD_SPREAD = 10.0  # flag when activation-gradient std differs this much across layers
RATIO_OUTLIER = 10.0  # flag a weight whose grad:data ratio is this many times the median
RATIO_DECADES = 1.0  # flag an update:data ratio more than this many decades from the guide
TAIL_FRAC = 0.2  # judge update ratios over the last 20% of the measured steps


@dataclass
class LayerReport:
    name: str
    type: str
    kind: str | None  # "tanh", "relu", "smooth" for activation layers, else None
    act: ActivationStats
    grad: TensorStats | None  # gradient w.r.t. the layer's output (None: no gradient flows)
    act_hist: tuple[list[float], list[float]]
    grad_hist: tuple[list[float], list[float]] | None


@dataclass
class ParamReport:
    name: str
    shape: list[int]
    data_std: float
    grad: TensorStats | None  # None when the parameter got no gradient at all
    grad_data_ratio: float | None
    grad_hist: tuple[list[float], list[float]] | None


@dataclass
class Snapshot:
    loss: float
    layers: list[LayerReport] = field(default_factory=list)
    params: list[ParamReport] = field(default_factory=list)

    def activation_layers(self) -> list[LayerReport]:
        """Layers to draw in viz #1/#2: the nonlinearities; if the model applies them as functions
        (invisible to module hooks), the Linear layers feeding them; else every layer."""
        acts = [r for r in self.layers if r.kind is not None]
        linear = [r for r in self.layers if r.type == "Linear"]
        return acts or linear or [r for r in self.layers if r.act.units > 1]

    def to_dict(self, hist: bool = False) -> dict[str, Any]:
        def layer(r: LayerReport) -> dict[str, Any]:
            d = {"name": r.name, "type": r.type, "kind": r.kind, **r.act.to_dict()}
            d["grad_mean"] = r.grad.mean if r.grad else None
            d["grad_std"] = r.grad.std if r.grad else None
            if hist:
                d["act_hist"], d["grad_hist"] = r.act_hist, r.grad_hist
            return d

        def param(r: ParamReport) -> dict[str, Any]:
            d = {
                "name": r.name,
                "shape": r.shape,
                "data_std": r.data_std,
                "grad_mean": r.grad.mean if r.grad else None,
                "grad_std": r.grad.std if r.grad else None,
                "grad_data_ratio": r.grad_data_ratio,
            }
            if hist:
                d["grad_hist"] = r.grad_hist
            return d

        return {
            "loss": self.loss,
            "layers": [layer(r) for r in self.layers],
            "params": [param(r) for r in self.params],
        }


def snapshot(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, bins: int = 50) -> Snapshot:
    """Forward and backward one batch in train mode under hooks; the model's grads are restored."""
    was_training = model.training
    saved = {n: p.grad for n, p in model.named_parameters()}
    model.train()
    model.zero_grad(set_to_none=True)
    try:
        with LayerRecorder(model) as rec:
            _, loss = model(X, Y)
            if loss is None:
                raise ValueError("the model returned no loss; pass targets")
            loss.backward()
        out = Snapshot(loss=loss.item())
        for r in rec.records.values():
            if not r.outputs:
                continue  # a layer this forward did not use
            kind = activation_kind(r.type)
            act = r.output()
            grad = r.grad() if r.grads else None
            out.layers.append(
                LayerReport(
                    name=r.name,
                    type=r.type,
                    kind=kind,
                    act=activation_stats(act, kind),
                    grad=tensor_stats(grad) if grad is not None else None,
                    act_hist=histogram(act, bins),
                    grad_hist=histogram(grad, bins) if grad is not None else None,
                )
            )
        for name, p in model.named_parameters():
            if not p.requires_grad:
                continue
            g = p.grad
            out.params.append(
                ParamReport(
                    name=name,
                    shape=list(p.shape),
                    data_std=tensor_stats(p).std,
                    grad=tensor_stats(g) if g is not None else None,
                    grad_data_ratio=grad_data_ratio(p, g) if g is not None else None,
                    grad_hist=histogram(g, bins) if g is not None else None,
                )
            )
    finally:
        for n, p in model.named_parameters():
            p.grad = saved[n]
        model.train(was_training)
    return out


def _fmt_ratio(x: float) -> str:
    return f"{x:.2g}" if math.isfinite(x) else str(x)


def update_summary(updates: UpdateHistory) -> dict[str, float]:
    """Mean log10 update:data ratio of each parameter over the last TAIL_FRAC of measured steps."""
    out = {}
    for name, xs in updates.ratios.items():
        tail = xs[-max(1, math.ceil(len(xs) * TAIL_FRAC)) :] if xs else []
        out[name] = finite_mean(tail)
    return out


def findings(
    snap: Snapshot, updates: UpdateHistory | None = None, matrices: set[str] | None = None
) -> list[str]:
    """Plain-language flags from a snapshot and (optionally) the update history.

    ``matrices`` names the weight matrices to judge (default: every parameter with 2 dimensions,
    as the lecture does; biases and norms' gains are skipped).
    """
    notes: list[str] = []
    for r in snap.layers:
        a = r.act
        if a.dead_units:
            what = "|tanh| > 0.97" if r.kind == "tanh" else "zero"
            notes.append(
                f"{r.name} ({r.type}): {a.dead_units} of {a.units} units are {what} on every "
                "example of the batch - dead units: no gradient reaches their input weights."
            )
        if r.kind == "tanh" and a.saturated_pct is not None and a.saturated_pct > SATURATED_PCT:
            notes.append(
                f"{r.name} ({r.type}): {a.saturated_pct:.1f}% of activations are saturated "
                f"(|x| > 0.97; lecture 4 aims for about 5%) - the pre-activations are too large; "
                "shrink the preceding weights' init or normalise them."
            )
        if r.kind == "relu" and a.saturated_pct is not None and a.saturated_pct > RELU_ZERO_PCT:
            notes.append(
                f"{r.name} ({r.type}): {a.saturated_pct:.1f}% of outputs are exactly zero - most "
                "units are off and pass no gradient."
            )
    # only nonlinearities are comparable layer to layer (a logits gradient is another quantity)
    flowing = [r for r in snap.layers if r.kind and r.grad is not None and r.grad.std > 0]
    if len(flowing) >= 2:
        lo = min(flowing, key=lambda r: r.grad.std)  # type: ignore[union-attr]
        hi = max(flowing, key=lambda r: r.grad.std)  # type: ignore[union-attr]
        spread = hi.grad.std / lo.grad.std  # type: ignore[union-attr]
        if spread > GRAD_SPREAD:
            notes.append(
                f"gradient std differs {spread:.0f}x across layers ({hi.name}: "
                f"{hi.grad.std:.2e}, {lo.name}: {lo.grad.std:.2e}) - gradients "  # type: ignore[union-attr]
                "shrink or grow through depth; check the init gains or add normalisation."
            )
    if matrices is None:
        matrices = {p.name for p in snap.params if len(p.shape) == 2}
    ratios = {
        p.name: p.grad_data_ratio
        for p in snap.params
        if p.name in matrices and p.grad_data_ratio is not None and math.isfinite(p.grad_data_ratio)
    }
    if len(ratios) >= 3:
        median = statistics.median(ratios.values())
        for name, r in ratios.items():
            if median > 0 and r > RATIO_OUTLIER * median:
                notes.append(
                    f"{name}: grad:data ratio {_fmt_ratio(r)} is {r / median:.0f}x the median "
                    f"({_fmt_ratio(median)}) - with plain SGD this weight moves that much faster "
                    "than the rest (lecture 4 saw this in the last layer at init)."
                )
    for p in snap.params:
        if p.grad is None or (p.grad.std == 0 and p.grad.mean == 0):
            notes.append(f"{p.name}: receives no gradient at all - it never changes.")
    if updates is not None and updates.steps:
        for name, mean in update_summary(updates).items():
            if name not in matrices or not math.isfinite(mean):
                continue
            gap = mean - UPDATE_RATIO_GUIDE
            if gap < -RATIO_DECADES:
                notes.append(
                    f"{name}: updates are 10^{mean:.1f} of the weights, {10**-gap:.0f}x below "
                    "the 1e-3 guide line - this layer learns slowly; the learning rate may be "
                    "too low for it."
                )
            elif gap > RATIO_DECADES:
                notes.append(
                    f"{name}: updates are 10^{mean:.1f} of the weights, {10**gap:.0f}x above the "
                    "1e-3 guide line - steps this large rewrite the weights quickly; the "
                    "learning rate may be too high."
                )
    return notes


def layer_table(snap: Snapshot) -> str:
    """The lecture's printout: one line per activation layer."""
    lines = []
    for r in snap.activation_layers():
        sat = f"{r.act.saturated_pct:6.2f}%" if r.act.saturated_pct is not None else "    n/a"
        gstd = f"{r.grad.std:.3e}" if r.grad else "n/a"
        lines.append(
            f"{r.name:<24} {r.type:<12} mean {r.act.mean:+.3f}  std {r.act.std:.3f}  "
            f"saturated {sat}  grad std {gstd}"
        )
    return "\n".join(lines)


def as_json(obj: Any) -> Any:
    """Dataclasses -> dicts for write_json_atomic."""
    return asdict(obj) if hasattr(obj, "__dataclass_fields__") else obj
