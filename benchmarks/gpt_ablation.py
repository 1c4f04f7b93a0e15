"""Lecture 7's EX4: changes from the literature, A/B against GPT-2's block at equal wall time.

Each variant trains nanoGPT's CPU-recipe model size on tiny shakespeare for the same
``--time-budget`` (so a change that makes steps slower pays for it) and the val loss is compared.
Variants run in pairs side by side, each on one thread, so both members of a pair see the same
machine load; the baseline runs in every pair so each variant has a baseline from its own period.

- ``rope``: rotary position embeddings instead of a learned table (Su et al., 2021);
- ``rmsnorm``: RMSNorm instead of LayerNorm, no biases (Zhang & Sennrich, 2019);
- ``swiglu``: gated SiLU MLP at equal parameter count (Shazeer, 2020);
- ``qk-norm``: RMS-normalized queries and keys (Dehghani et al., 2023);
- ``modern``: all four together (a LLaMA-style block).

    Z2H_DATA_DIR=~/data python benchmarks/gpt_ablation.py --time-budget 60
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from z2h.machine import describe, machine

BASE = "--preset nano-cpu --dropout 0 --batch-size 32 --autocast bf16 --threads 1"
VARIANTS = {
    "baseline (GPT-2 block)": "",
    "rope": "--pos rope",
    "rmsnorm": "--norm rmsnorm --bias false",
    "swiglu": "--mlp swiglu",
    "qk-norm": "--qk-norm true",
    "modern (all four)": "--pos rope --norm rmsnorm --bias false --mlp swiglu --qk-norm true",
}


def launch(out: Path, flags: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "z2h", "gpt", "train", "--out", str(out), *shlex.split(flags)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "Z2H_PROGRESS": "0"}
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-budget", type=float, default=60.0)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--only", nargs="*", help="variant names to run (default: all)")
    args = ap.parse_args()
    names = [n for n in VARIANTS if n != "baseline (GPT-2 block)"]
    names = [n for n in names if not args.only or n in args.only]
    common = f"{BASE} --lr {args.lr} --time-budget {args.time_budget}"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(names):
            pair = {"baseline (GPT-2 block)": "", name: VARIANTS[name]}
            procs = {
                n: launch(Path(tmp) / f"{i}_{j}", f"{common} {flags}")
                for j, (n, flags) in enumerate(pair.items())
            }
            for n, proc in procs.items():
                _, err = proc.communicate()
                if proc.returncode != 0:
                    raise SystemExit(f"{n} failed:\n{err.decode()[-2000:]}")
            got = {
                n: json.loads((Path(tmp) / f"{i}_{j}" / "metrics.json").read_text())
                for j, n in enumerate(pair)
            }
            base, var = got["baseline (GPT-2 block)"], got[name]
            rows.append((name, base, var))
            print(f"{name:<20} val {var['val_loss']:.4f} vs baseline {base['val_loss']:.4f} "
                  f"(delta {var['val_loss'] - base['val_loss']:+.4f}); steps {var['steps']} vs "
                  f"{base['steps']}; params {var['params']:,} vs {base['params']:,}",
                  flush=True)  # fmt: skip
    print(f"\n{describe(machine())}")  # (the runs are subprocesses on this machine)
    print(f"| variant ({args.time_budget:.0f} s each) | val loss | baseline in the same period "
          "| delta | steps (variant / baseline) | params |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name, base, var in rows:
        print(f"| {name} | {var['val_loss']:.4f} | {base['val_loss']:.4f} | "
              f"{var['val_loss'] - base['val_loss']:+.4f} | {var['steps']} / {base['steps']} | "
              f"{var['params']:,} |")  # fmt: skip
    print(f"\ncommand: z2h gpt train --out RUN {common} [variant flags]")


if __name__ == "__main__":
    main()
