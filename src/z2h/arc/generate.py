"""Making verified, labelled tasks: one task from (generator, seed, index, difficulty range).

Everything a task holds follows from those four values, so the same call gives byte-identical
files on any machine, and any subset of a big set (a shard) can be made on its own.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from z2h.arc.checks import check_example, grid_key, solver_failures
from z2h.arc.dataset import SET_FORMAT, SHARDS, SetWriter, shard_line, task_id, write_entry
from z2h.arc.generators.base import Example, Generator, Rand, Reject
from z2h.arc.grid import ArcError
from z2h.arc.labels import LABELS_VERSION, GridLabels, PairLabels, TaskLabels, grid_labels
from z2h.arc.task import Pair, Task

MAX_ATTEMPTS = 200  # pair draws per task before giving up on it


class GenerationError(ArcError):
    """A generator could not make a valid task within its attempt limit."""


@dataclass
class GeneratedTask:
    task: Task
    labels: TaskLabels
    rejected: Counter = field(default_factory=Counter)  # reason -> pairs rejected


def parse_difficulty(text: str) -> tuple[float, float]:
    """``"LO,HI"`` (or one number for both) -> (lo, hi), checked to lie in [0, 1], LO <= HI."""
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ArcError(f"--difficulty takes LO,HI (numbers in [0, 1]), got {text!r}") from None
    if len(values) == 1:
        values *= 2
    if len(values) != 2:
        raise ArcError(f"--difficulty takes LO,HI (numbers in [0, 1]), got {text!r}")
    return check_difficulty((values[0], values[1]))


def check_difficulty(difficulty: tuple[float, float]) -> tuple[float, float]:
    lo, hi = (float(v) for v in difficulty)
    if not (0.0 <= lo <= 1.0 and 0.0 <= hi <= 1.0):
        raise ArcError(f"difficulty must lie in [0, 1], got {lo:g},{hi:g}")
    if lo > hi:
        raise ArcError(f"difficulty LO,HI needs LO <= HI, got {lo:g},{hi:g}")
    return lo, hi


@dataclass
class _Candidate:
    example: Example
    pair: Pair
    labels: tuple[GridLabels, GridLabels]


def _draw(gen: Generator, r: Rand, params: dict, seen: set[bytes], rejected: Counter):
    """One candidate pair that passes the per-pair checks, or None (reason counted)."""
    try:
        ex = gen.make_pair(r, params)
    except Reject as e:
        rejected[f"generator:{e.reason}"] += 1
        return None
    # subtle: only Reject is a rejection; an exception from rendering is a generator's bug
    inp, out = ex.input.render(), ex.output.render()
    key = grid_key(inp)
    if key in seen:
        rejected["duplicate_input"] += 1
        return None
    gl_in, gl_out = grid_labels(ex.input), grid_labels(ex.output)
    reason = check_example(ex, inp, out, gl_in, gl_out)
    if reason is not None:
        rejected[reason] += 1
        return None
    seen.add(key)
    return _Candidate(ex, Pair(inp, out), (gl_in, gl_out))


def make_task(
    gen: Generator,
    seed: int,
    index: int,
    difficulty: tuple[float, float] = (0.0, 1.0),
    max_attempts: int = MAX_ATTEMPTS,
) -> GeneratedTask:
    """A verified, labelled task; raises ``GenerationError`` naming the generator and the
    rejection reasons if ``max_attempts`` pair draws make none, from each of ``STREAMS``
    random streams in turn."""
    difficulty = check_difficulty(difficulty)
    if hasattr(gen, "make_task"):  # a sketch makes its whole task in its own runtime
        return gen.make_task(seed, index, difficulty, max_attempts)
    tid = task_id(gen.name, seed, index)
    # subtle: a task's parameters and demonstration count can leave no pair that teaches the
    # rule (e.g. two demonstrations, each alone ambiguous), so every draw is rejected; such a
    # task is drawn again from a second stream. Every other task is its first stream's.
    first = f"{gen.name}:{seed}:{index}"
    streams = [first] + [f"{first}:{k}" for k in range(1, STREAMS)]
    rejected: Counter = Counter()  # every stream's rejections, counted together
    for stream in streams[:-1]:
        try:
            return _make_from(gen, (tid, seed, index), Rand(stream, difficulty), max_attempts,
                              rejected)  # fmt: skip
        except GenerationError:
            pass
    return _make_from(gen, (tid, seed, index), Rand(streams[-1], difficulty), max_attempts,
                      rejected)  # fmt: skip


STREAMS = 3  # random streams a task is drawn from before its generator is said to fail


def _make_from(
    gen: Generator, ident: tuple[str, int, int], r: Rand, max_attempts: int, rejected: Counter
) -> GeneratedTask:
    """Task ``ident`` (id, seed, index) drawn from the random stream ``r``, or
    ``GenerationError`` after ``max_attempts`` pair draws; rejected draws add to ``rejected``."""
    tid, seed, index = ident
    difficulty = r.difficulty
    params = gen.params(r)
    n_train = r.randint(*gen.train_pairs)
    n = n_train + gen.test_pairs
    seen: set[bytes] = set()
    cands: list[_Candidate] = []
    attempts = 0
    while True:
        while len(cands) < n:
            if attempts >= max_attempts:
                reasons = ", ".join(f"{k} {v}" for k, v in rejected.most_common()) or "none"
                raise GenerationError(
                    f"generator {gen.name} made no valid task {tid} in {max_attempts} attempts "
                    f"from each of {STREAMS} random streams (rejected pairs: {reasons})"
                )
            attempts += 1
            c = _draw(gen, r, params, seen, rejected)
            if c is not None:
                cands.append(c)
        task = Task(tid, [c.pair for c in cands[:n_train]], [c.pair for c in cands[n_train:]])
        failed = solver_failures(gen, task)
        if not failed:
            break
        # drop the pairs the solver missed and draw replacements; the others stay in order
        drop = {i if split == "train" else n_train + i for split, i in failed}
        rejected["solver"] += len(drop)
        for i in drop:
            seen.discard(grid_key(cands[i].pair.input))
        cands = [c for i, c in enumerate(cands) if i not in drop]

    def pair_labels(c: _Candidate) -> PairLabels:
        return PairLabels(c.labels[0], c.labels[1], c.example.correspondence, c.example.actions)

    labels = TaskLabels(
        tid,
        gen.name,
        seed,
        index,
        difficulty,
        params,
        [pair_labels(c) for c in cands[:n_train]],
        [pair_labels(c) for c in cands[n_train:]],
    )
    return GeneratedTask(task, labels, rejected)


MAX_SKIPS = 20  # indices a generator may fail on before make_tasks gives up


def make_tasks(
    gen: Generator, seed: int, n: int, difficulty: tuple[float, float]
) -> list[GeneratedTask]:
    """``n`` tasks of ``gen`` with indices 0, 1, ..., skipping the rare index the generator
    cannot make a task for (``GenerationError``), so a set of n always comes back."""
    out, index, failed = [], 0, 0
    while len(out) < n:
        try:
            out.append(make_task(gen, seed, index, difficulty))
        except GenerationError:
            failed += 1
            if failed > max(MAX_SKIPS, n):
                raise
        index += 1
    return out


# Making a set of tasks on disk (the layout is z2h.arc.dataset's).


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> (I, N): shard I (counting from 0) of N."""
    try:
        i_text, n_text = text.split("/")
        i, n = int(i_text), int(n_text)
    except ValueError:
        raise ArcError(f"--shard must look like I/N (e.g. 0/4), got {text!r}") from None
    if n < 1 or not 0 <= i < n:
        raise ArcError(f"--shard I/N needs N >= 1 and 0 <= I < N, got {text!r}")
    return i, n


def plan(names: list[str], tasks: int, shard: tuple[int, int] = (0, 1)) -> list[tuple[str, int]]:
    """The (generator, index) pairs of one shard: task k of the whole set (generators in the
    order given, indices 0..tasks-1 within each) belongs to shard k mod N."""
    if tasks <= 0:
        raise ArcError(f"--tasks must be at least 1, got {tasks}")
    i, n = shard
    every = [(name, index) for name in names for index in range(tasks)]
    return every[i::n]


def _make_one(job: tuple[str, int, int, tuple[float, float], int]) -> tuple:
    """Worker: one task as JSON text (made in the worker, so workers share the encoding too)."""
    from z2h.arc.generators.registry import generator_named  # registered, or a sketch in use
    from z2h.arc.task import dumps_task

    name, seed, index, difficulty, max_attempts = job
    try:
        made = make_task(generator_named(name), seed, index, difficulty, max_attempts)
    except GenerationError as e:
        return ("error", name, str(e))
    task_text = dumps_task(made.task)
    labels_text = json.dumps(made.labels.to_json())
    pairs = len(made.task.train) + len(made.task.test)
    return ("ok", name, made.task.id, task_text, labels_text, pairs, dict(made.rejected))


def _make_chunk(folders: tuple[Path, Path], piece_stem: str, chunk: tuple[int, list]) -> tuple:
    """Worker: the tasks of one chunk made, their task and label files written, and their shard
    lines written to a piece file that the main process appends to the shard in plan order (so
    the tasks' JSON never travels through the pipes). Returns the piece's path and, per task,
    ("ok", generator, pairs, rejected) or, where a task failed, ("error", generator, message)
    as the last entry."""
    k, jobs = chunk
    piece = folders[0].parent / SHARDS / f"{piece_stem}.{k}.piece"
    results: list[tuple] = []
    with open(piece, "w", encoding="utf-8") as lines:
        for job in jobs:
            made = _make_one(job)
            if made[0] == "error":
                results.append(made)
                break
            _, name, tid, task_text, labels_text, pairs, rejected = made
            write_entry(folders, tid, task_text, labels_text)
            lines.write(shard_line(tid, task_text, labels_text))
            results.append(("ok", name, pairs, rejected))
    return piece, results


def chunk_size(jobs: int, workers: int) -> int:
    """Tasks a worker takes at a time. Small: the tasks of one generator come together, and
    a slow generator's tasks cost several times a fast one's, so big chunks leave one worker
    idle at the end while another finishes; eight still make the messages' cost negligible."""
    return max(1, min(8, jobs // (16 * workers)))


def _chunks(jobs: list, workers: int) -> list[tuple[int, list]]:
    size = chunk_size(len(jobs), workers) if workers > 1 else 64
    return [(k, jobs[start : start + size]) for k, start in enumerate(range(0, len(jobs), size))]


def _results(work, chunks: list, workers: int):
    """The chunks' results in plan order, and the pool (None for one process) to close."""
    if workers == 1:
        return map(work, chunks), None
    # fork where there is one: workers inherit the loaded registry instead of importing
    # everything again
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ctx.Pool(workers)
    return pool.imap(work, chunks), pool


@dataclass
class _Tally:
    """What the shard lists so far, per generator; ``error`` stops the run."""

    per_gen: dict[str, dict[str, Any]]
    done: int = 0  # tasks listed in the shard so far (results come in plan order)
    error: str | None = None

    def add(self, name: str, pairs: int, rejected: dict) -> None:
        stats = self.per_gen[name]
        stats["tasks"] += 1
        stats["pairs"] += pairs
        stats["rejected"].update(rejected)
        self.done += 1


def _write_shard(writer: SetWriter, results, tally: _Tally, total: int, show: bool) -> None:
    """Append the chunks' pieces to the shard file in plan order, stopping at the first error."""
    from z2h.run import progress

    bar = progress(total=total, desc="arc generate", unit="task") if show else None
    with open(writer.tmp_shard, "wb") as shard:
        for piece, made in results:
            with open(piece, "rb") as lines:
                shutil.copyfileobj(lines, shard)
            piece.unlink()
            for result in made:
                if result[0] == "error":
                    tally.error = result[2]
                    break
                tally.add(*result[1:])
            if bar is not None:
                bar.update(len(made))
            if tally.error:
                break
        if bar is not None:
            bar.close()
    os.replace(writer.tmp_shard, writer.paths["shard"])


def _manifest(tally: _Tally, arguments: dict[str, Any], seconds: float) -> dict[str, Any]:
    rejected_all: Counter = Counter()
    for stats in tally.per_gen.values():
        rejected_all.update(stats["rejected"])
        stats["rejected"] = dict(sorted(stats["rejected"].items()))
    return {
        "format": SET_FORMAT,
        "status": "failed" if tally.error else "complete",
        "error": tally.error,
        "arguments": arguments,
        "tasks": sum(s["tasks"] for s in tally.per_gen.values()),
        "pairs": sum(s["pairs"] for s in tally.per_gen.values()),
        "rejected": dict(sorted(rejected_all.items())),
        "per_generator": tally.per_gen,
        "labels_version": LABELS_VERSION,
        "seconds": round(seconds, 3),
    }


def make_set(
    out: str | os.PathLike[str],
    names: list[str],
    tasks: int,
    seed: int,
    difficulty: tuple[float, float],
    shard: tuple[int, int] = (0, 1),
    workers: int = 1,
    max_attempts: int = MAX_ATTEMPTS,
    show_progress: bool = True,
    force: bool = False,
) -> dict[str, Any]:
    """Make one shard of a task set under ``out`` (``z2h.arc.dataset`` owns the layout) and
    return its manifest. Every file is written atomically; the manifest is written last, after
    the task files are flushed to disk. A generator that fails stops the run with a
    ``GenerationError``; the files written so far stay consistent, and the manifest records
    the failure. An ``out`` that already holds this shard is refused unless ``force``."""
    difficulty = check_difficulty(difficulty)
    if workers < 1:
        raise ArcError(f"--workers must be at least 1, got {workers}")
    jobs = [
        (name, seed, index, difficulty, max_attempts) for name, index in plan(names, tasks, shard)
    ]
    writer = SetWriter(out, shard, force=force)
    tally = _Tally(
        {n: {"tasks": 0, "pairs": 0, "rejected": Counter()} for n in dict.fromkeys(names)}
    )
    start = time.perf_counter()
    piece_stem = f".{writer.paths['shard'].name}"
    work = functools.partial(_make_chunk, writer.folders, piece_stem)
    results, pool = _results(work, _chunks(jobs, workers), workers)
    try:
        _write_shard(writer, results, tally, len(jobs), show_progress)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        if tally.done < len(jobs):
            # subtle: workers run ahead of the shard; what they made past the point where
            # the run stopped would sit in tasks/ unlisted (or half-written, as a .tmp file)
            left = jobs[tally.done :]
            writer.remove_unlisted({task_id(n, seed, i) for n, _, i, _, _ in left})
        for piece in writer.paths["shard"].parent.glob(f"{piece_stem}.*.piece"):
            piece.unlink(missing_ok=True)
        writer.tmp_shard.unlink(missing_ok=True)
    arguments = {"generators": list(tally.per_gen), "tasks": tasks, "seed": seed,
                 "difficulty": list(difficulty), "shard": list(shard), "workers": workers,
                 "max_attempts": max_attempts}  # fmt: skip
    manifest = _manifest(tally, arguments, time.perf_counter() - start)
    writer.finish(manifest)
    if tally.error:
        raise GenerationError(
            f"{tally.error}; {manifest['tasks']} tasks written before it, see "
            f"{writer.paths['manifest']}"
        )
    return manifest
