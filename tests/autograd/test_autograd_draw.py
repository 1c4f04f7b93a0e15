"""Graph pictures: DOT text and the pure-Python SVG layout."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from z2h.autograd import Value
from z2h.autograd.draw import to_dot, to_svg


def _graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a).tanh()
    c.label = "c"
    c.backward()
    return a, b, c


def test_dot_lists_every_node_with_op_data_and_grad():
    a, _b, c = _graph()
    dot = to_dot(c)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert dot.count("data ") == 5  # a, b, a*b, a*b+a, tanh
    for op in ('"*"', '"+"', '"tanh"'):
        assert f"label={op}" in dot
    assert f"grad {a.grad:.4f}" in dot and f"data {c.data:.4f}" in dot
    assert dot.count("->") == 3 + 5  # op -> value for 3 ops, operand -> op for 5 operands


def test_svg_is_valid_xml_with_boxes_ops_and_edges():
    _a, b, c = _graph()
    svg = to_svg(c)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert {"a", "b", "c", "*", "+", "tanh"} <= set(texts)
    assert f"grad {b.grad:.4f}" in texts
    assert len(list(root.iter(f"{ns}circle"))) == 3
    assert len(list(root.iter(f"{ns}path"))) == 8
    # operands sit left of the values they make
    xs = {t.text: float(t.get("x")) for t in root.iter(f"{ns}text")}
    assert xs["a"] < xs["*"] < xs["+"] < xs["tanh"] < xs["c"]


def test_escaping_and_size_limit():
    v = Value(1.0, label='<x & "y">')
    svg = to_svg(v * 2)
    ET.fromstring(svg)  # still well-formed
    assert '\\"' in to_dot(v)
    big = Value(0.0)
    for _ in range(50):
        big = big + 1.0
    with pytest.raises(ValueError, match="max_nodes"):
        to_svg(big, max_nodes=20)
