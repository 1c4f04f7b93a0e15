"""The fast path: trace a ``Value`` graph once, then replay it as straight-line Python.

Sibling of ``engine.py``: the same ops and the same formulas, but instead of building a new graph of
objects and closures on every step, a ``Tape`` turns one traced graph into two generated Python
functions over flat lists of floats (``forward`` and ``backward``), compiled once. This suits a
fixed architecture on a fixed batch, like the moons demo, where only the parameters change between
steps. No C extension: the speed comes from not allocating objects and from the CPython compiler.

Replays are bit-for-bit equal to the readable engine: the nodes run in the order
``engine.topological_order`` gives, with the engine's own helper functions and formulas.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from z2h.autograd.engine import (
    Value,
    _log_for_grad,
    _pow,
    _pow_backward,
    _sigmoid,
    topological_order,
)

# op -> (forward, backward for each operand): source templates over slot numbers, where o is the
# node, a and b its operands and k the slot of the constant exponent of `**k` in the list c.
# Keep in step with engine.py.
RULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "+": ("v[{o}] = v[{a}] + v[{b}]", ("g[{a}] += g[{o}]", "g[{b}] += g[{o}]")),
    "*": ("v[{o}] = v[{a}] * v[{b}]", ("g[{a}] += v[{b}] * g[{o}]", "g[{b}] += v[{a}] * g[{o}]")),
    "**k": (
        "v[{o}] = _pow(v[{a}], c[{k}])",
        ("g[{a}] += _pow_backward(v[{a}], c[{k}], g[{o}])",),
    ),
    "**": (
        "v[{o}] = _pow(v[{a}], v[{b}])",
        (
            "g[{a}] += _pow_backward(v[{a}], v[{b}], g[{o}])",
            "g[{b}] += _log_for_grad(v[{a}]) * v[{o}] * g[{o}]",
        ),
    ),
    "exp": ("v[{o}] = exp(v[{a}])", ("g[{a}] += v[{o}] * g[{o}]",)),
    "log": ("v[{o}] = _log(v[{a}])", ("g[{a}] += g[{o}] / v[{a}]",)),
    "tanh": ("v[{o}] = tanh(v[{a}])", ("g[{a}] += (1 - v[{o}] ** 2) * g[{o}]",)),
    "ReLU": ("v[{o}] = 0.0 if v[{a}] < 0 else v[{a}]", ("g[{a}] += (v[{o}] > 0) * g[{o}]",)),
    "sigmoid": ("v[{o}] = _sigmoid(v[{a}])", ("g[{a}] += v[{o}] * (1 - v[{o}]) * g[{o}]",)),
}


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError(f"log of a non-positive number: log({x!r})")
    return math.log(x)


_HELPERS = {
    "exp": math.exp,
    "tanh": math.tanh,
    "_log": _log,
    "_pow": _pow,
    "_pow_backward": _pow_backward,
    "_log_for_grad": _log_for_grad,
    "_sigmoid": _sigmoid,
}

# statements per generated function: CPython compiles many small functions faster than one huge one
_CHUNK = 2000


class Tape:
    """A traced ``Value`` graph, replayed with new input values by generated code.

    ``output`` is the node to differentiate; ``inputs`` are the leaves whose ``.data`` may change
    between replays (parameters, and data points if you want to feed new ones). Every other leaf is
    a constant frozen at trace time, and nodes computed only from constants are not recomputed.

    - ``forward()`` reads each input's current ``.data``, recomputes the graph, returns the output;
    - ``backward()`` adds d(output)/d(input) to each input's ``.grad`` (leaves accumulate, exactly
      as ``Value.backward``);
    - ``value(node)`` is a traced node's data after the last ``forward()``.
    """

    def __init__(self, output: Value, inputs: Sequence[Value] = ()):
        topo = topological_order(output)
        self._slot = {id(v): i for i, v in enumerate(topo)}
        self.inputs = list(inputs)
        for x in self.inputs:
            if x._prev:
                raise ValueError(f"a Tape input must be a leaf Value, got the result of {x._op!r}")
        # inputs that the output does not depend on get no slot: their gradient is 0
        self._input_slots = [(x, self._slot[id(x)]) for x in self.inputs if id(x) in self._slot]
        self._data = [v.data for v in topo]
        self._out = self._slot[id(output)]

        # live: the node depends on some input, so it must be recomputed and differentiated
        live = [False] * len(topo)
        for _, i in self._input_slots:
            live[i] = True
        fwd: list[str] = []
        bwd: list[str] = []
        # subtle: constants travel as values in a list, never as source text: the repr of
        # inf or nan is not a Python expression
        constants: list[float] = []
        for i, v in enumerate(topo):
            if not v._prev:
                continue
            kids = [self._slot[id(c)] for c in v._prev]
            if not any(live[c] for c in kids):
                continue
            live[i] = True
            fwd_rule, bwd_rules = _rule(v)
            names = {"o": i, "a": kids[0], "b": kids[-1], "k": len(constants)}
            exponent = _exponent(v)
            if exponent is not None:
                constants.append(exponent)
            fwd.append(fwd_rule.format(**names))
            # subtle: gradients accumulate in the engine's order, so sums round the same way
            bwd.append([r.format(**names) for r, c in zip(bwd_rules, kids, strict=True) if live[c]])
        backward_lines = [line for node_lines in reversed(bwd) for line in node_lines]
        self._forward = _compile("forward", fwd, constants)
        self._backward = _compile("backward", backward_lines, constants)
        self.size = len(topo)

    def forward(self) -> float:
        v = self._data
        for x, i in self._input_slots:
            v[i] = x.data
        self._forward(v, None)
        return v[self._out]

    def backward(self) -> None:
        """Backpropagate from the output using the values of the last ``forward()``."""
        g = [0.0] * self.size
        g[self._out] = 1.0
        self._backward(self._data, g)
        for x, i in self._input_slots:
            x.grad += g[i]

    def value(self, node: Value) -> float:
        return self._data[self._slot[id(node)]]


def _rule(v: Value) -> tuple[str, tuple[str, ...]]:
    op = "**k" if v._op.startswith("**") and len(v._prev) == 1 else v._op
    if op not in RULES:
        raise ValueError(f"Tape cannot replay op {v._op!r}")
    return RULES[op]


def _exponent(v: Value) -> float | None:
    """The constant k of a node ``x ** k``; None for any other node."""
    if not (v._op.startswith("**") and len(v._prev) == 1):
        return None
    # the engine labels `x ** k` as "**" + repr(k); float(repr(k)) is k exactly, inf and nan too
    return float(v._op[2:])


def _compile(
    name: str, lines: list[str], constants: list[float]
) -> Callable[[list[float], list[float] | None], None]:
    """Compile ``lines`` into ``name(v, g)``, split into chunks that it calls in order; the lines
    read constants from the list ``c``."""
    chunks = [lines[i : i + _CHUNK] for i in range(0, len(lines), _CHUNK)] or [[]]
    src = []
    for n, chunk in enumerate(chunks):
        src.append(f"def _{name}_{n}(v, g):")
        src.extend("    " + line for line in chunk)
        src.append("    pass")
    src.append(f"def {name}(v, g):")
    src.extend(f"    _{name}_{n}(v, g)" for n in range(len(chunks)))
    namespace = {**_HELPERS, "c": constants}
    exec(compile("\n".join(src), f"<z2h.autograd.fast {name}>", "exec"), namespace)
    return namespace[name]
