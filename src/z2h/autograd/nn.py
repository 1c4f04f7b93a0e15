"""A tiny neural-net library on ``Value``: neurons, layers and multi-layer perceptrons.

The layout follows micrograd (``Neuron.w`` then ``Neuron.b``, neuron by neuron, layer by layer), so
``parameters()`` lists the weights in the same order as the PyPI ``micrograd`` package.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from z2h.autograd.engine import Value

NONLINEARITIES = ("relu", "tanh", "sigmoid", "linear")


class Module:
    """Anything with parameters: ``parameters()`` lists them, ``zero_grad()`` zeroes their grads."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """``nonlin(b + sum_i w_i * x_i)`` with weights drawn uniformly from [-1, 1] and bias 0."""

    def __init__(self, nin: int, nonlin: str = "relu", rng: random.Random | None = None):
        if nonlin not in NONLINEARITIES:
            raise ValueError(f"unknown nonlinearity {nonlin!r}; choose from {NONLINEARITIES}")
        rng = rng if rng is not None else random.Random()
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Value | float]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron expects {len(self.w)} inputs, got {len(x)}")
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act if self.nonlin == "linear" else getattr(act, self.nonlin)()

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{self.nonlin}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs. A layer of one neuron returns a ``Value``."""

    def __init__(self, nin: int, nout: int, nonlin: str = "relu", rng: random.Random | None = None):
        rng = rng if rng is not None else random.Random()
        self.neurons = [Neuron(nin, nonlin, rng) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` after ``nin`` inputs; hidden layers use ``nonlin``, the last none.

    ``MLP(2, [16, 16, 1])`` is the lecture's moons classifier: 2 -> 16 -> 16 -> 1 score.
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], nonlin: str = "relu", rng: random.Random | None = None
    ):
        if not nouts:
            raise ValueError("MLP needs at least one layer size in nouts")
        rng = rng if rng is not None else random.Random()
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin if i != last else "linear", rng)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
            if isinstance(x, Value):  # a layer of one neuron hands on a single Value
                x = [x]
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
