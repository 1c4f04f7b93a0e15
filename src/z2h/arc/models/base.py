"""What every ARC model shares: Transformer blocks from ``z2h.gpt.model``, their init, a
bidirectional canvas encoder, and the ``GridSolver`` contract that training and evaluation use.

A solver turns a task (demonstration pairs, a test input, the answer when training) into one
example ``(x, y)`` of numpy arrays; ``collate`` stacks examples into the batch tensors that
``forward(x, targets) -> (logits, loss)`` takes (the z2h model contract, so ``z2h.train.Trainer``
trains it); ``candidates`` answers test inputs with ranked grids.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.arc.models.encode import EMPTY, ObjectIds
from z2h.errors import Z2HError
from z2h.gpt.model import Block, GPTConfig, make_norm

Pairs = Sequence[tuple[np.ndarray, np.ndarray]]
NEIGHBOURS = tuple((dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0))
Candidate = tuple[np.ndarray, float]  # (grid, log-probability under the model)


def block_config(cfg: Any, block_size: int, pos: str) -> GPTConfig:
    """The GPTConfig of a model's blocks (vocab_size is unused by the blocks themselves)."""
    return GPTConfig(
        vocab_size=1, block_size=block_size, n_layer=cfg.n_layer, n_head=cfg.n_head,
        n_embd=cfg.n_embd, dropout=cfg.dropout, bias=cfg.bias, norm=cfg.norm, mlp=cfg.mlp,
        pos=pos, qk_norm=cfg.qk_norm, tie_weights=False,
    )  # fmt: skip


def init_weights(model: nn.Module, n_layer: int) -> None:
    """GPT-2's init: N(0, 0.02), residual outputs scaled by 1/sqrt(2 n_layer)."""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            std = 0.02 / (math.sqrt(2 * n_layer) if getattr(module, "residual_out", False) else 1)
            nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)


def check_sizes(cfg: Any) -> None:
    for name in ("n_layer", "n_head", "n_embd"):
        if int(getattr(cfg, name)) < 1:
            raise Z2HError(f"{name} must be at least 1, got {getattr(cfg, name)}")
    if cfg.n_embd % cfg.n_head:
        raise Z2HError(f"n_embd ({cfg.n_embd}) must be divisible by n_head ({cfg.n_head})")


class CanvasEncoder(nn.Module):
    """Bidirectional Transformer over ``n_grids`` canvases of ``size x size`` cells.

    Each cell's embedding is its value's (colour, border or empty) plus learned row, column and
    which-canvas embeddings, plus (optionally) its object id's and (``edge_pos``) its row and
    column counted from its grid's bottom and right edges, read off the border: a mirror image
    or a right-aligned object is then one embedding away. (B, 2, n_grids * size^2) ints
    [cell values, object ids] -> (B, n_grids * size^2, C).
    """

    def __init__(self, cfg: Any, vocab: int, size: int, n_grids: int):
        super().__init__()
        C = cfg.n_embd
        T = n_grids * size * size
        bcfg = block_config(cfg, T, pos="learned")
        self.cell_emb = nn.Embedding(vocab, C)
        self.row_emb = nn.Embedding(size, C)
        self.col_emb = nn.Embedding(size, C)
        self.grid_emb = nn.Embedding(n_grids, C)
        self.max_objects = getattr(cfg, "max_objects", 0)
        use_ids = getattr(cfg, "object_ids", False)
        self.obj_emb = nn.Embedding(self.max_objects + 1, C) if use_ids else None
        self.size, self.n_grids = size, n_grids
        # (``local``) one embedding table per neighbour offset: each cell also sees the values of
        # its 8 neighbours from the first layer on, as a 3x3 convolution stem would give it
        self.local_emb = (
            nn.ModuleList(nn.Embedding(vocab, C) for _ in NEIGHBOURS)
            if getattr(cfg, "local", False)
            else None
        )
        # rows/cols from the far edges, 0..size-1, and `size` for cells off the grid
        self.edge_emb = (
            nn.ModuleList([nn.Embedding(size + 1, C), nn.Embedding(size + 1, C)])
            if getattr(cfg, "edge_pos", False)
            else None
        )
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(bcfg) for _ in range(cfg.n_layer))
        self.norm_f = make_norm(bcfg)
        cell = torch.arange(size * size)
        self.register_buffer("rows", (cell // size).repeat(n_grids), persistent=False)
        self.register_buffer("cols", (cell % size).repeat(n_grids), persistent=False)
        self.register_buffer("grids", torch.arange(n_grids).repeat_interleave(size**2), False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cells, objects = x[:, 0], x[:, 1]
        h = self.cell_emb(cells) + self.row_emb(self.rows) + self.col_emb(self.cols)
        h = h + self.grid_emb(self.grids)
        if self.obj_emb is not None:
            h = h + self.obj_emb(objects.clamp(0, self.max_objects))
        if self.edge_emb is not None:
            from_bottom, from_right = self._from_edges(cells)
            h = h + self.edge_emb[0](from_bottom) + self.edge_emb[1](from_right)
        if self.local_emb is not None:
            for table, around in zip(self.local_emb, self._neighbours(cells), strict=True):
                h = h + table(around)
        h = self.drop(h)
        for block in self.blocks:
            h = block(h, causal=False)  # every cell sees every cell
        return self.norm_f(h)

    def _neighbours(self, cells: torch.Tensor) -> list[torch.Tensor]:
        """(B, T) cell values -> for each offset in NEIGHBOURS, every cell's neighbour's value
        (EMPTY past the canvas edge)."""
        B, S, G = cells.size(0), self.size, self.n_grids
        padded = F.pad(cells.reshape(B * G, S, S), (1, 1, 1, 1), value=EMPTY)
        return [
            padded[:, 1 + dr : 1 + dr + S, 1 + dc : 1 + dc + S].reshape(B, -1)
            for dr, dc in NEIGHBOURS
        ]

    def _from_edges(self, cells: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T) cell values -> each cell's (rows below it, cols right of it) in its grid."""
        B, S, G = cells.size(0), self.size, self.n_grids
        on = (cells < 10).view(B, G, S, S)  # colour cells: the grid itself
        h = on[..., 0].sum(-1, keepdim=True)  # (B, G, 1): the grid's rows (its first column)
        w = on[:, :, 0].sum(-1, keepdim=True)  # (B, G, 1): its columns (its first row)
        r = torch.arange(S, device=cells.device)
        below = (h[..., None] - 1 - r[None, None, :, None]).expand(B, G, S, S)
        right = (w[..., None] - 1 - r[None, None, None, :]).expand(B, G, S, S)
        off = torch.full_like(below, S)
        below, right = torch.where(on, below, off), torch.where(on, right, off)
        return below.reshape(B, -1), right.reshape(B, -1)


class GridSolver(nn.Module):
    """A model that answers ARC test inputs; see the module docstring for the contract."""

    name: str = "solver"
    config: Any

    @property
    def reads_demos(self) -> bool:
        """Whether the model reads demonstrations (only then can TTA ask it a transformed task)."""
        raise NotImplementedError

    def max_demos(self) -> int:
        raise NotImplementedError

    def example(
        self,
        demos: Pairs,
        query: np.ndarray,
        answer: np.ndarray | None,
        object_ids: ObjectIds | None,
        task_id: str,
    ) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def collate(self, examples: list[tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, ...]:
        raise NotImplementedError

    def candidates(
        self, queries: list[tuple[Pairs, np.ndarray, str]], object_ids: ObjectIds | None
    ) -> list[list[Candidate]]:
        """For each (demos, test input, task id): answers, most likely first."""
        raise NotImplementedError

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


def device_of(model: nn.Module) -> torch.device:
    return next(model.parameters()).device
