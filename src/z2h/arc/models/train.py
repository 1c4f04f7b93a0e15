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
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

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
from z2h.arc.models.objects_model import owner_map
from z2h.arc.models.touching import touching_scene
from z2h.arc.task import Task, read_task
from z2h.checkpoint import load_checkpoint
from z2h.defaults import DEFAULT_SEED
from z2h.errors import CheckpointError, DataError, Z2HError
from z2h.gpt import dist
from z2h.run import Reporter, set_threads, write_metrics
from z2h.train import LAST_CHECKPOINT, TrainConfig, Trainer, dist_info, load_model_state

KIND = "arc"  # checkpoint kind of every ARC model run
SCENE_SOURCES = ("touching",)
VAL_EVERY = 20  # one task in this many of a folder is held out
MAX_TOO_BIG = 100  # tasks in a row too big for the model before a batch is an error


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
class TaskSource:
    """Training tasks and held-out tasks, each with its labels when known."""

    generators: list[str]

    def draw(self, rng: np.random.Generator) -> tuple[Task, TaskLabels | None]:
        raise NotImplementedError

    def held_out(self, n: int) -> list[tuple[Task, TaskLabels | None]]:
        raise NotImplementedError

    def identity(self) -> dict[str, Any]:
        """What a resumed run must match."""
        raise NotImplementedError


def read_labels(path: Path) -> TaskLabels | None:
    if not path.is_file():
        return None
    with open(path, encoding="utf-8") as f:
        return TaskLabels.from_json(json.load(f), str(path))


def task_files(folder: str | Path) -> list[Path]:
    """The task files of a generated set (``DIR/tasks``) or of a plain folder of ARC JSON."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"--data {folder}: not a folder (give a set made by 'z2h arc generate')")
    base = folder / "tasks" if (folder / "tasks").is_dir() else folder
    files = sorted(base.glob("*.json"))
    if not files:
        raise DataError(
            f"--data {folder}: no tasks there (no *.json in {folder}/tasks or {folder}); make a "
            "set with 'z2h arc generate --out DIR'"
        )
    return files


MAX_DRAWS = 20  # seeds tried before a generator's failure to make a task is an error


def generated_tasks(gen: Any, seed: int, n: int, difficulty: tuple[float, float]) -> list[Any]:
    """``n`` tasks of ``gen`` with indices 0, 1, ..., skipping the rare index the generator
    cannot make a task for (``GenerationError``), so a set of n always comes back."""
    from z2h.arc.generate import GenerationError, make_task

    out, index, failed = [], 0, 0
    while len(out) < n:
        try:
            out.append(make_task(gen, seed, index, difficulty))
        except GenerationError:
            failed += 1
            if failed > max(MAX_DRAWS, n):
                raise
        index += 1
    return out


class FolderSource(TaskSource):
    def __init__(self, folder: str | Path, need_labels: bool = False):
        self.folder = Path(folder)
        files = task_files(folder)
        labels_dir = self.folder / "labels"
        self.train: list[tuple[Task, TaskLabels | None]] = []
        self.val: list[tuple[Task, TaskLabels | None]] = []
        for path in files:
            task = read_task(path)
            labels = read_labels(labels_dir / path.name)
            if need_labels and labels is None:
                raise DataError(
                    f"--data {folder}: task {task.id} has no labels ({labels_dir / path.name}); "
                    "the objects model learns from labels: use a set made by 'z2h arc generate'"
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
        held_seed = self.seed + 1_000_003
        per_gen = -(-n // len(self.gens))
        made = [generated_tasks(g, held_seed, per_gen, self.difficulty) for g in self.gens]
        # interleave the generators so the first k held-out tasks mix them all
        mixed = [m for group in zip(*made, strict=True) for m in group]
        return [(m.task, m.labels) for m in mixed[:n]]

    def identity(self):
        return {"generators": self.generators, "difficulty": list(self.difficulty)}


class SceneSource(TaskSource):
    """Scenes for the objects model (``touching``: see ``z2h.arc.models.touching``)."""

    def __init__(self, name: str, seed: int):
        self.generators: list[str] = []
        if name not in SCENE_SOURCES:
            raise Z2HError(f"unknown --scenes {name!r}; choose one of: {', '.join(SCENE_SOURCES)}")
        self.name = name
        self.seed = seed

    def scene(self, rng: np.random.Generator):
        return touching_scene(rng)

    def held_out_scenes(self, n: int):
        rng = np.random.default_rng(self.seed + 1_000_003)
        return [self.scene(rng) for _ in range(n)]

    def identity(self):
        return {"scenes": self.name}


def make_source(s: ArcTrainSettings, need_labels: bool) -> TaskSource:
    given = [x for x in (s.data, s.generator, s.scenes) if x]
    if len(given) != 1:
        raise Z2HError("give exactly one of --data DIR, --generator NAMES or --scenes touching")
    if s.scenes:
        if not need_labels:
            raise Z2HError("--scenes makes object scenes: train the objects model with it")
        return SceneSource(s.scenes, s.seed)
    if s.data:
        return FolderSource(s.data, need_labels)
    return GeneratorSource(s.generator, s.difficulty, s.seed)


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


def labelled_grids(task: Task, labels: TaskLabels) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(grid, owner map, background) of every labelled grid of a task."""
    out = []
    pairs = [p for _, _, p in task.pairs()]
    for pair, pl in zip(pairs, labels.train + labels.test, strict=True):
        for grid, gl in ((pair.input, pl.input), (pair.output, pl.output)):
            if grid is not None and gl is not None:
                owners = owner_map(grid.shape, [o.cells for o in gl.objects])
                out.append((grid, owners, gl.background))
    return out


# -- loading a run ---------------------------------------------------------------------------------
@dataclass
class LoadedRun:
    name: str
    model: Any
    checkpoint: dict[str, Any]


def load_run(run_dir: str | Path, device: str = "cpu") -> LoadedRun:
    """The best model of an ARC run directory (else its last), rebuilt from the checkpoint."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckpointError(f"--run {run_dir}: no such run directory")
    ckpt = load_model_state(run_dir, kind=KIND)
    for key in ("model", "model_config", "model_state"):
        if key not in ckpt:
            raise CheckpointError(f"{run_dir}: ARC checkpoint lacks {key!r} (corrupted?)")
    config = registry.make_config(ckpt["model"], **ckpt["model_config"])
    model = registry.build(ckpt["model"], config)
    try:
        model.load_state_dict(ckpt["model_state"])
    except RuntimeError as e:
        raise CheckpointError(f"{run_dir}: weights do not fit the model ({e})") from None
    model.to(device).eval()
    return LoadedRun(ckpt["model"], model, ckpt)


# -- the run ---------------------------------------------------------------------------------------
def run_training(settings: ArcTrainSettings) -> dict[str, Any]:
    """Train as ``settings`` say; returns (and on rank 0 writes) the run's metrics."""
    set_threads(settings.threads, who="z2h arc")
    device = dist.pick_device(settings.device)
    joined = dist.init_from_env(device)
    try:
        return _run(settings, device)
    finally:
        if joined:
            dist.shutdown()


def _check_resume(run_dir: Path, s: ArcTrainSettings) -> None:
    last = run_dir / LAST_CHECKPOINT
    if s.resume and last.exists():
        ckpt = load_checkpoint(last, kind=KIND)
        if ckpt.get("model") != s.model:
            raise CheckpointError(
                f"cannot resume: {run_dir} holds a {ckpt.get('model')} run, not {s.model}"
            )


def _run(s: ArcTrainSettings, device: torch.device) -> dict[str, Any]:
    rank, world = dist_info()
    if s.batch_size < 1 or s.batch_size % world:
        raise Z2HError(f"--batch-size {s.batch_size} must be positive and divisible by {world}")
    if s.val_tasks < 1 or s.val_exact < 0:
        raise Z2HError("--val-tasks must be at least 1 and --val-exact at least 0")
    entry = registry.get_entry(s.model)
    config = registry.make_config(s.model, **s.config)
    run_dir = Path(s.out)
    if run_dir.exists() and not run_dir.is_dir():
        raise Z2HError(f"--out {run_dir} exists and is not a directory")
    _check_resume(run_dir, s)
    source = make_source(s, need_labels=not entry.solves_tasks)
    torch.manual_seed(s.seed)
    model = registry.build(s.model, config).to(device)

    too_big = {"train": 0, "held_out": 0}  # tasks left out: more than the canvas or context
    if entry.solves_tasks:
        held = [t for t, _ in source.held_out(s.val_tasks)]
        bad = check_fits(model, held)
        if len(bad) == len(held):
            raise Z2HError(f"{bad[0][1]} (held-out task; none of {len(held)} fit)")
        # a mix of generators can make the odd task larger than the model reads: left out and
        # counted, as in training, rather than stopping the run
        too_big["held_out"] = len(bad)
        held = [t for t in held if t.id not in {b[0] for b in bad}]
        val_examples = [
            model.example(demos_of(t), t.test[0].input, t.test[0].output, object_ids_for(model),
                          t.id)
            for t in held
        ]  # fmt: skip
    else:
        if isinstance(source, SceneSource):
            val_scenes = source.held_out_scenes(s.val_tasks)
        else:
            val_scenes = [g for t, lab in source.held_out(s.val_tasks) if lab is not None
                          for g in labelled_grids(t, lab)]  # fmt: skip
        val_examples, fitting, error = [], [], None
        for i, scene in enumerate(val_scenes):
            try:
                val_examples.append(model.example(scene[0], scene[1], f"held-out grid {i}"))
                fitting.append(scene)
            except EncodingError as e:  # a grid larger than the canvas: left out, counted
                too_big["held_out"] += 1
                error = e
        if not fitting:
            raise Z2HError(f"{error} (none of the {len(val_scenes)} held-out grids fit)")
        val_scenes = fitting

    def train_batch(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng(int(torch.randint(2**62, (1,), generator=gen)))
        examples = []
        for _ in range(s.batch_size):
            if isinstance(source, SceneSource):
                grid, owners, _ = source.scene(rng)
                examples.append(model.example(grid, owners))
            elif not entry.solves_tasks:
                examples.append(fitting_example(rng, labelled=True))
            else:
                examples.append(fitting_example(rng))
        return model.collate(examples)

    def fitting_example(rng: np.random.Generator, labelled: bool = False):
        """An example of a task (with ``labelled``: of one labelled grid of a task) that the
        model can read; larger ones are drawn past and counted."""
        for _ in range(MAX_TOO_BIG):
            task, labels = source.draw(rng)
            try:
                if not labelled:
                    return solver_example(model, task, rng, s.augment)
                grids = labelled_grids(task, labels)
                grid, owners, _ = grids[int(rng.integers(len(grids)))]
                return model.example(grid, owners, f"task {task.id}")
            except EncodingError as e:
                too_big["train"] += 1
                last = e
        raise EncodingError(f"{MAX_TOO_BIG} tasks in a row are too big: {last}")

    def evaluate(m: torch.nn.Module) -> dict[str, float]:
        losses = []
        for start in range(0, len(val_examples), 32):
            x, y = model.collate(val_examples[start : start + 32])
            losses.append(float(m(x, y)[1]) * len(x))
        out = {"loss": sum(losses) / len(val_examples)}
        if entry.solves_tasks and s.val_exact > 0:
            subset = held[: s.val_exact]
            sc = scores(predict(model, subset).predictions, subset, source.generators)
            out.update(pass1=sc["pass1"], pass2=sc["pass2"], cell_accuracy=sc["cell_accuracy"])
        elif not entry.solves_tasks:
            out["object_f1"] = object_scores(model, val_scenes)["object_f1"]
        return out

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
        model, cfg, train_batch=train_batch, evaluate=evaluate, run_dir=run_dir, kind=KIND,
        select="loss", desc=f"arc {s.model}", reporter=Reporter(f"arc {s.model}", quiet=s.quiet),
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
        "too_big": too_big,
        "world_size": world,
        "device": str(device),
        "threads": torch.get_num_threads(),
        "history": result.history,
        "settings": record,
    }
    if rank == 0:
        write_metrics(run_dir, metrics)
    return metrics
