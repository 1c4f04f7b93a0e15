"""Recurrent language models over whole words: a vanilla RNN, a GRU and an LSTM.

Unlike the fixed-context models these read a padded word ``(B, T)`` and predict every next
character ``(B, T, vocab)``; targets of -1 (padding after the word's end) are ignored by the
loss. The three differ only in the cell that updates the hidden state, one character at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.makemore.registry import ModelEntry, register

State = tuple[torch.Tensor, ...]


@dataclass
class RecurrentConfig:
    vocab_size: int = 27  # characters including the boundary token "."
    block_size: int | None = None  # longest sequence; None: the longest word + 1 (set by train)
    n_embd: int = 64  # character embedding size (makemore.py: 64)
    n_hidden: int = 64  # hidden state size (makemore.py's n_embd2: 64)
    init_scale: float = 0.01  # output weight scale at init: small logits, loss ~ln(vocab)


class RNNCell(nn.Module):
    """h' = tanh(Wx x + Wh h + b)."""

    n_state = 1  # tensors carried from step to step
    n_gates = 1  # blocks of n_hidden that the input projection feeds

    def __init__(self, n_hidden: int):
        super().__init__()
        self.wh = nn.Linear(n_hidden, n_hidden, bias=False)

    def forward(self, gx: torch.Tensor, state: State) -> State:
        (h,) = state
        return (torch.tanh(gx + self.wh(h)),)


class GRUCell(nn.Module):
    """Gated update: h' = (1 - z) h + z tanh(Wx x + Wh (r * h)), with r, z sigmoid gates."""

    n_state = 1
    n_gates = 3  # reset r, update z, candidate

    def __init__(self, n_hidden: int):
        super().__init__()
        self.n_hidden = n_hidden
        self.wh_rz = nn.Linear(n_hidden, 2 * n_hidden, bias=False)
        self.wh_c = nn.Linear(n_hidden, n_hidden, bias=False)

    def forward(self, gx: torch.Tensor, state: State) -> State:
        (h,) = state
        H = self.n_hidden
        r, z = torch.sigmoid(gx[:, : 2 * H] + self.wh_rz(h)).chunk(2, dim=-1)
        candidate = torch.tanh(gx[:, 2 * H :] + self.wh_c(r * h))
        return (torch.lerp(h, candidate, z),)  # (1 - z) * h + z * candidate


class LSTMCell(nn.Module):
    """A cell state c with input, forget and output gates: c' = f c + i g, h' = o tanh(c')."""

    n_state = 2  # (h, c)
    n_gates = 4  # input i, forget f, candidate g, output o

    def __init__(self, n_hidden: int):
        super().__init__()
        self.wh = nn.Linear(n_hidden, 4 * n_hidden, bias=False)

    def forward(self, gx: torch.Tensor, state: State) -> State:
        h, c = state
        i, f, g, o = (gx + self.wh(h)).chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return (h, c)


class RecurrentLM(nn.Module):
    """Embed -> cell over time from a learned start state -> Linear head at every position."""

    cell_cls: type[nn.Module] = RNNCell

    def __init__(self, config: RecurrentConfig):
        super().__init__()
        if config.block_size is None:
            raise ValueError("block_size is None: set it to the longest sequence (word + 1)")
        self.config = config
        c = config
        cell_cls = self.cell_cls
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        # subtle: the input half of every gate is one matmul over all T steps at once, outside
        # the sequential loop; only the recurrent half runs step by step.
        self.wx = nn.Linear(c.n_embd, cell_cls.n_gates * c.n_hidden)
        self.cell = cell_cls(c.n_hidden)
        self.start = nn.Parameter(torch.zeros(cell_cls.n_state, c.n_hidden))
        self.head = nn.Linear(c.n_hidden, c.vocab_size)
        with torch.no_grad():
            if cell_cls is LSTMCell:  # forget gate open at init, so memory survives early training
                self.wx.bias[c.n_hidden : 2 * c.n_hidden].fill_(1.0)
            nn.init.normal_(self.head.weight, std=c.init_scale)
            nn.init.zeros_(self.head.bias)

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        B, T = idx.shape
        if self.config.block_size < T:
            raise ValueError(f"sequence of length {T} exceeds block_size {self.config.block_size}")
        gx = self.wx(self.wte(idx))  # (B, T) -> (B, T, n_embd) -> (B, T, n_gates * H)
        state = tuple(s.expand(B, -1) for s in self.start)
        hs = []
        for t in range(T):
            state = self.cell(gx[:, t], state)
            hs.append(state[0])
        logits = self.head(torch.stack(hs, dim=1))  # (B, T, H) -> (B, T, vocab)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.reshape(B * T, -1).float(), targets.reshape(B * T), ignore_index=-1
            )
        return logits, loss


class RNN(RecurrentLM):
    """Vanilla (Elman) RNN: the hidden state is overwritten by one tanh layer each step."""

    cell_cls = RNNCell


class GRU(RecurrentLM):
    """GRU: like ``RNN`` but gates decide how much of the old state to keep (Cho et al. 2014)."""

    cell_cls = GRUCell


class LSTM(RecurrentLM):
    """LSTM: like ``GRU`` but with a separate cell state and an output gate (Hochreiter 1997)."""

    cell_cls = LSTMCell


def _recurrent_recipe(time_budget: float | None, max_steps: int | None) -> dict[str, dict]:
    """AdamW with warmup + cosine over the run, batch 64 (makemore.py trains these with AdamW)."""
    train = {
        "optimizer": "adamw",
        "lr": 5e-3,
        "schedule": "cosine",
        "warmup_frac": 0.02,
        "weight_decay": 0.01,
        "grad_clip": 1.0,
        "batch_size": 64,
    }
    if time_budget is None and max_steps is None:
        train["max_steps"] = 10_000
    return {"model": {}, "train": train}


_PRESETS = {"makemore": {"n_embd": 64, "n_hidden": 64}, "large": {"n_embd": 64, "n_hidden": 256}}

for _name, _cls, _what in (
    ("rnn", RNN, "vanilla RNN over whole words (makemore.py's RNN)"),
    ("gru", GRU, "GRU over whole words (makemore.py's GRU)"),
    ("lstm", LSTM, "LSTM over whole words (promised in makemore.py's README)"),
):
    register(
        ModelEntry(
            name=_name,
            model_cls=_cls,
            config_cls=RecurrentConfig,
            input_kind="sequence",
            description=_what,
            presets=_PRESETS,
            default_preset="makemore",
            recipe=_recurrent_recipe,
        )
    )
