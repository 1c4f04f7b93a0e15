"""Answering tasks with a trained model, test-time augmentation, scoring, and object F1.

``predict`` gives every test input of every task two attempts (the model's two most likely answers,
or with TTA the two answers that won the vote across symmetric views of the task). Scoring is
``z2h.arc.predictions.score``'s: a test input counts only when a whole grid, size included,
equals the answer; pass@1 and pass@2, with cell accuracy as a diagnostic. Object F1 counts
objects recovered exactly (the same set of cells) by the object finder and, on the same grids,
by connected components.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from z2h.arc.dataset import generator_name
from z2h.arc.models.augment import Augmentation, tta_augmentations
from z2h.arc.models.base import Candidate, GridSolver
from z2h.arc.models.encode import ObjectIds
from z2h.arc.models.objects_model import (
    ObjectFinder,
    f1_score,
    object_f1,
    visible_objects,
)
from z2h.arc.objects import components
from z2h.arc.predictions import Predictions, score
from z2h.arc.task import Task
from z2h.errors import Z2HError

BATCH = 16  # queries answered per forward batch


def object_id_map(grid: np.ndarray) -> np.ndarray:
    """Each cell's object id for models that read them: 1 + the index of its 4-connected
    one-colour component (0: background), from ``z2h.arc.objects``; the same for generated and
    real tasks, which come without labels."""
    ids = np.zeros(grid.size, dtype=np.int64)
    for k, cells in enumerate(components(np.asarray(grid), 4, False, None), start=1):
        ids[cells] = k
    return ids.reshape(grid.shape)


def object_ids_for(model: GridSolver) -> ObjectIds | None:
    return object_id_map if getattr(model.config, "object_ids", False) else None


def demos_of(task: Task) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(p.input, p.output) for p in task.train if p.output is not None]


def check_fits(model: GridSolver, tasks: Sequence[Task]) -> list[tuple[str, str]]:
    """(task id, reason) for every task the model cannot read (too big a grid or context)."""
    ids = object_ids_for(model)
    bad = []
    for task in tasks:
        for pair in task.test:
            try:
                model.example(demos_of(task), pair.input, None, ids, task.id)
            except Z2HError as e:  # too big a grid or context, too few demonstrations
                bad.append((task.id, str(e)))
                break
    return bad


def vote(views: Sequence[tuple[Augmentation, list[Candidate]]]) -> list[np.ndarray]:
    """Two attempts from the candidates of several views, each mapped back to the task.

    A grid's rank: how many views put it first, then in how many it appears at all, then its
    best log-probability.
    """
    tally: dict[bytes, list[Any]] = {}
    for aug, cands in views:
        for rank, (grid, logp) in enumerate(cands):
            back = aug.invert(grid)
            key = bytes(back.shape) + back.tobytes()
            entry = tally.setdefault(key, [0, 0, -np.inf, back])
            entry[0] += rank == 0
            entry[1] += 1
            entry[2] = max(entry[2], logp)
    ranked = sorted(tally.values(), key=lambda e: (-e[0], -e[1], -e[2]))
    return [e[3] for e in ranked[:2]]


@dataclass
class Predicted:
    predictions: Predictions  # task id -> attempts per test input
    skipped: dict[str, str] = field(default_factory=dict)  # task id -> why it was not answered


def predict(
    model: GridSolver,
    tasks: Sequence[Task],
    tta: int = 0,
    skip_too_big: bool = False,
    tta_seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Predicted:
    """Two attempts per test input of every task (``tta`` > 0: vote over that many views).

    A task the model cannot read raises an error naming it, unless ``skip_too_big``: then it gets
    no entry (``score`` counts a missing task as unsolved) and is listed in ``skipped``.
    """
    if tta and not model.reads_demos:
        raise Z2HError(
            f"--tta needs a model that reads demonstrations; this {model.name} reads none "
            "(its rule is fixed, so a rotated task has a different answer)"
        )
    bad = dict(check_fits(model, tasks))
    if bad and not skip_too_big:
        first = next(iter(bad.values()))
        more = f" (and {len(bad) - 1} more task(s))" if len(bad) > 1 else ""
        raise Z2HError(f"{first}{more}; pass --skip-too-big to score such tasks as unsolved")
    views = tta_augmentations(tta, tta_seed) if tta else [Augmentation()]
    ids = object_ids_for(model)
    queries: list[tuple[Any, ...]] = []  # (demos, input, task id) per view
    where: list[tuple[str, int, Augmentation]] = []
    for task in tasks:
        if task.id in bad:
            continue
        for t, pair in enumerate(task.test):
            for aug in views:
                demos = aug.apply_pairs(demos_of(task))
                queries.append((demos, aug.apply(pair.input), task.id))
                where.append((task.id, t, aug))
    found: dict[tuple[str, int], list[tuple[Augmentation, list[Candidate]]]] = defaultdict(list)
    for start in range(0, len(queries), BATCH):
        chunk = queries[start : start + BATCH]
        for (tid, t, aug), cands in zip(
            where[start : start + BATCH], model.candidates(chunk, ids), strict=True
        ):
            found[(tid, t)].append((aug, cands))
        if progress is not None:
            progress(len(chunk))
    preds: Predictions = {}
    for task in tasks:
        if task.id in bad:
            continue
        per_test = []
        for t, pair in enumerate(task.test):
            attempts = vote(found.get((task.id, t), []))
            per_test.append(attempts or [pair.input.copy()])
        preds[task.id] = per_test
    return Predicted(preds, {k: bad[k] for k in bad})


def scores(
    preds: Predictions, tasks: Sequence[Task], generators: Sequence[str] = ()
) -> dict[str, Any]:
    """pass@1, pass@2 and cell accuracy over all tasks and per generator."""
    total = score(preds, tasks)
    groups: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        groups[generator_name(task.id, generators)].append(task)
    per = {}
    for name, group in sorted(groups.items()):
        s = score(preds, group)
        per[name] = {"tasks": len(group), "pass1": s.pass1, "pass2": s.pass2,
                     "cell_accuracy": s.cell_accuracy}  # fmt: skip
    return {"tasks": len(tasks), "pass1": total.pass1, "pass2": total.pass2,
            "cell_accuracy": total.cell_accuracy, "size_accuracy": total.size_accuracy,
            "wrong_cells_median": total.wrong_cells_median, "per_generator": per}  # fmt: skip


# -- objects ---------------------------------------------------------------------------------------
CC_VARIANTS = {  # connected components as ARC solvers use them: (connectivity, multicolor)
    "cc4": (4, False),
    "cc8": (8, False),
    "cc4-multicolour": (4, True),
    "cc8-multicolour": (8, True),
}


def component_sets(grid: np.ndarray, connectivity: int, multicolor: bool, background: int):
    return {
        frozenset(c) for c in components(np.asarray(grid), connectivity, multicolor, background)
    }


def object_scores(
    finder: ObjectFinder | None,
    scenes: Sequence[tuple[np.ndarray, np.ndarray, int]],
    given_bg: bool = True,
) -> dict[str, float]:
    """Object F1 of the finder (if given; ``given_bg``: also when told each grid's background)
    and of each connected-components variant on ``scenes`` of (grid, owner map, background)."""
    out: dict[str, float] = {"grids": len(scenes)}
    truth = [visible_objects(owners) for _, owners, _ in scenes]
    out["objects"] = sum(len(t) for t in truth)
    if finder is not None:
        # its own background, then told the label's background as the components are
        for key, told in (("object_f1", False), ("object_f1_given_bg", True))[: 1 + given_bg]:
            found: list[set] = []
            for start in range(0, len(scenes), 64):
                batch = scenes[start : start + 64]
                bgs = [bg for _, _, bg in batch] if told else None
                found += finder.find([g for g, _, _ in batch], bgs)
            out[key] = f1_score([object_f1(f, t) for f, t in zip(found, truth, strict=True)])
    for name, (conn, multi) in CC_VARIANTS.items():
        counts = [
            object_f1(component_sets(g, conn, multi, bg), t)
            for (g, _, bg), t in zip(scenes, truth, strict=True)
        ]
        out[name] = f1_score(counts)
    # like for like with a finder left to find the background: cc8 assuming black, as untold
    black = [component_sets(g, 8, False, 0) for g, _, _ in scenes]
    out["cc8_black_bg"] = f1_score([object_f1(f, t) for f, t in zip(black, truth, strict=True)])
    return out


# -- a run against a set of tasks ------------------------------------------------------------------
REAL_SETS = {  # name on the command line -> (collection, split) of z2h.arc.real
    "arcagi1-eval": ("arcagi1", "evaluation"),
    "arcagi1-train": ("arcagi1", "training"),
    "arcagi2-eval": ("arcagi2", "evaluation"),
    "arcagi2-train": ("arcagi2", "training"),
}


def load_tasks(
    data: str | None,
    generator: str | None,
    n: int,
    seed: int,
    difficulty: tuple[float, float],
) -> tuple[list[Task], list[Any], list[str]]:
    """(tasks, their labels or None, generator names) from a folder, a file, a real set or a
    real task id (``arcagi1:ID``), or made by generators."""
    from pathlib import Path

    from z2h.arc.task import read_task

    if bool(data) == bool(generator):
        raise Z2HError("give one of --data (folder, file, arcagi1-eval, ...) or --generator")
    if generator:
        from z2h.arc.generate import check_difficulty, make_tasks
        from z2h.arc.generators.registry import resolve

        if n < 1:
            raise Z2HError(f"--tasks must be at least 1, got {n}")
        gens = resolve(generator)
        diff = check_difficulty(difficulty)
        made = [m for g in gens for m in make_tasks(g, seed, n, diff)]
        return [m.task for m in made], [m.labels for m in made], [g.name for g in gens]
    assert data is not None
    if data in REAL_SETS:
        from z2h.arc.real import load_real

        tasks = list(load_real(*REAL_SETS[data]))
        return tasks, [None] * len(tasks), []
    if ":" in data and not Path(data).exists():
        from z2h.arc.real import real_task

        return [real_task(data)], [None], []
    path = Path(data)
    if path.is_file():
        return [read_task(path)], [None], []
    from z2h.arc.dataset import TaskSet

    tasks, labels = zip(*TaskSet.open(path).labelled(), strict=True)
    gens = sorted({lab.generator for lab in labels if lab is not None and lab.generator})
    return list(tasks), list(labels), gens


HAND_SET = "hand"  # --data name of the hand-checked real tasks (package data)


def hand_grids(folder: Any = None) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(grid, owner map, background) of every grid of the hand-checked labels (the package's
    ``data/hand_labels`` unless ``folder``): real ARC grids with the objects a person drew.

    The grids are painted from the labels themselves; ``tests/arc/test_hand_labels.py`` checks
    that they are ARC's grids, so scoring needs no copy of ARC."""
    from z2h.arc.models.objects_model import labelled_grids

    return [g for task, labels in hand_tasks(folder) for g in labelled_grids(task, labels)]


def hand_tasks(folder: Any = None) -> list[tuple[Task, Any]]:
    """(task, its labels) of every hand-checked task, the task painted from its labels."""
    from importlib import resources
    from pathlib import Path

    from z2h.arc.checklabels import read_labels, task_of_labels

    if folder is None:
        folder = Path(str(resources.files("z2h.arc") / "data" / "hand_labels"))
    out = []
    for path in sorted(Path(folder).glob("*.json")):
        labels = read_labels(path)
        out.append((task_of_labels(labels), labels))
    return out


def readable_grids(finder: ObjectFinder, grids: list, skip_too_big: bool) -> tuple[list, int]:
    """(the grids the finder can read, how many it cannot): a grid over its canvas stops the
    scoring with its name unless ``skip_too_big``, which leaves it out of every score (the
    connected components' too, so both are scored on the same grids)."""
    fits = []
    for i, grid in enumerate(grids):
        try:
            finder.example(grid[0], None, f"grid {i}")
        except Z2HError as e:
            if not skip_too_big:
                raise Z2HError(f"{e}; pass --skip-too-big to leave such grids out") from None
            continue
        fits.append(grid)
    return fits, len(grids) - len(fits)


def _object_summary(
    run: Any, data, generator, scenes, n, seed, difficulty, limit, skip_too_big=False
) -> dict[str, Any]:
    """Object F1 of the objects model (and of connected components) on labelled grids."""
    from z2h.arc.models.objects_model import labelled_grids
    from z2h.arc.models.touching import SCENE_SOURCES, touching_scene

    if data == HAND_SET:
        grids = hand_grids()
    elif scenes:
        if scenes not in SCENE_SOURCES:
            raise Z2HError(f"unknown --scenes {scenes!r}; choose: {', '.join(SCENE_SOURCES)}")
        rng = np.random.default_rng(seed)
        grids = [touching_scene(rng) for _ in range(n)]
    else:
        tasks, labels, _ = load_tasks(data, generator, n, seed, difficulty)
        grids = [g for t, lab in zip(tasks, labels, strict=True) if lab is not None
                 for g in labelled_grids(t, lab)]  # fmt: skip
        if not grids:
            raise Z2HError("these tasks carry no labels; object F1 needs labelled grids")
    grids = grids[:limit] if limit else grids
    grids, skipped = readable_grids(run.model, grids, skip_too_big)
    return {"model": run.name, **object_scores(run.model, grids), "skipped": skipped}


def check_new_tasks(run: Any, data: str | None, generator: str | None, seed: int) -> None:
    """Refuse to score a run on the tasks it trained on: the generators' training seed, or
    the very folder it was trained on."""
    from pathlib import Path

    trained_on = run.checkpoint.get("data", {})
    if generator and trained_on.get("generators") and seed == run.checkpoint.get("seed"):
        raise Z2HError(
            f"--seed {seed} made this run's training tasks; evaluate on new ones with another"
        )
    folder = trained_on.get("data")
    if data and folder and Path(data).resolve() == Path(folder).resolve():
        raise Z2HError(
            f"--data {data} is the folder this run trained on; score it on a new set "
            "('z2h arc generate --out DIR' with another --seed)"
        )


def _answer(run: Any, tasks: list[Task], tta: int, skip_too_big: bool) -> Predicted:
    from z2h.run import progress

    bar = progress(total=sum(len(t.test) for t in tasks) * max(tta, 1), desc="answer")
    try:
        return predict(run.model, tasks, tta=tta, skip_too_big=skip_too_big, progress=bar.update)
    finally:
        bar.close()


def evaluate_run(
    run_dir: str,
    *,
    data: str | None = None,
    generator: str | None = None,
    scenes: str | None = None,
    n: int = 100,
    seed: int = 0,
    difficulty: tuple[float, float] = (0.0, 0.3),
    limit: int | None = None,
    tta: int = 0,
    skip_too_big: bool = False,
    predictions: str | None = None,
    metrics: str | None = None,
    device: str = "cpu",
    score: bool = True,
) -> dict[str, Any]:
    """Answer (and with ``score``, score) tasks with the model of ``run_dir``; write the
    predictions and metrics files only once everything has succeeded."""
    import time

    from z2h.arc.models.registry import load_run
    from z2h.arc.predictions import write_predictions
    from z2h.run import write_json_atomic

    if limit is not None and limit < 1:
        raise Z2HError(f"--limit must be at least 1, got {limit}")
    run = load_run(run_dir, device=device)
    t0 = time.perf_counter()
    if not isinstance(run.model, GridSolver):  # the object finder: F1 against components
        if tta:
            raise Z2HError("--tta applies to task solvers; this run holds the objects model")
        if not score:
            raise Z2HError("predict answers tasks; this run holds the objects model (use eval)")
        if predictions:
            raise Z2HError("--predictions holds task answers; the objects model gives none")
        summary = {"run": str(run_dir),
                   **_object_summary(run, data, generator, scenes, n, seed, difficulty, limit,
                                     skip_too_big),
                   "seconds": time.perf_counter() - t0}  # fmt: skip
        if metrics:
            write_json_atomic(metrics, summary)
        return {"summary": summary}
    reads_labels = getattr(run.model, "reads_labels", False)
    if scenes:
        raise Z2HError("--scenes are for the objects model; this run answers tasks")
    if data == HAND_SET and not reads_labels:
        raise Z2HError(
            f"--data {HAND_SET} scores found objects (the objects model) or explanations "
            "(the object reasoner); this run's model gives neither"
        )
    if data == HAND_SET:  # the reasoner's explanations against a person's labels
        tasks, task_labels = (list(x) for x in zip(*hand_tasks(), strict=True))
        gens: list[str] = []
    else:
        check_new_tasks(run, data, generator, seed)
        tasks, task_labels, gens = load_tasks(data, generator, n, seed, difficulty)
    tasks, task_labels = (tasks[:limit], task_labels[:limit]) if limit else (tasks, task_labels)
    if score:
        unanswered = [t.id for t in tasks if any(p.output is None for p in t.test)]
        if unanswered:
            raise Z2HError(
                f"task {unanswered[0]}: its test outputs are hidden, so it cannot be scored "
                "(use 'z2h arc predict')"
            )
    if reads_labels:  # the object reasoner answers from labels
        from z2h.arc.models.reasoner_run import evaluate_reasoner

        preds, summary, extra = evaluate_reasoner(run, tasks, task_labels, gens, tta, score)
        summary = {"run": str(run_dir), "model": run.name, "tta": tta, **summary}
        summary["seconds"] = time.perf_counter() - t0
        if predictions:
            write_predictions(predictions, preds)
        if metrics:
            write_json_atomic(metrics, {**summary, **extra})
        return {"summary": summary, "predictions": preds}
    solved = _answer(run, tasks, tta, skip_too_big)
    summary: dict[str, Any] = {"run": str(run_dir), "model": run.name, "tasks": len(tasks),
                               "tta": tta, "skipped": len(solved.skipped)}  # fmt: skip
    if score:
        summary.update(scores(solved.predictions, tasks, gens))
        summary["skipped"] = len(solved.skipped)
    summary["seconds"] = time.perf_counter() - t0
    if predictions:
        write_predictions(predictions, solved.predictions)
    if metrics:
        write_json_atomic(metrics, {**summary, "skipped_tasks": solved.skipped})
    return {"summary": summary, "predictions": solved.predictions}
