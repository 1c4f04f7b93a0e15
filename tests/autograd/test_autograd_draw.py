"""Graph pictures: DOT text and the pure-Python SVG layout."""

from __future__ import annotations

import random
import re
import string
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings

from tests.autograd.autograd_graphs import build_graph, leaves_st, program_st
from z2h.autograd import Value
from z2h.autograd.draw import FONT_SIZE, text_width, to_dot, to_svg

NS = "{http://www.w3.org/2000/svg}"


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
    assert len(list(root.iter(f"{ns}ellipse"))) == 3
    # 5 operand edges + 3 op -> value edges + the wire that carries `a` past the `*` column
    assert len(list(root.iter(f"{ns}path"))) == 9
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


# --- layout: every label inside its shape, no edge through a node -----------------------------


def _ink(text: str) -> tuple[float, float, float]:
    """Width, height and descent of text in DejaVu Sans (a wide font that viewers fall back to),
    measured by matplotlib, independently of draw.text_width."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font = FontProperties(family="DejaVu Sans", size=FONT_SIZE)
    return TextToPath().get_text_width_height_descent(text, font, ismath=False)


def _neuron_graph():
    from z2h.autograd.demo import neuron_graph_svg
    from z2h.autograd.nn import MLP

    model = MLP(2, [16, 16, 1], rng=random.Random(1337))
    return ET.fromstring(neuron_graph_svg(model, [1.3959, -0.2947]))


def _wide_graph():
    """Long labels, long numbers and every op name, with values reused across columns."""
    a = Value(123456.789, label="a_rather_long_label")
    b = Value(0.5, label="b")
    c = (a * b).sigmoid() + a**0.3333333333333333 * b + (b.exp() + b.log()).tanh() + b
    d = (c.relu() + -a / b) * a
    d.backward()
    return ET.fromstring(to_svg(d))


def _lecture_graph():
    return ET.fromstring(to_svg(_graph()[2]))


PICTURES = {"lecture": _lecture_graph, "neuron": _neuron_graph, "wide": _wide_graph}


def _num(el, key: str) -> float:
    return float(el.get(key))


def _ops(root):
    """(label, x, baseline, (cx, cy, rx, ry)) of each op: a circle or ellipse and its text."""
    shapes = [
        (_num(e, "cx"), _num(e, "cy"), _num(e, "rx"), _num(e, "ry"))
        for e in root.iter(f"{NS}ellipse")
    ]
    shapes += [
        (_num(c, "cx"), _num(c, "cy"), _num(c, "r"), _num(c, "r")) for c in root.iter(f"{NS}circle")
    ]
    for cx, cy, rx, ry in shapes:
        (text,) = [
            t
            for t in root.iter(f"{NS}text")
            if abs(_num(t, "x") - cx) < 0.1 and abs(_num(t, "y") - cy) < ry
        ]
        yield text.text, _num(text, "x"), _num(text, "y"), (cx, cy, rx, ry)


def _boxes(root):
    """(left, top, right, bottom) of each value box (every rect but the background)."""
    for r in root.iter(f"{NS}rect"):
        if r.get("x") is not None:
            left, top = _num(r, "x"), _num(r, "y")
            yield left, top, left + _num(r, "width"), top + _num(r, "height")


@pytest.mark.parametrize("name", ["lecture", "neuron", "wide"])
def test_op_labels_fit_inside_their_ellipses(name):
    root = PICTURES[name]()
    ops = list(_ops(root))
    assert ops
    for text, x, baseline, (cx, cy, rx, ry) in ops:
        width, height, descent = _ink(text)
        for px in (x - width / 2, x + width / 2):
            for py in (baseline - (height - descent), baseline + descent):
                inside = ((px - cx) / rx) ** 2 + ((py - cy) / ry) ** 2
                assert inside <= 1, f"op label {text!r} spills out of its shape"


@pytest.mark.parametrize("name", ["lecture", "neuron", "wide"])
def test_box_texts_fit_inside_their_cells(name):
    root = PICTURES[name]()
    boxes = list(_boxes(root))
    assert boxes
    for left, top, right, bottom in boxes:
        # the cells of a box are split by vertical lines from its top to its bottom
        edges = sorted(
            [left, right]
            + [
                _num(line, "x1")
                for line in root.iter(f"{NS}line")
                if left < _num(line, "x1") < right and abs(_num(line, "y1") - top) < 0.1
            ]
        )
        texts = [
            t
            for t in root.iter(f"{NS}text")
            if left < _num(t, "x") < right and top < _num(t, "y") < bottom
        ]
        assert len(texts) == len(edges) - 1 == 3
        for t, x0, x1 in zip(
            sorted(texts, key=lambda t: _num(t, "x")), edges[:-1], edges[1:], strict=True
        ):
            width, height, descent = _ink(t.text or "")
            x, baseline = _num(t, "x"), _num(t, "y")
            assert x0 <= x - width / 2 and x + width / 2 <= x1, f"{t.text!r} spills out of its cell"
            assert top <= baseline - (height - descent) and baseline + descent <= bottom


def _points(d: str, steps: int = 40):
    """Points along an SVG path made of M, L and C commands."""
    tokens = re.findall(r"[MLC]|-?[0-9.]+", d)
    pts, i, here = [], 0, None
    while i < len(tokens):
        cmd = tokens[i]
        if cmd == "M":
            here = (float(tokens[i + 1]), float(tokens[i + 2]))
            pts.append(here)
            i += 3
        elif cmd == "L":
            end = (float(tokens[i + 1]), float(tokens[i + 2]))
            pts += [
                (here[0] + (end[0] - here[0]) * k / steps, here[1] + (end[1] - here[1]) * k / steps)
                for k in range(1, steps + 1)
            ]
            here, i = end, i + 3
        elif cmd == "C":
            c1, c2, end = (
                (float(tokens[i + 1 + 2 * j]), float(tokens[i + 2 + 2 * j])) for j in range(3)
            )
            for k in range(1, steps + 1):
                t = k / steps
                w = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3)
                ctrl = (here, c1, c2, end)
                pts.append(tuple(sum(w[j] * ctrl[j][a] for j in range(4)) for a in (0, 1)))
            here, i = end, i + 7
        else:
            raise AssertionError(f"unexpected path command {cmd!r}")
    return pts


def _edge_through_node(root) -> str | None:
    """The first edge point strictly inside a value box or an op ellipse, described; or None."""
    rects = list(_boxes(root))
    ellipses = [shape for *_, shape in _ops(root)]
    for path in root.iter(f"{NS}path"):
        for x, y in _points(path.get("d")):
            for left, top, right, bottom in rects:
                if left + 0.5 < x < right - 0.5 and top + 0.5 < y < bottom - 0.5:
                    return f"edge {path.get('d')[:40]}... passes through the box at ({left}, {top})"
            for cx, cy, ex, ey in ellipses:
                if ((x - cx) / ex) ** 2 + ((y - cy) / ey) ** 2 < 0.98:
                    return f"edge {path.get('d')[:40]}... passes through the op at ({cx}, {cy})"
    return None


@pytest.mark.parametrize("name", ["lecture", "neuron", "wide"])
def test_no_edge_passes_through_a_node(name):
    assert _edge_through_node(PICTURES[name]()) is None


@settings(max_examples=40, deadline=None)
@given(program_st, leaves_st)
def test_no_edge_passes_through_a_node_in_random_graphs(program, leaves):
    root = build_graph(program, [Value(x) for x in leaves], None)
    assert _edge_through_node(ET.fromstring(to_svg(root))) is None


def test_text_width_bounds_the_measured_width():
    samples = [*string.printable[:95], "data -123456.7890", "grad 0.0013", "**0.5", "ReLU", "λ→σ"]
    for text in samples:
        assert _ink(text)[0] <= text_width(text), text
    # and it is an estimate, not a gross overestimate, for ordinary text
    assert text_width("data -0.5481") <= 1.3 * _ink("data -0.5481")[0]


def test_svg_size_holds_every_shape():
    root = _wide_graph()
    width, height = _num(root, "width"), _num(root, "height")
    for left, top, right, bottom in _boxes(root):
        assert left >= 0 and top >= 0 and right <= width and bottom <= height
