"""Optimizers over a list of ``Value`` parameters, with torch.optim's update formulas."""

from __future__ import annotations

import math
from collections.abc import Iterable

from z2h.autograd.engine import Value


class Optimizer:
    """Holds the parameters; ``step()`` updates their ``.data`` from their ``.grad``."""

    def __init__(self, params: Iterable[Value], lr: float):
        self.params = list(params)
        if lr < 0:
            raise ValueError(f"learning rate must be >= 0, got {lr}")
        self.lr = lr  # may be changed between steps (a schedule)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (torch's form, no dampening):
    ``buf = momentum * buf + grad; data -= lr * buf``."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0):
        super().__init__(params, lr)
        self.momentum = momentum
        self.buf: list[float] | None = None

    def step(self) -> None:
        if self.momentum == 0:
            for p in self.params:
                p.data -= self.lr * p.grad
            return
        if self.buf is None:  # the first step starts the buffer at the gradient itself
            self.buf = [p.grad for p in self.params]
        else:
            self.buf = [
                self.momentum * b + p.grad for b, p in zip(self.buf, self.params, strict=True)
            ]
        for p, b in zip(self.params, self.buf, strict=True):
            p.data -= self.lr * b


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction, computed in torch.optim.Adam's order."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = 0
        self.m = [0.0] * len(self.params)  # running mean of gradients
        self.v = [0.0] * len(self.params)  # running mean of squared gradients

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step_size = self.lr / (1 - b1**self.t)
        bias2_sqrt = math.sqrt(1 - b2**self.t)
        for i, p in enumerate(self.params):
            g = p.grad
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
            denom = math.sqrt(self.v[i]) / bias2_sqrt + self.eps
            p.data -= step_size * self.m[i] / denom
