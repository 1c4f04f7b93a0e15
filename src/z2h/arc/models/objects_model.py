"""objects: a per-cell object-instance finder, trained from the labels of generated scenes.

For every cell the model predicts whether it belongs to an object and, for each of four
neighbours (right, down, down-right, down-left), whether that neighbour belongs to the same
object. Objects are then the connected components of the predicted links. Unlike connected
components of colours it can split two touching objects of one colour and join the cells of a
multi-coloured object, because it learns from labels where objects begin and end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.arc.models import encode as E
from z2h.arc.models.base import CanvasEncoder, check_sizes, device_of, init_weights
from z2h.errors import Z2HError

# (dr, dc) of the neighbour each link output is about; with the reverse directions implied, the
# four cover all eight neighbours
LINKS = ((0, 1), (1, 0), (1, 1), (1, -1))
N_OUT = 1 + len(LINKS)  # is-object, then one logit per link

ObjectSet = frozenset[int]  # an object as the flat indices (row * width + col) of its cells


@dataclass
class ObjectFinderConfig:
    canvas: int = 16  # canvas side: grids of up to canvas - 1 rows and columns
    n_layer: int = 3  # Transformer blocks
    n_head: int = 4  # attention heads per block
    n_embd: int = 64  # residual width
    dropout: float = 0.0  # dropout in the blocks
    bias: bool = False  # biases in Linear layers and norms
    norm: str = "rmsnorm"  # "layernorm" or "rmsnorm"
    mlp: str = "swiglu"  # "gelu" or "swiglu"
    qk_norm: bool = True  # normalize queries and keys per head
    boundary_weight: float = 3.0  # loss weight of a link between two touching objects (rare)
    local: bool = True  # each cell also embeds its 8 neighbours' values (a 3x3 stem)

    def __post_init__(self) -> None:
        check_sizes(self)
        if not 2 <= self.canvas <= E.MAX_SIDE + 1:
            raise Z2HError(f"canvas must be 2-31, got {self.canvas}")
        if not self.boundary_weight > 0:
            raise Z2HError(f"boundary_weight must be positive, got {self.boundary_weight}")


def owner_map(shape: tuple[int, int], objects: Iterable[np.ndarray]) -> np.ndarray:
    """(rows, cols) index of the object that shows at each cell (-1: background).

    ``objects`` are (n, 2+) arrays of (row, col, ...) cells in paint order: a later object's
    cells cover an earlier one's, as in a rendered scene.
    """
    owners = np.full(shape, -1, dtype=np.int64)
    for k, cells in enumerate(objects):
        cells = np.asarray(cells)
        if len(cells):
            owners[cells[:, 0], cells[:, 1]] = k
    return owners


def labelled_grids(task: Any, labels: Any) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(grid, owner map, background) of every labelled grid of a task (``z2h.arc.task.Task``
    with its ``z2h.arc.labels.TaskLabels``): what the object finder learns from."""
    out = []
    pairs = [p for _, _, p in task.pairs()]
    for pair, pl in zip(pairs, labels.train + labels.test, strict=True):
        for grid, gl in ((pair.input, pl.input), (pair.output, pl.output)):
            if grid is not None and gl is not None:
                owners = owner_map(grid.shape, [o.cells for o in gl.objects])
                out.append((grid, owners, gl.background))
    return out


def visible_objects(owners: np.ndarray) -> set[ObjectSet]:
    """The objects of an owner map as sets of flat cell indices (hidden objects drop out)."""
    flat = owners.reshape(-1)
    out: dict[int, list[int]] = {}
    for i, k in enumerate(flat.tolist()):
        if k >= 0:
            out.setdefault(k, []).append(i)
    return {frozenset(v) for v in out.values()}


def link_targets(owners: np.ndarray, size: int) -> np.ndarray:
    """(size^2, 5) targets: is-object per cell, then same-object per link.

    A link counts only between two object cells (-1 elsewhere): only those are ever joined, and
    leaving out the many trivially unlinked background cells keeps the loss on the boundaries
    between touching objects.
    """
    h, w = owners.shape
    y = np.full((size, size, N_OUT), E.IGNORE, dtype=np.int64)
    y[:h, :w, 0] = owners >= 0
    for j, (dr, dc) in enumerate(LINKS, start=1):
        for r in range(h):
            for c in range(w):
                rr, cc = r + dr, c + dc
                if 0 <= rr < h and 0 <= cc < w and owners[r, c] >= 0 and owners[rr, cc] >= 0:
                    y[r, c, j] = int(owners[r, c] == owners[rr, cc])
    return y.reshape(size * size, N_OUT)


def object_f1(found: set[ObjectSet], truth: set[ObjectSet]) -> tuple[int, int, int]:
    """(exactly recovered, found, true) object counts: F1 = 2 tp / (found + true)."""
    return len(found & truth), len(found), len(truth)


def f1_score(counts: Sequence[tuple[int, int, int]]) -> float:
    tp = sum(c[0] for c in counts)
    total = sum(c[1] + c[2] for c in counts)
    return 2 * tp / total if total else 1.0


class ObjectFinder(nn.Module):
    name = "objects"

    def __init__(self, config: ObjectFinderConfig):
        super().__init__()
        self.config = config
        self.encoder = CanvasEncoder(config, E.CANVAS_VOCAB, config.canvas, 1)
        self.head = nn.Linear(config.n_embd, N_OUT, bias=False)
        init_weights(self, config.n_layer)

    def forward(
        self, x: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(B, 2, S^2) canvas cells and (unused) object ids -> logits (B, S^2, 5); targets
        (B, S^2, 5) of 0/1 with -1 ignored."""
        logits = self.head(self.encoder(x))
        loss = None
        if targets is not None:
            keep = targets != E.IGNORE
            boundary = targets == 0
            boundary[..., 0] = False  # (the first output is is-object, not a link)
            weight = torch.where(boundary, self.config.boundary_weight, 1.0)[keep]
            loss = F.binary_cross_entropy_with_logits(
                logits.float()[keep], targets[keep].float(), weight=weight
            )
            loss = loss * keep.sum() / weight.sum()  # a weighted mean
        return logits, loss

    def example(self, grid: np.ndarray, owners: np.ndarray | None, what: str = "grid"):
        S = self.config.canvas
        cells = E.to_canvas(grid, S, what).reshape(-1)
        x = np.stack([cells, np.zeros_like(cells)])
        if owners is None:
            return x, np.full((S * S, N_OUT), E.IGNORE, dtype=np.int64)
        return x, link_targets(owners, S)

    def collate(self, examples):
        dev = device_of(self)
        x = torch.from_numpy(np.stack([e[0] for e in examples])).to(dev)
        return x, torch.from_numpy(np.stack([e[1] for e in examples])).to(dev)

    @torch.no_grad()
    def find(self, grids: Sequence[np.ndarray]) -> list[set[ObjectSet]]:
        """The objects the model sees in each grid: components of its predicted links."""
        if not grids:
            return []
        was_training = self.training
        self.eval()
        S = self.config.canvas
        x, _ = self.collate([self.example(g, None, f"grid {i}") for i, g in enumerate(grids)])
        probs = torch.sigmoid(self(x)[0].float()).view(len(grids), S, S, N_OUT).cpu().numpy()
        self.train(was_training)
        return [_link_components(p, np.asarray(g).shape) for p, g in zip(probs, grids, strict=True)]

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


def _link_components(probs: np.ndarray, shape: tuple[int, int]) -> set[ObjectSet]:
    """Union-find over object cells joined by links the model believes in (p > 0.5)."""
    h, w = shape
    parent = list(range(h * w))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    is_obj = probs[:h, :w, 0] > 0.5
    for j, (dr, dc) in enumerate(LINKS, start=1):
        for r in range(h):
            for c in range(w):
                rr, cc = r + dr, c + dc
                if (0 <= rr < h and 0 <= cc < w and is_obj[r, c] and is_obj[rr, cc]
                        and probs[r, c, j] > 0.5):  # fmt: skip
                    a, b = root(r * w + c), root(rr * w + cc)
                    if a != b:
                        parent[a] = b
    groups: dict[int, list[int]] = {}
    for r in range(h):
        for c in range(w):
            if is_obj[r, c]:
                groups.setdefault(root(r * w + c), []).append(r * w + c)
    return {frozenset(v) for v in groups.values()}
