"""Pictures of a ``Value``'s graph, like the lecture's ``draw_dot``: DOT text and a pure-Python SVG.

Each value is a box ``label | data | grad``; each op is a small circle between a value and its
operands, read left to right. ``to_svg`` lays the graph out itself (columns by depth, rows ordered
by their operands' rows), so no graphviz binary is needed; ``to_dot`` gives text for graphviz.
"""

from __future__ import annotations

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


# layout constants, in SVG pixels
BOX_W, BOX_H, OP_R = 250, 26, 14
COL_W, ROW_H, PAD = 330, 44, 20


def _layout(nodes: list[Value]) -> dict[int, tuple[float, float]]:
    """Centre (x, y) of each value box: column = depth from the leaves, rows by operands' rows."""
    depth: dict[int, int] = {}
    for v in nodes:  # topological order: children first
        depth[id(v)] = 1 + max((depth[id(c)] for c in v._prev), default=-1)
    columns: dict[int, list[Value]] = {}
    for v in nodes:
        columns.setdefault(depth[id(v)], []).append(v)
    row: dict[int, float] = {}
    for d in sorted(columns):
        col = columns[d]
        # barycentre heuristic: sit each value near the mean row of its operands (fewer crossings)
        key = {
            id(v): sum(row[id(c)] for c in v._prev) / len(v._prev) if v._prev else i
            for i, v in enumerate(col)
        }
        col.sort(key=lambda v: key[id(v)])
        for i, v in enumerate(col):
            row[id(v)] = i
    height = max(len(c) for c in columns.values())
    pos = {}
    for d, col in columns.items():
        offset = (height - len(col)) / 2  # centre short columns
        for i, v in enumerate(col):
            x = PAD + OP_R * 2 + 40 + BOX_W / 2 + d * COL_W
            pos[id(v)] = (x, PAD + BOX_H / 2 + (i + offset) * ROW_H)
    return pos


def to_svg(root: Value, max_nodes: int = MAX_NODES) -> str:
    """The graph of ``root`` as a standalone SVG document (no graphviz needed)."""
    nodes = _nodes(root, max_nodes)
    pos = _layout(nodes)
    width = max(x for x, _ in pos.values()) + BOX_W / 2 + PAD
    height = max(y for _, y in pos.values()) + BOX_H / 2 + PAD
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif" '
        'font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    edges, shapes = [], []
    for v in nodes:
        x, y = pos[id(v)]
        left = x - BOX_W / 2
        if v._op:
            ox = left - 40 - OP_R  # the op circle sits just left of its result
            for c in v._prev:
                cx, cy = pos[id(c)]
                edges.append(_curve(cx + BOX_W / 2, cy, ox - OP_R, y))
            edges.append(_curve(ox + OP_R, y, left, y))
            shapes.append(
                f'<circle cx="{ox:.1f}" cy="{y:.1f}" r="{OP_R}" fill="#eef" stroke="#336"/>'
                f'<text x="{ox:.1f}" y="{y + 4:.1f}" text-anchor="middle">{escape(v._op)}</text>'
            )
        shapes.append(_box(v, left, y - BOX_H / 2))
    out += edges + shapes + ["</svg>"]
    return "\n".join(out) + "\n"


def _curve(x0: float, y0: float, x1: float, y1: float) -> str:
    mx = (x0 + x1) / 2
    return (
        f'<path d="M{x0:.1f},{y0:.1f} C{mx:.1f},{y0:.1f} {mx:.1f},{y1:.1f} {x1:.1f},{y1:.1f}" '
        'fill="none" stroke="#888"/>'
    )


def _box(v: Value, left: float, top: float) -> str:
    cells = _text(v)
    widths = (50, 100, 100)
    parts = [
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{BOX_W}" height="{BOX_H}" '
        'fill="#fff" stroke="#333"/>'
    ]
    x = left
    for text, w in zip(cells, widths, strict=True):
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
    return "".join(parts)
