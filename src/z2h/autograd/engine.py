"""The readable scalar autograd engine: one ``Value`` per number, one closure per op.

Every op follows the same pattern: compute the forward value, then define ``_backward``, which
adds this node's contribution to its children's gradients (the chain rule). ``backward()`` sorts
the graph topologically without recursion, so graphs of millions of nodes work.

Domain errors follow Python's float rules, not IEEE NaN/inf: an op whose real result does not
exist raises at the op that made it, so a bad number never travels silently through a graph.

- division by zero, and zero to a negative power: ``ZeroDivisionError``;
- ``log`` of a number <= 0, and a negative base to a non-integer power: ``ValueError``;
- ``exp`` of a number too large for a float: ``OverflowError``.

Gradients that are infinite or undefined at a point where the forward value exists follow torch:
``Value(0.0) ** 0.5`` has gradient ``inf``, and the gradient of ``a ** b`` with respect to ``b``
is ``nan`` for ``a < 0`` (and ``0`` for ``a == 0``, as torch masks it). The gradient of
``x ** 0`` is ``0`` everywhere, ``x == 0`` included (torch masks the ``0 * inf`` there too).
"""

from __future__ import annotations

import math
from collections.abc import Callable

Number = int | float


def _no_backward() -> None:
    pass


class Value:
    """A scalar, the op that produced it, its inputs and the gradient of some output w.r.t. it.

    ``backward()`` (called on an output) sets ``grad`` on every node of its graph:

    - a *leaf* (a node made by ``Value(x)``, such as a parameter) **accumulates**: each call adds
      d(output)/d(leaf) to ``grad``, as in torch. Call ``zero_grad()`` (or set ``grad = 0``) between
      steps; calling ``backward()`` twice doubles every leaf's gradient.
    - an *inner* node's ``grad`` is reset and recomputed on every call: it is d(output)/d(node).
    """

    __slots__ = ("_backward", "_op", "_prev", "data", "grad", "label")

    def __init__(
        self, data: Number, _children: tuple[Value, ...] = (), _op: str = "", label: str = ""
    ):
        self.data = float(data)
        self.grad = 0.0
        self._backward: Callable[[], None] = _no_backward
        self._prev = _children  # a tuple, in operand order; `a + a` lists `a` twice
        self._op = _op  # the op that produced this node, shown by z2h.autograd.draw
        self.label = label  # an optional name, shown by z2h.autograd.draw

    # ---- ops with their own backward -------------------------------------------------------

    def __add__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return self._pow_value(other)
        if not isinstance(other, (int, float)):
            return NotImplemented
        k = float(other)
        out = Value(_pow(self.data, k), (self,), f"**{k!r}")  # fast.py reads k back from here

        def _backward() -> None:
            self.grad += _pow_backward(self.data, k, out.grad)

        out._backward = _backward
        return out

    def _pow_value(self, other: Value) -> Value:
        out = Value(_pow(self.data, other.data), (self, other), "**")

        def _backward() -> None:
            self.grad += _pow_backward(self.data, other.data, out.grad)
            other.grad += _log_for_grad(self.data) * out.data * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log of a non-positive number: log({self.data!r})")
        out = Value(math.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(0.0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward() -> None:
            self.grad += (out.data > 0) * out.grad  # subtle: the subgradient at 0 is 0, as torch

        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        out = Value(_sigmoid(self.data), (self,), "sigmoid")

        def _backward() -> None:
            self.grad += out.data * (1 - out.data) * out.grad

        out._backward = _backward
        return out

    # ---- ops built from the ones above (their backward comes for free) ---------------------

    def __neg__(self) -> Value:
        return self * -1

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __sub__(self, other: Value | Number) -> Value:
        return self + (-other)

    def __rsub__(self, other: Number) -> Value:
        return other + (-self)

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __truediv__(self, other: Value | Number) -> Value:
        return self * other**-1

    def __rtruediv__(self, other: Number) -> Value:
        return other * self**-1

    def __rpow__(self, other: Number) -> Value:
        return Value(other) ** self

    # ---- backpropagation -------------------------------------------------------------------

    def backward(self) -> None:
        """Set every node's ``grad`` to d(self)/d(node); leaves accumulate (see the class doc)."""
        topo = topological_order(self)
        for v in topo:
            if v._prev:  # inner nodes start from zero on every call; leaves keep what they had
                v.grad = 0.0
        self.grad += 1.0
        for v in reversed(topo):
            v._backward()

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


def topological_order(root: Value) -> list[Value]:
    """All nodes of ``root``'s graph, each after its children, found without recursion.

    The order is the one a recursive depth-first search (visiting children in operand order)
    would give, so z2h.autograd.fast replays gradients in exactly the same order.
    """
    topo: list[Value] = []
    visited: set[Value] = set()
    # an explicit stack replaces recursion: (node, False) means "visit", (node, True) "emit"
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            topo.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            # reversed, so the first operand is popped (and visited) first
            stack.extend((c, False) for c in reversed(node._prev) if c not in visited)
    return topo


def _pow(base: float, exponent: float) -> float:
    """``base ** exponent`` for real numbers; raises where the real result does not exist."""
    if base == 0 and exponent < 0:
        raise ZeroDivisionError(f"zero to a negative power: 0.0 ** {exponent!r}")
    if base < 0 and not exponent.is_integer():
        raise ValueError(f"negative base to a non-integer power: {base!r} ** {exponent!r}")
    return base**exponent


def _pow_grad(base: float, exponent: float) -> float:
    """``base ** exponent`` inside a gradient: IEEE inf where torch gives it (0 ** -0.5)."""
    if base == 0 and exponent < 0:
        return math.inf
    return base**exponent


def _pow_backward(base: float, exponent: float, grad: float) -> float:
    """d(base ** exponent)/d(base) times ``grad``: zero when the exponent is 0, as torch."""
    # subtle: x ** 0 is the constant 1, but 0 * _pow_grad(0, -1) would be 0 * inf = nan
    if exponent == 0:
        return 0.0
    return (exponent * _pow_grad(base, exponent - 1)) * grad


def _log_for_grad(base: float) -> float:
    """log(base) inside d(a**b)/db: nan for a < 0 and 0 for a == 0, as torch."""
    if base > 0:
        return math.log(base)
    return 0.0 if base == 0 else math.nan


def _sigmoid(x: float) -> float:
    # subtle: exp of a large positive number overflows, so use the form whose exp(-|x|) cannot
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
