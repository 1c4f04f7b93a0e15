"""Running sketches headless: V8 embedded in Python (mini-racer), sandboxed and time-limited.

The runtime (``runtime.js``, the same file the studio page loads) makes a whole task in one
call; this module turns its plain data into a ``Task`` and ``TaskLabels`` exactly as
``z2h.arc.generate.make_task`` would return them, so the set writing, manifests and shards are
the generators' own. V8 here has no file, network or clock access; a sketch that throws, loops,
allocates without bound or draws an invalid grid stops with a ``SketchError`` naming its file
and, where V8 knows it, the line.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import weakref
from collections import Counter
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from z2h.arc.generators.base import CannotSolve, Generator
from z2h.arc.grid import ArcError
from z2h.arc.labels import (
    ACTIONS,
    GridLabels,
    Match,
    ObjectLabel,
    PairLabels,
    TaskLabels,
    mark_covered,
)
from z2h.arc.relations import relations
from z2h.arc.task import Pair, Task

TIME_LIMIT_S = 10.0  # per call into V8: one task, or one solve
MEMORY_LIMIT = 256 * 2**20  # bytes of V8 heap before the sketch is stopped
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# V8 contexts made by this process: closed at exit, since mini-racer hangs the interpreter's
# shutdown when two or more are left to the garbage collector (seen with mini-racer 0.14)
_CONTEXTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@atexit.register
def _close_contexts() -> None:
    for ctx, pid in list(_CONTEXTS.items()):
        if pid == os.getpid():  # (a forked child must not touch its parent's V8 threads)
            ctx.close()


def _v8() -> Any:
    """The ``py_mini_racer`` module (embedded V8), or a SketchError saying how to install it."""
    try:
        import py_mini_racer
    except ImportError:
        raise SketchError(
            "sketches run in mini-racer (embedded V8): pip install 'z2h[arc]'"
        ) from None
    return py_mini_racer


class SketchError(ArcError):
    """A sketch that cannot run: its file and line (where known) and what went wrong."""


@cache
def runtime_source() -> str:
    """The text of runtime.js (shipped as package data)."""
    return resources.files("z2h.arc.sketch").joinpath("runtime.js").read_text(encoding="utf-8")


def sketch_name(path: Path) -> str:
    name = path.stem
    if not NAME.match(name):
        raise SketchError(
            f"{path.name}: a sketch's file name is its family's name: letters, digits, _ and - only"
        )
    return name


class SketchGenerator(Generator):
    """A sketch behind the generator interface: ``make_task`` and ``solve`` run in V8.

    The V8 context is made on first use in each process (V8 does not survive a fork, and
    ``make_set``'s workers are forked), so an instance can be shared with workers.
    """

    def __init__(
        self,
        source: str,
        name: str,
        path: str | None = None,
        time_limit: float = TIME_LIMIT_S,
        memory_limit: int = MEMORY_LIMIT,
    ) -> None:
        if not NAME.match(name):
            raise SketchError(f"sketch name {name!r}: letters, digits, _ and - only")
        self.name = name  # type: ignore[misc]
        self.source = source
        self.path = path or f"{name}.js"
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self._ctx: Any = None
        self._pid = -1
        about = self.about
        self.description = str(about.get("description", ""))  # type: ignore[misc]
        self.concepts = tuple(str(c) for c in about.get("concepts", ()))  # type: ignore[misc]
        train = about.get("train", [3, 4])
        self.train_pairs = (int(train[0]), int(train[1]))  # type: ignore[misc]
        self.test_pairs = int(about.get("test", 1))  # type: ignore[misc]
        self.verified = bool(self._eval("__sketch.solve !== null"))

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], **limits: Any) -> SketchGenerator:
        p = Path(path)
        if not p.is_file():
            raise SketchError(f"no such sketch file: {p}")
        try:
            source = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise SketchError(f"{p}: cannot read the sketch ({e})") from None
        return cls(source, sketch_name(p), str(p), **limits)

    # The V8 side.

    def _context(self) -> Any:
        if self._ctx is not None and self._pid == os.getpid():
            return self._ctx
        ctx = _v8().MiniRacer()
        _CONTEXTS[ctx] = os.getpid()
        ctx.set_hard_memory_limit(self.memory_limit)
        ctx.eval(runtime_source())
        ctx.eval(f"Z2HSketch.setActions({json.dumps(sorted(ACTIONS))}); 0")
        # the factory is evaluated here, not inside the runtime, so that a syntax error comes
        # back with its line (it starts on line 1, as in the file)
        wrapped = ctx.call("Z2HSketch.wrap", self.source, self.name)
        self._ctx, self._pid = ctx, os.getpid()
        self._eval("globalThis.__factory = " + wrapped + "; 0", raw=True)
        self._eval(f"globalThis.__sketch = Z2HSketch.fromFactory(__factory, {self.name!r}); 0")
        return ctx

    def close(self) -> None:
        """Free the V8 context now (the next call makes a new one)."""
        ctx, self._ctx = self._ctx, None
        if ctx is not None and self._pid == os.getpid():
            ctx.close()

    def __del__(self) -> None:
        # subtle: closed here, not left to mini-racer's own finaliser, which can run after
        # its event loop has closed and warn
        with contextlib.suppress(Exception):
            self.close()

    def _eval(self, code: str, raw: bool = False) -> Any:
        """``code``'s value (JSON text when not ``raw``), with the limits; V8's failures
        become ``SketchError``s naming the sketch."""
        v8 = _v8()
        JSEvalException, JSOOMException = v8.JSEvalException, v8.JSOOMException
        JSParseException, JSTimeoutException = v8.JSParseException, v8.JSTimeoutException
        ctx = self._ctx if raw else self._context()
        try:
            return ctx.eval(code, timeout_sec=self.time_limit)
        except JSTimeoutException:
            # subtle: V8 reports the stopped call later; one more call waits for that report
            # while the context's event loop still runs (else it arrives after close and warns)
            with contextlib.suppress(Exception):
                ctx.eval("0", timeout_sec=self.time_limit)
            raise SketchError(
                f"{self.path}: ran past the time limit of {self.time_limit:g} s "
                "(an endless loop?); V8 stops it without a line"
            ) from None
        except JSOOMException:
            raise SketchError(
                f"{self.path}: used more than {self.memory_limit // 2**20} MiB of memory "
                "(an unbounded array?)"
            ) from None
        except JSParseException as e:
            m = re.search(r":(\d+): (SyntaxError: [^\n]*)", str(e))
            what = f"line {m.group(1)}: {m.group(2)}" if m else str(e).splitlines()[0]
            raise SketchError(f"{self.path} {what}") from None
        except JSEvalException as e:
            # the runtime's own errors start "NAME.js line N: ..."; name the path instead
            first = str(e).split("\n\n")[0].splitlines()[0]
            first = re.sub(r"^[^:]*?:\d+: (Error: )?", "", first)
            raise SketchError(first.replace(f"{self.name}.js", self.path, 1)) from None
        finally:
            if ctx is not None and self._ctx is ctx and ctx.was_hard_memory_limit_reached():
                self.close()  # a context past its limit is not used again

    def _call(self, expr: str) -> dict[str, Any]:
        got = json.loads(self._eval(f"JSON.stringify({expr})"))
        if "error" in got:
            message = got["error"]["message"].replace(f"{self.name}.js", self.path, 1)
            raise SketchError(message)
        return got

    @property
    def about(self) -> dict[str, Any]:
        return json.loads(self._eval("JSON.stringify(__sketch.about)"))

    def raw_task(self, seed: int, index: int, difficulty: tuple[float, float], attempts: int):
        """The runtime's plain result for one task (what the browser makes too)."""
        lo, hi = difficulty
        return self._call(
            f"__sketch.makeTask({int(seed)}, {int(index)}, [{float(lo)!r}, {float(hi)!r}], "
            f"{int(attempts)})"
        )

    def preview(self, seed: int, difficulty: tuple[float, float] = (0.0, 1.0)) -> dict[str, Any]:
        """One pair as the runtime draws it for a quick look: {"params", "input", "output",
        "labels"} (or {"failed": why} when every draw was rejected)."""
        lo, hi = difficulty
        got = self._call(f"__sketch.preview({int(seed)}, [{float(lo)!r}, {float(hi)!r}], 50)")
        return got.get("value") or {"failed": got.get("failed")}

    # The generator interface.

    def make_task(
        self, seed: int, index: int, difficulty: tuple[float, float], max_attempts: int
    ) -> Any:
        from z2h.arc.generate import GeneratedTask, GenerationError

        got = self.raw_task(seed, index, difficulty, max_attempts)
        if "failed" in got:
            raise GenerationError(got["failed"].replace(f"{self.name}.js", self.path))
        task, labels = task_and_labels(got["value"], self.name, seed, index, difficulty)
        return GeneratedTask(task, labels, Counter(got["value"]["rejected"]))

    def solve(self, grid: np.ndarray, demos: Any) -> np.ndarray:
        if not self.verified:
            raise CannotSolve(f"sketch {self.name} has no solve()")
        args = json.dumps(
            [
                grid.tolist(),
                [{"input": p.input.tolist(), "output": p.output.tolist()} for p in demos],
            ]
        )
        got = self._call(f"__sketch.solveFor(...{args})")
        if got["value"] is None:
            raise CannotSolve(f"sketch {self.name}'s solve() gave no grid")
        try:
            return np.array(got["value"], dtype=np.uint8)
        except (ValueError, OverflowError):
            raise CannotSolve(f"sketch {self.name}'s solve() gave no grid") from None


def _grid_labels(d: dict[str, Any]) -> GridLabels:
    objs = []
    for o in d["objects"]:
        cells = o["cells"]  # [row, col, colour], row-major
        cols = [c[1] for c in cells]
        top, left = cells[0][0], min(cols)
        box = [top, left, cells[-1][0] - top + 1, max(cols) - left + 1]
        colors = sorted({c[2] for c in cells})
        objs.append(ObjectLabel(o["id"], cells, colors, box, o["z"], list(o["tags"])))
    mark_covered(objs, d["width"])
    return GridLabels(d["height"], d["width"], d["background"], objs, relations(objs))


def task_and_labels(
    value: dict[str, Any], name: str, seed: int, index: int, difficulty: tuple[float, float]
) -> tuple[Task, TaskLabels]:
    """The runtime's plain task -> (Task, TaskLabels), checked: painting each grid's objects
    must give the grid (the runtime guarantees it; a failure is a bug in the runtime)."""
    from z2h.arc.generate import task_id
    from z2h.arc.labels import check_grid_labels

    tid = task_id(name, seed, index)

    def pairs(split: str) -> list[Pair]:
        return [
            Pair(np.array(p["input"], np.uint8), np.array(p["output"], np.uint8))
            for p in value[split]
        ]

    def pair_labels(split: str) -> list[PairLabels]:
        return [
            PairLabels(
                _grid_labels(p["input"]),
                _grid_labels(p["output"]),
                [Match(m["input_id"], m["output_id"], m["actions"]) for m in p["correspondence"]],
                p["actions"],
            )
            for p in value["labels"][split]
        ]

    task = Task(tid, pairs("train"), pairs("test"))
    labels = TaskLabels(
        tid,
        name,
        seed,
        index,
        (float(difficulty[0]), float(difficulty[1])),
        value["params"],
        pair_labels("train"),
        pair_labels("test"),
        provenance="sketch",
    )
    for split, i, pair in task.pairs():
        pl = getattr(labels, split)[i]
        where = f"task {tid}: {split} pair {i}"
        # the boxes and colours were derived from the cells just above; what needs checking
        # is that the objects paint the grids, and that the rows name objects that exist
        problems = check_grid_labels(pair.input, pl.input, f"{where} input", derived=False)
        problems += check_grid_labels(pair.output, pl.output, f"{where} output", derived=False)
        ids = (
            {o.id for o in pl.input.objects} | {None},
            {o.id for o in pl.output.objects} | {None},
        )
        if any(m.input_id not in ids[0] or m.output_id not in ids[1] for m in pl.correspondence):
            problems.append(f"{where}: a correspondence row names a missing object")
        if problems:
            raise SketchError(f"sketch {name}: the runtime's labels disagree: {problems[0]}")
    return task, labels
