"""Lecture 5, backprop by hand: the gradient check table and a training run on hand gradients only.

    Z2H_DATA_DIR=~/data OMP_NUM_THREADS=1 .venv/bin/python \
        benchmarks/makemore_manual_backprop.py

Prints the largest |manual - autograd| difference of every intermediate (atomic and fused, float64
and float32, lecture-5 exercise sizes), then trains the lecture's network (n_hidden 200, 200,000 SGD
steps of batch 32, lr 0.1 then 0.01) with the fused hand-written gradients only and prints train and
dev loss beside the lecture's (2.0718 / 2.1099). Same as ``z2h makemore manual-backprop``.
"""

from __future__ import annotations

import argparse
import json

import torch

from z2h.defaults import DEFAULT_SEED
from z2h.machine import describe, machine
from z2h.makemore import manual_backprop as mb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200_000, help="SGD steps (lecture: 200,000)")
    ap.add_argument("--n-hidden", type=int, default=200, help="hidden units (lecture: 200)")
    ap.add_argument("--data", default="names", help="word list (default names)")
    ap.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="split seed (makemore's default)"
    )
    ap.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = ap.parse_args()

    checks = {
        "float64": mb.check_gradients(mb.ManualMLPConfig(n_hidden=64), dtype=torch.float64),
        "float32": mb.check_gradients(mb.ManualMLPConfig(n_hidden=64), dtype=torch.float32),
    }
    print("gradient check, lecture 5 exercise sizes (n_embd 10, n_hidden 64, batch 32)")
    print(mb.format_checks(checks))
    out = mb.run_lecture5(args.data, args.seed, args.steps, args.n_hidden)
    out["grad_check_max_diff"] = {k: max(r.max_abs_diff for r in v) for k, v in checks.items()}
    out["machine"] = machine()
    print(f"\n{describe(out['machine'])}")
    print(
        f"\ntraining on hand-written gradients only: {out['params']:,} parameters, "
        f"{out['steps']:,} steps in {out['seconds']:.0f} s ({out['ms_per_step']:.2f} ms/step)"
    )
    print(f"{'':<6} {'ours':>8} {'lecture':>8}")
    for split in ("train", "dev"):
        print(f"{split:<6} {out[f'{split}_loss']:>8.4f} {mb.LECTURE5[split]:>8.4f}")
    if args.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
