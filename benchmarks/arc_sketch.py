"""ARC sketch speed: verified, labelled pairs per second per shipped sketch, headless, on one
core; the ports cross-checked by the Python generators' solvers; mini-racer beside Node.

    nice python benchmarks/arc_sketch.py [--sketches fall,to_center] [--tasks 60] [--repeat 3]
                                         [--difficulty 0,0.3] [--ports 100]
                                         [--engines mini-racer,node] [--json]

Each sketch makes the same ``--tasks`` tasks (seed 0, indices 0, 1, ...) once per round,
``--repeat`` rounds over all sketches, and each sketch's fastest run counts (other jobs only
ever slow a run down). A task is what ``z2h arc generate --sketch`` makes: the runtime draws
and verifies the pairs in V8 (mini-racer, in this process), and Python turns them into a Task
and labels (relations included) and checks that the objects paint the grids; writing files is
not timed. Rates are pairs per CPU second of this process (``time.process_time``, V8's thread
included) with the wall-clock rate beside it.

``--ports N`` makes N tasks with each port sketch and counts the tasks its Python generator's
independent solver does not reproduce (0 expected). ``--engines mini-racer,node`` times the
same tasks made by Node in a subprocess (the runtime and sketch loaded once, one JSON line per
task over a pipe), wall clock, the two engines alternating rounds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One Node process per sketch: it reads "seed index lo hi attempts" lines and writes one JSON
# line per task (the runtime's own output, as the host receives it from mini-racer).
NODE_DRIVER = r"""
const fs = require("fs");
const readline = require("readline");
const [runtimePath, sketchPath, name] = process.argv.slice(2);
eval(fs.readFileSync(runtimePath, "utf8"));
Z2HSketch.setActions(JSON.parse(process.env.Z2H_ACTIONS));
const sketch = Z2HSketch.load(fs.readFileSync(sketchPath, "utf8"), name);
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const [seed, index, lo, hi, attempts] = line.split(" ").map(Number);
  process.stdout.write(JSON.stringify(sketch.makeTask(seed, index, [lo, hi], attempts)) + "\n");
});
"""


def mini_racer_run(gen, tasks: int, difficulty: tuple[float, float]) -> tuple[int, float, float]:
    """(pairs, CPU seconds, wall seconds) for ``tasks`` tasks made in this process."""
    pairs = 0
    start, start_cpu = time.perf_counter(), time.process_time()
    for index in range(tasks):
        made = gen.make_task(0, index, difficulty, 200)
        pairs += len(made.task.train) + len(made.task.test)
    return pairs, time.process_time() - start_cpu, time.perf_counter() - start


def node_run(gen, tasks: int, difficulty: tuple[float, float], driver: Path) -> tuple[int, float]:
    """(pairs, wall seconds) for the same tasks made by Node (started inside the timing)."""
    from z2h.arc.labels import ACTIONS
    from z2h.arc.sketch.host import task_and_labels

    runtime = Path(sys.modules["z2h.arc.sketch.host"].__file__).with_name("runtime.js")
    lo, hi = difficulty
    requests = "".join(f"0 {i} {lo} {hi} 200\n" for i in range(tasks))
    start = time.perf_counter()
    done = subprocess.run(
        ["node", str(driver), str(runtime), gen.path, gen.name],
        input=requests,
        capture_output=True,
        text=True,
        check=True,
        env={"Z2H_ACTIONS": json.dumps(sorted(ACTIONS)), "PATH": "/usr/bin:/bin"},
    )
    pairs = 0
    for index, line in enumerate(done.stdout.splitlines()):
        task, _ = task_and_labels(json.loads(line)["value"], gen.name, 0, index, difficulty)
        pairs += len(task.train) + len(task.test)
    return pairs, time.perf_counter() - start


def port_check(gen, tasks: int) -> int:
    """How many of ``tasks`` tasks the port's Python generator does not solve."""
    from z2h.arc.checks import solver_failures
    from z2h.arc.generators.registry import get_generator

    solver = get_generator(gen.about["port"])
    return sum(
        bool(solver_failures(solver, gen.make_task(0, i, (0.0, 1.0), 200).task))
        for i in range(tasks)
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sketches", default="all", help="names, comma-separated, or all")
    p.add_argument("--tasks", type=int, default=60)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--difficulty", default="0,0.3")
    p.add_argument("--ports", type=int, default=0, help="tasks per port to cross-check")
    p.add_argument("--engines", default="mini-racer", help="mini-racer, or mini-racer,node")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    from z2h.arc.sketch import load, shipped

    names = [q.stem for q in shipped()] if args.sketches == "all" else args.sketches.split(",")
    gens = [load(n) for n in names]
    lo, hi = (float(v) for v in args.difficulty.split(","))
    engines = args.engines.split(",")
    if "node" in engines and shutil.which("node") is None:
        p.error("--engines node needs node on PATH")
    rows = {g.name: {"sketch": g.name, "cpu": [], "wall": [], "node_wall": []} for g in gens}
    with tempfile.TemporaryDirectory() as tmp:
        driver = Path(tmp) / "driver.js"
        driver.write_text(NODE_DRIVER)
        for _ in range(args.repeat):
            for g in gens:
                row = rows[g.name]
                pairs, cpu, wall = mini_racer_run(g, args.tasks, (lo, hi))
                row["pairs"] = pairs
                row["cpu"].append(pairs / max(cpu, 1e-9))
                row["wall"].append(pairs / max(wall, 1e-9))
                if "node" in engines:
                    npairs, nwall = node_run(g, args.tasks, (lo, hi), driver)
                    if npairs != pairs:
                        raise SystemExit(f"{g.name}: node made {npairs} pairs, mini-racer {pairs}")
                    row["node_wall"].append(npairs / max(nwall, 1e-9))
    report = []
    for g in gens:
        row = rows[g.name]
        out = {
            "sketch": g.name,
            "verified": g.verified,
            "pairs": row["pairs"],
            "pairs_per_cpu_s": round(max(row["cpu"]), 1),
            "pairs_per_wall_s": round(max(row["wall"]), 1),
        }
        if row["node_wall"]:
            out["node_pairs_per_wall_s"] = round(max(row["node_wall"]), 1)
        if args.ports and g.about.get("port"):
            out["port"] = g.about["port"]
            out["port_unsolved"] = port_check(g, args.ports)
            out["port_tasks"] = args.ports
        report.append(out)
    median = statistics.median(r["pairs_per_cpu_s"] for r in report)
    if args.json:
        print(json.dumps({"sketches": report, "median_pairs_per_cpu_s": median}, indent=1))
        return 0
    for r in report:
        extra = (
            f"  node {r['node_pairs_per_wall_s']:8.1f}/s wall"
            if "node_pairs_per_wall_s" in r
            else ""
        )
        port = (
            f"  port {r['port']}: {r['port_unsolved']}/{r['port_tasks']} unsolved"
            if "port" in r
            else ""
        )
        print(
            f"{r['sketch']:<14} {r['pairs_per_cpu_s']:8.1f} pairs/CPU s "
            f"{r['pairs_per_wall_s']:8.1f}/s wall{extra}{port}"
        )
    print(
        f"median over {len(report)} sketches: {median:.1f} verified, labelled pairs per CPU second"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
