"""Several models of one architecture as one: each trains on its own rows, their probabilities
are averaged for evaluation and sampling.

Any makemore model whose ``forward(idx, targets=None)`` returns logits for every position can be
a member. A member that also has ``prepare(idx) -> inputs`` and ``logits_from(*inputs)`` (inputs:
tensors with one row per row of ``idx``) trains side by side with its siblings as one stacked
network (``torch.func.vmap``) when the rows divide evenly; otherwise member by member.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, vmap

from z2h.errors import Z2HError


def mixture_weights(weights: Sequence[float], n: int) -> list[float]:
    """``weights`` for a mixture of ``n`` models, checked (one positive number each) and scaled
    to sum to 1."""
    if len(weights) != n or min(weights, default=0) <= 0:
        raise Z2HError(f"need one positive weight per model ({n}), got {list(weights)}")
    total = sum(weights)
    return [w / total for w in weights]


def average_log_probs(
    models: Sequence[nn.Module], idx: torch.Tensor, weights: Sequence[float] | None = None
) -> torch.Tensor:
    """log of the mean of the models' next-character distributions on ``idx``: (B, T, vocab).

    ``weights`` (see ``mixture_weights``) makes it a weighted mean.
    """
    logp = torch.stack([F.log_softmax(m(idx)[0].float(), -1) for m in models])
    if weights is None:
        return torch.logsumexp(logp, 0) - math.log(len(models))
    w = torch.tensor(mixture_weights(weights, len(models)), dtype=logp.dtype, device=logp.device)
    return torch.logsumexp(logp + w.log().view(-1, 1, 1, 1), 0)


class _Prepared(nn.Module):
    """Calls a member's ``logits_from`` as its forward, so ``functional_call`` can reach it."""

    def __init__(self, member: nn.Module):
        super().__init__()
        self.member = member

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.member.logits_from(*inputs)


class Ensemble(nn.Module):
    """``members`` models built by ``make_member``, each with its own initial weights.

    Training: the rows of a batch are dealt out, row r to member r mod ``members``, so each
    member learns from its own share of the words and its own initialisation, and the loss is
    the mean over every scored character, as for one model. Evaluation and sampling: the members
    see the same rows and their next-character probabilities are averaged; the logits returned
    are the log of that mixture, so the usual cross-entropy scores the ensemble. Averaging
    models that overfit in different ways lowers the loss of a data-bound run.
    """

    def __init__(self, make_member: Callable[[], nn.Module], members: int, config: Any = None):
        super().__init__()
        if members < 1:
            raise Z2HError(f"members must be at least 1, got {members}")
        self.config = config  # the config the ensemble was built from (checkpoints store it)
        self.members = nn.ModuleList(make_member() for _ in range(members))
        self._template: tuple[nn.Module, ...] = ()
        if hasattr(self.members[0], "logits_from"):
            # one member's network without weights (on the meta device), for the stacked training
            # step; kept in a tuple so that it is not registered: no parameters, no state dict
            with torch.device("meta"):
                self._template = (_Prepared(make_member()),)

    def flops_per_token(self, T: int | None = None) -> float:
        """Training FLOPs per position: each position goes through one member."""
        return self.members[0].flops_per_token(T)

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if not self.training:
            logits = average_log_probs(self.members, idx)
        elif self._template and len(idx) % len(self.members) == 0:
            logits = self.stacked_logits(idx)
        else:
            logits = self.looped_logits(idx)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-1
            )
        return logits, loss

    def looped_logits(self, idx: torch.Tensor) -> torch.Tensor:
        """Training logits of every member on its own rows (row r: member r mod K), one member
        after another."""
        K = len(self.members)
        outs = [(k, self.members[k](idx[k::K])[0]) for k in range(min(K, len(idx)))]
        logits = torch.empty(
            (*idx.shape, outs[0][1].size(-1)), dtype=outs[0][1].dtype, device=idx.device
        )
        for k, out in outs:
            logits[k::K] = out
        return logits

    def stacked_logits(self, idx: torch.Tensor) -> torch.Tensor:
        """The same logits as ``looped_logits``, computed as one batched network: each weight is
        the stack of the members' weights and ``torch.func.vmap`` runs the members side by side.

        The members' functions, weights and gradients are those of the loop (dropout masks are
        drawn differently). The gain is speed under ``--compile``, where one large graph beats
        K small ones (benchmarks/makemore_packing.py --members K --compile times both); eager,
        the two run at about the same speed. Needs ``len(idx)`` divisible by the number of members.
        """
        K = len(self.members)
        first = self.members[0]
        inputs = first.prepare(idx)
        # (B, ...) -> (K, B/K, ...): member k gets rows k, k + K, k + 2K, ...
        dealt = [t.view(-1, K, *t.shape[1:]).transpose(0, 1) for t in inputs]
        names = [name for name, _ in first.named_parameters()]
        stacked = {
            f"member.{name}": torch.stack([m.get_parameter(name) for m in self.members])
            for name in names
        }
        # buffers are the same in every member (RoPE tables): member 0's serve all
        buffers = {f"member.{name}": b for name, b in first.named_buffers()}

        def member(params: dict[str, torch.Tensor], *rows: torch.Tensor) -> torch.Tensor:
            return functional_call(self._template[0], (params, buffers), rows)

        logits = vmap(member, randomness="different")(stacked, *dealt)
        return logits.transpose(0, 1).reshape(*idx.shape, -1)
