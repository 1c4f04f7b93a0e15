"""makemore II's ladder: train each lecture preset through the shared trainer, beside the lecture.

    python benchmarks/makemore_ladder.py                  # fast settings, every rung
    python benchmarks/makemore_ladder.py --size lecture   # the lectures' batch and steps
    python benchmarks/makemore_ladder.py --models mlp,bnmlp --max-steps 2000 --json out.json

Each row is one ``z2h makemore train`` run (``z2h.makemore.training.train``, in-process) on names
with the 80/10/10 split. ``--size lecture`` uses the lecture's own batch size and step count
(200,000 steps of 32, SGD, lr 0.1 then 0.01: long on 2 cores); ``--size fast`` (the default) uses
larger batches and fewer steps chosen to reach the same dev loss in minutes. Throughput is reported
as steps/s and as the fraction of the fp32 matmul peak of this machine's 2 cores (about 195
GFLOP/s) that training reaches, counting 6 FLOPs per matmul weight per token (forward 2, backward 4;
embedding lookups are not matmuls) plus, for the transformer, its attention scores; the wall time
includes the periodic dev evaluations, so the fraction is a lower bound.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PEAK_GFLOPS = 195.0  # fp32 matmul peak of the 2 cores this benchmark was written on


@dataclass
class Rung:
    """One row of the ladder: a model preset, the lecture's result and how to train it."""

    model: str
    preset: str | None
    lecture_dev: float | None  # the lecture's dev loss (None: not in a lecture)
    target_dev: float | None  # the dev loss this reproduction must reach
    lecture: dict[str, Any]  # the lecture's own training: batch_size, max_steps, train fields
    fast: dict[str, Any]  # settings that reach the target in minutes on 2 cores
    model_fields: dict[str, Any] = field(default_factory=dict)  # config overrides, both sizes
    lecture_model_fields: dict[str, Any] = field(default_factory=dict)  # ... for --size lecture


def _sgd(lr: float, drop_at: float) -> dict[str, Any]:
    """The lectures' SGD: constant lr, divided by 10 once at ``drop_at`` of the run."""
    return {
        "optimizer": "sgd",
        "lr": lr,
        "schedule": "step",
        "step_decay_at": (drop_at,),
        "step_decay_factor": 0.1,
        "weight_decay": 0.0,
        "grad_clip": 0.0,
    }


def _adamw(lr: float) -> dict[str, Any]:
    return {"optimizer": "adamw", "lr": lr, "schedule": "cosine", "warmup_frac": 0.02}


LADDER: list[Rung] = [
    Rung(
        "mlp",
        "lecture3",
        2.1701,
        2.17,
        {"batch_size": 32, "max_steps": 200_000, **_sgd(0.1, 0.5)},
        {"batch_size": 256, "max_steps": 30_000, **_sgd(0.2, 0.6)},
    ),
    Rung(
        "bnmlp",
        "lecture4",
        2.1057,
        2.11,
        {"batch_size": 32, "max_steps": 200_000, **_sgd(0.1, 0.5)},
        {"batch_size": 256, "max_steps": 60_000, **_sgd(0.5, 0.6)},
    ),
    Rung(
        "wavenet",
        "lecture6",
        1.9937,
        2.00,
        {"batch_size": 32, "max_steps": 200_000, **_sgd(0.1, 0.75)},
        {"batch_size": 256, "max_steps": 20_000, **_sgd(0.2, 0.75)},
    ),
    *(
        Rung(
            name,
            "makemore",
            None,
            None,
            {"batch_size": 32, "max_steps": 30_000, **_adamw(5e-4)},
            {"batch_size": 64, "max_steps": 6_000, **_adamw(5e-3)},
        )
        for name in ("rnn", "gru", "lstm")
    ),
    Rung(
        "transformer",
        "makemore",
        None,
        None,
        # makemore.py's training: one word a row, batch 32, constant-ish AdamW, fp32
        {"batch_size": 32, "max_steps": 30_000, **_adamw(5e-4), "autocast": "fp32", "pack": 0},
        {"time_budget": 100.0},  # makemore.py's model under the recipe's 100 s training
        # makemore.py's own model: width 64, no dropout (as its preset says)
        lecture_model_fields={"n_embd": 64, "dropout": 0.0},
    ),
    Rung(
        "transformer",
        None,  # the recipe's own model and training: `z2h makemore train --time-budget 100`
        None,
        None,
        {"batch_size": 32, "max_steps": 30_000, **_adamw(5e-4), "autocast": "fp32", "pack": 0},
        {"time_budget": 100.0},
    ),
]


def flops_per_token(model: Any, T: int) -> float:
    """Training FLOPs per scored position: 6 per matmul weight (+ attention for a GPT)."""
    import torch.nn as nn

    if hasattr(model, "flops_per_token"):
        return float(model.flops_per_token(T))
    weights = sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Linear))
    return 6.0 * weights


def mean_batch_width(X: Any, Y: Any, batch_size: int, input_kind: str, draws: int = 200) -> float:
    """Positions computed per example: 1 for fixed contexts; the trimmed width for sequences."""
    import torch

    from z2h.makemore.batches import batch_fn

    if input_kind == "context":
        return 1.0
    draw = batch_fn(X, Y, batch_size, input_kind)
    gen = torch.Generator().manual_seed(0)
    return sum(draw(gen)[0].shape[1] for _ in range(draws)) / draws


def run_rung(
    rung: Rung,
    size: str,
    out: Path,
    data: str,
    max_steps: int | None,
    time_budget: float | None,
    threads: int | None,
) -> dict[str, Any]:
    import torch

    from z2h.makemore import registry, runs, training
    from z2h.makemore.data import examples, prepare

    if threads:
        torch.set_num_threads(threads)
    settings = dict(rung.lecture if size == "lecture" else rung.fast)
    if max_steps is not None or time_budget is not None:
        settings.pop("max_steps", None)
        settings.pop("time_budget", None)
        if max_steps is not None:
            settings["max_steps"] = max_steps
        if time_budget is not None:
            settings["time_budget"] = time_budget
    batch_size = settings.pop("batch_size", None)
    pack = settings.pop("pack", None)
    settings.setdefault("eval_interval", 10**9)  # evaluate at the end only, unless timed
    if "time_budget" in settings:
        settings.setdefault("eval_interval_seconds", settings["time_budget"] / 5)
    run_dir = out / f"{rung.model}-{rung.preset or 'recipe'}-{size}"
    opts = training.TrainOptions(
        model=rung.model,
        out=run_dir,
        data=data,
        preset=rung.preset,
        model_fields={
            **rung.model_fields,
            **(rung.lecture_model_fields if size == "lecture" else {}),
        },
        train_fields=settings,
        batch_size=batch_size,
        pack=pack,
    )
    t0 = time.perf_counter()
    metrics = training.train(opts)
    wall = time.perf_counter() - t0
    run = runs.load_run(run_dir)
    entry = registry.get(rung.model)
    words = prepare(data, metrics["seed"])
    X, Y = examples(words.train, words.vocab, entry.input_kind, run.config.block_size)
    bs = int(metrics["batch_size"])
    # packed rows compute every position of their fixed length
    width = metrics.get("pack") or mean_batch_width(X, Y, bs, entry.input_kind)
    fpt = flops_per_token(run.model, round(width) if entry.input_kind == "sequence" else 1)
    tokens = metrics["steps"] * bs * width
    gflops = fpt * tokens / metrics["seconds"] / 1e9
    return {
        "model": rung.model,
        "preset": rung.preset,
        "size": size,
        "params": metrics["params"],
        "batch_size": bs,
        "pack": metrics.get("pack", 0),
        "steps": metrics["steps"],
        "seconds": metrics["seconds"],
        "wall_seconds": wall,
        "steps_per_second": metrics["steps"] / metrics["seconds"],
        "gflops": gflops,
        "peak_fraction": gflops / PEAK_GFLOPS,
        "train_loss": metrics["train_loss"],
        "dev_loss": metrics["dev_loss"],
        "test_loss": metrics["test_loss"],
        "lecture_dev": rung.lecture_dev,
        "target_dev": rung.target_dev,
        "met": None if rung.target_dev is None else metrics["dev_loss"] <= rung.target_dev,
        "autocast": metrics.get("autocast", metrics["train_config"]["autocast"]),  # "auto" resolved
        "threads": torch.get_num_threads(),
        "run_dir": str(run_dir),
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    def num(x: Any, fmt: str = ".4f") -> str:
        return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)

    def batch(r: dict[str, Any]) -> str:
        return f"{r['batch_size']}x{r['pack']}" if r.get("pack") else str(r["batch_size"])

    lines = [
        "| model | preset | params | batch | steps | seconds | steps/s | % of fp32 peak "
        "| train | dev | test | lecture dev | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        met = {None: "-", True: "yes", False: "**no**"}[r["met"]]
        lines.append(
            f"| {r['model']} | {r['preset'] or 'recipe'} | {r['params']:,} | {batch(r)} "
            f"| {r['steps']:,} | {r['seconds']:.0f} | {r['steps_per_second']:.0f} "
            f"| {100 * r['peak_fraction']:.1f}% | {num(r['train_loss'])} | {num(r['dev_loss'])} "
            f"| {num(r['test_loss'])} | {num(r['lecture_dev'])} | {num(r['target_dev'], '.2f')} "
            f"| {met} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--models",
        default=",".join(r.model for r in LADDER),
        help="comma-separated subset of the ladder (default: all)",
    )
    p.add_argument(
        "--size",
        choices=["fast", "lecture"],
        default="fast",
        help="fast: larger batches, fewer steps (default); lecture: the lecture's batch and steps",
    )
    p.add_argument("--max-steps", type=int, help="override every rung's step count")
    p.add_argument("--time-budget", type=float, help="override: train each rung for S seconds")
    p.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's choice)")
    p.add_argument("--data", default="names", help="word list (default names)")
    p.add_argument("--out", help="folder for the run directories (default: a temporary one)")
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = p.parse_args(argv)
    wanted = [m.strip() for m in args.models.split(",") if m.strip()]
    names = list(dict.fromkeys(r.model for r in LADDER))
    unknown = [m for m in wanted if m not in names]
    if unknown:
        p.error(f"unknown model(s) {', '.join(unknown)}; the ladder has {', '.join(names)}")
    # every rung of each wanted model (the transformer has two), in the order asked for
    rungs = [r for m in wanted for r in LADDER if r.model == m]
    with tempfile.TemporaryDirectory(prefix="ladder-") as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        rows = []
        for rung in rungs:
            row = run_rung(
                rung,
                args.size,
                out,
                args.data,
                args.max_steps,
                args.time_budget,
                args.threads,
            )
            rows.append(row)
            print(
                f"{rung.model} ({rung.preset or 'recipe'}): dev {row['dev_loss']:.4f} "
                f"test {row['test_loss']:.4f} "
                f"in {row['seconds']:.0f}s",
                file=sys.stderr,
                flush=True,
            )
    from z2h.machine import describe, machine

    info = machine()
    print(describe(info))
    print(markdown(rows))
    if args.json:
        rows = [{**r, "machine": info} for r in rows]
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
