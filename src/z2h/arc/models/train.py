"""One ARC model training run: tasks (a generated folder or generators on the fly), examples,
and ``z2h.train.Trainer`` (the one training loop), from settings to ``metrics.json``.

Training tasks come from ``--data DIR`` (a set written by ``z2h arc generate``: ``DIR/tasks/*.json``
with ``DIR/labels/*.json``, or any folder of ARC JSON files) or from ``--generator NAMES``, made
on the fly by ``z2h.arc.generate.make_task`` from seeds the trainer's random stream draws (so a
resumed run sees the same tasks). Each example takes one pair of a task as the question and the
others as its demonstrations, under a random symmetry (``augment``) for models that read
demonstrations. Held-out tasks: every 20th task of a folder (by a hash of its id), or tasks of
another seed for generators; each evaluation reports their loss and exact-grid pass@1 / pass@2.
"""

from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from z2h.arc.dataset import TaskSet
from z2h.arc.grid import ArcError
from z2h.arc.labels import TaskLabels
from z2h.arc.models import registry
from z2h.arc.models.augment import random_augmentation
from z2h.arc.models.base import GridSolver
from z2h.arc.models.encode import EncodingError
from z2h.arc.models.evaluate import (
    check_fits,
    demos_of,
    object_ids_for,
    object_scores,
    predict,
    scores,
)
from z2h.arc.models.examples import Examples
from z2h.arc.models.objects_model import labelled_grids
from z2h.arc.models.registry import KIND
from z2h.arc.models.touching import SCENE_SOURCES, touching_scene
from z2h.arc.task import Task
from z2h.checkpoint import load_checkpoint
from z2h.defaults import DEFAULT_SEED
from z2h.errors import CheckpointError, DataError, Z2HError
from z2h.gpt import dist
from z2h.run import Reporter, set_threads, write_metrics
from z2h.train import LAST_CHECKPOINT, TrainConfig, Trainer, dist_info

VAL_EVERY = 20  # one task in this many of a folder is held out


@dataclass
class ArcTrainSettings:
    out: str  # run directory
    model: str = "grid-gpt"  # registry name
    data: str | None = None  # a folder of tasks (a generated set or ARC JSON files)
    generator: str | None = None  # generator names ("a,b" or "all"), made on the fly
    scenes: str | None = None  # "touching": object scenes for the objects model
    difficulty: tuple[float, float] = (0.0, 0.3)  # range for generated tasks
    config: dict[str, Any] = field(default_factory=dict)  # model config overrides (--set)
    augment: bool = True  # random symmetries of each task (models that read demonstrations)
    batch_size: int = 16  # tasks per optimizer step (all ranks together)
    lr: float = 1e-3  # peak AdamW learning rate
    warmup_frac: float = 0.05  # fraction of the run in linear warmup
    weight_decay: float = 0.1  # AdamW decay on matrices
    grad_clip: float = 1.0  # max gradient norm (0: off)
    max_steps: int | None = None  # optimizer steps to take
    time_budget: float | None = None  # seconds to train, evaluations included
    eval_interval: int = 500  # steps between evaluations (and checkpoints)
    val_tasks: int = 64  # held-out tasks whose loss each evaluation reports
    val_exact: int = 32  # of those, how many are answered for exact-grid pass@1 / pass@2
    autocast: str = "fp32"  # "fp32" or "bf16"
    seed: int = DEFAULT_SEED  # initialisation, task draws and the held-out generator seed
    resume: bool = False  # continue the run in `out`
    device: str = "auto"  # "auto", "cpu" or "cuda"
    threads: int | None = None  # torch CPU threads (None: the idle cores)
    quiet: bool = False  # no progress on stderr


# -- where tasks come from -------------------------------------------------------------------------
Grid = tuple[np.ndarray, np.ndarray, int]  # (grid, owner map, background) for the objects model
MAX_DRAWS = 20  # seeds tried before a generator's failure to make a task is an error


class TaskSource:
    """Training and held-out material: tasks with their labels (when known) for the solvers,
    labelled grids for the objects model. A source of tasks gives grids from its tasks' labels;
    a source of scenes gives grids only."""

    generators: list[str]

    def draw(self, rng: np.random.Generator) -> tuple[Task, TaskLabels | None]:
        raise NotImplementedError

    def held_out(self, n: int) -> list[tuple[Task, TaskLabels | None]]:
        raise NotImplementedError

    def draw_grid(self, rng: np.random.Generator) -> Grid:
        """One labelled grid of a drawn task."""
        task, labels = self.draw(rng)
        grids = labelled_grids(task, labels) if labels is not None else []
        if not grids:
            raise DataError(f"task {task.id} has no labels: the objects model learns from labels")
        return grids[int(rng.integers(len(grids)))]

    def held_out_grids(self, n: int) -> list[Grid]:
        """Every labelled grid of the first ``n`` held-out tasks."""
        return [g for t, lab in self.held_out(n) if lab is not None for g in labelled_grids(t, lab)]

    def identity(self) -> dict[str, Any]:
        """What a resumed run must match."""
        raise NotImplementedError


class SetSource(TaskSource):
    """A set on disk (``z2h.arc.dataset.TaskSet``): every 20th task (by a hash of its id) held
    out."""

    def __init__(self, folder: str | Path, need_labels: bool = False):
        self.folder = Path(folder)
        try:
            tasks = TaskSet.open(folder)
        except ArcError as e:
            raise DataError(f"--data {e}") from None
        self.train: list[tuple[Task, TaskLabels | None]] = []
        self.val: list[tuple[Task, TaskLabels | None]] = []
        for task, labels in tasks.labelled():
            if need_labels and labels is None:
                raise DataError(
                    f"--data {folder}: task {task.id} has no labels; the objects model learns "
                    "from labels: use a set made by 'z2h arc generate'"
                )
            held = zlib.crc32(task.id.encode()) % VAL_EVERY == 0
            (self.val if held else self.train).append((task, labels))
        if not self.train:  # a tiny folder: train on everything, hold out its first task
            self.train = list(self.val)
        if not self.val:
            self.val = self.train[:1]
        self.generators = sorted(
            {lab.generator for _, lab in self.train + self.val if lab and lab.generator}
        )

    def draw(self, rng):
        return self.train[int(rng.integers(len(self.train)))]

    def held_out(self, n):
        return self.val[:n]

    def identity(self):
        return {"data": str(self.folder), "train_tasks": len(self.train)}


class GeneratorSource(TaskSource):
    """Tasks made on the fly; held-out tasks come from another seed, so they are never drawn."""

    def __init__(self, spec: str, difficulty: tuple[float, float], seed: int):
        from z2h.arc.generate import check_difficulty
        from z2h.arc.generators.registry import resolve

        self.gens = resolve(spec)
        self.generators = [g.name for g in self.gens]
        self.difficulty = check_difficulty(difficulty)
        self.seed = seed

    def draw(self, rng):
        from z2h.arc.generate import GenerationError, make_task

        gen = self.gens[int(rng.integers(len(self.gens)))]
        for attempt in range(MAX_DRAWS):
            try:
                made = make_task(gen, self.seed, int(rng.integers(2**31 - 1)), self.difficulty)
                return made.task, made.labels
            except GenerationError:  # a rare seed the generator cannot use: draw another
                if attempt == MAX_DRAWS - 1:
                    raise
        raise AssertionError("unreachable")

    def held_out(self, n):
        from z2h.arc.generate import make_tasks

        held_seed = self.seed + 1_000_003
        per_gen = -(-n // len(self.gens))
        made = [make_tasks(g, held_seed, per_gen, self.difficulty) for g in self.gens]
        # interleave the generators so the first k held-out tasks mix them all
        mixed = [m for group in zip(*made, strict=True) for m in group]
        return [(m.task, m.labels) for m in mixed[:n]]

    def identity(self):
        return {"generators": self.generators, "difficulty": list(self.difficulty)}


class SceneSource(TaskSource):
    """Scenes for the objects model (``touching``: see ``z2h.arc.models.touching``): grids, no
    tasks."""

    def __init__(self, name: str, seed: int):
        self.generators: list[str] = []
        if name not in SCENE_SOURCES:
            raise Z2HError(f"unknown --scenes {name!r}; choose one of: {', '.join(SCENE_SOURCES)}")
        self.name = name
        self.seed = seed

    def draw(self, rng):
        raise Z2HError("--scenes gives grids, not tasks: train the objects model with it")

    held_out = draw

    def draw_grid(self, rng):
        return touching_scene(rng)

    def held_out_grids(self, n):
        rng = np.random.default_rng(self.seed + 1_000_003)
        return [touching_scene(rng) for _ in range(n)]

    def identity(self):
        return {"scenes": self.name}


class MixedSource(TaskSource):
    """For the objects model: grids drawn from several sources in turn (each draw picks one
    at random), held-out grids split evenly between them."""

    def __init__(self, sources: list[TaskSource]):
        self.sources = sources
        self.generators = sorted({g for src in sources for g in src.generators})

    def draw_grid(self, rng):
        return self.sources[int(rng.integers(len(self.sources)))].draw_grid(rng)

    def held_out_grids(self, n):
        k = len(self.sources)
        # n split as evenly as it goes, the first sources one more
        return [g for i, src in enumerate(self.sources)
                for g in src.held_out_grids(n // k + (i < n % k))]  # fmt: skip

    def identity(self):
        return {"mixed": [src.identity() for src in self.sources]}


def make_source(s: ArcTrainSettings, need_labels: bool, grids_only: bool = False) -> TaskSource:
    """The one source given, or (``grids_only``: the objects model) a mix of those given."""
    given = [x for x in (s.data, s.generator, s.scenes) if x]
    if not given or (len(given) > 1 and not grids_only):
        what = "one or more" if grids_only else "exactly one"
        raise Z2HError(f"give {what} of --data DIR, --generator NAMES or --scenes touching")
    sources: list[TaskSource] = []
    if s.data:
        sources.append(SetSource(s.data, need_labels))
    if s.generator:
        sources.append(GeneratorSource(s.generator, s.difficulty, s.seed))
    if s.scenes:
        if not need_labels:
            raise Z2HError("--scenes makes object scenes: train the objects model with it")
        sources.append(SceneSource(s.scenes, s.seed))
    return sources[0] if len(sources) == 1 else MixedSource(sources)


# -- examples ----------------------------------------------------------------------------------
def solver_example(
    model: GridSolver, task: Task, rng: np.random.Generator, augment: bool
) -> tuple[np.ndarray, np.ndarray]:
    """One pair of ``task`` as the question, others as demonstrations, maybe under a symmetry."""
    pairs = [(p.input, p.output) for _, _, p in task.pairs() if p.output is not None]
    if len(pairs) < 2:
        raise DataError(f"task {task.id}: needs two pairs with outputs to train on")
    q = int(rng.integers(len(pairs)))
    demos = [p for i, p in enumerate(pairs) if i != q]
    order = rng.permutation(len(demos))
    demos = [demos[i] for i in order]
    query, answer = pairs[q]
    if augment and model.reads_demos:
        aug = random_augmentation(rng)
        demos, query, answer = aug.apply_pairs(demos), aug.apply(query), aug.apply(answer)
    try:
        return model.example(demos, query, answer, object_ids_for(model), task.id)
    except EncodingError as e:
        raise EncodingError(
            f"{e} (train on smaller tasks: a lower --difficulty, or a larger canvas/block_size "
            "with --set)"
        ) from None


class TaskExamples(Examples):
    """For solvers: a pair of a task as the question, the others as its demonstrations."""

    def __init__(self, model, source, s):
        super().__init__(model, source, s)
        held = [t for t, _ in source.held_out(s.val_tasks)]
        bad = dict(check_fits(model, held))
        if len(bad) == len(held):
            raise Z2HError(f"{next(iter(bad.values()))} (held-out task; none of {len(held)} fit)")
        self.too_big["held_out"] = len(bad)
        self.held = [t for t in held if t.id not in bad]
        ids = object_ids_for(model)
        self.val_examples = [
            model.example(demos_of(t), t.test[0].input, t.test[0].output, ids, t.id)
            for t in self.held
        ]

    def _draw(self, rng):
        task, _ = self.source.draw(rng)
        return solver_example(self.model, task, rng, self.s.augment)

    def scores(self, model):
        if self.s.val_exact == 0:
            return {}
        subset = self.held[: self.s.val_exact]
        sc = scores(predict(self.model, subset).predictions, subset, self.source.generators)
        return {k: sc[k] for k in ("pass1", "pass2", "cell_accuracy")}


class GridExamples(Examples):
    """For the objects model: one labelled grid and the object each cell belongs to."""

    def __init__(self, model, source, s):
        super().__init__(model, source, s)
        grids = source.held_out_grids(s.val_tasks)
        self.val_grids, error = [], None
        for i, grid in enumerate(grids):
            try:
                self.val_examples.append(model.example(grid[0], grid[1], f"held-out grid {i}"))
                self.val_grids.append(grid)
            except EncodingError as e:
                self.too_big["held_out"] += 1
                error = e
        if not self.val_grids:
            raise Z2HError(f"{error} (none of the {len(grids)} held-out grids fit)")

    def _draw(self, rng):
        grid, owners, _ = self.source.draw_grid(rng)
        return self.model.example(grid, owners)

    def scores(self, model):
        return {"object_f1": object_scores(self.model, self.val_grids, False)["object_f1"]}


# -- the run ---------------------------------------------------------------------------------------
def run_training(settings: ArcTrainSettings) -> dict[str, Any]:
    """Train as ``settings`` say; returns (and on rank 0 writes) the run's metrics."""
    set_threads(settings.threads, who="z2h arc", quiet=settings.quiet)
    device = dist.pick_device(settings.device)
    joined, finished = dist.init_from_env(device), False
    try:
        result = _run(settings, device)
        finished = True
        return result
    finally:
        if joined:
            dist.shutdown(finished)


def _check_settings(s: ArcTrainSettings, world: int) -> Path:
    if s.batch_size < 1 or s.batch_size % world:
        raise Z2HError(f"--batch-size {s.batch_size} must be positive and divisible by {world}")
    if s.val_tasks < 1 or s.val_exact < 0:
        raise Z2HError("--val-tasks must be at least 1 and --val-exact at least 0")
    run_dir = Path(s.out)
    if run_dir.exists() and not run_dir.is_dir():
        raise Z2HError(f"--out {run_dir} exists and is not a directory")
    last = run_dir / LAST_CHECKPOINT
    if s.resume and last.exists():
        ckpt = load_checkpoint(last, kind=KIND)
        if ckpt.get("model") != s.model:
            raise CheckpointError(
                f"cannot resume: {run_dir} holds a {ckpt.get('model')} run, not {s.model}"
            )
    return run_dir


def _evaluator(data: Examples):
    def evaluate(m: torch.nn.Module) -> dict[str, float]:
        losses = []
        for start in range(0, len(data.val_examples), 32):
            x, y = data.model.collate(data.val_examples[start : start + 32])
            losses.append(float(m(x, y)[1]) * len(x))
        return {"loss": sum(losses) / len(data.val_examples), **data.scores(m)}

    return evaluate


def _run(s: ArcTrainSettings, device: torch.device) -> dict[str, Any]:
    rank, world = dist_info()
    run_dir = _check_settings(s, world)
    entry = registry.get_entry(s.model)
    config = registry.make_config(s.model, **s.config)
    needs = not entry.solves_tasks or entry.reads_labels
    source = make_source(s, need_labels=needs, grids_only=not entry.solves_tasks)
    torch.manual_seed(s.seed)
    model = registry.build(s.model, config).to(device)
    kind: type[Examples] = TaskExamples if entry.solves_tasks else GridExamples
    if entry.reads_labels:  # the object reasoner learns from labels
        from z2h.arc.models.reasoner_run import LabelledExamples as kind
    data = kind(model, source, s)

    def train_batch(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng(int(torch.randint(2**62, (1,), generator=gen)))
        return model.collate([data.example(rng) for _ in range(s.batch_size)])

    cfg = TrainConfig(
        max_steps=s.max_steps, time_budget=s.time_budget, lr=s.lr, warmup_frac=s.warmup_frac,
        weight_decay=s.weight_decay, grad_clip=s.grad_clip, eval_interval=s.eval_interval,
        autocast=s.autocast, seed=s.seed, min_lr_frac=0.1, log_interval=10,
    )  # fmt: skip
    record = {k: v for k, v in dataclasses.asdict(s).items() if k not in ("resume", "threads")}
    record["difficulty"] = list(s.difficulty)
    data_id = source.identity()
    dist.check_same_settings({**record, **data_id})
    trainer = Trainer(
        model, cfg, train_batch=train_batch, evaluate=_evaluator(data), run_dir=run_dir,
        kind=KIND, select="loss", desc=f"arc {s.model}",
        reporter=Reporter(f"arc {s.model}", quiet=s.quiet),
        extra={"model": s.model, "model_config": dataclasses.asdict(config), "data": data_id,
               "seed": s.seed, "settings": record},
    )  # fmt: skip
    result = trainer.fit(resume=s.resume)
    metrics = {
        "model": s.model,
        "params": model.num_params(),
        "model_config": dataclasses.asdict(config),
        "data": data_id,
        "steps": result.steps,
        "seconds": result.seconds,
        "tasks_per_s": result.samples / max(result.seconds, 1e-9),
        "train_loss": result.train_loss,
        "best_step": result.best_step,
        "val": result.best,
        "last_val": result.last_eval,
        "too_big": data.too_big,
        "world_size": world,
        "device": str(device),
        "threads": torch.get_num_threads(),
        "history": result.history,
        "settings": record,
    }
    if rank == 0:
        write_metrics(run_dir, metrics)
    return metrics
