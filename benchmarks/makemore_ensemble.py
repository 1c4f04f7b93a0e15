"""How much averaging makemore models helps: runs alone, their probability average, and members.

    python benchmarks/makemore_ensemble.py RUN [RUN ...]          # runs of z2h makemore train
    python benchmarks/makemore_ensemble.py RUN --json out.json
    python benchmarks/makemore_ensemble.py RUN1 RUN2 --weights 3 1     # a weighted average

For each run directory (any sequence model: transformer, rnn, gru, lstm) it prints the dev and
test loss of its best checkpoint, then the loss of the average of the runs' next-character
probabilities (``--weights``: weighted, e.g. to give a stronger run more say; choose the weights
on dev, and read test only for the weights chosen). A run trained with ``--set members=K`` (an
``Ensemble``) also gets a row for each member alone and for its first 2, 3, ...
members together. All runs must share the data
and split seed; losses are in nats per character, as everywhere in makemore.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def average(models: list[Any], weights: list[float] | None = None) -> Any:
    """The models scored as one model: the log of their (weighted) averaged next-character
    probabilities."""
    import torch.nn as nn

    from z2h.makemore.models.ensemble import average_log_probs

    class Average(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.models = nn.ModuleList(models)

        def forward(self, idx: Any, targets: Any = None) -> tuple[Any, None]:
            return average_log_probs(self.models, idx, weights), None

    return Average()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("runs", nargs="+", help="run directories of z2h makemore train")
    p.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    p.add_argument("--json", help="also write the rows to this file")
    p.add_argument("--no-members", action="store_true", help="skip the rows of single members")
    p.add_argument(
        "--weights", type=float, nargs="+", help="one positive weight per run (default: equal)"
    )
    args = p.parse_args(argv)

    import torch

    from z2h.errors import Z2HError
    from z2h.machine import describe, machine
    from z2h.makemore.data import examples, prepare
    from z2h.makemore.evaluate import evaluate_loss
    from z2h.makemore.models.ensemble import mixture_weights
    from z2h.makemore.runs import load_run

    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        if args.weights is not None:
            mixture_weights(args.weights, len(args.runs))  # checked before any run is loaded
        runs = [load_run(r) for r in args.runs]
        first = runs[0]
        for r in runs:
            if r.entry.input_kind != "sequence":
                raise Z2HError(f"{r.name} reads fixed contexts; averaging needs sequence models")
            if (r.data, r.seed, r.vocab) != (first.data, first.seed, first.vocab):
                raise Z2HError("the runs were trained on different data, splits or vocabularies")
    except Z2HError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    words = prepare(first.data, first.seed, vocab=first.vocab)
    block = max(r.config.block_size for r in runs)
    splits = {s: examples(words.split(s), first.vocab, "sequence", block) for s in ("dev", "test")}

    rows: list[dict[str, Any]] = []

    def add(name: str, models: list[Any], weights: list[float] | None = None) -> None:
        row = {"models": name}
        for split, (X, Y) in splits.items():
            row[split] = evaluate_loss(average(models, weights), X, Y)
        rows.append(row)

    for path, r in zip(args.runs, runs, strict=True):
        add(path, [r.model])
    if len(runs) > 1:
        name = f"average of the {len(runs)} runs"
        if args.weights is not None:
            name += " weighted " + ":".join(f"{w:g}" for w in args.weights)
        add(name, [r.model for r in runs], args.weights)
    for path, r in zip(args.runs, runs, strict=True):
        members = [] if args.no_members else list(getattr(r.model, "members", []))
        for k, m in enumerate(members):
            add(f"{path}: member {k} alone", [m])
        for n in range(2, len(members)):
            add(f"{path}: members 0-{n - 1} averaged", members[:n])

    print(describe(machine()))  # (losses: the same on any machine; said for the record)
    print("| models | dev | test |\n|---|---:|---:|")
    for row in rows:
        print(f"| {row['models']} | {row['dev']:.4f} | {row['test']:.4f} |")
    if args.json:
        from z2h.run import write_json_atomic

        write_json_atomic(args.json, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
