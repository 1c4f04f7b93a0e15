"""The diagnostics commands of ``z2h makemore`` (lectures 3-5).

``configure_diagnostics(sub)`` adds them to makemore's subcommands: ``diagnose``, ``lr-find``,
``embeddings``, ``init-report`` and ``fold-bn``. Only argument parsing lives
here; torch and the work are imported inside the handlers.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from z2h.cli import add_report_flags, add_run_flag, print_result, run_arg
from z2h.defaults import DEFAULT_SEED
from z2h.errors import Z2HError
from z2h.makemore.defaults import DEFAULT_DATA
from z2h.run import check_output_dir, check_output_file, default_run_dir, make_run_dir


def _setup(args: argparse.Namespace, max_steps: int | None = None) -> Any:
    from z2h.makemore.diagnostics import setups

    if getattr(args, "run", None):
        if args.model:
            raise Z2HError("give either --model (a fresh model) or --run (a trained run), not both")
        setup = setups.load(args.run, data=args.data)
    elif not args.model:
        raise Z2HError("give --model NAME (a fresh model) or --run DIR (a trained run)")
    else:
        setup = setups.fresh(
            args.model,
            preset=args.preset,
            data=args.data or DEFAULT_DATA,
            seed=args.seed,
            max_steps=max_steps,
        )
    if getattr(args, "batch_size", None):
        setup.train_defaults["batch_size"] = args.batch_size
    return setup


def _train_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"lr": args.lr, "optimizer": args.optimizer, "schedule": args.schedule}


def _diagnose(args: argparse.Namespace) -> int:
    from z2h.makemore.diagnostics.diagnose import SUMMARY_FILE, diagnose
    from z2h.makemore.diagnostics.report import layer_table

    if args.run:
        out = Path(args.out or Path(args.run) / "diagnostics")
    else:
        out = Path(args.out or default_run_dir("makemore", f"diagnose-{args.model}"))
    check_output_dir(out)  # before the data is read and the model trained
    setup = _setup(args, args.steps)
    result = diagnose(
        setup,
        out,
        steps=args.steps,
        train=not args.run,
        seed=args.seed,
        **_train_overrides(args),
    )
    lines = [f"{setup.name}: {args.steps} steps, dev loss {result.dev_loss:.4f}",
             layer_table(result.final), "findings:"]  # fmt: skip
    lines += [f"- {note}" for note in result.findings or ["nothing alarming"]]
    lines.append(f"pictures and diagnostics.json in {out}")
    print_result(args, _read_json(out / SUMMARY_FILE), "\n".join(lines))
    return 0


def _read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _lr_find(args: argparse.Namespace) -> int:
    from z2h.makemore.diagnostics.lr_find import explain, lr_sweep
    from z2h.makemore.diagnostics.plots import plot_lr_sweep
    from z2h.run import write_json_atomic

    name = args.model or Path(args.run or "run").name
    out = check_output_dir(args.out or default_run_dir("makemore", f"lr-find-{name}"))
    setup = _setup(args, args.steps)
    sweep = lr_sweep(
        setup, steps=args.steps, lo=args.lo, hi=args.hi, optimizer=args.optimizer, seed=args.seed
    )
    make_run_dir(out)
    plot_lr_sweep(
        sweep.lrs,
        sweep.losses,
        sweep.smoothed,
        sweep.suggested,
        out / "lr_find.png",
        f"{setup.name}: learning-rate sweep ({sweep.optimizer})",
    )
    report = {"model": setup.name, **sweep.to_dict()}
    write_json_atomic(out / "lr_find.json", report)
    print_result(args, report, f"{explain(sweep)}\npicture: {out / 'lr_find.png'}")
    return 0


def _embeddings(args: argparse.Namespace) -> int:
    from z2h.makemore.diagnostics.embeddings import plot_model_embeddings
    from z2h.makemore.runs import load_run

    run = load_run(args.run)  # the checkpoint alone: no data needed
    path = check_output_file(args.out or Path(args.run) / "embeddings.png")
    written = plot_model_embeddings(run.model, run.vocab, path)
    if written is None:
        raise Z2HError(f"model {run.name!r} has no character embedding table to draw")
    summary = f"embeddings of {run.name}: {written}"
    print_result(args, {"run": run.name, "wrote": str(written)}, summary)
    return 0


def _init_report(args: argparse.Namespace) -> int:
    from z2h.makemore.data import prepare
    from z2h.makemore.diagnostics import init_report, setups

    data = prepare(args.data or DEFAULT_DATA, seed=args.seed)
    rows = init_report.init_losses(data, seed=args.seed, names=args.model or None)
    lines = [
        "loss at initialisation against a uniform prediction, ln(vocab):",
        init_report.format_init_table(rows),
    ]
    report: dict[str, Any] = {"init_losses": [{**r.__dict__, "gap": r.gap} for r in rows]}
    if args.zero_init_steps > 0:
        setup = setups.fresh("bnmlp", data=args.data or DEFAULT_DATA, seed=args.seed)
        z = init_report.zero_init_experiment(setup, steps=args.zero_init_steps, seed=args.seed)
        lines += [
            f"\nlecture 4 E01: bnmlp with every weight and bias zero, {z.steps} SGD steps",
            f"  receive gradient and move: {', '.join(z.moved) or '(none)'}",
            f"  stuck at exactly zero:     {', '.join(z.stuck)}",
            f"  loss: first step {z.first_loss:.4f} (ln(vocab) {z.uniform:.4f}); dev after "
            f"training {z.zero_dev:.4f} vs {z.normal_dev:.4f} from the normal init; unigram "
            f"entropy {z.unigram:.4f}",
            f"  why: {z.explanation}",
        ]
        report["zero_init"] = z.__dict__
    if args.json:
        print(json.dumps(report, default=str))
    elif not args.quiet:
        print("\n".join(lines))
    return 0


def _fold_bn(args: argparse.Namespace) -> int:
    import torch

    from z2h.checkpoint import save_checkpoint
    from z2h.makemore.diagnostics import fold_bn, setups
    from z2h.run import write_json_atomic

    run = run_arg(args)
    setup = setups.load(run, data=args.data)
    folded, names = fold_bn.fold_batchnorm(setup.model)
    Xdev = setup.splits["dev"][0]
    report = fold_bn.verify_and_time(setup.model, folded, names, Xdev, tol=args.tol)
    payload = {
        **setup.extra(),
        "folded_batchnorms": names,
        "model_state": {k: v.detach().clone() for k, v in folded.state_dict().items()},
    }
    out = Path(run)
    save_checkpoint(out / fold_bn.FOLDED_FILE, payload, kind=fold_bn.FOLDED_KIND)
    summary = {
        **report.__dict__,
        "speedup": report.speedup,
        "latency_speedup": report.latency_speedup,
        "threads": torch.get_num_threads(),
    }
    write_json_atomic(out / "fold_bn.json", summary)
    lines = [
        f"folded {len(names)} BatchNorm layer(s) of {setup.name}: {', '.join(names)}",
        f"eval-mode logits on the whole dev set ({report.examples:,} examples): max |diff| "
        f"{report.max_abs_diff:.2e} (tolerance {args.tol:g})",
        f"inference over dev in batches of 4096: {1e3 * report.seconds_original:.1f} ms -> "
        f"{1e3 * report.seconds_folded:.1f} ms ({report.speedup:.2f}x); one example: "
        f"{1e6 * report.latency_original:.0f} us -> {1e6 * report.latency_folded:.0f} us "
        f"({report.latency_speedup:.2f}x)",
        f"folded model: {out / fold_bn.FOLDED_FILE}",
    ]
    print_result(args, summary, "\n".join(lines))
    return 0


def _model_args(p: argparse.ArgumentParser, run: bool = True) -> None:
    p.add_argument("--model", help="registry model to build fresh (see 'z2h makemore models')")
    p.add_argument("--preset", help="the model's named configuration (default: its lecture one)")
    if run:
        p.add_argument("--run", metavar="DIR", help="use the trained model of this run directory")
    p.add_argument("--data", help="data set name or word-list file (default names / the run's)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="split, init and batch seed")


def configure_diagnostics(sub: Any) -> None:
    """Add the diagnostics commands to makemore's ``add_subparsers()`` object ``sub``."""
    p = sub.add_parser(
        "diagnose",
        help="lecture 4's pictures of activations, gradients and update ratios, plus findings",
        description="Train a fresh model with the shared trainer (or continue a copy of a "
        "trained run) and write viz1-viz4 PNGs (activation and gradient histograms per layer, "
        "weight grad:data ratios, update:data ratio over training with the 1e-3 guide line), "
        "the embedding scatter and diagnostics.json with findings in plain words.",
    )
    _model_args(p)
    p.add_argument("--steps", type=int, default=1000, help="training steps (default 1000)")
    p.add_argument(
        "--out",
        help="output folder (default: a new runs/makemore/diagnose-MODEL-TIME-ID, or "
        "RUN/diagnostics)",
    )
    p.add_argument("--lr", type=float, help="learning rate (default: the model's recipe)")
    p.add_argument("--optimizer", choices=["adamw", "sgd"])
    p.add_argument("--schedule", choices=["constant", "step", "cosine"])
    p.add_argument("--batch-size", type=int, help="examples per step (default: the recipe's)")
    add_report_flags(p, "diagnostics.json")
    p.set_defaults(func=_diagnose)

    p = sub.add_parser(
        "lr-find",
        help="sweep the learning rate exponentially, plot loss against it, suggest one",
        description="Lecture 3's learning-rate finder: one short run whose rate grows "
        "exponentially from --lo to --hi; writes lr_find.png and lr_find.json and explains the "
        "suggested rate.",
    )
    _model_args(p)
    p.add_argument("--steps", type=int, default=1000, help="sweep length (default 1000)")
    p.add_argument("--lo", type=float, help="first rate (default 1e-3 for SGD, 1e-5 for AdamW)")
    p.add_argument("--hi", type=float, help="last rate (default 10 for SGD, 1 for AdamW)")
    p.add_argument("--optimizer", choices=["adamw", "sgd"], help="default: the model's recipe")
    p.add_argument(
        "--out", help="output folder (default: a new runs/makemore/lr-find-MODEL-TIME-ID)"
    )
    p.add_argument("--batch-size", type=int, help="examples per step (default: the recipe's)")
    add_report_flags(p, "lr_find.json")
    p.set_defaults(func=_lr_find)

    p = sub.add_parser(
        "embeddings",
        help="scatter the learned character embeddings in 2-D with their letters",
        description="Lecture 3's picture: each character's embedding (top two principal "
        "components when wider than 2) drawn with its letter.",
    )
    p.add_argument("--run", required=True, metavar="DIR", help="trained run directory")
    p.add_argument(
        "--out",
        "--png",
        dest="out",
        metavar="FILE",
        help="PNG to write (default RUN/embeddings.png)",
    )
    add_report_flags(p, '{"run", "wrote": PNG}')
    p.set_defaults(func=_embeddings)

    p = sub.add_parser(
        "init-report",
        help="loss at init vs ln(vocab) for every preset; the all-zero-init experiment",
        description="Lecture 3 E02: each registry preset's loss at initialisation beside the "
        "uniform prediction's ln(vocab). Lecture 4 E01: train the BN-MLP from all-zero weights "
        "and biases and report which parameters move and why.",
    )
    p.add_argument("--model", action="append", help="only this model (repeatable)")
    p.add_argument("--data", help="data set name or word-list file (default names)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="split and init seed")
    p.add_argument(
        "--zero-init-steps",
        type=int,
        default=1000,
        help="steps of the zero-init experiment (0 skips it; default 1000)",
    )
    add_report_flags(p, "the report as JSON")
    p.set_defaults(func=_init_report)

    p = sub.add_parser(
        "fold-bn",
        help="fold BatchNorm into the preceding linear layers of a trained run",
        description="Fold each BatchNorm's gain, shift and running statistics into the Linear "
        "before it, check the eval-mode logits on the whole dev set, time both models, and save "
        "RUN/folded.pt and RUN/fold_bn.json.",
    )
    add_run_flag(p, "run folder of a trained BN model (bnmlp, wavenet)")
    p.add_argument("--data", help="word list (default: the run's own)")
    p.add_argument("--tol", type=float, default=1e-5, help="largest logit difference allowed")
    add_report_flags(p, "fold_bn.json")
    p.set_defaults(func=_fold_bn)
