"""Making verified, labelled tasks: one task from (generator, seed, index, difficulty range).

Everything a task holds follows from those four values, so the same call gives byte-identical
files on any machine, and any subset of a big set (a shard) can be made on its own.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from z2h.arc.generators.base import Example, Generator, Rand, Reject
from z2h.arc.grid import ArcError
from z2h.arc.labels import LABELS_VERSION, GridLabels, PairLabels, TaskLabels, grid_labels
from z2h.arc.task import Pair, Task
from z2h.arc.verify import check_example, grid_key, solver_failures

MAX_ATTEMPTS = 200  # pair draws per task before giving up on it


class GenerationError(ArcError):
    """A generator could not make a valid task within its attempt limit."""


@dataclass
class GeneratedTask:
    task: Task
    labels: TaskLabels
    rejected: Counter = field(default_factory=Counter)  # reason -> pairs rejected


def task_id(name: str, seed: int, index: int) -> str:
    """The reproducible id of a generated task."""
    return f"{name}-{seed}-{index:06d}"


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
    try:
        inp, out = ex.input.render(), ex.output.render()
    except (ArcError, ValueError, IndexError):
        rejected["invalid_grid"] += 1
        return None
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
    rejection reasons if ``max_attempts`` pair draws do not make one."""
    difficulty = check_difficulty(difficulty)
    if hasattr(gen, "make_task"):  # a sketch makes its whole task in its own runtime
        return gen.make_task(seed, index, difficulty, max_attempts)
    tid = task_id(gen.name, seed, index)
    r = Rand(f"{gen.name}:{seed}:{index}", difficulty)
    params = gen.params(r)
    n_train = r.randint(*gen.train_pairs)
    n = n_train + gen.test_pairs
    rejected: Counter = Counter()
    seen: set[bytes] = set()
    cands: list[_Candidate] = []
    attempts = 0
    while True:
        while len(cands) < n:
            if attempts >= max_attempts:
                reasons = ", ".join(f"{k} {v}" for k, v in rejected.most_common()) or "none"
                raise GenerationError(
                    f"generator {gen.name} made no valid task {tid} in {max_attempts} attempts "
                    f"(rejected pairs: {reasons})"
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


# Making a set of tasks on disk.

SET_FORMAT = 1  # version of the on-disk layout below


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


def set_paths(out: Path, shard: tuple[int, int]) -> dict[str, Path]:
    i, n = shard
    sharded = n > 1
    return {
        "tasks": out / "tasks",
        "labels": out / "labels",
        "manifest": out / (f"manifest-{i}-of-{n}.json" if sharded else "manifest.json"),
        "shard": out / "shards" / f"shard-{i:05d}-of-{n:05d}.jsonl",
    }


def _make_one(job: tuple[str, int, int, tuple[float, float], int]) -> tuple:
    """Worker: one task as JSON text (made in the worker, so workers share the encoding too)."""
    from z2h.arc.sketch import generator_named  # a registered generator or an active sketch
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


def _make_and_write(folders: tuple[Path, Path], job: tuple) -> tuple:
    """Worker: one task made and its task and label files written (in the worker, so W workers
    share the file system calls: creating two files costs about a fifth of making a task, too
    much to leave to the one main process); returns its shard line."""
    from z2h.run import write_text_atomic

    result = _make_one(job)
    if result[0] == "error":
        return result
    _, name, tid, task_text, labels_text, pairs, rejected = result
    tasks_dir, labels_dir = folders
    write_text_atomic(tasks_dir / f"{tid}.json", task_text + "\n", fsync=False)
    write_text_atomic(labels_dir / f"{tid}.json", labels_text + "\n", fsync=False)
    line = f'{{"id": {json.dumps(tid)}, "task": {task_text}, "labels": {labels_text}}}\n'
    return ("ok", name, line, pairs, rejected)


def chunk_size(jobs: int, workers: int) -> int:
    """Tasks a worker takes at a time. Small: the tasks of one generator come together, and
    a slow generator's tasks cost several times a fast one's, so big chunks leave one worker
    idle at the end while another finishes; eight still make the messages' cost negligible."""
    return max(1, min(8, jobs // (16 * workers)))


def _remove_unlisted(folders: tuple[Path, Path], ids: set[str]) -> None:
    """Remove the files (and any temporary files) of tasks ``ids`` that workers made but the
    shard does not list, after a failure or an interrupt stopped the run before them. Only
    names of this shard's own tasks are touched: other shards may be writing beside it."""
    for folder in folders:
        for path in folder.iterdir():
            # "<id>.json" or ".<id>.json.<random>.tmp"
            tid = path.name.lstrip(".").split(".json", 1)[0]
            if tid in ids:
                path.unlink(missing_ok=True)


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
) -> dict[str, Any]:
    """Make one shard of a task set under ``out`` (see docs/arc.md for the layout) and return
    its manifest. Every file is written atomically; the manifest is written last, after the
    task files are flushed to disk. A generator that fails stops the run with a
    ``GenerationError``; the files written so far stay consistent, and the manifest records
    the failure."""
    from z2h.run import make_run_dir, progress, write_json_atomic

    difficulty = check_difficulty(difficulty)
    if workers < 1:
        raise ArcError(f"--workers must be at least 1, got {workers}")
    jobs = [
        (name, seed, index, difficulty, max_attempts) for name, index in plan(names, tasks, shard)
    ]
    root = make_run_dir(out)
    paths = set_paths(root, shard)
    for key in ("tasks", "labels"):
        paths[key].mkdir(exist_ok=True)
    paths["shard"].parent.mkdir(exist_ok=True)
    per_gen: dict[str, dict[str, Any]] = {
        n: {"tasks": 0, "pairs": 0, "rejected": Counter()} for n in dict.fromkeys(names)
    }
    start = time.perf_counter()
    error = None
    tmp_shard = paths["shard"].with_name(f".{paths['shard'].name}.tmp")
    folders = (paths["tasks"], paths["labels"])
    work = functools.partial(_make_and_write, folders)
    pool = None
    done = 0  # tasks listed in the shard so far (results come in plan order)
    try:
        if workers > 1:
            # fork where there is one: workers inherit the loaded registry instead of
            # importing everything again
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
            pool = ctx.Pool(workers)
            results = pool.imap(work, jobs, chunksize=chunk_size(len(jobs), workers))
        else:
            results = map(work, jobs)
        bar = progress(total=len(jobs), desc="arc generate", unit="task") if show_progress else None
        with open(tmp_shard, "w", encoding="utf-8") as lines:
            for result in results:
                if result[0] == "error":
                    error = result[2]
                    break
                _, name, line, pairs, rejected = result
                lines.write(line)
                done += 1
                stats = per_gen[name]
                stats["tasks"] += 1
                stats["pairs"] += pairs
                stats["rejected"].update(rejected)
                if bar is not None:
                    bar.update(1)
            if bar is not None:
                bar.close()
        os.replace(tmp_shard, paths["shard"])
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
            if done < len(jobs):
                # subtle: workers run ahead of the shard; what they made past the point where
                # the run stopped would sit in tasks/ unlisted (or half-written, as a .tmp file)
                _remove_unlisted(folders, {task_id(n, seed, i) for n, _, i, _, _ in jobs[done:]})
        tmp_shard.unlink(missing_ok=True)
    if hasattr(os, "sync"):
        os.sync()  # the task files were renamed into place unflushed; make them durable at once
    rejected_all: Counter = Counter()
    for stats in per_gen.values():
        rejected_all.update(stats["rejected"])
        stats["rejected"] = dict(sorted(stats["rejected"].items()))
    manifest = {
        "format": SET_FORMAT,
        "status": "failed" if error else "complete",
        "error": error,
        "arguments": {
            "generators": list(per_gen),
            "tasks": tasks,
            "seed": seed,
            "difficulty": list(difficulty),
            "shard": list(shard),
            "workers": workers,
            "max_attempts": max_attempts,
        },
        "tasks": sum(s["tasks"] for s in per_gen.values()),
        "pairs": sum(s["pairs"] for s in per_gen.values()),
        "rejected": dict(sorted(rejected_all.items())),
        "per_generator": per_gen,
        "files": {k: str(p.relative_to(root)) for k, p in paths.items()},
        "labels_version": LABELS_VERSION,
        "seconds": round(time.perf_counter() - start, 3),
    }
    write_json_atomic(paths["manifest"], manifest)
    if error:
        raise GenerationError(
            f"{error}; {manifest['tasks']} tasks written before it, see {paths['manifest']}"
        )
    return manifest
