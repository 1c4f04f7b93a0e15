"""grid-vit: an encoder over fixed canvases that paints every output cell at once, plus its size.

Differs from grid-gpt in writing the whole answer in one pass (no token-by-token decoding) from a
fixed number of canvases: ``demos`` demonstration pairs, then the test input (VARC's idea: each
grid on a canvas whose border marks its size). With ``demos = 0`` it learns one fixed rule, as a
per-task ViT does (ViTARC); with one or two demonstrations it can read a rule's hidden parameter
(which direction, which colour), and test-time augmentation applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.arc.models import encode as E
from z2h.arc.models.base import (
    CanvasEncoder,
    GridSolver,
    check_sizes,
    device_of,
    init_weights,
)
from z2h.errors import Z2HError


@dataclass
class GridViTConfig:
    canvas: int = 12  # canvas side: grids of up to canvas - 1 rows and columns (border included)
    demos: int = 1  # demonstration pairs read before the test input (0: one fixed rule)
    n_layer: int = 4  # Transformer blocks
    n_head: int = 4  # attention heads per block
    n_embd: int = 96  # residual width
    edge_pos: bool = True  # also embed each cell's row/col counted from its grid's far edges
    local: bool = True  # each cell also embeds its 8 neighbours' values (a 3x3 stem)
    copy: bool = False  # an output cell may also copy a test-input cell's colour (pointer head)
    object_ids: bool = False  # add an embedding of each cell's object id (ViTARC's finding)
    max_objects: int = 32  # object ids above this share the last embedding
    dropout: float = 0.0  # dropout in the blocks
    bias: bool = False  # biases in Linear layers and norms
    norm: str = "rmsnorm"  # "layernorm" or "rmsnorm"
    mlp: str = "swiglu"  # "gelu" or "swiglu"
    qk_norm: bool = True  # normalize queries and keys per head

    def __post_init__(self) -> None:
        check_sizes(self)
        if not 2 <= self.canvas <= E.MAX_SIDE + 1:
            raise Z2HError(f"canvas must be 2-31, got {self.canvas}")
        if not 0 <= self.demos <= 4:
            raise Z2HError(f"demos must be 0-4, got {self.demos}")


class GridViT(GridSolver):
    name = "grid-vit"

    def __init__(self, config: GridViTConfig):
        super().__init__()
        self.config = config
        S = config.canvas
        self.n_grids = 2 * config.demos + 1
        self.encoder = CanvasEncoder(config, E.CANVAS_VOCAB, S, self.n_grids)
        self.cell_head = nn.Linear(config.n_embd, E.N_COLOURS, bias=False)
        # output height and width, each 1..S-1
        self.size_head = nn.Linear(config.n_embd, 2 * (S - 1), bias=False)
        if config.copy:
            C = config.n_embd
            self.copy_query = nn.Linear(C, C, bias=False)
            self.copy_key = nn.Linear(C, C, bias=False)
            self.copy_gate = nn.Linear(C, 1, bias=True)
        init_weights(self, config.n_layer)

    def heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, 2, n_grids * S^2) -> cell log-probabilities (B, S^2, 10), height and width logits
        (B, S-1)."""
        S = self.config.canvas
        h = self.encoder(x)[:, -S * S :]  # the test input's canvas answers cell for cell
        sizes = self.size_head(h.mean(dim=1))
        cells = F.log_softmax(self.cell_head(h).float(), -1)
        if self.config.copy:
            cells = self._with_copy(h, x[:, 0, -S * S :], cells)
        return cells, sizes[:, : S - 1], sizes[:, S - 1 :]

    def _with_copy(self, h: torch.Tensor, source: torch.Tensor, painted: torch.Tensor):
        """Mix each cell's painted colours with the colour of the test-input cell it points at.

        Most ARC rules move, mirror or crop what is there: pointing at the source cell and
        copying its colour exactly is one attention away, where painting it needs the colour
        carried through every layer. A gate per cell weighs copying against painting (a
        pointer-generator). h (B, S^2, C), source (B, S^2) the test input's canvas values.
        """
        on = source < E.N_COLOURS  # (B, S^2): the grid's cells, not border or empty
        q, k = self.copy_query(h), self.copy_key(h)
        scores = (q @ k.transpose(1, 2)).float() / math.sqrt(q.size(-1))  # (B, S^2, S^2)
        point = scores.masked_fill(~on[:, None, :], float("-inf")).softmax(-1)
        colours = F.one_hot(source.clamp(max=E.N_COLOURS - 1), E.N_COLOURS).float() * on[..., None]
        copied = point @ colours  # (B, S^2, 10): each cell's copied colour distribution
        gate = torch.sigmoid(self.copy_gate(h).float())  # (B, S^2, 1): how much it copies
        # subtle: the mix of two distributions, in log space; the floor keeps log finite
        return torch.log(gate * copied + (1 - gate) * painted.exp() + 1e-9)

    def forward(
        self, x: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """targets (B, S^2 + 2): the output's colour per canvas cell (-1 off the output grid),
        then its height - 1 and width - 1. Cell scores are log-probabilities."""
        cells, hl, wl = self.heads(x)
        loss = None
        if targets is not None:
            S2 = cells.size(1)
            loss = F.nll_loss(cells.flatten(0, 1), targets[:, :S2].flatten(), ignore_index=E.IGNORE)
            loss = loss + F.cross_entropy(hl.float(), targets[:, S2])
            loss = loss + F.cross_entropy(wl.float(), targets[:, S2 + 1])
        return cells, loss

    @property
    def reads_demos(self) -> bool:
        return self.config.demos > 0

    def max_demos(self) -> int:
        return self.config.demos

    def example(self, demos, query, answer, object_ids, task_id):
        S, k = self.config.canvas, self.config.demos
        demos = list(demos)
        if len(demos) < k:
            raise Z2HError(
                f"task {task_id}: has {len(demos)} demonstration pair(s), the model reads {k}"
            )
        grids = [g for pair in demos[len(demos) - k :] for g in pair] + [query]
        cells = [E.to_canvas(g, S, f"task {task_id}") for g in grids]
        objects = [E.object_canvas(g, S, object_ids) for g in grids]
        x = np.stack([np.concatenate([c.reshape(-1) for c in cells]),
                      np.concatenate([o.reshape(-1) for o in objects])])  # fmt: skip
        y = np.full(S * S + 2, E.IGNORE, dtype=np.int64)
        if answer is not None:
            h, w = answer.shape
            if h >= S or w >= S:
                raise E.EncodingError(
                    f"task {task_id}: a {h}x{w} answer does not fit the model's canvas of {S}"
                )
            target = np.full((S, S), E.IGNORE, dtype=np.int64)
            target[:h, :w] = answer
            y[: S * S] = target.reshape(-1)
            y[S * S :] = (h - 1, w - 1)
        return x, y

    def collate(self, examples):
        dev = device_of(self)
        x = torch.from_numpy(np.stack([e[0] for e in examples])).to(dev)
        return x, torch.from_numpy(np.stack([e[1] for e in examples])).to(dev)

    @torch.no_grad()
    def candidates(self, queries, object_ids):
        """Two answers each: the most likely size with the most likely colours, then the more
        likely of (the second size, same colours) and (the best size, its least sure cell
        changed to its second colour)."""
        was_training = self.training
        self.eval()
        S = self.config.canvas
        examples = [self.example(d, q, None, object_ids, t) for d, q, t in queries]
        x, _ = self.collate(examples)
        cells, hl, wl = self.heads(x)
        cells = cells.view(-1, S, S, E.N_COLOURS).cpu()
        hl, wl = F.log_softmax(hl.float(), -1).cpu(), F.log_softmax(wl.float(), -1).cpu()
        self.train(was_training)
        out = []
        for i in range(len(queries)):
            size = (hl[i][:, None] + wl[i][None, :]).flatten()  # (S-1)^2 joint sizes
            order = size.argsort(descending=True)[:2].tolist()
            best_lp, best_col = cells[i].max(-1)  # (S, S)
            found = []
            for rank, flat in enumerate(order):
                h, w = flat // (S - 1) + 1, flat % (S - 1) + 1
                grid = best_col[:h, :w].numpy().astype(np.uint8)
                score = float(size[flat] + best_lp[:h, :w].sum())
                found.append((grid, score))
                if rank == 0:  # the same size with the least sure cell's second colour
                    top2 = cells[i][:h, :w].topk(2, dim=-1)
                    margin = top2.values[..., 0] - top2.values[..., 1]
                    r, c = divmod(int(margin.argmin()), w)
                    alt = grid.copy()
                    alt[r, c] = int(top2.indices[r, c, 1])
                    found.append((alt, score - float(margin[r, c])))
            found = sorted(found, key=lambda c: -c[1])
            out.append(found[:2] if len(found) > 1 else found)
        return out
