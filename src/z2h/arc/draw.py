"""Pictures of tasks with matplotlib, for people without a browser: each pair's input beside its
output, in the ARC palette, written atomically."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from z2h.arc.grid import PALETTE
from z2h.arc.task import Task
from z2h.plotting import pyplot, save_figure

GRID_LINE = "#555555"


def draw_grid(ax: Any, grid: np.ndarray | None, title: str = "") -> None:
    """One grid on ``ax``: cells in the ARC palette with thin lines between them."""
    from matplotlib.colors import ListedColormap

    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)
    if grid is None:  # a hidden test output
        ax.text(0.5, 0.5, "?", ha="center", va="center", fontsize=20, transform=ax.transAxes)
        return
    rows, cols = grid.shape
    ax.imshow(grid, cmap=ListedColormap(PALETTE), vmin=0, vmax=9, interpolation="nearest")
    ax.set_xticks(np.arange(-0.5, cols), minor=True)
    ax.set_yticks(np.arange(-0.5, rows), minor=True)
    ax.grid(which="minor", color=GRID_LINE, linewidth=0.5)
    ax.tick_params(which="minor", length=0)


def draw_task(task: Task, path: str | os.PathLike[str], title: str | None = None) -> Path:
    """A PNG of every pair of ``task``, one row each: input, then output."""
    plt = pyplot()
    pairs = list(task.pairs())
    fig, axes = plt.subplots(len(pairs), 2, figsize=(5, 2.4 * len(pairs)), squeeze=False)
    for row, (split, i, pair) in enumerate(pairs):
        draw_grid(axes[row][0], pair.input, f"{split} {i} input {_size(pair.input)}")
        draw_grid(axes[row][1], pair.output, f"{split} {i} output {_size(pair.output)}")
    fig.suptitle(title or task.id, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path, dpi=100)


def draw_sheet(
    rows: Sequence[tuple[str, Task]], path: str | os.PathLike[str], pairs: int = 2
) -> Path:
    """A contact sheet: one row per ``(label, task)``, its first ``pairs`` train pairs."""
    plt = pyplot()
    fig, axes = plt.subplots(
        len(rows), 2 * pairs, figsize=(2.0 * 2 * pairs, 2.0 * len(rows)), squeeze=False
    )
    for r, (label, task) in enumerate(rows):
        for p in range(pairs):
            pair = task.train[p] if p < len(task.train) else None
            for side in (0, 1):
                ax = axes[r][2 * p + side]
                if pair is None:
                    ax.axis("off")
                    continue
                draw_grid(ax, pair.input if side == 0 else pair.output)
        axes[r][0].set_ylabel(label, fontsize=9, rotation=0, ha="right", va="center")
    fig.tight_layout()
    return save_figure(fig, path, dpi=80)


def _size(grid: np.ndarray | None) -> str:
    return "" if grid is None else f"{grid.shape[0]}x{grid.shape[1]}"
