"""objects: a per-cell object-instance finder, trained from the labels of generated scenes.

For every cell the model predicts whether it belongs to an object and, for each of four
neighbours (right, down, down-right, down-left), whether that neighbour belongs to the same
object. Objects are then the connected components of the predicted links. Unlike connected
components of colours it can split two touching objects of one colour and join the cells of a
multi-coloured object, because it learns from labels where objects begin and end.

Two bodies read the grid: ``conv`` (the default), residual dilated 3x3 convolutions with a
global mean added back after each, translation invariant and cheap enough to read every grid up
to 30 x 30 whole; and ``transformer``, the canvas encoder the solvers share, with a learned
position per canvas cell. Both start from connected components (``prior``): each link's logit
begins at +prior when its two cells share a colour and -prior otherwise, and is-object at +prior
for any colour but black, so the untrained model is 8-connected one-colour components with black
as the background, and training learns only where the labels differ from that.
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
ARCHS = ("conv", "transformer")
DILATIONS = (1, 2, 4, 8)  # the conv body's layers cycle through these: 4 layers see 31 cells across
N_FEATURES = E.CANVAS_VOCAB + 8 + 1  # one-hot value, same colour as each neighbour, colour share

ObjectSet = frozenset[int]  # an object as the flat indices (row * width + col) of its cells


@dataclass
class ObjectFinderConfig:
    arch: str = "conv"  # "conv" (translation invariant) or "transformer" (see the docstring)
    canvas: int = 31  # canvas side: grids of up to canvas - 1 rows and columns
    n_layer: int = 6  # Transformer blocks, or conv layers
    n_head: int = 4  # attention heads per block (transformer)
    n_embd: int = 64  # residual width
    dropout: float = 0.0  # dropout in the blocks
    bias: bool = False  # biases in Linear layers and norms
    norm: str = "rmsnorm"  # "layernorm" or "rmsnorm"
    mlp: str = "swiglu"  # "gelu" or "swiglu"
    qk_norm: bool = True  # normalize queries and keys per head
    boundary_weight: float = 3.0  # loss weight of a link between two touching objects (rare)
    local: bool = True  # each cell also embeds its 8 neighbours' values (a 3x3 stem)
    prior: float = 4.0  # logit of the connected-components start (0: none; see the docstring)

    def __post_init__(self) -> None:
        check_sizes(self)
        if not 2 <= self.canvas <= E.MAX_SIDE + 1:
            raise Z2HError(f"canvas must be 2-31, got {self.canvas}")
        if self.arch not in ARCHS:
            raise Z2HError(f"arch must be one of {', '.join(ARCHS)}, got {self.arch!r}")
        if self.prior < 0:
            raise Z2HError(f"prior must be at least 0, got {self.prior}")
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


def _shifted(a: np.ndarray, dr: int, dc: int, fill: int) -> np.ndarray:
    """``a`` read at (r + dr, c + dc) for every (r, c); ``fill`` off its edges."""
    h, w = a.shape
    out = np.full_like(a, fill)
    rows, cols = slice(max(0, -dr), min(h, h - dr)), slice(max(0, -dc), min(w, w - dc))
    out[rows, cols] = a[max(0, dr) : min(h, h + dr), max(0, dc) : min(w, w + dc)]
    return out


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
        other = _shifted(owners, dr, dc, -1)
        y[:h, :w, j] = np.where((owners >= 0) & (other >= 0), owners == other, E.IGNORE)
    return y.reshape(size * size, N_OUT)


def object_f1(found: set[ObjectSet], truth: set[ObjectSet]) -> tuple[int, int, int]:
    """(exactly recovered, found, true) object counts: F1 = 2 tp / (found + true)."""
    return len(found & truth), len(found), len(truth)


def f1_score(counts: Sequence[tuple[int, int, int]]) -> float:
    tp = sum(c[0] for c in counts)
    total = sum(c[1] + c[2] for c in counts)
    return 2 * tp / total if total else 1.0


def cell_features(canvas: torch.Tensor) -> torch.Tensor:
    """(B, H, W) canvas values -> (B, N_FEATURES, H, W) floats: the one-hot value, whether each
    of the 8 neighbours has the same value (the links of colour components), and the share of
    the grid's cells that have this cell's colour (a hint at the background)."""
    onehot = F.one_hot(canvas, E.CANVAS_VOCAB).permute(0, 3, 1, 2).float()
    padded = F.pad(canvas, (1, 1, 1, 1), value=E.EMPTY)
    H, W = canvas.shape[1:]
    same = [
        (padded[:, 1 + dr : 1 + dr + H, 1 + dc : 1 + dc + W] == canvas).float()
        for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)
    ]  # fmt: skip
    colours = onehot[:, : E.N_COLOURS]
    counts = colours.sum((2, 3), keepdim=True)  # (B, 10, 1, 1)
    share = (colours * counts).sum(1, keepdim=True) / counts.sum(1, keepdim=True).clamp(min=1)
    return torch.cat([onehot, torch.stack(same, 1), share], 1)


class ConvBody(nn.Module):
    """Residual dilated 3x3 convolutions over the canvas, each followed by the mean over the
    grid's cells (through a linear map) added back to every cell, so a cell sees its
    neighbourhood and the whole grid. (B, H, W) values -> (B, C, H, W)."""

    def __init__(self, cfg: ObjectFinderConfig):
        super().__init__()
        C = cfg.n_embd
        self.stem = nn.Conv2d(N_FEATURES, C, 3, padding=1)
        dil = [DILATIONS[i % len(DILATIONS)] for i in range(cfg.n_layer)]
        self.convs = nn.ModuleList(nn.Conv2d(C, C, 3, padding=d, dilation=d) for d in dil)
        self.norms = nn.ModuleList(nn.LayerNorm(C) for _ in dil)
        self.pool = nn.ModuleList(nn.Linear(C, C) for _ in dil)

    def forward(self, canvas: torch.Tensor) -> torch.Tensor:
        inside = (canvas < E.N_COLOURS).unsqueeze(1).float()  # (B, 1, H, W): the grid's cells
        # subtle: empty canvas cells hold zeros throughout, as the convolutions' padding does,
        # so a grid's answer does not depend on how far the batch's canvas reaches past it
        used = (canvas != E.EMPTY).unsqueeze(1).float()
        n = inside.sum((2, 3)).clamp(min=1)
        h = self.stem(cell_features(canvas) * used) * used
        for conv, norm, pool in zip(self.convs, self.norms, self.pool, strict=True):
            h = h + conv(F.gelu(norm(h.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)))
            mean = (h * inside).sum((2, 3)) / n  # (B, C)
            h = (h + pool(mean)[:, :, None, None]) * used
        return h


class ObjectFinder(nn.Module):
    name = "objects"

    def __init__(self, config: ObjectFinderConfig):
        super().__init__()
        self.config = config
        if config.arch == "conv":
            self.body: nn.Module = ConvBody(config)
        else:
            self.encoder = CanvasEncoder(config, E.CANVAS_VOCAB, config.canvas, 1)
        self.head = nn.Linear(config.n_embd, N_OUT, bias=False)
        init_weights(self, config.n_layer)
        nn.init.zeros_(self.head.weight)  # start exactly at the prior

    def forward(
        self, x: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(B, 2, H, W) canvas cells and (unused) object ids -> logits (B, H*W, 5); targets
        (B, H*W, 5) of 0/1 with -1 ignored. (The transformer's canvas is always whole.)"""
        canvas = x[:, 0]
        B, H, W = canvas.shape
        if self.config.arch == "conv":
            h = self.body(canvas).permute(0, 2, 3, 1).reshape(B, H * W, -1)
        else:
            h = self.encoder(x.reshape(B, 2, H * W))
        logits = self.head(h) + self._prior(canvas)
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

    def _prior(self, canvas: torch.Tensor) -> torch.Tensor:
        """(B, H*W, 5) logits of colour components: a link where two cells share a colour,
        an object wherever the colour is not black."""
        B, H, W = canvas.shape
        padded = F.pad(canvas, (0, 1, 0, 1), value=E.EMPTY)  # (links look right and down)
        padded = F.pad(padded, (1, 0, 0, 0), value=E.EMPTY)  # (and down-left)
        out = [(canvas > 0) & (canvas < E.N_COLOURS)]
        for dr, dc in LINKS:
            out.append(padded[:, dr : dr + H, 1 + dc : 1 + dc + W] == canvas)
        sign = torch.stack(out, -1).float() * 2 - 1  # (B, H, W, 5)
        return (self.config.prior * sign).reshape(B, H * W, N_OUT)

    def example(self, grid: np.ndarray, owners: np.ndarray | None, what: str = "grid"):
        S = self.config.canvas
        cells = E.to_canvas(grid, S, what)
        x = np.stack([cells, np.zeros_like(cells)])  # (2, S, S)
        if owners is None:
            return x, np.full((S * S, N_OUT), E.IGNORE, dtype=np.int64)
        return x, link_targets(owners, S)

    def collate(self, examples):
        """Stacked examples; the conv body's canvases are cut to the batch's largest grid
        (plus its border), since cells beyond it change nothing but the cost."""
        dev = device_of(self)
        x = np.stack([e[0] for e in examples])  # (B, 2, S, S)
        y = np.stack([e[1] for e in examples])  # (B, S*S, 5)
        if self.config.arch == "conv":
            S = x.shape[-1]
            used = x[:, 0] != E.EMPTY
            H = int(used.any(axis=(0, 2)).sum())
            W = int(used.any(axis=(0, 1)).sum())
            x = np.ascontiguousarray(x[:, :, :H, :W])
            y = np.ascontiguousarray(
                y.reshape(len(y), S, S, N_OUT)[:, :H, :W].reshape(len(y), -1, N_OUT)
            )
        return torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)

    @torch.no_grad()
    def find(
        self, grids: Sequence[np.ndarray], backgrounds: Sequence[int] | None = None
    ) -> list[set[ObjectSet]]:
        """The objects the model sees in each grid: components of its predicted links. Given
        ``backgrounds`` (a colour per grid, as connected components are given one), every cell
        of another colour is an object cell and the model only links them."""
        if not grids:
            return []
        was_training = self.training
        self.eval()
        x, _ = self.collate([self.example(g, None, f"grid {i}") for i, g in enumerate(grids)])
        H, W = x.shape[-2:]
        probs = torch.sigmoid(self(x)[0].float()).view(len(grids), H, W, N_OUT).cpu().numpy()
        self.train(was_training)
        if backgrounds is not None:
            for p, g, bg in zip(probs, grids, backgrounds, strict=True):
                g = np.asarray(g)
                p[: g.shape[0], : g.shape[1], 0] = g != bg
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
    index = np.arange(h * w).reshape(h, w)
    for j, (dr, dc) in enumerate(LINKS, start=1):
        other = _shifted(index, dr, dc, -1)
        joined = is_obj & (probs[:h, :w, j] > 0.5) & (other >= 0)
        joined &= _shifted(is_obj.astype(np.int64), dr, dc, 0).astype(bool)
        for i, k in zip(index[joined].tolist(), other[joined].tolist(), strict=True):
            a, b = root(i), root(k)
            if a != b:
                parent[a] = b
    groups: dict[int, list[int]] = {}
    for i in index[is_obj].tolist():
        groups.setdefault(root(i), []).append(i)
    return {frozenset(v) for v in groups.values()}
