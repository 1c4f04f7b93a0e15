"""Collect what lecture 4 plots, from any ``nn.Module``, with hooks instead of hand-written layers.

- ``LayerRecorder``: a forward hook on every layer keeps its output, and a tensor hook on that
  output keeps the gradient that flows back into it (the lecture's ``layer.out.grad``).
- ``UpdateTracker``: optimizer step hooks measure each parameter's update against its size at every
  step (the lecture's update:data ratio), whatever the optimizer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn as nn

from z2h.makemore.diagnostics.stats import update_ratio_log10


def layers(model: nn.Module) -> Iterator[tuple[str, nn.Module]]:
    """The modules diagnostics treat as layers: leaves, plus any module owning parameters itself.

    subtle: a container that holds a bare ``nn.Parameter`` (a position table, say) computes
    something of its own, so it counts as a layer even though it has children.
    """
    for name, module in model.named_modules():
        if not name:
            if next(module.children(), None) is None:
                yield type(module).__name__, module  # a model that is a single layer
            continue
        leaf = next(module.children(), None) is None
        own_params = next(module.parameters(recurse=False), None) is not None
        if leaf or own_params:
            yield name, module


def first_tensor(obj: Any) -> torch.Tensor | None:
    """The first tensor in a module's output (nn.LSTM returns ``(out, (h, c))``)."""
    if isinstance(obj, torch.Tensor):
        return obj
    if isinstance(obj, (tuple, list)):
        for item in obj:
            t = first_tensor(item)
            if t is not None:
                return t
    return None


@dataclass
class LayerRecord:
    name: str  # qualified module name, e.g. "layers.2"
    type: str  # module class name, e.g. "Tanh"
    outputs: list[torch.Tensor] = field(default_factory=list)  # one per call
    grads: list[torch.Tensor] = field(default_factory=list)  # gradient w.r.t. each output

    def output(self) -> torch.Tensor:
        """Every call's output, flattened to (examples, units) and concatenated."""
        return _cat_units(self.outputs)

    def grad(self) -> torch.Tensor:
        return _cat_units(self.grads)


def _cat_units(ts: list[torch.Tensor]) -> torch.Tensor:
    if not ts:
        return torch.empty(0)
    rows = [t.reshape(-1, t.shape[-1]) if t.dim() >= 1 else t.reshape(1, 1) for t in ts]
    if len({r.shape[1] for r in rows}) > 1:  # calls with different widths: keep entries only
        return torch.cat([r.reshape(-1) for r in rows])
    return torch.cat(rows)


class LayerRecorder:
    """Context manager recording every layer's outputs and output gradients.

    >>> with LayerRecorder(model) as rec:
    ...     _, loss = model(x, y)
    ...     loss.backward()
    >>> rec.records["layers.2"].output()
    """

    def __init__(self, model: nn.Module):
        self.model = model
        self.records: dict[str, LayerRecord] = {}
        self._handles: list[Any] = []

    def __enter__(self) -> LayerRecorder:
        for name, module in layers(self.model):
            rec = self.records.setdefault(name, LayerRecord(name, type(module).__name__))
            self._handles.append(module.register_forward_hook(self._hook(rec)))
        return self

    def __exit__(self, *exc: object) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()

    @staticmethod
    def _hook(rec: LayerRecord) -> Any:
        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            out = first_tensor(output)
            if out is None:
                return
            # subtle: clone, because a later in-place op (ReLU(inplace=True)) may overwrite it
            rec.outputs.append(out.detach().clone())
            if out.requires_grad:
                out.register_hook(lambda g: rec.grads.append(g.detach().clone()))

        return hook


@dataclass
class UpdateHistory:
    steps: list[int] = field(default_factory=list)  # optimizer step numbers (1-based)
    lrs: list[float] = field(default_factory=list)  # learning rate of the first param group
    ratios: dict[str, list[float]] = field(default_factory=dict)  # name -> log10 update:data

    def to_dict(self) -> dict[str, Any]:
        return {"steps": self.steps, "lrs": self.lrs, "ratios": self.ratios}


class UpdateTracker:
    """Optimizer step pre/post hooks: log10(std(update) / std(data)) of each parameter.

    The update is the parameter's actual change in the step. For plain SGD that is ``lr * grad``,
    the lecture's quantity; for AdamW it is what the optimizer really did to the weights.
    ``every`` thins the measurements (each costs a copy of the parameters).
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, every: int = 1):
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}")
        self.names = {id(p): n for n, p in model.named_parameters() if p.requires_grad}
        self.optimizer = optimizer
        self.every = every
        self.history = UpdateHistory()
        self.history.ratios = {n: [] for n in self.names.values()}
        self._count = 0
        self._before: dict[str, torch.Tensor] | None = None
        self._handles = [
            optimizer.register_step_pre_hook(self._pre),
            optimizer.register_step_post_hook(self._post),
        ]

    def _params(self) -> Iterator[tuple[str, torch.Tensor]]:
        for group in self.optimizer.param_groups:
            for p in group["params"]:
                if id(p) in self.names:
                    yield self.names[id(p)], p

    def _pre(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        self._count += 1
        if (self._count - 1) % self.every:
            self._before = None
            return
        self._before = {n: p.detach().clone() for n, p in self._params()}

    def _post(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        if self._before is None:
            return
        self.history.steps.append(self._count)
        self.history.lrs.append(float(self.optimizer.param_groups[0]["lr"]))
        for name, p in self._params():
            before = self._before[name]
            self.history.ratios[name].append(update_ratio_log10(p.detach() - before, before))
        self._before = None

    def remove(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()


def finite_mean(xs: list[float]) -> float:
    """Mean of the finite values (nan when none)."""
    good = [x for x in xs if math.isfinite(x)]
    return sum(good) / len(good) if good else math.nan
