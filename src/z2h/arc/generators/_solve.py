"""Tools the independent solvers share: learning a rule's parameter from the demonstrations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import numpy as np

from z2h.arc.generators.base import CannotSolve
from z2h.arc.task import Pair

R = TypeVar("R")


def changed_colors(demos: Sequence[Pair]) -> set[int]:
    """The colours the demonstration outputs hold where they differ from their inputs."""
    found: set[int] = set()
    for p in demos:
        if p.output is None or p.output.shape != p.input.shape:
            raise CannotSolve("a demonstration changes the grid's size")
        found.update(np.unique(p.output[p.output != p.input]).tolist())
    return found


def fitting_answer(
    grid: np.ndarray,
    demos: Sequence[Pair],
    rules: Iterable[R],
    apply: Callable[[np.ndarray, R], np.ndarray | None],
    what: str = "rule",
) -> np.ndarray:
    """``apply(grid, rule)`` for the rules that reproduce every demonstration (``apply`` gives
    None where a rule does not apply); raises ``CannotSolve`` if none fits, or if the fitting
    ones disagree on ``grid``."""
    answers = []
    for rule in rules:
        fits = True
        for p in demos:
            got = apply(p.input, rule)
            if got is None or got.shape != p.output.shape or not np.array_equal(got, p.output):
                fits = False
                break
        if fits:
            answer = apply(grid, rule)
            if answer is None:
                raise CannotSolve(f"the {what} the demonstrations show does not apply here")
            answers.append(answer)
    if not answers:
        raise CannotSolve(f"no {what} fits the demonstrations")
    first = answers[0]
    if any(a.shape != first.shape or not np.array_equal(a, first) for a in answers[1:]):
        raise CannotSolve(f"the demonstrations fit several {what}s that disagree on this grid")
    return first


def components(
    grid: np.ndarray, background: int, diagonal: bool = True, multicolor: bool = False
) -> list[tuple[tuple[int, int, int, int], list[tuple[int, int, int]]]]:
    """Connected objects of ``grid`` (cells not of the ``background`` colour; side neighbours,
    or corners too when ``diagonal``; of one colour unless ``multicolor``), each as its box
    (top, left, height, width) and its runs (row, start col, stop col), in order of first cell.

    A run-length labelling: rows are cut into runs of equal cells by numpy, and only the runs
    (far fewer than cells) are joined in Python.
    """
    height, width = grid.shape
    # key: -1 for background, else the colour (or 0 for every colour when multicolor); a
    # column of -1 each side, so every run has a boundary on both ends
    key = np.full((height, width + 2), -1, np.int16)
    if multicolor:
        key[:, 1:-1] = grid != background
        key[:, 1:-1] -= 1
    else:
        key[:, 1:-1] = grid
        key[:, 1:-1][grid == background] = -1
    flat = key.ravel().tolist()
    # boundary p of a row lies between padded cells p and p + 1, i.e. grid columns p - 1 and p
    bounds = np.flatnonzero(key[:, 1:] != key[:, :-1]).tolist()
    runs: list[tuple[int, int, int]] = []
    keys: list[int] = []
    start = 0
    for i in bounds:
        r, p = divmod(i, width + 1)
        j = r * (width + 2) + p
        if flat[j] >= 0:  # a run ends here
            runs.append((r, start, p))
        if flat[j + 1] >= 0:  # a run starts here
            start = p
            keys.append(flat[j + 1])
    parent = list(range(len(runs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    reach = 1 if diagonal else 0
    by_row: dict[int, list[int]] = {}
    for i, (r, _, _) in enumerate(runs):
        by_row.setdefault(r, []).append(i)
    for r, here in by_row.items():
        below = by_row.get(r + 1)
        if below is None:
            continue
        first = 0  # runs of the row below are sorted: skip those ending left of this run
        for i in here:
            _, a, b = runs[i]
            while first < len(below) and runs[below[first]][2] + reach <= a:
                first += 1
            for j in below[first:]:
                _, c, _ = runs[j]
                if c >= b + reach:
                    break
                if keys[i] == keys[j]:
                    ri, rj = root(i), root(j)
                    if ri != rj:
                        parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[tuple[int, int, int]]] = {}
    for i, run in enumerate(runs):
        groups.setdefault(root(i), []).append(run)
    out = []
    for group in groups.values():
        top, bottom = group[0][0], group[-1][0]
        left, right = min(a for _, a, _ in group), max(b for _, _, b in group)
        out.append(((top, left, bottom - top + 1, right - left), group))
    return out
