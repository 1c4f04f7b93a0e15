"""The solver toolkit: what the generators' independent solvers share.

A solver sees an input grid and the task's other demonstrations, never the generator's
parameters, so it must learn its rule from the demonstrations. The tools here do that part:

- ``fitting_answer(grid, demos, rules, apply)``: try every candidate rule on the demonstrations
  (``fits_all``) and answer only if the rules that fit agree on ``grid`` (``single_answer``);
  demonstrations that fit two rules with different answers raise ``CannotSolve``.
- ``changed_colors(demos)``: the colours a rule writes (or, ``before=True``, overwrites).
- ``components(grid, background, diagonal, multicolor)``: connected objects as boxes and runs,
  a run-length labelling for speed; ``z2h.arc.objects.components`` (a plain flood fill) is the
  reference it is tested against, as is the studio's ``gridops.js``.
- ``@per_grid``: remember a function of a grid by the grid's contents (a solver check parses
  each demonstration once per task, not once per pair); ``colours_in(grid)`` and
  ``objects_of(grid, multicolor)`` are two such readings many solvers share.

Shared pieces of scene building live in ``z2h.arc.scene`` (``transform_scene``) and
``generators/base.py`` (``DIRECTIONS``, ``box_ring``, shapes and placement); a generator module
imports only those, this module and the registry, never another generator module.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np

from z2h.arc.generators.base import CannotSolve
from z2h.arc.grid import most_common_color
from z2h.arc.objects import find_objects
from z2h.arc.scene import Obj
from z2h.arc.task import Pair

R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])

MEMO_SIZE = 128  # calls remembered per function: a task has a few grids, each with a few arguments
_MEMOS: list[dict] = []  # every per_grid function's cache, so a benchmark can start cold


def clear_memos() -> None:
    """Forget every remembered call (a timing run starts as a fresh process would)."""
    for cache in _MEMOS:
        cache.clear()


class _Raised:
    """A remembered ``CannotSolve``: raised again, as a new exception, on each later call."""

    __slots__ = ("args",)

    def __init__(self, args: tuple) -> None:
        self.args = args


def _content_key(a: np.ndarray) -> tuple:
    return (a.shape, a.dtype.char, a.tobytes())


def same_grid(a: np.ndarray, b: np.ndarray) -> bool:
    """``np.array_equal(a, b)``, comparing the bytes where the dtypes agree: far cheaper on
    ARC-sized grids, and the solver check compares thousands of them per task set."""
    if a.shape != b.shape:
        return False
    if a.dtype == b.dtype:
        return a.tobytes() == b.tobytes()
    return bool(np.array_equal(a, b))


def per_grid(fn: F) -> F:
    """``fn(grid, *args)`` remembered for the last ``MEMO_SIZE`` distinct grids and arguments
    (a ``CannotSolve`` it raises too). ``fn`` must depend on the contents of the grid and of
    the arguments alone (each hashable, or an array, keyed by its contents too), and its
    callers must never change what it returns.

    Why: the solver check calls ``solve`` once per pair, each time with the task's other pairs
    as demonstrations (leave one out), so a task of n pairs parses each demonstration n - 1
    times; remembered, each grid is parsed once per task.
    """
    # subtle: a cache in library code, but a pure one: it changes no answer, only how often
    # one is worked out; keyed by the grid's bytes (not its id, which Python reuses)
    cache: dict[tuple, Any] = {}
    _MEMOS.append(cache)
    lock = threading.Lock()

    @functools.wraps(fn)
    def memo(grid: np.ndarray, *args: Any) -> Any:
        # the arguments as given where none is an array (most calls): every solver step goes
        # through here, so building the key is a real share of a cheap step's cost
        arg_key = args
        for a in args:
            if isinstance(a, np.ndarray):
                arg_key = tuple(_content_key(x) if isinstance(x, np.ndarray) else x for x in args)
                break
        key = (grid.shape, grid.dtype.char, grid.tobytes(), arg_key)
        try:
            value = cache[key]
        except KeyError:
            try:
                value = fn(grid, *args)
            except CannotSolve as e:
                value = _Raised(e.args)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)  # shared by every later caller: none may change it
            with lock:  # (the studio makes tasks from several threads at once)
                if len(cache) >= MEMO_SIZE:
                    del cache[next(iter(cache))]  # the oldest
                cache[key] = value
        if type(value) is _Raised:
            raise CannotSolve(*value.args)
        return value

    return memo  # type: ignore[return-value]


def changed_colors(demos: Sequence[Pair], before: bool = False) -> set[int]:
    """The colours the demonstration outputs hold where they differ from their inputs (with
    ``before``: the colours the inputs held there)."""
    found: set[int] = set()
    for p in demos:
        if p.output is None or p.output.shape != p.input.shape:
            raise CannotSolve("a demonstration changes the grid's size")
        found.update(_changed_in(p.output, p.input, before))
    return found


@per_grid
def _changed_in(output: np.ndarray, input_: np.ndarray, before: bool) -> tuple[int, ...]:
    """``changed_colors`` of one demonstration (remembered: a task's solver check asks again
    for each pair left out)."""
    side = input_ if before else output
    counts = np.bincount(side[output != input_], minlength=10)  # (unique sorts)
    return tuple(np.flatnonzero(counts).tolist())


@per_grid
def colours_in(grid: np.ndarray) -> frozenset[int]:
    """The colours ``grid`` holds (remembered: solvers ask of each demonstration again for
    every pair left out, and several times within one answer)."""
    if grid.dtype == np.uint8:  # (every task grid): a count, cheaper than unique's sort
        return frozenset(np.flatnonzero(np.bincount(grid.ravel(), minlength=10)).tolist())
    return frozenset(np.unique(grid).tolist())


@per_grid
def objects_of(grid: np.ndarray, multicolor: bool) -> list[Obj]:
    """8-connected objects of ``grid`` on its most common colour (of one colour unless
    ``multicolor``), remembered: a solver trying several rules reads each grid's objects once,
    not once per rule. Callers must not change the objects."""
    return find_objects(grid, 8, multicolor, most_common_color(grid))


def fits_all(
    demos: Sequence[Pair], apply: Callable[[np.ndarray, R], np.ndarray | None], rule: R
) -> bool:
    """Whether ``apply(input, rule)`` gives every demonstration's output (``apply`` raising
    ``CannotSolve`` or giving None: the rule does not fit)."""
    for p in demos:
        if p.output is None:
            return False
        try:
            got = apply(p.input, rule)
        except CannotSolve:
            return False
        if got is None or not same_grid(got, p.output):
            return False
    return True


def single_answer(
    rules: Sequence[R], answer: Callable[[R], np.ndarray | None], what: str = "rule"
) -> np.ndarray:
    """The answer of ``rules`` (those that fit the demonstrations) if they all agree on it; a
    rule that cannot apply to this grid (``answer`` raises ``CannotSolve`` or gives None, say
    its key colour is absent) drops out. Raises ``CannotSolve`` if none is left, or if the
    answers disagree."""
    if not rules:
        raise CannotSolve(f"no {what} fits the demonstrations")
    answers = []
    for rule in rules:
        try:
            got = answer(rule)
        except CannotSolve:
            continue
        if got is not None:
            answers.append(got)
    if not answers:
        raise CannotSolve(f"no {what} that fits the demonstrations applies to this grid")
    first = answers[0]
    if any(not same_grid(a, first) for a in answers[1:]):
        raise CannotSolve(f"the demonstrations fit {what}s that disagree on this grid")
    return first


def fitting_answer(
    grid: np.ndarray,
    demos: Sequence[Pair],
    rules: Iterable[R],
    apply: Callable[[np.ndarray, R], np.ndarray | None],
    what: str = "rule",
) -> np.ndarray:
    """``apply(grid, rule)`` for the ``rules`` that reproduce every demonstration (see
    ``fits_all``), if they agree on ``grid`` (see ``single_answer``)."""
    fits = [rule for rule in rules if fits_all(demos, apply, rule)]
    return single_answer(fits, lambda rule: apply(grid, rule), what)


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
    # boundary p of a row lies between padded cells p and p + 1, i.e. grid columns p - 1 and p:
    # a run starts at a boundary with a cell on its right, and stops at one with a cell on its
    # left; both lists come out row-major, so they pair up
    change = key[:, 1:] != key[:, :-1]
    rows, starts = np.nonzero(change & (key[:, 1:] >= 0))
    stops = np.nonzero(change & (key[:, :-1] >= 0))[1]
    keys = key[rows, starts + 1].tolist()
    first = np.searchsorted(rows, np.arange(height + 1)).tolist()  # row r: runs first[r]:first[r+1]
    rows, starts, stops = rows.tolist(), starts.tolist(), stops.tolist()
    n = len(rows)
    parent = list(range(n))
    reach = 1 if diagonal else 0
    for r in range(height - 1):
        j0, j_end = first[r + 1], first[r + 2]
        for i in range(first[r], first[r + 1]):
            a, b = starts[i], stops[i]
            # runs of the row below are sorted: skip those ending left of this run
            while j0 < j_end and stops[j0] + reach <= a:
                j0 += 1
            j = j0
            while j < j_end and starts[j] < b + reach:
                if keys[i] == keys[j]:
                    ri = i
                    while parent[ri] != ri:
                        ri = parent[ri]
                    rj = j
                    while parent[rj] != rj:
                        rj = parent[rj]
                    if ri != rj:
                        parent[max(ri, rj)] = min(ri, rj)
                j += 1
    # every run's root, found in order: a root comes before the runs joined to it
    out: list[tuple[tuple[int, int, int, int], list[tuple[int, int, int]]]] = []
    slot: dict[int, int] = {}
    bounds: list[list[int]] = []  # per object: top, left, bottom, right (exclusive)
    for i in range(n):
        ri = i
        while parent[ri] != ri:
            ri = parent[ri]
        parent[i] = ri
        run = (rows[i], starts[i], stops[i])
        k = slot.get(ri)
        if k is None:
            slot[ri] = len(out)
            out.append(((0, 0, 0, 0), [run]))
            bounds.append([run[0], run[1], run[0], run[2]])
        else:
            out[k][1].append(run)
            box = bounds[k]
            box[2] = run[0]
            if run[1] < box[1]:
                box[1] = run[1]
            if run[2] > box[3]:
                box[3] = run[2]
    return [
        ((t, lf, bottom - t + 1, right - lf), runs)
        for (t, lf, bottom, right), (_, runs) in zip(bounds, out, strict=True)
    ]
