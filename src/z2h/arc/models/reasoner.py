"""object-reasoner: objects as tokens; explains a pair object by object, then solves the test by
acting on its objects and rendering the result.

Differs from grid-gpt and grid-vit in never painting a cell: it predicts, for each object, one
semantic action (``reasoner_actions``: an op with its parameters, and an object it spawns) and
``z2h.arc.replay`` paints the scene those actions make, so a right explanation is an exactly
right answer. Tokens are ``reasoner_data``'s rows: each object's mask and colours go through a
small shape encoder, its box, size and colours through embeddings; pairwise relations (same
grid, touching boxes, shared rows or columns, same colour) bias attention, head by head. The
explain head also points each input object at the output object it became (or at "none").
The heads are pointer-generators: solving, each test object copies the actions of the
demonstration objects it points at (and offsets that line it up with its grid's objects);
explaining, it reads colours and shifts off the output objects.
The two attempts are the two best joint assignments of actions (a beam over the objects) whose
rendered grids differ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.arc.labels import GridLabels, ObjectLabel, PairLabels
from z2h.arc.models import reasoner_data as D
from z2h.arc.models.base import Candidate, GridSolver, block_config, check_sizes, init_weights
from z2h.arc.models.encode import EncodingError
from z2h.arc.models.reasoner_actions import (
    COLOR_OPS,
    COLOR_SPAWNS,
    DIRECTION_OPS,
    DIRECTIONS,
    MAX_SHIFT,
    OFFSET_OPS,
    OPS,
    SPAWNS,
    Explanation,
    ObjectAction,
    render_actions,
)
from z2h.arc.replay import ReplayError
from z2h.errors import Z2HError
from z2h.gpt.model import Block, make_norm

EXPLANATIONS = ("given", "inferred")
HEADS = {"op": len(OPS), "color": 10, "direction": len(DIRECTIONS), "dr": D.N_OFFSETS,
         "dc": D.N_OFFSETS, "spawn": len(SPAWNS), "spawn_color": 10}  # fmt: skip
ALIGNMENTS = ("start", "end", "centre")  # ways to line one box up with another on an axis
RANKS = ("above", "below", "left", "right", "larger", "smaller")  # counted in the object's grid
MAX_RANK = 3  # counts at or above this share the last embedding
N_RELATIONS = 512  # 9 relation bits between two tokens


@dataclass
class ObjectReasonerConfig:
    max_tokens: int = 128  # objects per example: demonstration inputs + the test input, or a pair
    max_pairs: int = 16  # which-pair embeddings (demonstrations + the test input)
    n_layer: int = 4  # Transformer blocks
    n_head: int = 4  # attention heads per block
    n_embd: int = 128  # residual width
    shape_embd: int = 16  # width of each patch cell's embedding in the shape encoder
    relations: bool = True  # pairwise relation biases in attention
    dropout: float = 0.0  # dropout in the blocks
    bias: bool = False  # biases in Linear layers and norms
    norm: str = "rmsnorm"  # "layernorm" or "rmsnorm"
    mlp: str = "swiglu"  # "gelu" or "swiglu"
    qk_norm: bool = True  # normalize queries and keys per head
    explain_frac: float = 0.5  # share of training examples that explain a pair (the rest solve)
    explanations: str = "given"  # demonstrations' actions when solving: from labels or inferred
    beam: int = 8  # joint assignments kept per test input; the best two distinct grids answer
    top_k: int = 3  # candidate actions per object entering the beam
    copy: bool = True  # solve: mix each test object's heads with a pointed demo object's action
    explain_copy: bool = True  # with copy, explaining too: output objects' colours, shifts
    align_copy: bool = True  # with copy, solving: offsets that line an object up with another
    mate_colours: bool = False  # with copy, solving: the colours of the test grid's other objects
    ranks: bool = True  # embed each object's rank in its grid (objects above it, larger, ...)
    colour_kept: bool = True  # explain: embed whether the counterpart kept the main colour

    def __post_init__(self) -> None:
        check_sizes(self)
        if self.max_tokens < 2 or self.max_pairs < 2:
            raise Z2HError(f"max_tokens and max_pairs must be at least 2, got "
                           f"{self.max_tokens} and {self.max_pairs}")  # fmt: skip
        if not 0.0 <= self.explain_frac <= 1.0:
            raise Z2HError(f"explain_frac must be in [0, 1], got {self.explain_frac}")
        if self.explanations not in EXPLANATIONS:
            raise Z2HError(f"explanations must be one of {', '.join(EXPLANATIONS)}, "
                           f"got {self.explanations!r}")  # fmt: skip
        if self.beam < 2 or self.top_k < 1:
            raise Z2HError(f"beam must be at least 2 and top_k at least 1, got "
                           f"{self.beam} and {self.top_k}")  # fmt: skip


class ShapeEncoder(nn.Module):
    """An object's PATCH x PATCH cells (colour or empty) -> (C,): each cell's embedding plus its
    place's, flattened, through a two-layer MLP."""

    def __init__(self, width: int, C: int):
        super().__init__()
        n = D.PATCH * D.PATCH
        self.cell = nn.Embedding(D.EMPTY_CELL + 1, width)
        self.place = nn.Parameter(torch.zeros(n, width))
        self.mlp = nn.Sequential(nn.Linear(n * width, C), nn.GELU(), nn.Linear(C, C))

    def forward(self, cells: torch.Tensor) -> torch.Tensor:  # (B, T, n) -> (B, T, C)
        h = self.cell(cells) + self.place
        return self.mlp(h.flatten(-2))


class ObjectReasoner(GridSolver):
    name = "object-reasoner"
    reads_labels = True  # trained and scored from task labels (reasoner_run)

    def __init__(self, config: ObjectReasonerConfig):
        super().__init__()
        self.config = config
        C = config.n_embd
        bcfg = block_config(config, config.max_tokens, pos="learned")
        sizes = {"role": len(D.ROLES), "pair": config.max_pairs, "top": 32, "left": 32,
                 "height": 32, "width": 32, "grid_h": 32, "grid_w": 32, "below": 32,
                 "right": 32, "size": D.MAX_SIZE_EMB, "color": 10, "order": D.MAX_ORDER,
                 "a_op": len(OPS) + 1, "a_color": 11, "a_dir": len(DIRECTIONS) + 1,
                 "a_dr": D.N_OFFSETS + 1, "a_dc": D.N_OFFSETS + 1, "a_spawn": len(SPAWNS) + 1,
                 "a_spawn_color": 11}  # fmt: skip
        self.features = list(D.FEATURES) + list(D.ACTION_COLS)
        self.emb = nn.ModuleDict({k: nn.Embedding(sizes[k], C) for k in self.features})
        self.shape = ShapeEncoder(config.shape_embd, C)
        if config.ranks:
            self.rank_emb = nn.ModuleList(nn.Embedding(MAX_RANK + 1, C) for _ in RANKS)
        self.rel = nn.Embedding(N_RELATIONS, config.n_head) if config.relations else None
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(bcfg) for _ in range(config.n_layer))
        self.norm_f = make_norm(bcfg)
        self.heads = nn.ModuleDict({k: nn.Linear(C, n) for k, n in HEADS.items()})
        self.match_q = nn.Linear(C, C)
        self.match_k = nn.Linear(C, C)
        self.none_key = nn.Parameter(torch.zeros(C))  # the "deleted" slot of the pointer
        self.match_rel = nn.Embedding(N_RELATIONS, 1)
        self.fuse = nn.Sequential(nn.Linear(2 * C, C), nn.GELU(), nn.Linear(C, C))
        self.shift_r = nn.Embedding(2 * MAX_SHIFT + 2, C)  # the counterpart's shift; last: none
        self.shift_c = nn.Embedding(2 * MAX_SHIFT + 2, C)
        self.became_colour = nn.Embedding(11, C)  # the counterpart's main colour; 10: none
        if config.colour_kept:
            self.kept = nn.Embedding(3, C)  # whether the counterpart kept the main colour
        if config.copy:
            self.copy_q = nn.Linear(C, C)
            # subtle: no bias on the keys: it would add the same score to every key of a row,
            # which the softmax ignores, so its gradient is rounding noise that Adam amplifies
            self.copy_k = nn.Linear(C, C, bias=False)
            self.copy_rel = nn.Embedding(N_RELATIONS, 1)
            self.copy_gate = nn.Linear(2 * C, len(HEADS))  # per head: copy or predict
            if config.mate_colours:  # a query per colour head
                self.mate_q = nn.Linear(C, 2 * C)
                self.mate_k = nn.Linear(C, C)
            if config.align_copy:  # a query per offset head and alignment; keys shared
                self.align_q = nn.Linear(C, 2 * len(ALIGNMENTS) * C)
                self.align_k = nn.Linear(C, C)
        init_weights(self, config.n_layer)

    @property
    def reads_demos(self) -> bool:
        return True

    def max_demos(self) -> int:
        return self.config.max_pairs - 1

    # -- the network -----------------------------------------------------------------------------
    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, N_FEATURES) ints -> (B, T, C)."""
        n = len(self.features)
        h = self.shape(x[..., n:])
        for i, name in enumerate(self.features):
            table = self.emb[name]
            h = h + table(x[..., i].clamp(0, table.num_embeddings - 1))
        if self.config.ranks:
            ranks = self.ranks(x)  # (B, T, len(RANKS))
            for i, table in enumerate(self.rank_emb):
                h = h + table(ranks[..., i])
        return h

    @staticmethod
    def ranks(x: torch.Tensor) -> torch.Tensor:
        """(B, T, F) -> (B, T, len(RANKS)) ints in [0, MAX_RANK]: for each object, how many
        objects of its grid lie wholly above it, below, left, right, and how many are larger and
        smaller (capped). 0 is "the topmost", "the largest": what rules that pick one object
        (keep the extreme one, recolour the largest) key on, without comparing every pair in
        attention first."""
        col = {name: i for i, name in enumerate(D.FEATURES)}
        role, pair = x[..., col["role"]], x[..., col["pair"]]
        grid = (role[:, :, None] == role[:, None, :]) & (pair[:, :, None] == pair[:, None, :])
        grid = grid & (role != 0)[:, None, :]  # (B, T, T): key j shares query i's grid
        top, left = x[..., col["top"]], x[..., col["left"]]
        bottom, right = top + x[..., col["height"]], left + x[..., col["width"]]
        size = x[..., col["size"]]
        others = {
            "above": bottom[:, None, :] <= top[:, :, None],
            "below": top[:, None, :] >= bottom[:, :, None],
            "left": right[:, None, :] <= left[:, :, None],
            "right": left[:, None, :] >= right[:, :, None],
            "larger": size[:, None, :] > size[:, :, None],
            "smaller": size[:, None, :] < size[:, :, None],
        }
        counts = [(others[k] & grid).sum(-1).clamp(max=MAX_RANK) for k in RANKS]
        return torch.stack(counts, -1)

    def _attention_mask(self, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        """(B, T, F) -> (B, nh, T, T) additive mask: -inf to padding (each token still sees
        itself, so no row is empty), plus the relation biases."""
        role = x[..., 0]
        B, T = role.shape
        pad = role == 0
        eye = torch.eye(T, dtype=torch.bool, device=x.device)
        blocked = pad[:, None, :] & ~eye  # (B, T, T): key is padding
        mask = torch.zeros(B, T, T, device=x.device).masked_fill(blocked, -math.inf)
        mask = mask[:, None].expand(B, self.config.n_head, T, T)
        if self.rel is None:
            return mask
        return mask + self.rel(code).permute(0, 3, 1, 2)

    @staticmethod
    def relation_codes(x: torch.Tensor) -> torch.Tensor:
        """(B, T, F) -> (B, T, T) ints in [0, 512): bits for same grid, boxes overlapping or
        side by side, rows shared, columns shared, same main colour, same size, same shape
        (mask and box, colours aside), and each way round, one box inside the other (equal boxes
        aside): same size and shape let a test object find the demonstration objects that share
        what a rule keys on; containment tells an outline (around) from a fill (inside) and a
        container from its contents."""
        col = {name: i for i, name in enumerate(D.FEATURES)}
        role, pair = x[..., col["role"]], x[..., col["pair"]]
        top, left = x[..., col["top"]], x[..., col["left"]]
        bottom, right = top + x[..., col["height"]] - 1, left + x[..., col["width"]] - 1

        def overlap(a0, a1, pad_by: int) -> torch.Tensor:
            return (a0[:, :, None] <= a1[:, None, :] + pad_by) & (
                a0[:, None, :] <= a1[:, :, None] + pad_by
            )

        grid = (role[:, :, None] == role[:, None, :]) & (pair[:, :, None] == pair[:, None, :])
        rows, cols = overlap(top, bottom, 0), overlap(left, right, 0)
        touch = overlap(top, bottom, 1) & overlap(left, right, 1)
        colour = x[..., col["color"]]
        same = colour[:, :, None] == colour[:, None, :]
        size = x[..., col["size"]]
        same_size = size[:, :, None] == size[:, None, :]
        mask = x[..., len(D.FEATURES) + len(D.ACTION_COLS) :] != D.EMPTY_CELL  # (B, T, P*P)
        hw = x[..., col["height"]] * 32 + x[..., col["width"]]
        same_shape = (mask[:, :, None] == mask[:, None, :]).all(-1) & (
            hw[:, :, None] == hw[:, None, :]
        )
        code = grid.long() + 2 * touch.long() + 4 * rows.long() + 8 * cols.long()
        code = code + 16 * same.long() + 32 * same_size.long() + 64 * same_shape.long()
        inside = (
            (top[:, :, None] >= top[:, None, :])
            & (left[:, :, None] >= left[:, None, :])
            & (bottom[:, :, None] <= bottom[:, None, :])
            & (right[:, :, None] <= right[:, None, :])
        )  # (B, T, T): the query's box lies inside the key's
        equal = inside & inside.transpose(1, 2)
        code = (
            code + 128 * (inside & ~equal).long() + 256 * (inside.transpose(1, 2) & ~equal).long()
        )
        return code

    def forward(
        self, x: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor | None]:
        """(B, T, N_FEATURES) -> logits per head {name: (B, T, n)} and "match": (B, T, T + 1),
        the last column "none"; with targets (B, T, N_TARGETS), the loss: per example, the
        mean over its target tokens of the summed heads' cross-entropies; then the mean over
        examples (so a batch split across ranks averages to the same loss)."""
        h = self.drop(self._embed(x))
        code = self.relation_codes(x)
        mask = self._attention_mask(x, code).to(h.dtype)
        for block in self.blocks:
            h = block(h, None, mask, causal=False)
        h = self.norm_f(h)
        match = self._pointer(h, x, code)  # (B, T, T + 1)
        # each object also reads its counterpart: the output objects, weighed by the pointer
        # (the "none" column reads zeros), so the action heads see what it became
        weights = F.softmax(match.float(), dim=-1)[..., :-1].to(h.dtype)  # (B, T, T)
        became = weights @ h  # (B, T, C)
        h = h + self.fuse(torch.cat([h, became], dim=-1)) + self._counterpart(x, match)
        logits = {k: head(h) for k, head in self.heads.items()}
        if self.config.copy:
            logits = self._copy(logits, h, x, code, match)
        logits["match"] = match
        if targets is None:
            return logits, None
        return logits, self._loss(logits, targets)

    def _counterpart(self, x: torch.Tensor, match: torch.Tensor) -> torch.Tensor:
        """(B, T, C): embeddings of what separates each object from the output object it most
        likely became: the shift of its box's top-left corner and that object's main colour
        ("none" entries when it became none). Differences are what an action says, and an
        embedding of two positions makes a network subtract them; here they are read off."""
        col = {name: i for i, name in enumerate(D.FEATURES)}
        B, T, _ = x.shape
        j = match.argmax(-1)  # (B, T): the pointed column; T is "none"
        gone = j == T
        other = x.gather(1, j.clamp(max=T - 1)[..., None].expand(B, T, x.size(-1)))
        shift = [other[..., col[k]] - x[..., col[k]] for k in ("top", "left")]
        none_shift, none_colour = 2 * MAX_SHIFT + 1, 10
        dr, dc = ((d.clamp(-MAX_SHIFT, MAX_SHIFT) + MAX_SHIFT).masked_fill(gone, none_shift)
                  for d in shift)  # fmt: skip
        colour = other[..., col["color"]].masked_fill(gone, none_colour)
        out = self.shift_r(dr) + self.shift_c(dc) + self.became_colour(colour)
        if self.config.colour_kept:  # 0: kept its main colour, 1: changed it, 2: none
            changed = (other[..., col["color"]] != x[..., col["color"]]).long()
            out = out + self.kept(changed.masked_fill(gone, 2))
        return out

    def _copy(
        self,
        logits: dict[str, torch.Tensor],
        h: torch.Tensor,
        x: torch.Tensor,
        code: torch.Tensor,
        match: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        """A pointer-generator: each head's distribution becomes ``g * copy + (1 - g * m) *
        heads``, ``copy`` the values a pointer reads (mass ``m``: its weight on the tokens where
        the head has a value), ``g`` a learned gate per head. Solving, a test object points at
        the demonstration input objects whose actions are known (a query against keys, plus a
        learned bias per relation: same colour, size or shape is what a rule keys on) and reads
        their actions, so a colour only a demonstration shows is one pointer away, not a value
        the heads must recall. Explaining (``explain_copy``), an input object points the same
        way at the output objects and reads their main colour (colour and spawn colour: what it
        became, what it made), and reads the shift to each output object, weighed by the
        correspondence pointer, for ``move_by``'s offsets. The result is log-probabilities in
        place of those tokens' logits, so argmax, log_softmax and cross-entropy read them
        unchanged."""
        role = x[..., 0]
        a0 = len(D.FEATURES)
        acts = x[..., a0 : a0 + len(D.ACTION_COLS)]  # (B, T, 7): value + 1, 0 unknown
        known = (role == D.ROLES.index("demo_in")) & (acts[..., 0] > 0)  # (B, T)
        allowed = (role == D.ROLES.index("test_in"))[:, :, None] & known[:, None, :]  # (B, T, T)
        values = acts
        explaining = self.config.explain_copy & (role == D.ROLES.index("explain_in"))  # (B, T)
        if self.config.explain_copy:
            outs = role == D.ROLES.index("explain_out")
            allowed = allowed | (explaining[:, :, None] & outs[:, None, :])
            # an output object offers its main colour + 1 to the colour heads, nothing else
            colour = (x[..., D.FEATURES.index("color")] + 1).masked_fill(~outs, 0)
            values = acts.masked_fill(outs[..., None], 0).clone()
            for name in ("color", "spawn_color"):
                values[..., list(HEADS).index(name)] += colour
        use = allowed.any(-1)  # (B, T)
        if not bool(use.any()):
            return logits
        C = h.size(-1)
        q, k = self.copy_q(h), self.copy_k(h)
        scores = q @ k.transpose(1, 2) / math.sqrt(C) + self.copy_rel(code)[..., 0]  # (B, T, T)
        scores = scores.float().masked_fill(~allowed, -1e9)
        w = F.softmax(scores, dim=-1)
        pointed = w.to(h.dtype) @ h  # (B, T, C): the state of what it points at
        gate = torch.sigmoid(self.copy_gate(torch.cat([h, pointed], -1)).float())  # (B, T, 7)
        shifts = self._shift_copies(x, match, explaining) if self.config.explain_copy else {}
        aligns = self._align_pointers(h, x) if self.config.align_copy else {}
        if self.config.mate_colours:
            aligns.update(self._mate_colours(h, x))
        out = dict(logits)
        T = x.size(1)
        for i, (name, n) in enumerate(HEADS.items()):
            onehot = F.one_hot(values[..., i].clamp(0, n), n + 1)[..., 1:].float()  # (B, T, n)
            if name in aligns:  # one softmax over the demonstration objects and the alignments
                a_scores, a_index = aligns[name]
                joint = F.softmax(torch.cat([scores, a_scores], -1), dim=-1)
                copied = joint[..., :T] @ onehot + torch.zeros_like(onehot).scatter_add_(
                    2, a_index, joint[..., T:]
                )
            else:
                copied = w @ onehot  # (B, T, n); sums to the mass on tokens with a value
            if name in shifts:
                copied = copied + shifts[name]
            g = gate[..., i : i + 1]
            p = g * copied + (1 - g * copied.sum(-1, keepdim=True)) * F.softmax(
                logits[name].float(), -1
            )
            out[name] = torch.where(use[..., None], p.clamp_min(1e-30).log(), logits[name].float())
        return out

    def _align_pointers(
        self, h: torch.Tensor, x: torch.Tensor
    ) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """{"dr", "dc"}: (scores, offsets), each (B, T, 3T): for each test object, every other
        object of its grid, three ways (ALIGNMENTS: line up the starts, the ends or the
        centres of the two boxes along that axis), the offset that moves it there (an index
        into the offset head) and a learned score for it. "Slide until lined up with the
        marker" differs object by object, so no demonstration holds the value to copy; the
        alignments offer it."""
        B, T, _ = x.shape
        col = {name: i for i, name in enumerate(D.FEATURES)}
        mates = _test_mates(x, col)  # (B, T, T)
        C = h.size(-1)
        q = self.align_q(h).view(B, T, 2 * len(ALIGNMENTS), C)
        k = self.align_k(h)  # (B, T, C)
        out = {}
        for axis, (name, start, size) in enumerate((("dr", "top", "height"),
                                                    ("dc", "left", "width"))):  # fmt: skip
            a, n = x[..., col[start]], x[..., col[size]]
            # (B, T, T) offsets for the query i to line up with the key j
            starts = a[:, None, :] - a[:, :, None]
            ends = starts + n[:, None, :] - n[:, :, None]
            centres = starts + torch.div(n[:, None, :] - n[:, :, None], 2, rounding_mode="floor")
            index = torch.cat([starts, ends, centres], -1)  # (B, T, 3T)
            index = index.clamp(-MAX_SHIFT, MAX_SHIFT) + MAX_SHIFT
            qa = q[:, :, axis * len(ALIGNMENTS) : (axis + 1) * len(ALIGNMENTS)]  # (B, T, 3, C)
            scores = (qa @ k.transpose(1, 2)[:, None]).flatten(2) / math.sqrt(C)  # (B, T, 3T)
            scores = scores.float().masked_fill(~mates.repeat(1, 1, len(ALIGNMENTS)), -1e9)
            out[name] = (scores, index)
        return out

    def _mate_colours(
        self, h: torch.Tensor, x: torch.Tensor
    ) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """{"color", "spawn_color"}: (scores, colours), each (B, T, T): for each test object,
        every other object of its grid with its main colour, and a learned score for taking it.
        "Take the line's colour" is a different colour in every pair, which no demonstration
        holds; the objects of the test grid offer it."""
        B, T, _ = x.shape
        col = {name: i for i, name in enumerate(D.FEATURES)}
        mates = _test_mates(x, col)  # (B, T, T)
        C = h.size(-1)
        q = self.mate_q(h).view(B, T, 2, C)
        k = self.mate_k(h)  # (B, T, C)
        colours = x[..., col["color"]][:, None, :].expand(B, T, T)  # (B, T, T): key j's colour
        out = {}
        for i, name in enumerate(("color", "spawn_color")):
            scores = q[:, :, i] @ k.transpose(1, 2) / math.sqrt(C)  # (B, T, T)
            out[name] = (scores.float().masked_fill(~mates, -1e9), colours)
        return out

    @staticmethod
    def _shift_copies(
        x: torch.Tensor, match: torch.Tensor, explaining: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """{"dr", "dc"}: (B, T, N_OFFSETS), for each explained input object the shift of its box
        to each output object, weighed by the correspondence pointer (the "none" column and
        every other token weigh nothing): a fixed move read off, not recalled."""
        B, T, _ = x.shape
        w = F.softmax(match.float(), dim=-1)[..., :-1] * explaining[..., None]  # (B, T, T)
        out = {}
        for name, feature in (("dr", "top"), ("dc", "left")):
            pos = x[..., D.FEATURES.index(feature)]
            shift = (pos[:, None, :] - pos[:, :, None]).clamp(-MAX_SHIFT, MAX_SHIFT) + MAX_SHIFT
            out[name] = torch.zeros(B, T, D.N_OFFSETS, device=x.device).scatter_add_(2, shift, w)
        return out

    def _pointer(self, h: torch.Tensor, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        """(B, T, C) -> (B, T, T + 1): each token's score for each explain-output token (plus
        a learned bias per relation: where an object went is often where it was), and for
        "none" (last column)."""
        C = h.size(-1)
        q, k = self.match_q(h), self.match_k(h)
        scores = q @ k.transpose(1, 2) / math.sqrt(C) + self.match_rel(code)[..., 0]  # (B, T, T)
        is_out = x[..., 0] == D.ROLES.index("explain_out")
        scores = scores.masked_fill(~is_out[:, None, :], -1e9)
        none = (q @ self.none_key / math.sqrt(C))[..., None]  # (B, T, 1)
        return torch.cat([scores, none], dim=-1)

    def _loss(self, logits: dict[str, torch.Tensor], targets: torch.Tensor) -> torch.Tensor:
        per_token = torch.zeros(targets.shape[:2], device=targets.device)
        for i, name in enumerate(D.TARGETS):
            lg = logits[name].float()
            t = targets[..., i]
            ce = F.cross_entropy(
                lg.reshape(-1, lg.size(-1)), t.clamp(min=0).reshape(-1), reduction="none"
            ).view_as(t)
            per_token = per_token + ce * (t >= 0)
        counted = (targets[..., 0] >= 0).float()
        per_example = (per_token * counted).sum(1) / counted.sum(1).clamp(min=1)
        return per_example.mean()

    # -- examples (the GridSolver contract reads grids; this model reads labels) ---------------
    def collate(self, examples: list[tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, ...]:
        """Stacked (B, T, ...) with T the longest example's objects, not max_tokens: most of a
        max_tokens row is padding, and attention and the MLPs cost by the token. The pointer's
        "none" target (max_tokens in an example) becomes T, the batch's last column."""
        dev = next(self.parameters()).device
        x = np.stack([e[0] for e in examples])
        y = np.stack([e[1] for e in examples])
        T = max(1, int((x[..., 0] > 0).sum(1).max()))
        x, y = x[:, :T], y[:, :T].copy()
        match = y[..., D.TARGETS.index("match")]
        match[match == self.config.max_tokens] = T
        return torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)

    def example(self, demos, query, answer, object_ids, task_id):
        """The solve example of unlabelled grids (objects from connected components, the
        demonstrations' actions unknown until the explain head infers them), which tells
        whether a task fits. Training needs labels (``labelled_example``)."""
        if answer is not None:
            raise EncodingError(
                f"task {task_id}: the object reasoner learns from labels (train with "
                "--generator or a --data set made by 'z2h arc generate')"
            )
        unknown = [(D.grid_objects(i), None) for i, _ in demos]
        return D.solve_example(unknown, D.grid_objects(query), None, self.config.max_tokens,
                               f"task {task_id}")  # fmt: skip

    def labelled_example(self, labels, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return D.training_example(labels, rng, self.config.explain_frac, self.config.max_tokens)

    # -- explain -----------------------------------------------------------------------------
    @torch.no_grad()
    def explain(self, pairs: Sequence[PairLabels]) -> list[Explanation]:
        """The inferred explanation of each labelled pair (its output objects known)."""
        if not pairs:
            return []
        ex = [D.explain_example(p, None, self.config.max_tokens) for p in pairs]
        x, _ = self.collate(ex)
        logits, _ = self(x)
        out = []
        for b, p in enumerate(pairs):
            n = len(p.input.objects)
            acts = [self._best_action(logits, b, t) for t in range(n)]
            ring = logits["spawn_color"][b, :n].argmax(-1).tolist()  # an outline's colour
            acts = [
                _own_outline(a, o, k) for a, o, k in zip(acts, p.input.objects, ring, strict=True)
            ]
            ptr = logits["match"][b, :n].argmax(-1).tolist()
            T = logits["match"].size(-1) - 1  # the "none" column
            matches = [None if j == T else j - n for j in ptr]
            matched = {m for m in matches if m is not None}
            created = [j for j in range(len(p.output.objects)) if j not in matched]
            out.append(Explanation(acts, matches, created))
        return out

    def _best_action(self, logits: dict[str, torch.Tensor], b: int, t: int) -> ObjectAction:
        return D.action_of([int(logits[k][b, t].argmax()) for k in HEADS])

    # -- solve -------------------------------------------------------------------------------
    def demo_explanations(self, demos: Sequence[PairLabels], given: Sequence[Explanation] | None):
        if self.config.explanations == "given" and given is not None:
            return list(given)
        return self.explain(demos)

    @torch.no_grad()
    def assignments(
        self, demos: Sequence[tuple[GridLabels, Explanation]], query: GridLabels
    ) -> list[tuple[list[ObjectAction], float]]:
        """The ``beam`` best joint assignments of actions to the query's objects, best first,
        each with its log-probability (the sum over objects)."""
        x, y = D.solve_example(demos, query, None, self.config.max_tokens)
        logits, _ = self(self.collate([(x, y)])[0])
        n_demo = int((x[:, 0] == D.ROLES.index("demo_in")).sum())
        logp = {k: F.log_softmax(v[0].float(), -1).cpu() for k, v in logits.items() if k in HEADS}
        beams: list[tuple[list[ObjectAction], float]] = [([], 0.0)]
        for t in range(n_demo, n_demo + len(query.objects)):
            options = self._options(logp, t)
            grown = [([*acts, a], s + lp) for acts, s in beams for a, lp in options]
            grown.sort(key=lambda e: -e[1])
            beams = grown[: self.config.beam]
        return beams

    def _options(self, logp: dict[str, torch.Tensor], t: int) -> list[tuple[ObjectAction, float]]:
        """The ``top_k`` most likely actions of token ``t``, from: each op among the top_k ops
        with its parameters (its first parameter at its best two values, the others at their
        best: a second attempt is often the same op with another colour or direction) and each
        spawn among the top two (its colour at its best)."""

        def top(name: str, k: int) -> list[tuple[int, float]]:
            v, i = logp[name][t].topk(k)
            return list(zip(i.tolist(), v.tolist(), strict=True))

        out = []
        for op_i, op_lp in top("op", min(self.config.top_k, len(OPS))):
            for t7, score in self._with_params(op_i, op_lp, top):
                for sp_i, sp_lp in top("spawn", 2):
                    t7s, s = list(t7), score + sp_lp
                    t7s[5] = sp_i
                    if SPAWNS[sp_i] in COLOR_SPAWNS:
                        t7s[6], lp = top("spawn_color", 1)[0]
                        s += lp
                    out.append((D.action_of(t7s), s))
        out.sort(key=lambda e: -e[1])
        return out[: self.config.top_k]

    @staticmethod
    def _with_params(op_i: int, op_lp: float, top) -> list[tuple[list[int], float]]:
        """(targets, log-probability) of op ``op_i`` with its parameters filled in."""
        op = OPS[op_i]
        names = [(col, name) for col, (name, using) in enumerate(
            (("color", COLOR_OPS), ("direction", DIRECTION_OPS), ("dr", OFFSET_OPS),
             ("dc", OFFSET_OPS)), start=1) if op in using]  # fmt: skip
        if not names:
            return [([op_i, 0, 0, 0, 0, 0, 0], op_lp)]
        out = []
        first_col, first = names[0]
        for value, lp in top(first, 2):
            t7, score = [op_i, 0, 0, 0, 0, 0, 0], op_lp + lp
            t7[first_col] = value
            for col, name in names[1:]:
                t7[col], extra = top(name, 1)[0]
                score += extra
            out.append((t7, score))
        return out

    def answer(
        self,
        demos: Sequence[tuple[GridLabels, Explanation]],
        query: GridLabels,
        beams: list[tuple[list[ObjectAction], float]] | None = None,
    ) -> list[Candidate]:
        """Up to two distinct rendered grids from the best joint assignments (``beams``, if
        already found), best first."""
        seen: set[bytes] = set()
        out: list[Candidate] = []
        for acts, score in beams if beams is not None else self.assignments(demos, query):
            try:
                grid = render_actions(query, acts)
            except ReplayError:  # an action the scene cannot take (a colour it lacks)
                continue
            if grid is None:
                continue
            key = bytes(grid.shape) + grid.tobytes()
            if key not in seen:
                seen.add(key)
                out.append((grid, score))
            if len(out) == 2:
                break
        return out

    def candidates(self, queries, object_ids) -> list[list[Candidate]]:
        """Unlabelled tasks: objects from components, demonstrations explained by the model."""
        out = []
        for demos, query, _ in queries:
            pairs = [_unlabelled_pair(i, o) for i, o in demos]
            explained = self.explain(pairs)
            demo_pairs = [(p.input, e) for p, e in zip(pairs, explained, strict=True)]
            out.append(self.answer(demo_pairs, D.grid_objects(query)))
        return out


def _own_outline(a: ObjectAction, o: ObjectLabel, colour: int) -> ObjectAction:
    """An explained outline, ``outline`` or ``outline_own`` by the rule that defines them
    (``reasoner_actions``: own when the ring's colour, ``colour`` from the spawn-colour head
    that reads it off the output, is the object's only colour): which of the two a ring is, is
    a comparison, not something to learn."""
    if a.spawn not in ("outline", "outline_own"):
        return a
    own = [int(k) for k in o.colors] == [colour]
    return replace(a, spawn="outline_own" if own else "outline",
                   spawn_color=None if own else colour)  # fmt: skip


def _unlabelled_pair(grid_in: np.ndarray, grid_out: np.ndarray) -> PairLabels:
    return PairLabels(D.grid_objects(grid_in), D.grid_objects(grid_out))


def action_accuracy(predicted: Sequence[ObjectAction], truth: Sequence[ObjectAction]) -> int:
    """How many objects' actions are exactly right (op, parameters, spawn and its colour)."""
    return sum(p == t for p, t in zip(predicted, truth, strict=True))


def _test_mates(x: torch.Tensor, col: dict[str, int]) -> torch.Tensor:
    """(B, T, T): whether token j is another object of token i's test grid."""
    T = x.size(1)
    role, pair = x[..., col["role"]], x[..., col["pair"]]
    test = role == D.ROLES.index("test_in")
    mates = (test[:, :, None] & test[:, None, :]) & (pair[:, :, None] == pair[:, None, :])
    return mates & ~torch.eye(T, dtype=torch.bool, device=x.device)
