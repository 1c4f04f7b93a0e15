"""z2h's task generation side by side with re-arc's, one core, the same machine, one run.

    python benchmarks/arc_vs_rearc.py --rearc PATH [--window 1.0] [--difficulty 0,0.3] [--json]

re-arc (M. Hodel; 400 generators with their verifiers, not on PyPI) is read from a checkout at
PATH (its dsl.py, utils.py, generators.py, verifiers.py); nothing of it ships with z2h. Each of
its generators runs for ``--window`` CPU seconds, keeping an example only when it is a valid grid
pair, its verifier maps the input to the output, the output differs from the input and the input
is new (re-arc's own rules for its data set). Then each z2h generator runs ``make_task`` (make,
verify with the independent solver, label) for the same window, counting verified, labelled
pairs; writing files is not timed on either side. Rates are per CPU second of this process;
the medians and tenth percentiles over generators are compared as a ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from z2h.machine import describe, machine


def _is_grid(g) -> bool:
    return (
        isinstance(g, tuple)
        and 1 <= len(g) <= 30
        and all(isinstance(r, tuple) and len(r) == len(g[0]) for r in g)
        and 1 <= len(g[0]) <= 30
        and all(isinstance(v, int) and 0 <= v <= 9 for r in g for v in r)
    )


def rearc_rates(path: Path, window: float, lo: float, hi: float, only: int | None) -> dict:
    sys.path.insert(0, str(path))
    import generators  # re-arc's
    import verifiers

    keys = sorted(n[len("generate_") :] for n in dir(generators) if n.startswith("generate_"))
    rates = {}
    for key in keys[:only]:
        gen, ver = getattr(generators, f"generate_{key}"), getattr(verifiers, f"verify_{key}")
        seen, kept = set(), 0
        start = time.process_time()
        while time.process_time() - start < window:
            try:
                ex = gen(lo, hi)
                i, o = ex["input"], ex["output"]
                if not (_is_grid(i) and _is_grid(o)) or i == o or i in seen or ver(i) != o:
                    continue
            except Exception:  # a generator or verifier that fails counts as no example
                continue
            seen.add(i)
            kept += 1
        rates[key] = kept / (time.process_time() - start)
    return rates


def z2h_rates(window: float, lo: float, hi: float, only: int | None) -> dict:
    from z2h.arc.generate import GenerationError, make_task
    from z2h.arc.generators.registry import all_generators

    rates = {}
    for gen in all_generators()[:only]:
        pairs, index = 0, 0
        start = time.process_time()
        while time.process_time() - start < window:
            try:
                made = make_task(gen, 0, index, (lo, hi))
                pairs += len(made.task.train) + len(made.task.test)
            except GenerationError:
                pass
            index += 1
        rates[gen.name] = pairs / (time.process_time() - start)
    return rates


def summary(rates: dict) -> dict:
    values = sorted(rates.values())
    return {
        "generators": len(values),
        "median": statistics.median(values),
        "p10": values[len(values) // 10],
        "p90": values[(9 * len(values)) // 10],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rearc", required=True, type=Path, help="a checkout of re-arc")
    p.add_argument("--window", type=float, default=1.0, help="CPU seconds per generator")
    p.add_argument("--difficulty", default="0,0.3", help="LO,HI (default %(default)s)")
    p.add_argument("--only", type=int, help="the first N generators of each (a quick check)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    a = p.parse_args(argv)
    if not (a.rearc / "generators.py").is_file():
        p.error(f"--rearc {a.rearc}: no generators.py there (a checkout of re-arc)")
    lo, hi = (float(v) for v in a.difficulty.split(","))
    rearc = summary(rearc_rates(a.rearc, a.window, lo, hi, a.only))
    z2h = summary(z2h_rates(a.window, lo, hi, a.only))
    result = {
        "machine": machine(torch_used=False),  # (neither side runs torch)
        "difficulty": [lo, hi],
        "window_cpu_s": a.window,
        "re-arc": rearc,
        "z2h": z2h,
        "median_ratio": z2h["median"] / rearc["median"],
    }
    if a.json:
        print(json.dumps(result))
        return 0
    print(describe(result["machine"]))
    print(f"difficulty {lo:g}-{hi:g}, {a.window:g} CPU s per generator")
    print(f"{'':10} {'generators':>10} {'median/s':>10} {'p10/s':>10} {'p90/s':>10}")
    for name, s in (("re-arc", rearc), ("z2h", z2h)):
        print(f"{name:10} {s['generators']:>10} {s['median']:>10,.0f} {s['p10']:>10,.0f} "
              f"{s['p90']:>10,.0f}")  # fmt: skip
    print(f"z2h / re-arc, medians: {result['median_ratio']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
