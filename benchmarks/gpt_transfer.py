"""Lecture 7's EX3: pretrain on another text, finetune on shakespeare, compare with from-scratch.

The other text is English prose that every Python installation carries offline: the docstrings
of the standard library (modules, classes and functions, those over 200 characters; the test
suite, idlelib and lib2to3 left out), about 1.2 M characters, the size of tiny shakespeare. It is
modern technical English, so it tests whether spelling, words and punctuation learned there help
on Elizabethan verse. Its character set covers shakespeare's, so one character vocabulary (the
union, via ``--vocab-text``) serves all three runs:

1. pretrain on the docstrings for ``--pretrain-steps``;
2. finetune that model on shakespeare for ``--steps``;
3. train the same model on shakespeare from scratch for the same ``--steps``.

    Z2H_DATA_DIR=~/data python benchmarks/gpt_transfer.py [--workdir DIR]
"""

from __future__ import annotations

import argparse
import ast
import json
import shlex
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from z2h.machine import describe, machine

SKIP = {"site-packages", "test", "idlelib", "lib2to3"}
MODEL = "--preset nano-cpu --dropout 0 --batch-size 32 --autocast bf16 --warmup-frac 0.05"


def stdlib_docstrings(min_chars: int = 200) -> str:
    """Docstrings of Python's standard library, in sorted file order, blank-line separated."""
    root = Path(sysconfig.get_paths()["stdlib"])
    parts = []
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).parts[0] in SKIP:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                if doc and len(doc) >= min_chars:
                    parts.append(doc)
    return "\n\n".join(parts) + "\n"


def train(out: Path, flags: str) -> dict:
    argv = [sys.executable, "-m", "z2h", "gpt", "train", "--out", str(out), *shlex.split(flags)]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr[-2000:]}")
    return json.loads((out / "metrics.json").read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pretrain-steps", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=300, help="finetuning / from-scratch steps")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--workdir", help="keep the runs here (default: a temporary folder)")
    args = ap.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="gpt_transfer_"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "stdlib_docstrings.txt"
    if not corpus.exists():
        corpus.write_text(stdlib_docstrings(), encoding="utf-8")
    threads = f" --threads {args.threads}" if args.threads else ""
    common = f"{MODEL} --lr {args.lr}{threads}"
    print(f"pretraining text: {corpus} ({len(corpus.read_text(encoding='utf-8')):,} characters)")

    pre = train(work / "pretrain", f"--data {corpus} --vocab-text shakespeare "
                f"--max-steps {args.pretrain_steps} {common}")  # fmt: skip
    runs = {
        "finetuned": f"--data shakespeare --init-from {work / 'pretrain'} --max-steps {args.steps} "
        f"{common}",
        "from scratch": f"--data shakespeare --vocab-text {corpus} --max-steps {args.steps} "
        f"{common}",
    }
    results = {name: train(work / name.replace(" ", "_"), flags) for name, flags in runs.items()}
    print(f"\npretrained {args.pretrain_steps} steps on docstrings: val {pre['val_loss']:.4f} "
          "(docstrings val split)")  # fmt: skip
    print(f"\n{describe(machine())}")  # (the runs are subprocesses on this machine)
    print(f"| shakespeare run ({args.steps} steps) | val loss | train loss | seconds |")
    print("|---|---|---|---|")
    for name, m in results.items():
        print(f"| {name} | {m['val_loss']:.4f} | {m['train_loss']:.4f} | {m['seconds']:.0f} |")
    print("\ncommands:")
    print(f"  z2h gpt train --out PRE --data DOCSTRINGS --vocab-text shakespeare "
          f"--max-steps {args.pretrain_steps} {common}")  # fmt: skip
    for name, flags in runs.items():
        print(f"  [{name}] z2h gpt train --out RUN {flags}")


if __name__ == "__main__":
    main()
