"""Pictures of a ``Value``'s graph, like the lecture's ``draw_dot``: DOT text and a pure-Python SVG.

Each value is a box ``label | data | grad``; each op is an ellipse, sized to its name, between a
value and its operands, read left to right. ``to_svg`` lays the graph out itself the way graphviz's
``dot`` does (columns, waypoints for edges that skip columns, rows ordered to cut crossings), so no
graphviz binary is needed; ``to_dot`` gives text for graphviz.
"""

from __future__ import annotations

import bisect
import itertools
import math
from html import escape

from z2h.autograd.engine import Value, topological_order

MAX_NODES = 2000  # beyond this a picture is unreadable, and the layout slow


def _nodes(root: Value, max_nodes: int) -> list[Value]:
    nodes = topological_order(root)
    if len(nodes) > max_nodes:
        raise ValueError(
            f"the graph has {len(nodes)} values; drawing is for small graphs "
            f"(max_nodes={max_nodes})"
        )
    return nodes


def _text(v: Value) -> tuple[str, str, str]:
    return v.label, f"data {v.data:.4f}", f"grad {v.grad:.4f}"


def to_dot(root: Value, max_nodes: int = MAX_NODES) -> str:
    """The graph of ``root`` in graphviz's DOT language (render with ``dot -Tsvg``)."""
    nodes = _nodes(root, max_nodes)
    index = {id(v): i for i, v in enumerate(nodes)}
    lines = ["digraph value {", "  rankdir=LR;", '  node [shape=record, fontname="Helvetica"];']
    for i, v in enumerate(nodes):
        label, data, grad = (_dot_escape(t) for t in _text(v))
        lines.append(f'  v{i} [label="{{ {label} | {data} | {grad} }}"];')
        if v._op:
            lines.append(f'  op{i} [label="{_dot_escape(v._op)}", shape=ellipse];')
            lines.append(f"  op{i} -> v{i};")
            lines.extend(f"  v{index[id(c)]} -> op{i};" for c in v._prev)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_escape(text: str) -> str:
    for ch in '\\"{}|<>':
        text = text.replace(ch, "\\" + ch)
    return text


# layout, in SVG pixels
FONT_SIZE = 12  # the SVG's font-size; text widths below scale with it
BOX_H = 26  # height of a value box
CELL_PAD = 8  # room left and right of the text in each cell of a value box
MIN_LABEL_W = 24  # the label cell of an unnamed value
OP_RY = 13  # half-height of an op's ellipse; a short op is a circle of this radius
CURVE_W = 50  # room between columns where edges change rows
LINK_W = 24  # the straight stretch from an op to the value it makes
ROW_H = 44  # distance between rows (more than BOX_H, so rows never touch)
PAD = 20  # margin around the picture

# Widths of characters in em, rounded up to classes so that they bound the common sans-serif fonts
# a viewer picks for "Helvetica, Arial, sans-serif" (DejaVu Sans, the widest of them, included).
_NARROW = frozenset("'ijlIJ,. /:;\\|f-()[]t!r")
_WIDE = frozenset("mwMW%@#+<=>^~&OQ")
_UPPER = frozenset("ABCDGHKNRUVXZ")


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An upper bound on the width of ``text`` at font size ``size`` in common sans-serif fonts."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.42
        elif ch in _WIDE:
            em += 1.0
        elif ch in _UPPER:
            em += 0.8
        elif ch.isascii():
            em += 0.64
        else:  # other scripts and symbols: assume a full, generous em
            em += 1.2
    return em * size


def _op_radii(op: str) -> tuple[float, float]:
    """Radii (rx, ry) of an ellipse whose inside holds the op's text box, corners included."""
    half_w, half_h = text_width(op) / 2, FONT_SIZE / 2
    # subtle: a corner (half_w, half_h) lies inside the ellipse when (w/rx)^2 + (h/ry)^2 <= 1
    rx = half_w / math.sqrt(1 - (half_h / OP_RY) ** 2)
    return max(rx, OP_RY), OP_RY


def _ranks(nodes: list[Value], consumers: dict[int, list[Value]]) -> dict[int, int]:
    """Column of each value: the root last, every other value just left of its leftmost consumer.

    Placing a value as late as its consumers allow (not by depth from the leaves) keeps a leaf
    such as a bias beside the op that uses it instead of in the first column, far from it.
    """
    depth: dict[int, int] = {}
    for v in nodes:  # topological order: children first
        depth[id(v)] = 1 + max((depth[id(c)] for c in v._prev), default=-1)
    rank = {id(nodes[-1]): depth[id(nodes[-1])]}
    for v in reversed(nodes[:-1]):  # every consumer is ranked before its operands
        rank[id(v)] = min(rank[id(u)] for u in consumers[id(v)]) - 1
    return rank


def _crossings(pairs: list[tuple[int, int]]) -> int:
    """Number of crossing edges between two columns, each edge a (left row, right row) pair."""
    seen: list[int] = []
    count = 0
    for _, right in sorted(pairs):
        count += len(seen) - bisect.bisect_right(seen, right)
        bisect.insort(seen, right)
    return count


class _Picture:
    """A layered layout, as graphviz's dot makes it: values in columns; a value whose consumers
    sit more than one column to its right runs a wire through the columns between, on a row of
    its own in each (so no edge passes through a box), and every consumer taps the wire in the
    column just before its own; rows are ordered by barycentre sweeps, fewest crossings kept."""

    def __init__(self, nodes: list[Value]):
        self.nodes = nodes
        consumers: dict[int, list[Value]] = {id(v): [] for v in nodes}
        for u in nodes:
            for c in u._prev:
                consumers[id(c)].append(u)
        rank = self.rank = _ranks(nodes, consumers)
        ncols = max(rank.values()) + 1
        # A slot is a value ("v", id) or a waypoint of a value's wire ("w", id, column).
        columns: list[list[tuple]] = [[] for _ in range(ncols)]
        left: dict[tuple, list[tuple]] = {}
        right: dict[tuple, list[tuple]] = {}
        self.wires: dict[int, list[tuple]] = {}
        for v in nodes:
            columns[rank[id(v)]].append(("v", id(v)))
            last = max((rank[id(u)] for u in consumers[id(v)]), default=0) - 1
            self.wires[id(v)] = [("w", id(v), k) for k in range(rank[id(v)] + 1, last + 1)]
            for a, b in itertools.pairwise([("v", id(v)), *self.wires[id(v)]]):
                columns[b[2]].append(b)
                right.setdefault(a, []).append(b)
                left.setdefault(b, []).append(a)
        self.edges = [(c, u) for u in nodes for c in u._prev]  # one per operand, `a + a` twice
        for c, u in self.edges:
            a, b = self._tap(c, u), ("v", id(u))
            right.setdefault(a, []).append(b)
            left.setdefault(b, []).append(a)
        self.columns = self._order(columns, left, right)
        self.row = {}
        height = max(len(col) for col in self.columns)
        for col in self.columns:
            offset = (height - len(col)) / 2  # centre short columns
            for i, slot in enumerate(col):
                self.row[slot] = PAD + BOX_H / 2 + (i + offset) * ROW_H
        self.height = PAD * 2 + BOX_H + (height - 1) * ROW_H
        self._measure(ncols)

    def _tap(self, c: Value, u: Value) -> tuple:
        """Where the edge from operand c to consumer u leaves c's wire: the column before u's."""
        k = self.rank[id(u)] - 1
        return ("v", id(c)) if k == self.rank[id(c)] else ("w", id(c), k)

    @staticmethod
    def _order(columns, left, right, sweeps: int = 8) -> list[list[tuple]]:
        """Rows within each column: alternate sweeps sort each column by the mean row of its
        neighbours in the column before (then after) it; the order with fewest crossings wins."""

        def crossings(cols) -> int:
            pos = {slot: i for col in cols for i, slot in enumerate(col)}
            return sum(
                _crossings([(pos[a], pos[b]) for a in col for b in right.get(a, ())])
                for col in cols[:-1]
            )

        best, best_count = [list(c) for c in columns], crossings(columns)
        cols = [list(c) for c in columns]
        pos = {slot: i for col in cols for i, slot in enumerate(col)}
        for sweep in range(sweeps):
            forward = sweep % 2 == 0
            neighbours = left if forward else right
            indices = range(1, len(cols)) if forward else range(len(cols) - 2, -1, -1)
            for k in indices:

                def key(slot, neighbours=neighbours):
                    near = neighbours.get(slot)
                    centre = sum(pos[n] for n in near) / len(near) if near else pos[slot]
                    return (centre, pos[slot])

                cols[k].sort(key=key)
                pos.update((slot, i) for i, slot in enumerate(cols[k]))
            count = crossings(cols)
            if count < best_count:
                best, best_count = [list(c) for c in cols], count
        return best

    def _measure(self, ncols: int) -> None:
        """Cell widths from the widest text, op sizes, and each column's left edge."""
        texts = [_text(v) for v in self.nodes]
        self.cells = [
            max(max(text_width(t[j]) for t in texts) + 2 * CELL_PAD, MIN_LABEL_W if j == 0 else 0)
            for j in range(3)
        ]
        self.box_w = sum(self.cells)
        self.radii = {id(v): _op_radii(v._op) for v in self.nodes if v._op}
        self.op_w = [0.0] * ncols
        for v in self.nodes:
            if v._op:
                k = self.rank[id(v)]
                self.op_w[k] = max(self.op_w[k], 2 * self.radii[id(v)][0])
        self.x = []  # left edge of each column's boxes
        x = PAD - CURVE_W
        for k in range(ncols):
            x += CURVE_W + (self.op_w[k] + LINK_W if self.op_w[k] else 0)
            self.x.append(x)
            x += self.box_w
        self.width = x + PAD

    def _zone(self, k: int) -> float:
        """Where edges into column k stop changing rows: left of the column's ops."""
        return self.x[k] - (self.op_w[k] + LINK_W if self.op_w[k] else 0)

    def _op_x(self, k: int) -> float:
        return self.x[k] - LINK_W - self.op_w[k] / 2

    def svg(self) -> str:
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width:.0f}" '
            f'height="{self.height:.0f}" viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
            f'font-family="Helvetica, Arial, sans-serif" font-size="{FONT_SIZE}">',
            '<rect width="100%" height="100%" fill="white"/>',
        ]
        out += [self._wire(v) for v in self.nodes if self.wires[id(v)]]
        out += [self._edge(c, u) for c, u in self.edges]
        shapes = []
        for v in self.nodes:
            k, y = self.rank[id(v)], self.row[("v", id(v))]
            if v._op:
                rx, ry = self.radii[id(v)]
                ox = self._op_x(k)
                out.append(_path(f"M{ox + rx:.1f},{y:.1f} L{self.x[k]:.1f},{y:.1f}"))
                shapes.append(
                    f'<g class="op"><ellipse cx="{ox:.1f}" cy="{y:.1f}" rx="{rx:.1f}" '
                    f'ry="{ry:.1f}" fill="#eef" stroke="#336"/><text x="{ox:.1f}" '
                    f'y="{y + 4:.1f}" text-anchor="middle">{escape(v._op)}</text></g>'
                )
            shapes.append(self._box(v, self.x[k], y - BOX_H / 2))
        out += [*shapes, "</svg>"]
        return "\n".join(out) + "\n"

    def _wire(self, v: Value) -> str:
        """A value's wire: out of its box, then straight through each column on its own row."""
        k = self.rank[id(v)]
        x, y = self.x[k] + self.box_w, self.row[("v", id(v))]
        d = [f"M{x:.1f},{y:.1f}"]
        for slot in self.wires[id(v)]:
            k = slot[2]
            d.append(_curve(x, y, self._zone(k), self.row[slot]))
            x, y = self.x[k] + self.box_w, self.row[slot]
            d.append(f"L{x:.1f},{y:.1f}")
        return _path(" ".join(d))

    def _edge(self, c: Value, u: Value) -> str:
        """An operand's edge: from its box (or its wire) into the left side of the op."""
        tap = self._tap(c, u)
        x, y = self.x[self.rank[id(u)] - 1] + self.box_w, self.row[tap]
        k, y1 = self.rank[id(u)], self.row[("v", id(u))]
        x1 = self._op_x(k) - self.radii[id(u)][0] if u._op else self.x[k]
        d = f"M{x:.1f},{y:.1f} {_curve(x, y, self._zone(k), y1)} L{x1:.1f},{y1:.1f}"
        return _path(d)

    def _box(self, v: Value, left: float, top: float) -> str:
        parts = [
            f'<g class="value"><rect x="{left:.1f}" y="{top:.1f}" width="{self.box_w:.1f}" '
            f'height="{BOX_H}" fill="#fff" stroke="#333"/>'
        ]
        x = left
        for text, w in zip(_text(v), self.cells, strict=True):
            if x > left:
                parts.append(
                    f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" '
                    f'y2="{top + BOX_H:.1f}" stroke="#333"/>'
                )
            parts.append(
                f'<text x="{x + w / 2:.1f}" y="{top + BOX_H / 2 + 4:.1f}" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
            x += w
        return "".join(parts) + "</g>"


def _curve(x0: float, y0: float, x1: float, y1: float) -> str:
    """A cubic from (x0, y0) to (x1, y1), level at both ends; it never leaves their rectangle."""
    mx = (x0 + x1) / 2
    return f"C{mx:.1f},{y0:.1f} {mx:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"


def _path(d: str) -> str:
    return f'<path d="{d}" fill="none" stroke="#888"/>'


def to_svg(root: Value, max_nodes: int = MAX_NODES) -> str:
    """The graph of ``root`` as a standalone SVG document (no graphviz needed)."""
    return _Picture(_nodes(root, max_nodes)).svg()
