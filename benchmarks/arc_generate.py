"""ARC generation speed: verified, labelled pairs per second per generator on one core, the
median over generators, and the speed-up of ``--workers 2`` over one worker.

    nice python benchmarks/arc_generate.py [--tasks 60] [--repeat 5] [--difficulty 0,0.3]
                                           [--workers 2] [--json]

Each generator makes the same ``--tasks`` tasks (seed 0, indices 0, 1, ...) once per round,
``--repeat`` rounds over all generators in this one process, and each generator's fastest run
counts (other jobs, and slow spells of a shared host, only ever slow a run down; rounds spread
each generator's runs over the whole benchmark). Every run starts with the solvers' memos empty.
A pair counts only once it passed every check (valid grids, new input,
output != input, labels consistent, the solver reproduces it from the other demonstrations),
with its labels built (writing them to JSON is not timed: ``z2h arc generate`` prints its
end-to-end rate). Rates are pairs per CPU second of this process (``time.process_time``) with
the wall-clock rate beside it. The default difficulty range 0-0.3 is the one re-arc's
generators were compared at (docs/arc.md).
With ``--baseline SRC`` (the ``src`` folder of another z2h, e.g. ``git archive main src | tar x
-C /tmp/base``, then ``--baseline /tmp/base/src``) each generator's tasks are also made by that
z2h in a second process, the two processes taking turns generator by generator (so a slow
spell of a shared host hits both alike); it prints each side's median and their ratio: the
before/after figure of a change that must not change the tasks (the pair counts must agree).
The worker comparison times what ``z2h arc generate`` runs (``make_set``: every task, label and
shard file written) for the same set with 1 and with W processes (wall clock); it needs W idle
cores to mean anything, so the load average is printed with it; the two alternate
``--worker-repeat`` times and the best of each counts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time


def rates(names: list[str], tasks: int, repeat: int, difficulty: tuple[float, float]) -> list:
    """Make the same ``tasks`` tasks with each generator, ``repeat`` rounds over all of them;
    each generator's best run counts (as timeit does: other jobs only ever slow a run down).

    Rounds, not repeats back to back: a slow spell of the machine (a shared host) then costs one
    run of each generator, not all runs of one. Every run starts with the solvers' memos empty.
    """
    from z2h.arc.generate import make_task
    from z2h.arc.generators import get_generator
    from z2h.arc.generators._solve import clear_memos

    rows = {n: {"generator": n, "tasks": tasks, "cpu": [], "wall": []} for n in names}
    for _ in range(repeat):
        for name in names:
            gen, row = get_generator(name), rows[name]
            pairs = rejected = 0
            clear_memos()
            start, start_cpu = time.perf_counter(), time.process_time()
            for index in range(tasks):
                made = make_task(gen, 0, index, difficulty)
                pairs += len(made.task.train) + len(made.task.test)
                rejected += sum(made.rejected.values())
            row["cpu"].append(time.process_time() - start_cpu)
            row["wall"].append(time.perf_counter() - start)
            row["pairs"], row["rejected"] = pairs, rejected
    out = []
    for name in names:
        row = rows[name]
        out.append({
            "generator": name, "tasks": tasks, "pairs": row["pairs"],
            "rejected": row["rejected"], "pairs_per_cpu_s": row["pairs"] / min(row["cpu"]),
            "pairs_per_wall_s": row["pairs"] / min(row["wall"]),
            "pairs_per_cpu_s_median_run": row["pairs"] / statistics.median(row["cpu"]),
        })  # fmt: skip
    return out


# one side of --baseline: reads "NAME TASKS LO HI" lines, makes those tasks as ``rates`` does,
# answers "PAIRS CPU_SECONDS"
_SIDE = """
import sys, time
from z2h.arc.generate import make_task
from z2h.arc.generators import get_generator
from z2h.arc.generators._solve import clear_memos
for line in sys.stdin:
    name, tasks, lo, hi = line.split()
    gen, pairs = get_generator(name), 0
    clear_memos()
    start = time.process_time()
    for index in range(int(tasks)):
        made = make_task(gen, 0, index, (float(lo), float(hi)))
        pairs += len(made.task.train) + len(made.task.test)
    print(pairs, time.process_time() - start, flush=True)
"""


def side_by_side(names: list[str], tasks: int, repeat: int, difficulty, baseline: str) -> dict:
    """Each generator's best CPU time for the same tasks in this z2h and in the one whose
    ``src`` folder is ``baseline``, one process each, taking turns generator by generator (the
    first to go alternates between rounds)."""
    import subprocess

    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "src")

    def start(src: str) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": os.path.abspath(src)}
        return subprocess.Popen(
            [sys.executable, "-c", _SIDE], text=True, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, env=env,
        )  # fmt: skip

    sides = {"current": start(here), "baseline": start(baseline)}
    best: dict[str, dict[str, list]] = {label: {} for label in sides}
    try:
        for k in range(repeat):
            for name in names:
                for label in sorted(sides, reverse=k % 2 == 1):
                    proc = sides[label]
                    proc.stdin.write(f"{name} {tasks} {difficulty[0]} {difficulty[1]}\n")
                    proc.stdin.flush()
                    reply = proc.stdout.readline().split()
                    if len(reply) != 2:
                        raise SystemExit(f"error: the {label} side failed on {name}")
                    pairs, cpu = int(reply[0]), float(reply[1])
                    old = best[label].get(name)
                    best[label][name] = [pairs, cpu if old is None else min(old[1], cpu)]
    finally:
        for proc in sides.values():
            proc.stdin.close()
            proc.wait()
    rows = [{"generator": n, "pairs": best["current"][n][0],
             "baseline_pairs": best["baseline"][n][0],
             "pairs_per_cpu_s": best["current"][n][0] / best["current"][n][1],
             "baseline_pairs_per_cpu_s": best["baseline"][n][0] / best["baseline"][n][1],
             "speedup": best["baseline"][n][1] / best["current"][n][1]} for n in names]  # fmt: skip
    now = statistics.median(r["pairs_per_cpu_s"] for r in rows)
    before = statistics.median(r["baseline_pairs_per_cpu_s"] for r in rows)
    return {"baseline": os.path.abspath(baseline), "tasks": tasks, "repeat": repeat,
            "median_pairs_per_cpu_s": now, "baseline_median_pairs_per_cpu_s": before,
            "median_ratio": now / before,
            "median_speedup": statistics.median(r["speedup"] for r in rows),
            "same_pairs": all(r["pairs"] == r["baseline_pairs"] for r in rows),
            "generators": rows}  # fmt: skip


def workers_ratio(names: list[str], tasks: int, difficulty, workers: int, repeat: int) -> dict:
    """Wall seconds of what ``z2h arc generate`` runs (``make_set``: making, verifying,
    labelling and writing every file of the set) with 1 and with ``workers`` processes, each
    into a new folder, alternating ``repeat`` times; the best of each counts."""
    import tempfile

    from z2h.arc.generate import make_set
    from z2h.arc.generators._solve import clear_memos

    def timed(n_workers: int, out: str) -> tuple[float, float, float]:
        clear_memos()  # (forked workers would inherit them)
        before = children_cpu()
        start, start_cpu = time.perf_counter(), time.process_time()
        make_set(out, names, tasks, 1, difficulty, workers=n_workers, show_progress=False)
        # (the pool's workers have exited here, so their CPU time is counted)
        return (time.perf_counter() - start, time.process_time() - start_cpu,
                children_cpu() - before)  # fmt: skip

    runs = []  # per alternation: one process's wall s, then W processes' wall s and CPU s
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="z2h-arc-bench-") as tmp:
            one, _, _ = timed(1, f"{tmp}/one")
            many, main_cpu, workers_cpu = timed(workers, f"{tmp}/many")
        runs.append({"seconds_1": one, f"seconds_{workers}": many, "speedup": one / many,
                     "workers_cpu_s": workers_cpu, "main_cpu_s": main_cpu})  # fmt: skip
    best_one = min(r["seconds_1"] for r in runs)
    best_many = min(r[f"seconds_{workers}"] for r in runs)
    return {"tasks": tasks * len(names), "workers": workers, "repeat": repeat,
            "seconds_1": best_one, f"seconds_{workers}": best_many,
            "speedup": best_one / best_many, "runs": runs}  # fmt: skip


def children_cpu() -> float:
    """CPU seconds of this process's finished child processes."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generators", default="all", help="NAME,NAME,... or all")
    parser.add_argument("--tasks", type=int, default=60, help="tasks per generator and run")
    parser.add_argument("--repeat", type=int, default=5, help="runs per generator (best counts)")
    parser.add_argument("--difficulty", default="0,0.3", help="LO,HI (default %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="processes to compare with 1")
    parser.add_argument("--worker-tasks", type=int, default=20, help="tasks per generator, "
                        "for the workers comparison (0: skip it)")  # fmt: skip
    parser.add_argument("--worker-repeat", type=int, default=3, help="alternations of 1 and W "
                        "processes (best of each counts)")  # fmt: skip
    parser.add_argument("--baseline", metavar="SRC", help="the src folder of another z2h to "
                        "time side by side with this one (before/after a change)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    from z2h.arc.generate import parse_difficulty
    from z2h.arc.generators.registry import resolve
    from z2h.machine import describe, machine

    difficulty = parse_difficulty(args.difficulty)
    names = [g.name for g in resolve(args.generators)]
    if args.baseline and not os.path.isdir(os.path.join(args.baseline, "z2h")):
        parser.error(f"--baseline {args.baseline}: no z2h package there (give a src folder)")
    if args.baseline:
        return _print_side_by_side(
            side_by_side(names, args.tasks, args.repeat, difficulty, args.baseline), args.json
        )
    rows = rates(names, args.tasks, args.repeat, difficulty)
    median = statistics.median(r["pairs_per_cpu_s"] for r in rows)
    ratio = (
        workers_ratio(names, args.worker_tasks, difficulty, args.workers, args.worker_repeat)
        if args.worker_tasks > 0 and args.workers > 1
        else None
    )
    result = {
        "difficulty": list(difficulty),
        "generators": rows,
        "median_pairs_per_cpu_s": median,
        "workers": ratio,
        "torch_imported": "torch" in sys.modules,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "machine": machine(torch_used=False),  # (generation never runs torch)
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(describe(result["machine"]))
    print(f"difficulty {difficulty[0]:g}-{difficulty[1]:g}, one process, "
          f"torch imported: {result['torch_imported']}")  # fmt: skip
    print(
        f"{'generator':<24}{'tasks':>7}{'pairs':>8}{'rejected':>10}{'pairs/cpu-s':>13}{'pairs/s':>10}"
    )
    for r in rows:
        print(
            f"{r['generator']:<24}{r['tasks']:>7}{r['pairs']:>8}{r['rejected']:>10}"
            f"{r['pairs_per_cpu_s']:>13,.0f}{r['pairs_per_wall_s']:>10,.0f}"
        )
    print(f"{'median':<49}{median:>13,.0f}")
    if ratio:
        w = ratio["workers"]
        print(
            f"--workers {w}: {ratio['tasks']} tasks in {ratio[f'seconds_{w}']:.2f} s vs "
            f"{ratio['seconds_1']:.2f} s with one: {ratio['speedup']:.2f}x (best of each)"
        )
        for r in ratio["runs"]:
            print(
                f"  run: {r['seconds_1']:.2f} s vs {r[f'seconds_{w}']:.2f} s, {r['speedup']:.2f}x; "
                f"workers used {r['workers_cpu_s']:.2f} CPU s, the main process "
                f"{r['main_cpu_s']:.2f}"
            )
    load = ", ".join(f"{x:.1f}" for x in result["load_average"])
    print(f"load average {load} on {result['cpus']} CPUs")
    return 0


def _print_side_by_side(result: dict, as_json: bool) -> int:
    if as_json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{'generator':<24}{'pairs':>7}{'baseline/cpu-s':>16}{'current/cpu-s':>15}{'ratio':>8}")
    for r in result["generators"]:
        print(f"{r['generator']:<24}{r['pairs']:>7}{r['baseline_pairs_per_cpu_s']:>16,.0f}"
              f"{r['pairs_per_cpu_s']:>15,.0f}{r['speedup']:>7.2f}x")  # fmt: skip
    print(f"medians: baseline {result['baseline_median_pairs_per_cpu_s']:,.0f}, current "
          f"{result['median_pairs_per_cpu_s']:,.0f} pairs per CPU s: "
          f"{result['median_ratio']:.2f}x; median per-generator ratio "
          f"{result['median_speedup']:.2f}x")  # fmt: skip
    if not result["same_pairs"]:
        print("note: the two made different numbers of pairs (the generators differ)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
