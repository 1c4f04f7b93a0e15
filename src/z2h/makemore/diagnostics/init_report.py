"""Initialisation: loss at init vs ln(vocab) (lecture 3 E02) and all-zero init (lecture 4 E01).

A model that knows nothing should predict every character with probability 1/V, a loss of ln(V).
A much higher first loss means confident wrong guesses (logits too large at init), wasted steps
that only shrink them - the "hockey stick" of lecture 4.

With every weight and bias zero, every hidden activation is zero. A weight's gradient is its input
times the gradient arriving at its output: the last layer's input is zero and every earlier layer
receives zero gradient through the zero last layer. Only the last layer's bias (or the output
BatchNorm's shift) sees the loss directly, so it is the only parameter that ever moves; the model
can learn no more than the frequency of each next character - a unigram model.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch
import torch.nn as nn

from z2h.defaults import DEFAULT_SEED
from z2h.makemore import registry
from z2h.makemore.data import WordData, examples
from z2h.makemore.diagnostics.setups import Setup
from z2h.makemore.evaluate import evaluate_loss
from z2h.makemore.training import build_config

INIT_BATCH = 1024  # training examples the loss at init is measured on

ZERO_INIT_EXPLANATION = (
    "With every weight and bias zero, every hidden activation is zero (a zero-variance BatchNorm "
    "outputs its shift, which is zero too). A weight's gradient is its input times the gradient at "
    "its output: the last layer's input is zero, and every earlier layer receives zero gradient "
    "back through the zero last layer. Only the last bias (or the output BatchNorm's shift) sees "
    "the loss directly, so it is the only parameter that moves, and the model can learn no more "
    "than how often each character comes next: a unigram model. Random init breaks this symmetry."
)


@dataclass
class InitLoss:
    model: str
    preset: str
    params: int
    loss: float  # train-mode loss on the first INIT_BATCH training examples
    uniform: float  # ln(vocab)

    @property
    def gap(self) -> float:
        return self.loss - self.uniform


def init_losses(
    data: WordData, seed: int = DEFAULT_SEED, names: list[str] | None = None
) -> list[InitLoss]:
    """The loss at init of every preset of every gradient-trained registry model."""
    out = []
    vocab_size = len(data.vocab)
    for name in names or registry.names():
        entry = registry.get(name)
        if not entry.trainable:
            continue
        for preset in sorted(entry.presets) or [None]:
            cfg = build_config(entry, preset, {}, data)
            torch.manual_seed(seed)
            model = registry.build(name, cfg)
            X, Y = examples(data.train, data.vocab, entry.input_kind, cfg.block_size)
            model.train()
            with torch.no_grad():
                _, loss = model(X[:INIT_BATCH], Y[:INIT_BATCH])
            out.append(
                InitLoss(
                    name,
                    preset or "(default)",
                    registry.num_params(model),
                    loss.item(),
                    math.log(vocab_size),
                )
            )
    return out


def format_init_table(rows: list[InitLoss]) -> str:
    lines = [
        f"{'model':<12} {'preset':<16} {'params':>9} {'init loss':>10} {'ln(V)':>7} {'gap':>7}"
    ]
    for r in rows:
        lines.append(
            f"{r.model:<12} {r.preset:<16} {r.params:>9,} {r.loss:>10.4f} {r.uniform:>7.4f} "
            f"{r.gap:>+7.3f}"
        )
    return "\n".join(lines)


def unigram_entropy(Y: torch.Tensor, vocab_size: int) -> float:
    """Cross-entropy of the best constant prediction: the next-character frequencies themselves."""
    Y = Y[Y >= 0]
    p = torch.bincount(Y, minlength=vocab_size).double() / len(Y)
    p = p[p > 0]
    return float(-(p * p.log()).sum())


@dataclass
class ZeroInitResult:
    steps: int
    moved: list[str]  # parameters that left zero
    got_gradient: list[str]  # parameters that received a non-zero gradient at some step
    stuck: list[str]  # parameters that stayed exactly zero
    zero_dev: float  # dev loss after training from all-zero init
    normal_dev: float  # dev loss after the same training from the normal init
    unigram: float  # train-set unigram entropy: the best an output bias alone can do
    uniform: float  # ln(vocab): the loss before the first step
    first_loss: float  # loss at step 1 from all-zero init
    explanation: str = ZERO_INIT_EXPLANATION


def zero_all_(model: nn.Module) -> None:
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()


@dataclass
class _Watched:
    got_gradient: set[str]  # parameters that received a non-zero gradient at some step
    first_loss: float  # training loss of step 1
    dev: float  # dev loss after training


def _train(setup: Setup, model: nn.Module, steps: int, seed: int) -> _Watched:
    """Train ``model`` with the recipe through the shared Trainer, watching its gradients."""
    cfg = setup.train_config(max_steps=steps, seed=seed)
    names = {id(p): n for n, p in model.named_parameters()}
    got: set[str] = set()
    losses: list[float] = []

    def check_grads(optimizer: torch.optim.Optimizer, args: object, kwargs: object) -> None:
        # an optimizer step pre-hook: the gradients of this step, before the update
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None and p.grad.abs().max() > 0:
                    got.add(names[id(p)])

    def first_loss(step: int, loss: float, lr: float) -> None:
        if step == 1:
            losses.append(loss)

    Xdev, Ydev = setup.splits["dev"]
    with setup.scratch_trainer(
        model,
        cfg,
        desc=f"zero-init {setup.name}",
        evaluate=lambda m: {"dev": evaluate_loss(m, Xdev, Ydev)},
        on_step=first_loss,
    ) as trainer:
        hook = trainer.optimizer.register_step_pre_hook(check_grads)
        try:
            result = trainer.fit()
        finally:
            hook.remove()
    return _Watched(got, losses[0], result.last_eval["dev"])


def zero_init_experiment(
    setup: Setup, steps: int = 1000, seed: int = DEFAULT_SEED
) -> ZeroInitResult:
    """Lecture 4 E01 on ``setup.model`` (a BN-MLP): all-zero init against the normal init."""
    zero = copy.deepcopy(setup.model)
    zero_all_(zero)
    watched = _train(setup, zero, steps, seed)
    moved = [n for n, p in zero.named_parameters() if p.detach().abs().max() > 0]
    stuck = [n for n, _ in zero.named_parameters() if n not in moved]
    normal = _train(setup, copy.deepcopy(setup.model), steps, seed)
    Ytr = setup.splits["train"][1]
    return ZeroInitResult(
        steps=steps,
        moved=moved,
        got_gradient=sorted(watched.got_gradient),
        stuck=stuck,
        zero_dev=watched.dev,
        normal_dev=normal.dev,
        unigram=unigram_entropy(Ytr, len(setup.vocab)),
        uniform=math.log(len(setup.vocab)),
        first_loss=watched.first_loss,
    )
