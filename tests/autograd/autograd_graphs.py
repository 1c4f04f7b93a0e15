"""Random expression graphs (a hypothesis strategy) that both Value and torch tensors can build."""

from __future__ import annotations

from hypothesis import strategies as st

OPS = ["add", "sub", "mul", "div", "tanh", "exp_small", "sigmoid", "relu", "square", "log_abs"]


def _apply(op: str, x, y, lib):
    if op == "add":
        return x + y
    if op == "sub":
        return x - y
    if op == "mul":
        return x * y
    if op == "div":  # keep away from 0: divide by 1 + y*y
        return x / (1.0 + y * y)
    if op == "tanh":
        return x.tanh()
    if op == "exp_small":
        return (x.tanh()).exp()
    if op == "sigmoid":
        return x.sigmoid()
    if op == "relu":
        return x.relu()
    if op == "square":
        return x**2
    if op == "log_abs":  # log(1 + x^2) stays in the domain
        return (1.0 + x * x).log()
    raise AssertionError(op)


def build_graph(program, leaves, lib):
    nodes = list(leaves)
    for op, i, j in program:
        nodes.append(_apply(op, nodes[i % len(nodes)], nodes[j % len(nodes)], lib))
    # sum several nodes so that reuse and fan-out are exercised
    out = nodes[-1]
    for n in nodes[-4:-1]:
        out = out + n
    return out


program_st = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 1000), st.integers(0, 1000)),
    min_size=1,
    max_size=25,
)
leaves_st = st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=4)
