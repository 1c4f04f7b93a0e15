"""The lecture-4 pictures (and lecture 3's LR sweep and embedding scatter) as PNG files.

matplotlib comes from ``z2h.plotting`` (Agg backend, figures saved atomically).
"""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path
from typing import Any

from z2h.makemore.diagnostics.hooks import UpdateHistory
from z2h.makemore.diagnostics.report import Snapshot
from z2h.makemore.diagnostics.stats import UPDATE_RATIO_GUIDE
from z2h.plotting import pyplot, save_figure

FIGSIZE = (10, 4)
DPI = 90
MAX_LEGEND = 14  # more lines than this get a colour scale instead of a legend entry each


def _save(fig: Any, path: str | os.PathLike[str]) -> Path:
    fig.tight_layout()
    if _wrap_titles(fig):
        fig.tight_layout()  # again, to make room for the extra lines
    return save_figure(fig, path, dpi=DPI)


def _wrap_titles(fig: Any) -> bool:
    """Break each axes title that would run past the figure's edge onto more lines.

    A title is centred over its axes, so it fits when its half width fits between the axes'
    centre and the nearer edge of the figure. Returns whether any title changed.
    """
    renderer = fig.canvas.get_renderer()
    changed = False
    for ax in fig.axes:
        title, text = ax.title, ax.title.get_text()
        box = ax.get_window_extent(renderer)
        centre = (box.x0 + box.x1) / 2
        room = 2 * min(centre - fig.bbox.x0, fig.bbox.x1 - centre) * 0.95
        chars = len(text)
        while text and title.get_window_extent(renderer).width > room and chars > 8:
            chars = int(chars * 0.9)
            title.set_text(textwrap.fill(text, chars))
            changed = True
    return changed


def _lines(ax: Any, series: list[tuple[str, list[float], list[float]]]) -> None:
    plt = pyplot()
    cmap = plt.get_cmap("viridis" if len(series) > 10 else "tab10")
    n = len(series)
    for i, (label, xs, ys) in enumerate(series):
        colour = cmap(i / max(1, n - 1)) if n > 10 else cmap(i)
        ax.plot(xs, ys, color=colour, lw=1.2, label=label if n <= MAX_LEGEND else None)
    if 0 < n <= MAX_LEGEND:
        ax.legend(fontsize=7, loc="upper right")
    elif n:
        ax.text(
            0.99, 0.97, f"{n} layers, dark = first", transform=ax.transAxes, ha="right", va="top"
        )


def plot_activations(snap: Snapshot, path: str | os.PathLike[str], title: str = "") -> Path:
    """Viz #1: histogram of each activation layer's output, with mean, std and saturation."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    series = []
    for r in snap.activation_layers():
        sat = f", sat {r.act.saturated_pct:.1f}%" if r.act.saturated_pct is not None else ""
        label = f"{r.name} ({r.type}): mean {r.act.mean:+.2f}, std {r.act.std:.2f}{sat}"
        series.append((label, *r.act_hist))
    _lines(ax, series)
    ax.set_title(title or "activation distribution (forward pass)")
    ax.set_xlabel("activation value")
    ax.set_ylabel("density")
    return _save(fig, path)


def plot_gradients(snap: Snapshot, path: str | os.PathLike[str], title: str = "") -> Path:
    """Viz #2: histogram of the gradient flowing into each activation layer's output."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    series = []
    for r in snap.activation_layers():
        if r.grad is None or r.grad_hist is None:
            continue
        label = f"{r.name} ({r.type}): mean {r.grad.mean:+.1e}, std {r.grad.std:.1e}"
        series.append((label, *r.grad_hist))
    _lines(ax, series)
    ax.set_title(title or "gradient distribution (backward pass, w.r.t. layer outputs)")
    ax.set_xlabel("gradient value")
    ax.set_ylabel("density")
    return _save(fig, path)


def plot_weight_grads(snap: Snapshot, path: str | os.PathLike[str], title: str = "") -> Path:
    """Viz #3: histogram of each weight matrix's gradient, labelled with its grad:data ratio."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    series = []
    for p in snap.params:
        if len(p.shape) != 2 or p.grad is None or p.grad_hist is None:
            continue
        shape = "x".join(map(str, p.shape))
        label = f"{p.name} {shape}: grad std {p.grad.std:.1e}, grad:data {p.grad_data_ratio:.2e}"
        series.append((label, *p.grad_hist))
    _lines(ax, series)
    ax.set_title(title or "weight gradient distribution")
    ax.set_xlabel("gradient value")
    ax.set_ylabel("density")
    return _save(fig, path)


def plot_update_ratios(
    updates: UpdateHistory,
    path: str | os.PathLike[str],
    matrices: set[str] | None = None,
    title: str = "",
) -> Path:
    """Viz #4: log10(std(update) / std(data)) of each weight matrix over training, guide at -3."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    series = []
    for name, xs in updates.ratios.items():
        if matrices is not None and name not in matrices:
            continue
        pts = [(s, x) for s, x in zip(updates.steps, xs, strict=True) if math.isfinite(x)]
        if pts:
            series.append((name, [s for s, _ in pts], [x for _, x in pts]))
    _lines(ax, series)
    if updates.steps:
        ax.axhline(UPDATE_RATIO_GUIDE, color="k", ls="--", lw=1)
        ax.text(updates.steps[0], UPDATE_RATIO_GUIDE + 0.05, "1e-3 guide", fontsize=8)
    ax.set_title(title or "update:data ratio during training")
    ax.set_xlabel("step")
    ax.set_ylabel("log10(std(update) / std(data))")
    return _save(fig, path)


def plot_lr_sweep(
    lrs: list[float],
    losses: list[float],
    smoothed: list[float],
    suggested: float,
    path: str | os.PathLike[str],
    title: str = "",
) -> Path:
    """Lecture 3's learning-rate sweep: loss against log10(lr), with the suggestion marked."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    exps = [math.log10(x) for x in lrs]
    ax.plot(exps, losses, color="0.7", lw=0.8, label="loss of each step")
    ax.plot(exps, smoothed, color="C0", lw=1.5, label="smoothed")
    ax.axvline(math.log10(suggested), color="C3", ls="--", lw=1, label=f"suggested {suggested:.3g}")
    finite = [x for x in smoothed if math.isfinite(x)]
    if finite:
        ax.set_ylim(min(finite) - 0.1, min(max(finite), 2 * min(finite) + 1) + 0.1)
    ax.set_title(title or "learning-rate sweep")
    ax.set_xlabel("log10(learning rate)")
    ax.set_ylabel("training loss")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_embeddings(
    points: list[tuple[float, float]],
    labels: list[str],
    path: str | os.PathLike[str],
    title: str = "",
) -> Path:
    """Lecture 3's scatter: each character's embedding in 2-D, drawn with its letter."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 6))
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    ax.scatter(xs, ys, s=200, color="C0", alpha=0.4)
    for x, y, label in zip(xs, ys, labels, strict=True):
        ax.text(x, y, label, ha="center", va="center", color="k", fontsize=10)
    ax.margins(0.08)  # room for the markers of the outermost points
    ax.grid(True, lw=0.3)
    ax.set_title(title or "character embeddings")
    return _save(fig, path)
