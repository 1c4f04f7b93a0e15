"""grid-gpt: a decoder that reads a task as tokens and writes the test output token by token.

Differs from grid-vit in reading any number of demonstrations in context (so one model serves many
rules) and in writing the answer cell by cell, its size included, with constrained beam search:
only well-formed grids (rows of equal length, 1-30 each way) can come out, and the two best beams
are the two attempts. Blocks are ``z2h.gpt.model``'s (RoPE over the sequence); each token also adds
learned (row, col), which-grid and, optionally, object-id embeddings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.arc.models import encode as E
from z2h.arc.models.base import (
    Candidate,
    GridSolver,
    block_config,
    check_sizes,
    device_of,
    init_weights,
)
from z2h.errors import Z2HError
from z2h.gpt.model import Block, apply_rope, make_norm


@dataclass
class GridGPTConfig:
    block_size: int = 768  # longest sequence (demonstrations, test input and answer) in tokens
    n_layer: int = 4  # Transformer blocks
    n_head: int = 4  # attention heads per block
    n_embd: int = 128  # residual width
    max_grids: int = 10  # which-grid embeddings, 2 per pair: up to 4 demonstrations + the test
    edge_pos: bool = True  # input cells also embed their row/col counted from the far edges
    object_ids: bool = False  # add an embedding of each cell's object id (ViTARC's finding)
    max_objects: int = 32  # object ids above this share the last embedding
    dropout: float = 0.0  # dropout in the blocks
    bias: bool = False  # biases in Linear layers and norms
    norm: str = "rmsnorm"  # "layernorm" or "rmsnorm"
    mlp: str = "swiglu"  # "gelu" or "swiglu"
    qk_norm: bool = True  # normalize queries and keys per head
    beam: int = 2  # beams in decoding; the best two are the two attempts
    describe: bool = False  # read the task's generator description first (z2h.bpe tokens)
    text_vocab: int = 512  # BPE vocabulary of the descriptions: 256 bytes + merges
    max_text: int = 48  # description tokens kept (the rest is cut)

    def __post_init__(self) -> None:
        check_sizes(self)
        if self.max_grids < 4 or self.max_grids % 2:
            raise Z2HError(f"max_grids must be even and at least 4, got {self.max_grids}")
        if self.block_size < 16:
            raise Z2HError(f"block_size must be at least 16, got {self.block_size}")
        if self.beam < 1:
            raise Z2HError(f"beam must be at least 1, got {self.beam}")
        if self.describe and (
            self.text_vocab < 256 or not 1 <= self.max_text < self.block_size // 2
        ):
            raise Z2HError(
                f"text_vocab must be at least 256 and max_text 1 to block_size / 2, got "
                f"{self.text_vocab} and {self.max_text}"
            )


def task_description(task_id: str) -> str:
    """The one-line description of the generator that made a task (ids ``NAME-SEED-INDEX``), or
    "" for a task of no known generator (a real ARC task)."""
    from z2h.arc.dataset import parse_task_id
    from z2h.arc.generators.registry import find_generator

    parsed = parse_task_id(task_id)
    gen = find_generator(parsed.name) if parsed else None
    return gen.description if gen else ""


def description_merges(vocab: int) -> list[tuple[int, int]]:
    """BPE merges (``z2h.bpe``, GPT-4 split pattern) learned from every generator's description
    and concepts: a small vocabulary that writes them in few tokens."""
    from z2h.arc.generators.registry import all_generators
    from z2h.bpe import RegexTokenizer

    text = "\n".join(f"{g.description}\n{' '.join(g.concepts)}" for g in all_generators())
    tok = RegexTokenizer("gpt4").train(text, vocab)
    return sorted(tok.merges, key=tok.merges.__getitem__)


class GridGPT(GridSolver):
    name = "grid-gpt"

    def __init__(self, config: GridGPTConfig):
        super().__init__()
        self.config = config
        C = config.n_embd
        bcfg = block_config(config, config.block_size, pos="rope")
        # (``describe``) description tokens follow the grid tokens' ids, and sit in a "grid" of
        # their own, index max_grids, before the first demonstration
        text = config.text_vocab if config.describe else 0
        self.tok_emb = nn.Embedding(E.VOCAB_SIZE + text, C)
        self.row_emb = nn.Embedding(E.MAX_SIDE + 1, C)
        self.col_emb = nn.Embedding(E.MAX_SIDE + 1, C)
        self.grid_emb = nn.Embedding(config.max_grids + (1 if config.describe else 0), C)
        if config.describe:
            # the merges travel in the checkpoint (a buffer, -1 rows unused), so a loaded model
            # reads descriptions with the tokenizer it was trained with
            merges = torch.full((config.text_vocab - 256, 2), -1, dtype=torch.long)
            learned = description_merges(config.text_vocab)
            if learned:
                merges[: len(learned)] = torch.tensor(learned)
            self.register_buffer("text_merges", merges)
            self._tokenizer: tuple[bytes, Any] | None = None
        self.obj_emb = nn.Embedding(config.max_objects + 1, C) if config.object_ids else None
        self.edge_emb = (
            nn.ModuleList([nn.Embedding(E.NO_EDGE + 1, C), nn.Embedding(E.NO_EDGE + 1, C)])
            if config.edge_pos
            else None
        )
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(bcfg) for _ in range(config.n_layer))
        self.norm_f = make_norm(bcfg)
        self.head = nn.Linear(C, E.VOCAB_SIZE, bias=False)
        init_weights(self, config.n_layer)

    # -- the model contract ----------------------------------------------------------------------
    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(B, len(FEATURES), T) features -> (B, T, C) input embeddings."""
        tok, row, col, grid, obj, below, right = x.unbind(1)
        h = self.tok_emb(tok) + self.row_emb(row) + self.col_emb(col) + self.grid_emb(grid)
        if self.obj_emb is not None:
            h = h + self.obj_emb(obj.clamp(0, self.config.max_objects))
        if self.edge_emb is not None:
            h = h + self.edge_emb[0](below) + self.edge_emb[1](right)
        return self.drop(h)

    def forward(
        self, x: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(B, len(FEATURES), T) features -> logits (B, T, vocab); targets (B, T), -1 ignored."""
        if x.size(2) > self.config.block_size:
            raise Z2HError(f"sequence of {x.size(2)} tokens exceeds block_size")
        h = self.embed(x)
        for block in self.blocks:
            h = block(h)  # causal, RoPE at positions 0..T-1
        logits = self.head(self.norm_f(h))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.float().flatten(0, 1), targets.flatten(), ignore_index=E.IGNORE
            )
        return logits, loss

    # -- examples --------------------------------------------------------------------------------
    @property
    def reads_demos(self) -> bool:
        return True

    def max_demos(self) -> int:
        return self.config.max_grids // 2 - 1

    def example(self, demos, query, answer, object_ids, task_id):
        text = self.description_tokens(task_id) if self.config.describe else []
        if answer is not None:
            answer_tokens = E.grid_token_count(answer.shape)
        else:  # leave room for an answer as large as the test input or any demo output
            shapes = [query.shape, *(o.shape for _, o in demos)]
            answer_tokens = max(E.grid_token_count(s) for s in shapes)
        kept = E.fit_demos(
            list(demos)[-self.max_demos() :], query.shape, answer_tokens,
            self.config.block_size - len(text), task_id,
        )  # fmt: skip
        enc = E.encode_pairs(kept, query, answer, object_ids)
        if not text:
            return enc.features, enc.targets
        # (len(FEATURES), t): the description's tokens at row 0, col 0 of the text "grid"
        head = np.zeros((len(E.FEATURES), len(text)), dtype=np.int64)
        head[0] = E.VOCAB_SIZE + np.asarray(text)
        head[3] = self.config.max_grids
        head[5:] = E.NO_EDGE
        targets = np.concatenate([np.full(len(text), E.IGNORE), enc.targets])
        return np.concatenate([head, enc.features], axis=1), targets

    def tokenizer(self) -> Any:
        """The description tokenizer, rebuilt from the ``text_merges`` buffer when it changes
        (as loading a checkpoint changes it)."""
        from z2h.bpe import RegexTokenizer

        key = self.text_merges.cpu().numpy().tobytes()
        if self._tokenizer is None or self._tokenizer[0] != key:
            tok = RegexTokenizer("gpt4")
            tok.set_merges([(a, b) for a, b in self.text_merges.tolist() if a >= 0])
            self._tokenizer = (key, tok)
        return self._tokenizer[1]

    def description_tokens(self, task_id: str) -> list[int]:
        """The task's generator description as BPE ids (none for a task of no generator)."""
        text = task_description(task_id)
        return self.tokenizer().encode_ordinary(text)[: self.config.max_text] if text else []

    def collate(self, examples):
        """Right-pad to the longest example: padding is never a target and, being last, is never
        attended to by a real token."""
        T = max(f.shape[1] for f, _ in examples)
        x = np.zeros((len(examples), len(E.FEATURES), T), dtype=np.int64)
        x[:, 0] = E.PAD
        y = np.full((len(examples), T), E.IGNORE, dtype=np.int64)
        for i, (f, t) in enumerate(examples):
            x[i, :, : f.shape[1]] = f
            y[i, : len(t)] = t
        dev = device_of(self)
        return torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)

    # -- decoding --------------------------------------------------------------------------------
    def _step(
        self,
        x: torch.Tensor,
        positions: torch.Tensor,
        key_valid: torch.Tensor,
        cache: list[tuple[torch.Tensor, torch.Tensor]] | None,
    ) -> tuple[torch.Tensor, list[tuple[torch.Tensor, torch.Tensor]]]:
        """Run new tokens (B, len(FEATURES), t) through the blocks, with earlier keys/values cached.

        The same computation as ``Block.forward`` (its own modules, weights and RoPE table), but
        the keys and values of earlier tokens come from the cache. ``key_valid`` (B, T_all)
        marks real (not left-padding) tokens; ``positions`` (B, t) are RoPE positions.
        """
        h = self.embed(x)
        B, t, C = h.shape
        new_cache = []
        T_all = key_valid.size(1)
        # query i (absolute index T_all - t + i) sees valid keys at or before it, and itself
        q_abs = torch.arange(T_all - t, T_all, device=h.device)
        causal = torch.arange(T_all, device=h.device)[None, :] <= q_abs[:, None]  # (t, T_all)
        mask = causal[None] & key_valid[:, None, :]
        mask |= torch.arange(T_all, device=h.device)[None, None, :] == q_abs[None, :, None]
        mask = mask[:, None]  # (B, 1, t, T_all)
        for layer, block in enumerate(self.blocks):
            a = block.attn
            z = block.norm1(h)
            q, k, v = a.qkv(z).view(B, t, 3, a.n_head, a.head_size).permute(2, 0, 3, 1, 4)
            if a.q_norm is not None:
                q, k = a.q_norm(q), a.k_norm(k)
            q, k = apply_rope(q, a.rope, positions), apply_rope(k, a.rope, positions)
            if cache is not None:
                k = torch.cat([cache[layer][0], k], dim=2)
                v = torch.cat([cache[layer][1], v], dim=2)
            new_cache.append((k, v))
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            h = h + a.resid_drop(a.proj(y.transpose(1, 2).reshape(B, t, C)))
            h = h + block.mlp(block.norm2(h))
        return self.head(self.norm_f(h)), new_cache

    @torch.no_grad()
    def decode(self, prompts: list[np.ndarray], beam: int | None = None) -> list[list[Candidate]]:
        """Constrained beam search from each prompt (len(FEATURES), T_i) ending in an OUTPUT marker.

        Returns, per prompt, up to ``beam`` finished grids with their log-probabilities, best
        first.
        """
        beam = beam or self.config.beam
        was_training = self.training
        self.eval()
        dev = device_of(self)
        n = len(prompts)
        T0 = max(p.shape[1] for p in prompts)
        room = self.config.block_size - T0
        if room < 4:
            raise Z2HError("no room left in the context to write an answer")
        # left-pad so every prompt ends at the same index
        x = np.zeros((n, len(E.FEATURES), T0), dtype=np.int64)
        x[:, 0] = E.PAD
        valid = np.zeros((n, T0), dtype=bool)
        pos = np.zeros((n, T0), dtype=np.int64)
        for i, p in enumerate(prompts):
            L = p.shape[1]
            x[i, :, T0 - L :] = p
            valid[i, T0 - L :] = True
            pos[i, T0 - L :] = np.arange(L)
        xt = torch.from_numpy(x).to(dev)
        key_valid = torch.from_numpy(valid).to(dev)
        logits, cache = self._step(xt, torch.from_numpy(pos).to(dev), key_valid, None)
        # expand each prompt to `beam` rows; only the first is alive at the start
        rep = torch.arange(n, device=dev).repeat_interleave(beam)
        cache = [(k[rep], v[rep]) for k, v in cache]
        key_valid = key_valid[rep]
        last = logits[rep, -1].float()
        next_pos = torch.from_numpy(pos[:, -1] + 1).to(dev)[rep]
        answer_grid = torch.from_numpy(x[:, 3, -1]).to(dev)[rep]
        scores = torch.full((n * beam,), -float("inf"), device=dev)
        scores[::beam] = 0.0
        states = [_Writer() for _ in range(n * beam)]
        for written in range(room):
            logp = F.log_softmax(last, dim=-1)
            allowed = torch.zeros_like(logp, dtype=torch.bool)
            for r, s in enumerate(states):
                allowed[r, s.allowed(room - written)] = True
            logp = logp.masked_fill(~allowed, -float("inf"))
            for r, s in enumerate(states):
                if s.done:  # a finished beam keeps its score and writes padding
                    logp[r] = -float("inf")
                    logp[r, E.PAD] = 0.0
            total = (scores[:, None] + logp).view(n, beam * E.VOCAB_SIZE)
            best, idx = total.topk(beam, dim=1)  # (n, beam)
            origin = (idx // E.VOCAB_SIZE + torch.arange(n, device=dev)[:, None] * beam).flatten()
            token = (idx % E.VOCAB_SIZE).flatten()
            scores = best.flatten()
            states = [states[o].copy() for o in origin.tolist()]
            feats = torch.zeros(n * beam, len(E.FEATURES), 1, dtype=torch.long, device=dev)
            for r, (s, tok) in enumerate(zip(states, token.tolist(), strict=True)):
                row, col = s.write(tok)
                feats[r, :, 0] = torch.tensor([tok, row, col, 0, 0, E.NO_EDGE, E.NO_EDGE])
            feats[:, 3, 0] = answer_grid
            if all(s.done for s in states):
                break
            cache = [(k[origin], v[origin]) for k, v in cache]
            key_valid = torch.cat([key_valid[origin], torch.ones_like(key_valid[:, :1])], dim=1)
            positions = next_pos[origin][:, None].clamp(max=self.config.block_size - 1)
            logits, cache = self._step(feats, positions, key_valid, cache)
            next_pos = next_pos[origin] + 1
            last = logits[:, -1].float()
        self.train(was_training)
        out: list[list[Candidate]] = []
        for i in range(n):
            found = []
            for r in range(i * beam, (i + 1) * beam):
                s = states[r]
                if s.done and np.isfinite(scores[r].item()):
                    found.append((np.array(s.rows, dtype=np.uint8), float(scores[r])))
            found.sort(key=lambda c: -c[1])
            out.append(found)
        return out

    def candidates(self, queries, object_ids):
        prompts = [
            self.example(demos, query, None, object_ids, task_id)[0]
            for demos, query, task_id in queries
        ]
        return self.decode(prompts)


class _Writer:
    """The grammar of a grid being written: which tokens may come next."""

    def __init__(self) -> None:
        self.rows: list[list[int]] = []
        self.row: list[int] = []
        self.width: int | None = None
        self.done = False

    def copy(self) -> _Writer:
        w = _Writer()
        w.rows = [list(r) for r in self.rows]
        w.row, w.width, w.done = list(self.row), self.width, self.done
        return w

    def allowed(self, left: int) -> list[int]:
        """Tokens that may come next when ``left`` more tokens fit in the context (this one
        included): the grid must always be able to close in time."""
        colours = list(range(E.N_COLOURS))
        if self.done:
            return [E.PAD]
        if not self.row:  # at the start of a row: a cell, or the end of the grid
            if not self.rows:
                return colours if left >= 3 else []  # a cell, ROW_END, GRID_END at least
            more = len(self.rows) < E.MAX_SIDE and left >= self.width + 2
            return [*colours, E.GRID_END] if more else [E.GRID_END]
        if self.width is None:
            more = len(self.row) < E.MAX_SIDE and left >= 3
            return [*colours, E.ROW_END] if more else [E.ROW_END]
        return colours if len(self.row) < self.width else [E.ROW_END]

    def write(self, token: int) -> tuple[int, int]:
        """Take ``token``; return its (row, col) features."""
        r, c = len(self.rows), len(self.row)
        if self.done:
            return 0, 0
        if token < E.N_COLOURS:
            self.row.append(token)
        elif token == E.ROW_END:
            self.width = len(self.row)
            self.rows.append(self.row)
            self.row = []
        elif token == E.GRID_END:
            self.done = True
            return r, 0
        return r, c
