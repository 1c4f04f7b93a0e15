"""Training throughput of the makemore transformer: one word a row against packed rows.

    python benchmarks/makemore_packing.py                 # widths 64 and 128, eager
    python benchmarks/makemore_packing.py --compile       # also torch.compile on packed rows
    python benchmarks/makemore_packing.py --members 4   # also an ensemble of 4 at width 64
    python benchmarks/makemore_packing.py --json out.json

Each row times ``--steps`` AdamW steps (after ``--warmup`` untimed ones) of the recipe's block
(RoPE, RMSNorm, QK-norm, no biases; SwiGLU at width 64, GELU at 128) under bf16 autocast, on
batches drawn exactly as ``z2h makemore train`` draws them: ``batch_fn`` (one word a row, trimmed
to the batch's longest word) or ``pack_fn`` (words back to back in rows of ``--pack`` tokens).
It prints steps/s and scored characters/s (targets that are not padding); the median of
``--repeats`` timings. For a compiled model the first step's time (the compilation) is shown too.
``--members K`` adds an ensemble of K width-64 members (64 packed rows each) trained member by
member and as one stacked network (``Ensemble.stacked_logits``, a vmap); with ``--compile``
also stacked and compiled.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any


def time_steps(model: Any, batches: list[Any], warmup: int, compiled: bool) -> tuple[float, float]:
    """(seconds per step over the timed batches, seconds of the first step)."""
    import torch

    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    run = torch.compile(model) if compiled else model

    def step(x: Any, y: Any) -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            _, loss = run(x, y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    t0 = time.perf_counter()
    step(*batches[0])
    first = time.perf_counter() - t0
    for x, y in batches[1:warmup]:
        step(x, y)
    t0 = time.perf_counter()
    for x, y in batches[warmup:]:
        step(x, y)
    return (time.perf_counter() - t0) / (len(batches) - warmup), first


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--widths", default="64,128", help="comma-separated model widths")
    p.add_argument("--pack", type=int, default=32, help="packed row length")
    p.add_argument("--steps", type=int, default=25, help="timed steps per repeat")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    p.add_argument("--repeats", type=int, default=3, help="timings per row (median reported)")
    p.add_argument("--compile", action="store_true", help="also time torch.compile, packed rows")
    p.add_argument("--members", type=int, default=0, help="also time an ensemble of this many")
    p.add_argument("--threads", type=int, default=2, help="torch threads")
    p.add_argument("--data", default="names", help="word list (name or path)")
    p.add_argument("--json", help="also write the rows to this file")
    args = p.parse_args(argv)

    import torch

    from z2h.machine import describe, machine
    from z2h.makemore import registry
    from z2h.makemore.batches import batch_fn, pack_fn
    from z2h.makemore.data import prepare, sequence_examples
    from z2h.makemore.models.transformer import RECIPE_BLOCK

    torch.set_num_threads(args.threads)
    info = machine()
    print(describe(info), flush=True)
    words = prepare(args.data)
    block = words.max_word_length + 1
    X, Y = sequence_examples(words.train, words.vocab, block)
    pack = max(args.pack, block)
    setups = [
        ("one word a row", 128, False, batch_fn(X, Y, 128, "sequence")),
        (f"packed {pack}", 32, False, pack_fn(X, Y, 32, pack)),
        (f"packed {pack}", 64, False, pack_fn(X, Y, 64, pack)),
    ]
    if args.compile:
        setups.append((f"packed {pack}, compiled", 64, True, pack_fn(X, Y, 64, pack)))
    # (width, members, how the members train): one model per width, then the ensemble
    models = [(int(w), 1, None) for w in args.widths.split(",")]
    K = args.members
    if K > 1:
        models += [(64, K, "loop"), (64, K, "stacked")]
    rows = []
    for width, members, how in models:
        fields = {**RECIPE_BLOCK, "n_embd": width, "dropout": 0.05, "members": members}
        if width > 64:
            fields["mlp"] = "gelu"
        config = registry.make_config(
            "transformer", None, vocab_size=len(words.vocab), block_size=block, **fields
        )
        runs = setups
        if members > 1:
            draw = pack_fn(X, Y, 64 * K, pack)
            runs = [(f"{K} members, {how}", 64 * K, False, draw)]
            if how == "stacked" and args.compile:
                runs.append((f"{K} members, stacked, compiled", 64 * K, True, draw))
        for name, batch, compiled, draw in runs:
            gen = torch.Generator().manual_seed(0)
            batches = [draw(gen) for _ in range(args.warmup + args.steps)]
            chars = statistics.mean(int((y != -1).sum()) for _, y in batches)
            timings, firsts = [], []
            for r in range(args.repeats):
                torch.manual_seed(r)
                model = registry.build("transformer", config)
                if how == "loop":
                    # every batch member by member, as the ensemble trains rows that do not
                    # divide evenly among its members
                    model.stacked_logits = model.looped_logits
                seconds, first = time_steps(model, batches, args.warmup, compiled)
                timings.append(seconds)
                firsts.append(first)
            sec = statistics.median(timings)
            rows.append(
                {
                    "width": width,
                    "rows": name,
                    "batch": batch,
                    "chars_per_step": chars,
                    "steps_per_second": 1 / sec,
                    "chars_per_second": chars / sec,
                    "first_step_seconds": firsts[0] if compiled else None,
                }
            )
            print(
                f"width {width:4d} | {name:24s} | batch {batch:4d} | {1 / sec:6.1f} steps/s | "
                f"{chars / sec / 1e3:6.1f}K chars/s"
                + (f" | first step {firsts[0]:.1f} s" if compiled else ""),
                flush=True,
            )
    if args.json:
        from z2h.run import write_json_atomic

        write_json_atomic(args.json, [{**r, "machine": info} for r in rows])
    return 0


if __name__ == "__main__":
    sys.exit(main())
