"""``z2h makemore``: train, sample from and evaluate any registry model; the lecture exercises.

Only argument parsing lives here; ``z2h.makemore.training`` and ``z2h.makemore.runs`` do the work
(imported inside the handlers, so ``z2h makemore --help`` does not import torch).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from z2h.cli import (
    add_output_flags,
    add_report_flags,
    add_run_flag,
    check_resume_has_out,
    print_result,
    run_arg,
)
from z2h.config import parse_assignments
from z2h.defaults import DEFAULT_SEED
from z2h.errors import Z2HError
from z2h.makemore.defaults import DEFAULT_DATA, DEFAULT_MODEL
from z2h.run import set_threads

TRAIN_SAMPLES = 10  # words `train` prints from the finished model
# what a bare `train` runs: the transformer recipe's budget (a test checks these words against
# z2h.makemore.models.transformer.DEFAULT_TIME_BUDGET and registry.LECTURE_STEPS)
DEFAULT_BUDGET_HELP = (
    "the model's recipe: 120 s for the transformer (what a bare 'train' runs), 200,000 steps "
    "for the lecture presets of mlp, bnmlp and wavenet"
)


def _train(args: argparse.Namespace) -> int:
    from z2h.makemore import runs, training

    check_resume_has_out(args)
    set_threads(args.threads, who="z2h makemore", quiet=args.quiet)
    model_fields = parse_assignments(args.set or [])
    if args.n is not None:
        model_fields["n"] = args.n
    if args.block_size is not None:
        model_fields["block_size"] = args.block_size
    train_fields = {
        "max_steps": args.max_steps,
        "time_budget": args.time_budget,
        "lr": args.lr,
        "optimizer": args.optimizer,
        "schedule": args.schedule,
        "warmup_frac": args.warmup_frac,
        "weight_decay": args.weight_decay,
        "grad_clip": args.grad_clip,
        "eval_interval": args.eval_interval,
        "autocast": args.autocast,
        "compile": args.compile,
        "ema": args.ema,
    }
    if args.max_steps is not None and args.max_steps <= 0:
        raise Z2HError(f"--max-steps must be positive, got {args.max_steps}")
    if args.time_budget is not None and not args.time_budget > 0:
        raise Z2HError(f"--time-budget must be positive seconds, got {args.time_budget}")
    opts = training.TrainOptions(
        model=args.model,
        out=args.out,
        data=args.data,
        seed=args.seed,
        preset=args.preset,
        smoothing=args.smoothing,
        model_fields=model_fields,
        train_fields={k: v for k, v in train_fields.items() if v is not None},
        batch_size=args.batch_size,
        pack=args.pack,
        resume=args.resume,
        quiet=args.quiet,
    )
    try:
        metrics = training.train(opts)
    finally:
        args.out = opts.out and str(opts.out)  # the folder chosen for a default --out
    out = str(opts.out)
    lines = [training.summary(metrics)]
    if not (args.quiet or args.json):
        words = runs.sample_run(out, n=TRAIN_SAMPLES, seed=args.seed)
        lines.append("  samples     " + ", ".join(w or "(empty)" for w in words))
        if "chosen_k" in metrics:
            k = metrics["chosen_k"]
            lines.append(f"  smoothing   k = {k:g} chosen on dev (sweep in {out})")
        lines.append(f"  sample with z2h makemore sample --run {out}")
    print_result(args, metrics, "\n".join(lines))
    return 0


def _sample(args: argparse.Namespace) -> int:
    from z2h.makemore import runs

    words = runs.sample_run(
        run_arg(args), n=args.num, seed=args.seed, temperature=args.temperature, top_k=args.top_k
    )
    for w in words:
        print(w)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from z2h.makemore import runs

    loss = runs.evaluate_run(run_arg(args), split=args.split, data=args.data)
    print_result(args, {"split": args.split, "loss": loss}, f"{args.split} loss {loss:.4f}")
    return 0


def _models(args: argparse.Namespace) -> int:
    from z2h.makemore import registry

    for name in registry.names():
        entry = registry.get(name)
        presets = ", ".join(sorted(entry.presets)) or "-"
        print(f"{name:14s} {entry.input_kind:9s} presets: {presets:28s} {entry.description}")
    return 0


def _exercises(args: argparse.Namespace) -> int:
    from z2h.makemore import exercises

    def progress(row: dict) -> None:
        if args.quiet:
            return
        loss = f" (dev {row['dev']:.4f})" if row["dev"] is not None else ""
        print(f"makemore exercises: {row['exercise']} {row['what']}{loss}", file=sys.stderr)

    report = exercises.run(
        args.lecture, data=args.data, seed=args.seed, out=args.out, quick=args.quick,
        on_row=progress,
    )  # fmt: skip
    if args.json:
        print(json.dumps(report["rows"], indent=2))
    elif not args.quiet:
        print(report["markdown"])
    return 0


def _manual_backprop(args: argparse.Namespace) -> int:
    import torch

    from z2h.makemore import manual_backprop as mb

    if args.steps < 0:
        raise Z2HError(f"--steps must be at least 1 (or 0: check only), got {args.steps}")
    cfg = mb.ManualMLPConfig(n_hidden=64)
    checks = {
        "float64": mb.check_gradients(cfg, dtype=torch.float64),
        "float32": mb.check_gradients(cfg, dtype=torch.float32),
    }
    worst = {dtype: max(r.max_abs_diff for r in rows) for dtype, rows in checks.items()}
    text = [
        "every hand-written gradient against autograd (n_embd 10, n_hidden 64, batch 32):",
        mb.format_checks(checks),
    ]
    report: dict[str, Any] = {"worst_abs_diff": worst}
    if worst["float64"] > 1e-10 or worst["float32"] > 1e-5:
        raise Z2HError(
            "a hand-written gradient differs from autograd beyond the bound (1e-10 in float64, "
            f"1e-5 in float32): worst {worst['float64']:.2e} / {worst['float32']:.2e}"
        )
    if args.steps > 0:
        from z2h.run import Reporter

        reporter = Reporter("makemore manual-backprop", quiet=args.quiet or args.json)
        out = mb.run_lecture5(
            args.data or DEFAULT_DATA, args.seed, args.steps, args.n_hidden, reporter=reporter
        )
        report["training"] = out
        text.append(
            f"\ntrained on hand-written gradients only: {out['steps']:,} steps, "
            f"{out['seconds']:.0f} s; train {out['train_loss']:.4f} (lecture "
            f"{mb.LECTURE5['train']}), dev {out['dev_loss']:.4f} (lecture {mb.LECTURE5['dev']})"
        )
    print_result(args, report, "\n".join(text))
    return 0


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "train",
        help="train (or count) a model; writes a checkpoint and metrics.json",
        description="Train any registered model (see 'z2h makemore models') on a word list. "
        "Counted models are fit by counting; the rest by the shared training loop. Flags left "
        "out take the model's preset and recipe defaults.",
    )
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"model name (default {DEFAULT_MODEL})")
    p.add_argument("--preset", help="named configuration of the model (e.g. bigram, lecture3)")
    p.add_argument("--n", type=int, help="n-gram order: context of n-1 characters")
    p.add_argument("--block-size", type=int, help="context length / longest sequence")
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a model config field, e.g. --set n_embd=64 (repeatable)",
    )
    p.add_argument(
        "--smoothing",
        metavar="auto|K|kneser-ney",
        help="counted n-grams: add-k with K, 'auto' to tune k on dev, or 'kneser-ney'",
    )
    p.add_argument("--data", default=DEFAULT_DATA, help="data set name or a word-list file")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="split and training seed")
    p.add_argument("--out", help="run folder (default: a new runs/makemore/MODEL-TIME-ID)")
    p.add_argument(
        "--max-steps",
        type=int,
        help=f"stop after this many optimizer steps (default: {DEFAULT_BUDGET_HELP})",
    )
    p.add_argument("--time-budget", type=float, metavar="S", help="stop after S seconds")
    p.add_argument(
        "--batch-size",
        type=int,
        help="examples (rows when packing) per step (0: whole training set)",
    )
    p.add_argument(
        "--pack",
        type=int,
        metavar="LENGTH",
        help="pack words back to back into rows of LENGTH tokens (transformer; default: the "
        "recipe's 32; 0: one word a row)",
    )
    p.add_argument("--lr", type=float, help="peak learning rate")
    p.add_argument("--optimizer", choices=["adamw", "sgd"])
    p.add_argument("--schedule", choices=["constant", "step", "cosine"])
    p.add_argument("--warmup-frac", type=float, help="fraction of the run in linear warmup")
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--grad-clip", type=float, help="max gradient norm (0: off)")
    p.add_argument("--eval-interval", type=int, help="steps between dev evaluations")
    p.add_argument(
        "--autocast",
        choices=["fp32", "bf16", "auto"],
        help="matmul precision (default: the recipe's; auto: bf16 where the CPU computes it "
        "natively)",
    )
    p.add_argument(
        "--ema",
        type=float,
        metavar="DECAY",
        help="evaluate and keep a moving average of the weights (e.g. 0.999; 0: off)",
    )
    p.add_argument(
        "--compile",
        action=argparse.BooleanOptionalAction,
        help="wrap the model in torch.compile (default: the recipe's choice)",
    )
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument(
        "--threads", type=int, help="torch CPU threads (default: the idle cores, measured at start)"
    )
    add_output_flags(p)
    p.set_defaults(func=_train)

    p = sub.add_parser(
        "sample",
        help="print words sampled from a trained run",
        description="Rebuild the model of a run directory and print sampled words.",
    )
    add_run_flag(p, "run folder written by 'z2h makemore train'")
    p.add_argument(
        "-n", "--num-samples", "--num", dest="num", type=int, default=20, help="number of words"
    )
    p.add_argument("--seed", type=int, help="sampling seed (default: random)")
    p.add_argument("--temperature", type=float, default=1.0, help="softmax temperature (0: argmax)")
    p.add_argument("--top-k", type=int, help="sample only from the k most likely characters")
    p.set_defaults(func=_sample)

    p = sub.add_parser(
        "eval",
        help="print a trained run's loss on a split",
        description="Mean negative log-likelihood per character (nats) of a run's model.",
    )
    add_run_flag(p, "run folder written by 'z2h makemore train'")
    p.add_argument("--split", choices=["train", "dev", "test"], default="dev")
    p.add_argument("--data", help="word list to split (default: the run's own data)")
    add_report_flags(p, '{"split", "loss"}')
    p.set_defaults(func=_eval)

    p = sub.add_parser("models", help="list the registered models")
    p.set_defaults(func=_models)

    p = sub.add_parser(
        "exercises",
        help="run a lecture's exercises and print the results table",
        description="lecture2: exercises E01-E06 of makemore part 1 on the names data set.",
    )
    p.add_argument("lecture", choices=["lecture2"])
    p.add_argument("--data", default=DEFAULT_DATA, help="data set name or a word-list file")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="split seed")
    p.add_argument("--out", help="folder for the table (markdown, JSON) and pictures")
    p.add_argument(
        "--json", action="store_true", help="print the rows as JSON on stdout instead of the table"
    )
    p.add_argument("--quiet", action="store_true", help="no progress and no table (errors only)")
    p.add_argument("--quick", action="store_true", help="short runs and sweeps (smoke tests)")
    p.set_defaults(func=_exercises)

    p = sub.add_parser(
        "manual-backprop",
        help="lecture 5: check every hand-written gradient, then train on them alone",
        description="Compare each atomic and fused hand-written gradient of lecture 5's "
        "BatchNorm MLP with autograd (float64 and float32), then train it with SGD on the "
        "hand-written gradients only.",
    )
    p.add_argument(
        "--steps",
        type=int,
        default=200_000,
        help="training steps (lecture: 200,000; 0: check only)",
    )
    p.add_argument("--n-hidden", type=int, default=200, help="hidden units (lecture: 200)")
    p.add_argument("--data", help="data set name or word-list file (default names)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="split and check seed")
    add_report_flags(p, "the gradient checks' worst differences and the training result")
    p.set_defaults(func=_manual_backprop)

    from z2h.makemore.diagnostics.cli import configure_diagnostics  # lectures 3-4

    configure_diagnostics(sub)
