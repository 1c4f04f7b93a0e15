"""Helpers for the sketch tests: run a few lines of a sketch headless and read what it drew."""

from __future__ import annotations

from typing import Any

import numpy as np

from z2h.arc.sketch.host import SketchGenerator


def sketch(source: str, name: str = "t", **limits: Any) -> SketchGenerator:
    return SketchGenerator(source, name, **limits)


def drawn(body: str, w: int = 5, h: int = 5, after: str = "") -> dict[str, Any]:
    """The preview of a sketch whose pair() makes a w x h canvas, runs ``body``, calls
    output() and runs ``after``."""
    source = f"function pair() {{\ncreateCanvas({w}, {h});\n{body}\noutput();\n{after}\n}}\n"
    return sketch(source).preview(0)


def grid(body: str, w: int = 5, h: int = 5) -> np.ndarray:
    return np.array(drawn(body, w, h)["input"])


def cells(rows: list[str]) -> np.ndarray:
    """A hand-drawn grid: one string per row, one digit per cell ('.' is 0)."""
    return np.array([[0 if ch == "." else int(ch) for ch in row] for row in rows])


# The runtime's seeded generator, written again from its definition (FNV-1a 32 of the seed
# text, then mulberry32), as the reference the JavaScript numbers are checked against.
def fnv1a32(text: str) -> int:
    h = 0x811C9DC5
    for ch in text:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h


def mulberry32(seed: int):
    state = seed & 0xFFFFFFFF

    def imul(a: int, b: int) -> int:
        return (a * b) & 0xFFFFFFFF

    def nxt() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = imul(state ^ (state >> 15), 1 | state)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return nxt
