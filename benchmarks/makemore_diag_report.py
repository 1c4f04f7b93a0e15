"""Every number of the README's makemore III section but backprop by hand, in one script.

    Z2H_DATA_DIR=~/data OMP_NUM_THREADS=1 .venv/bin/python \
        benchmarks/makemore_diag_report.py --out runs/diag-report [--docs-img docs/img]

1. loss at init beside ln(vocab) for every registry preset, and lecture 4 E01 (all-zero init);
2. the learning-rate finder on ``mlp`` and ``bnmlp``;
3. ``diagnose`` of the 5-layer BN-MLP (1,000 steps at lr 0.1): the four lecture-4 pictures
   (copied to ``--docs-img`` when given) and its findings;
4. BatchNorm folding of ``bnmlp`` and ``wavenet`` trained ``--fold-steps`` steps by the makemore
   trainer: the largest logit difference on dev and the inference speedup.

Prints one JSON object at the end (and writes it to OUT/report.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import torch

from z2h.defaults import DEFAULT_SEED
from z2h.machine import describe, machine
from z2h.makemore import training
from z2h.makemore.data import prepare
from z2h.makemore.diagnostics import diagnose, fold_bn, init_report, lr_find, setups
from z2h.run import write_json_atomic

PICTURES = ("viz1_activations", "viz2_gradients", "viz3_weight_grads", "viz4_update_ratios")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder for the runs and pictures (fresh)")
    ap.add_argument("--docs-img", help="copy the four pictures here as makemore_diag_viz*.png")
    ap.add_argument("--fold-steps", type=int, default=20_000, help="training steps before folding")
    ap.add_argument("--zero-init-steps", type=int, default=1000)
    ap.add_argument("--data", default="names")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args()
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty; choose a fresh --out")
    out.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(describe(info))
    report: dict[str, object] = {
        "machine": info,
        "threads": torch.get_num_threads(),
        "load_avg_start": os.getloadavg(),
    }

    t0 = time.perf_counter()
    data = prepare(args.data, seed=args.seed)
    rows = init_report.init_losses(data, seed=args.seed)
    print(init_report.format_init_table(rows))
    report["init_losses"] = [{**r.__dict__, "gap": r.gap} for r in rows]
    z = init_report.zero_init_experiment(
        setups.fresh("bnmlp", data=args.data, seed=args.seed), steps=args.zero_init_steps
    )
    print(f"zero init: moved {z.moved}; dev {z.zero_dev:.4f} vs {z.normal_dev:.4f} normal")
    report["zero_init"] = z.__dict__

    report["lr_find"] = {}
    for name in ("mlp", "bnmlp"):
        sweep = lr_find.lr_sweep(setups.fresh(name, data=args.data, seed=args.seed))
        print(f"lr-find {name}: min at {sweep.best_lr:.3g}, suggested {sweep.suggested:.3g}")
        report["lr_find"][name] = {"best_lr": sweep.best_lr, "suggested": sweep.suggested}

    setup = setups.fresh("bnmlp", preset="lecture4-deep", data=args.data, seed=args.seed)
    t = time.perf_counter()
    diag = diagnose.diagnose(setup, out / "diagnose-bnmlp-deep", steps=1000, schedule="constant")
    report["diagnose"] = {
        "seconds": time.perf_counter() - t,
        "dev_loss": diag.dev_loss,
        "findings": diag.findings,
        "tanh": [
            {"layer": r.name, "std": r.act.std, "saturated_pct": r.act.saturated_pct}
            for r in diag.final.activation_layers()
        ],
    }
    if args.docs_img:
        Path(args.docs_img).mkdir(parents=True, exist_ok=True)
        for pic in PICTURES:
            shutil.copy(diag.out / f"{pic}.png", Path(args.docs_img) / f"makemore_diag_{pic}.png")

    report["fold_bn"] = {}
    for name in ("bnmlp", "wavenet"):
        run_dir = out / f"{name}-{args.fold_steps}"
        metrics = training.train(
            training.TrainOptions(
                model=name,
                out=run_dir,
                data=args.data,
                seed=args.seed,
                train_fields={"max_steps": args.fold_steps},
            )
        )
        trained = setups.load(run_dir)
        folded, names = fold_bn.fold_batchnorm(trained.model)
        r = fold_bn.verify_and_time(trained.model, folded, names, trained.splits["dev"][0])
        print(
            f"fold-bn {name}: {names}, max diff {r.max_abs_diff:.2e}, dev pass {r.speedup:.2f}x, "
            f"one example {r.latency_speedup:.2f}x"
        )
        report["fold_bn"][name] = {
            "dev_loss": metrics["dev_loss"],
            **r.__dict__,
            "speedup": r.speedup,
            "latency_speedup": r.latency_speedup,
        }
    report["seconds"] = time.perf_counter() - t0
    report["load_avg_end"] = os.getloadavg()
    write_json_atomic(out / "report.json", report)
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
