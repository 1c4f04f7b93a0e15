"""Backprop by hand (lecture 5): the lecture's BatchNorm MLP with every gradient written out.

The network is embedding -> linear -> BatchNorm -> tanh -> linear -> cross-entropy, written as the
lecture's chain of atomic tensor operations so that each intermediate has a name. Three backward
passes share that forward:

- ``backward_atomic``: one hand-derived rule per atomic step (lecture 5, exercise 1);
- ``backward_fused``: the cross-entropy backward collapsed to ``softmax - one_hot`` (exercise 2) and
  the BatchNorm backward collapsed to one expression (exercise 3), with Bessel's correction
  (``n - 1``) in the batch variance as in the lecture;
- PyTorch autograd, the reference that ``check_gradients`` compares both against.

``train_manual`` trains with the fused hand-written gradients only (no autograd anywhere).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from z2h.defaults import DEFAULT_SEED
from z2h.makemore.defaults import DEFAULT_DATA
from z2h.run import Reporter

PARAM_NAMES = ("C", "W1", "b1", "bngain", "bnbias", "W2", "b2")

# The forward's intermediates in order, each the output of one atomic step.
ATOMIC_NAMES = (
    "emb",
    "embcat",
    "hprebn",
    "bnmeani",
    "bndiff",
    "bndiff2",
    "bnvar",
    "bnvar_inv",
    "bnraw",
    "hpreact",
    "h",
    "logits",
    "logit_maxes",
    "norm_logits",
    "counts",
    "counts_sum",
    "counts_sum_inv",
    "probs",
    "logprobs",
)

# What the fused backward produces besides the parameter gradients.
FUSED_NAMES = ("logits", "h", "hpreact", "hprebn", "embcat", "emb")


@dataclass
class ManualMLPConfig:
    """Sizes of the lecture-5 network (the lecture's exercise uses n_hidden 64, training 200)."""

    vocab_size: int = 27  # 26 letters plus the boundary token
    block_size: int = 3  # characters of context
    n_embd: int = 10  # size of each character embedding
    n_hidden: int = 64  # hidden units
    bn_eps: float = 1e-5  # added to the batch variance before the square root

    def validate(self) -> None:
        for name in ("vocab_size", "block_size", "n_embd", "n_hidden"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")


def init_params(
    cfg: ManualMLPConfig,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
) -> dict[str, torch.Tensor]:
    """The lecture's initialisation: Kaiming-scaled W1 and small, non-zero everything else.

    subtle: the biases and BatchNorm parameters are small random numbers instead of the usual 0/1
    so that a wrong gradient formula cannot hide behind an all-zero or all-one tensor.
    """
    cfg.validate()
    g = generator if generator is not None else torch.Generator().manual_seed(2147483647)
    fan_in = cfg.n_embd * cfg.block_size

    def randn(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g, dtype=torch.float64).to(dtype)

    return {
        "C": randn(cfg.vocab_size, cfg.n_embd),
        "W1": randn(fan_in, cfg.n_hidden) * (5 / 3) / math.sqrt(fan_in),
        "b1": randn(cfg.n_hidden) * 0.1,  # redundant before BatchNorm: its gradient must be ~0
        "W2": randn(cfg.n_hidden, cfg.vocab_size) * 0.1,
        "b2": randn(cfg.vocab_size) * 0.1,
        "bngain": randn(1, cfg.n_hidden) * 0.1 + 1.0,
        "bnbias": randn(1, cfg.n_hidden) * 0.1,
    }


def forward(
    params: dict[str, torch.Tensor], X: torch.Tensor, Y: torch.Tensor, eps: float = 1e-5
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Training-mode forward as atomic steps; returns (loss, every intermediate by name)."""
    if X.dim() != 2 or Y.dim() != 1 or X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"expected X (B, block) and Y (B,), got {tuple(X.shape)}, {tuple(Y.shape)}"
        )
    n = X.shape[0]
    if n < 2:
        raise ValueError("BatchNorm with Bessel's correction needs a batch of at least 2")
    p = params
    c: dict[str, torch.Tensor] = {}
    c["emb"] = p["C"][X]  # (B, block, n_embd)
    c["embcat"] = c["emb"].view(n, -1)  # (B, block * n_embd)
    c["hprebn"] = c["embcat"] @ p["W1"] + p["b1"]  # (B, n_hidden)
    c["bnmeani"] = c["hprebn"].sum(0, keepdim=True) / n  # (1, n_hidden)
    c["bndiff"] = c["hprebn"] - c["bnmeani"]
    c["bndiff2"] = c["bndiff"] ** 2
    c["bnvar"] = c["bndiff2"].sum(0, keepdim=True) / (n - 1)  # Bessel's correction
    c["bnvar_inv"] = (c["bnvar"] + eps) ** -0.5
    c["bnraw"] = c["bndiff"] * c["bnvar_inv"]
    c["hpreact"] = p["bngain"] * c["bnraw"] + p["bnbias"]
    c["h"] = torch.tanh(c["hpreact"])
    c["logits"] = c["h"] @ p["W2"] + p["b2"]  # (B, vocab)
    c["logit_maxes"] = c["logits"].max(1, keepdim=True).values  # for numerical stability only
    c["norm_logits"] = c["logits"] - c["logit_maxes"]
    c["counts"] = c["norm_logits"].exp()
    c["counts_sum"] = c["counts"].sum(1, keepdim=True)
    c["counts_sum_inv"] = c["counts_sum"] ** -1
    c["probs"] = c["counts"] * c["counts_sum_inv"]
    c["logprobs"] = c["probs"].log()
    loss = -c["logprobs"][torch.arange(n), Y].mean()
    return loss, c


def forward_fused(
    params: dict[str, torch.Tensor], X: torch.Tensor, Y: torch.Tensor, eps: float = 1e-5
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The same forward keeping only what ``backward_fused`` reads (the lecture's training loop)."""
    p = params
    n = X.shape[0]
    c: dict[str, torch.Tensor] = {}
    c["emb"] = p["C"][X]
    c["embcat"] = c["emb"].view(n, -1)
    hprebn = c["embcat"] @ p["W1"] + p["b1"]
    var, mean = torch.var_mean(hprebn, 0, keepdim=True, correction=1)  # Bessel's correction
    c["bnvar_inv"] = (var + eps).rsqrt()
    c["bnraw"] = (hprebn - mean) * c["bnvar_inv"]
    c["h"] = torch.tanh(p["bngain"] * c["bnraw"] + p["bnbias"])
    c["logits"] = c["h"] @ p["W2"] + p["b2"]
    return F.cross_entropy(c["logits"], Y), c


def _grad_C(params: dict[str, torch.Tensor], X: torch.Tensor, demb: torch.Tensor) -> torch.Tensor:
    """Scatter-add each row of demb back into the embedding row it was read from."""
    dC = torch.zeros_like(params["C"])
    dC.index_add_(0, X.reshape(-1), demb.reshape(-1, demb.shape[-1]))
    return dC


def backward_atomic(
    params: dict[str, torch.Tensor],
    cache: dict[str, torch.Tensor],
    X: torch.Tensor,
    Y: torch.Tensor,
    eps: float = 1e-5,
) -> dict[str, torch.Tensor]:
    """Gradient of the loss w.r.t. every intermediate and parameter, one atomic step at a time."""
    p, c = params, cache
    n = X.shape[0]
    rows = torch.arange(n)
    g: dict[str, torch.Tensor] = {}
    # loss = -mean(logprobs[rows, Y]): only the picked entries matter, each with weight -1/n
    g["logprobs"] = torch.zeros_like(c["logprobs"])
    g["logprobs"][rows, Y] = -1.0 / n
    g["probs"] = g["logprobs"] / c["probs"]  # d log(x) = 1/x
    # probs = counts * counts_sum_inv: counts_sum_inv is broadcast along dim 1, so its grad sums
    g["counts_sum_inv"] = (c["counts"] * g["probs"]).sum(1, keepdim=True)
    dcounts = c["counts_sum_inv"] * g["probs"]
    g["counts_sum"] = -(c["counts_sum"] ** -2) * g["counts_sum_inv"]
    # counts feeds both probs and counts_sum: the two contributions add
    g["counts"] = dcounts + g["counts_sum"].expand_as(c["counts"])
    g["norm_logits"] = c["counts"] * g["counts"]  # d exp(x) = exp(x)
    g["logit_maxes"] = -g["norm_logits"].sum(1, keepdim=True)
    # subtle: max routes its gradient to the one position that attained it
    g["logits"] = (
        g["norm_logits"]
        + F.one_hot(c["logits"].max(1).indices, c["logits"].shape[1]).to(c["logits"].dtype)
        * g["logit_maxes"]
    )
    g["h"] = g["logits"] @ p["W2"].T  # (B, vocab) @ (vocab, n_hidden)
    g["W2"] = c["h"].T @ g["logits"]
    g["b2"] = g["logits"].sum(0)
    g["hpreact"] = (1.0 - c["h"] ** 2) * g["h"]  # d tanh(x) = 1 - tanh(x)^2
    g["bngain"] = (c["bnraw"] * g["hpreact"]).sum(0, keepdim=True)
    g["bnbias"] = g["hpreact"].sum(0, keepdim=True)
    g["bnraw"] = p["bngain"] * g["hpreact"]
    g["bnvar_inv"] = (c["bndiff"] * g["bnraw"]).sum(0, keepdim=True)
    g["bnvar"] = -0.5 * (c["bnvar"] + eps) ** -1.5 * g["bnvar_inv"]
    g["bndiff2"] = g["bnvar"].expand_as(c["bndiff2"]) / (n - 1)
    # bndiff feeds both bnraw and bndiff2
    g["bndiff"] = c["bnvar_inv"] * g["bnraw"] + 2.0 * c["bndiff"] * g["bndiff2"]
    g["bnmeani"] = -g["bndiff"].sum(0, keepdim=True)
    # hprebn feeds both bndiff and bnmeani
    g["hprebn"] = g["bndiff"] + g["bnmeani"].expand_as(c["hprebn"]) / n
    g["embcat"] = g["hprebn"] @ p["W1"].T
    g["W1"] = c["embcat"].T @ g["hprebn"]
    g["b1"] = g["hprebn"].sum(0)
    g["emb"] = g["embcat"].view(c["emb"].shape)
    g["C"] = _grad_C(p, X, g["emb"])
    return g


def cross_entropy_backward(logits: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """d mean(cross_entropy(logits, Y)) / d logits = (softmax(logits) - one_hot(Y)) / n."""
    n = logits.shape[0]
    dlogits = F.softmax(logits, dim=1)
    dlogits[torch.arange(n), Y] -= 1.0
    return dlogits / n


def batchnorm_backward(
    dout: torch.Tensor, bnraw: torch.Tensor, bnvar_inv: torch.Tensor, gain: torch.Tensor
) -> torch.Tensor:
    """Gradient w.r.t. the BatchNorm input, given the gradient w.r.t. its output (one expression).

    With xhat = bnraw, dy = dout and the unbiased variance (divisor n - 1):
    dx = gain * bnvar_inv / n * (n * dy - sum(dy) - n / (n - 1) * xhat * sum(dy * xhat)).
    """
    n = dout.shape[0]
    return (
        gain
        * bnvar_inv
        / n
        * (
            n * dout
            - dout.sum(0, keepdim=True)
            - n / (n - 1) * bnraw * (dout * bnraw).sum(0, keepdim=True)
        )
    )


def backward_fused(
    params: dict[str, torch.Tensor],
    cache: dict[str, torch.Tensor],
    X: torch.Tensor,
    Y: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """The same gradients with cross-entropy and BatchNorm each backpropagated in one step."""
    p, c = params, cache
    g: dict[str, torch.Tensor] = {}
    g["logits"] = cross_entropy_backward(c["logits"], Y)
    g["h"] = g["logits"] @ p["W2"].T
    g["W2"] = c["h"].T @ g["logits"]
    g["b2"] = g["logits"].sum(0)
    g["hpreact"] = (1.0 - c["h"] ** 2) * g["h"]
    g["bngain"] = (c["bnraw"] * g["hpreact"]).sum(0, keepdim=True)
    g["bnbias"] = g["hpreact"].sum(0, keepdim=True)
    g["hprebn"] = batchnorm_backward(g["hpreact"], c["bnraw"], c["bnvar_inv"], p["bngain"])
    g["embcat"] = g["hprebn"] @ p["W1"].T
    g["W1"] = c["embcat"].T @ g["hprebn"]
    g["b1"] = g["hprebn"].sum(0)
    g["emb"] = g["embcat"].view(c["emb"].shape)
    g["C"] = _grad_C(p, X, g["emb"])
    return g


def autograd_gradients(
    params: dict[str, torch.Tensor], X: torch.Tensor, Y: torch.Tensor, eps: float = 1e-5
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """PyTorch's gradients of every intermediate and parameter, from the same forward."""
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    loss, cache = forward(leaves, X, Y, eps)
    for t in cache.values():
        t.retain_grad()
    loss.backward()
    grads = {k: t.grad for k, t in cache.items()}
    grads.update({k: t.grad for k, t in leaves.items()})
    return loss.detach(), {k: v.detach() for k, v in grads.items() if v is not None}


@dataclass
class GradCheck:
    name: str  # intermediate or parameter
    stage: str  # "atomic" or "fused"
    max_abs_diff: float  # largest |manual - autograd| over the tensor
    exact: bool  # bitwise equal


def check_gradients(
    cfg: ManualMLPConfig | None = None,
    dtype: torch.dtype = torch.float64,
    batch_size: int = 32,
    seed: int = 42,
) -> list[GradCheck]:
    """Compare every hand-written gradient (atomic and fused) with autograd on a random batch."""
    cfg = cfg or ManualMLPConfig()
    g = torch.Generator().manual_seed(seed)
    params = init_params(cfg, g, dtype)
    X = torch.randint(0, cfg.vocab_size, (batch_size, cfg.block_size), generator=g)
    Y = torch.randint(0, cfg.vocab_size, (batch_size,), generator=g)
    _, ref = autograd_gradients(params, X, Y, cfg.bn_eps)
    with torch.no_grad():
        _, cache = forward(params, X, Y, cfg.bn_eps)
        atomic = backward_atomic(params, cache, X, Y, cfg.bn_eps)
        fused = backward_fused(params, cache, X, Y)
    out = []
    for stage, grads, names in (
        ("atomic", atomic, (*reversed(ATOMIC_NAMES), *PARAM_NAMES)),
        ("fused", fused, (*reversed(FUSED_NAMES), *PARAM_NAMES)),
    ):
        for name in names:
            diff = (grads[name] - ref[name]).abs().max().item()
            out.append(GradCheck(name, stage, diff, bool(torch.equal(grads[name], ref[name]))))
    return out


def bn_calibrate(
    params: dict[str, torch.Tensor], X: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """BatchNorm statistics over a whole split (the lecture calibrates on train after training)."""
    hprebn = params["C"][X].view(X.shape[0], -1) @ params["W1"] + params["b1"]
    return hprebn.mean(0, keepdim=True), hprebn.var(0, keepdim=True, unbiased=True)


def evaluate(
    params: dict[str, torch.Tensor],
    bn_mean: torch.Tensor,
    bn_var: torch.Tensor,
    X: torch.Tensor,
    Y: torch.Tensor,
    eps: float = 1e-5,
) -> float:
    """Mean cross-entropy of the inference-mode network (fixed BatchNorm statistics)."""
    p = params
    hpre = p["C"][X].view(X.shape[0], -1) @ p["W1"] + p["b1"]
    hpre = p["bngain"] * (hpre - bn_mean) * (bn_var + eps) ** -0.5 + p["bnbias"]
    logits = torch.tanh(hpre) @ p["W2"] + p["b2"]
    return F.cross_entropy(logits, Y).item()


@dataclass
class ManualTrainResult:
    steps: int
    seconds: float
    train_loss: float  # full train split, calibrated BatchNorm
    dev_loss: float  # full dev split, calibrated BatchNorm
    losses: list[float]  # minibatch loss at every step


@torch.no_grad()
def train_manual(
    params: dict[str, torch.Tensor],
    Xtr: torch.Tensor,
    Ytr: torch.Tensor,
    Xdev: torch.Tensor,
    Ydev: torch.Tensor,
    *,
    steps: int = 200_000,
    batch_size: int = 32,
    lr: Callable[[int], float] | None = None,
    generator: torch.Generator | None = None,
    eps: float = 1e-5,
    on_step: Callable[[int, float], None] | None = None,
) -> ManualTrainResult:
    """SGD with the fused hand-written gradients only (autograd is switched off throughout).

    The default schedule is the lecture's: 0.1 for the first half, 0.01 after. Batches are drawn
    from ``generator`` (the lecture keeps drawing from the generator that initialised the
    parameters; pass that one to reproduce it).
    """
    if steps < 1 or batch_size < 2:
        raise ValueError("steps must be >= 1 and batch_size >= 2")
    lr = lr or (lambda i: 0.1 if i < steps // 2 else 0.01)
    g = generator if generator is not None else torch.Generator().manual_seed(2147483647)
    losses: list[float] = []
    t0 = time.perf_counter()
    for i in range(steps):
        ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        loss, cache = forward_fused(params, Xb, Yb, eps)
        grads = backward_fused(params, cache, Xb, Yb)
        step_lr = lr(i)
        for name in PARAM_NAMES:
            params[name] -= step_lr * grads[name]
        losses.append(loss.item())
        if on_step is not None:
            on_step(i, losses[-1])
    seconds = time.perf_counter() - t0
    bn_mean, bn_var = bn_calibrate(params, Xtr)
    return ManualTrainResult(
        steps=steps,
        seconds=seconds,
        train_loss=evaluate(params, bn_mean, bn_var, Xtr, Ytr, eps),
        dev_loss=evaluate(params, bn_mean, bn_var, Xdev, Ydev, eps),
        losses=losses,
    )


LECTURE5 = {"train": 2.0718, "dev": 2.1099}  # lecture 5's final losses (on its own split)


def format_checks(by_dtype: dict[str, list[GradCheck]]) -> str:
    """One row per checked tensor, one column of max |manual - autograd| per dtype."""
    labels = list(by_dtype)
    lines = [f"{'stage':<7} {'tensor':<15} " + " ".join(f"{k:>10}" for k in labels)]
    for rows in zip(*by_dtype.values(), strict=True):
        diffs = " ".join(f"{r.max_abs_diff:>10.2e}" for r in rows)
        lines.append(f"{rows[0].stage:<7} {rows[0].name:<15} {diffs}")
    worst = ", ".join(f"{k} {max(r.max_abs_diff for r in v):.2e}" for k, v in by_dtype.items())
    lines.append(f"largest difference: {worst} (bounds: float64 1e-10, float32 1e-5)")
    return "\n".join(lines)


def run_lecture5(
    data: str = DEFAULT_DATA,
    seed: int = DEFAULT_SEED,
    steps: int = 200_000,
    n_hidden: int = 200,
    reporter: Reporter | None = None,
) -> dict[str, float | int]:
    """Train the lecture-5 network on hand-written gradients only; losses on the full splits.

    ``reporter`` shows the progress of the (long: 200,000 steps) run and its final losses."""
    from z2h.makemore.data import context_examples, prepare

    words = prepare(data, seed=seed)
    cfg = ManualMLPConfig(vocab_size=len(words.vocab), n_hidden=n_hidden)
    Xtr, Ytr = context_examples(words.train, words.vocab, cfg.block_size)
    Xdev, Ydev = context_examples(words.dev, words.vocab, cfg.block_size)
    g = torch.Generator().manual_seed(2147483647)  # the lecture's seed, for init then batches
    params = init_params(cfg, g)
    init_dev = evaluate(params, *bn_calibrate(params, Xtr), Xdev, Ydev)
    on_step = None
    if reporter is not None:
        t0 = time.perf_counter()
        reporter.start(step=0, elapsed=0.0, max_steps=steps, time_budget=None)

        def on_step(i: int, loss: float) -> None:
            reporter.step(i + 1, time.perf_counter() - t0, loss)

    try:
        result = train_manual(
            params, Xtr, Ytr, Xdev, Ydev, steps=steps, generator=g, on_step=on_step
        )
        if reporter is not None:
            losses = {"train": result.train_loss, "dev": result.dev_loss}
            reporter.evaluated(result.steps, time.perf_counter() - t0, losses)
    finally:
        if reporter is not None:
            reporter.close()
    return {
        "steps": result.steps,
        "n_hidden": n_hidden,
        "params": sum(p.numel() for p in params.values()),
        "uniform_loss": math.log(cfg.vocab_size),
        "init_dev_loss": init_dev,
        "train_loss": result.train_loss,
        "dev_loss": result.dev_loss,
        "seconds": result.seconds,
        "ms_per_step": 1e3 * result.seconds / result.steps,
    }
