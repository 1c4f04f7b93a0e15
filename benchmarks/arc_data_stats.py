"""ARC data statistics (not timing): how hard the generated tasks are to see, against issue 27's
targets, over the input grids of ``--tasks`` tasks per generator.

    python benchmarks/arc_data_stats.py [--generators all] [--tasks 20] [--seed 0]
                                        [--difficulty 0.5,1] [--per-generator] [--json]

Figures (each over every input grid of every task, train and test):
- ``one_colour_component_share``: the share of labelled input objects whose cells are exactly
  one 8-connected one-colour component of the grid (target <= 0.70): an object with two
  colours, an object touching another of its colour, or one partly covered, is not;
- ``largest_object_p90``: the 90th percentile over grids of the largest input object's cells
  (target >= 40; ARC-AGI-1 training: 48);
- ``grid_side_p90``: the 90th percentile of the grids' longer side (target >= 28);
- ``multicolour_object_share``, ``two_demo_task_share`` and the demonstrations' range, beside.
"""

from __future__ import annotations

import argparse
import json
import sys

TARGETS = {"one_colour_component_share": 0.70, "largest_object_p90": 40, "grid_side_p90": 28}


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) by linear interpolation between order statistics (numpy's
    default), written out so the benchmark needs no numpy call for it."""
    xs = sorted(values)
    if not xs:
        return 0.0
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def grid_figures(grid, gl) -> dict:
    """One input grid's counts: objects, those equal to a one-colour component, multi-colour
    ones, the largest object's cells and the longer side."""
    from z2h.arc.objects import components

    width = grid.shape[1]
    comps = {
        frozenset(cells)
        for cells in components(grid, 8, multicolor=False, background=gl.background)
    }
    equal = multi = 0
    for o in gl.objects:
        cells = frozenset(r * width + c for r, c, _ in o.cells)
        multi += len(o.colors) > 1
        equal += len(o.colors) == 1 and not o.covered and cells in comps
    return {
        "objects": len(gl.objects),
        "equal": equal,
        "multi": multi,
        "largest": max((len(o.cells) for o in gl.objects), default=0),
        "side": max(grid.shape),
    }


def stats(names: list[str], tasks: int, seed: int, difficulty: tuple[float, float]) -> dict:
    from z2h.arc.generate import make_task
    from z2h.arc.generators import get_generator

    rows = []
    for name in names:
        gen = get_generator(name)
        grids, demos = [], []
        for index in range(tasks):
            made = make_task(gen, seed, index, difficulty)
            demos.append(len(made.task.train))
            pairs = [p for _, _, p in made.task.pairs()]
            for pair, pl in zip(pairs, made.labels.train + made.labels.test, strict=True):
                grids.append(grid_figures(pair.input, pl.input))
        rows.append({"generator": name, "grids": grids, "demos": demos})
    return summarise(rows)


def summarise(rows: list[dict]) -> dict:
    def figures(grids: list[dict], demos: list[int]) -> dict:
        objects = sum(g["objects"] for g in grids) or 1
        return {
            "grids": len(grids),
            "objects": objects,
            "one_colour_component_share": round(sum(g["equal"] for g in grids) / objects, 4),
            "multicolour_object_share": round(sum(g["multi"] for g in grids) / objects, 4),
            "largest_object_p90": round(percentile([g["largest"] for g in grids], 0.9), 1),
            "grid_side_p90": round(percentile([g["side"] for g in grids], 0.9), 1),
            "two_demo_task_share": round(sum(d == 2 for d in demos) / max(1, len(demos)), 4),
            "demos_range": [min(demos), max(demos)],
        }

    every = [g for r in rows for g in r["grids"]]
    overall = figures(every, [d for r in rows for d in r["demos"]])
    overall["meets"] = {
        "one_colour_component_share": overall["one_colour_component_share"]
        <= TARGETS["one_colour_component_share"],
        "largest_object_p90": overall["largest_object_p90"] >= TARGETS["largest_object_p90"],
        "grid_side_p90": overall["grid_side_p90"] >= TARGETS["grid_side_p90"],
    }
    per = [{"generator": r["generator"], **figures(r["grids"], r["demos"])} for r in rows]
    return {"overall": overall, "per_generator": per}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generators", default="all", help="'all' or NAME,NAME,...")
    parser.add_argument("--tasks", type=int, default=20, help="tasks per generator")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--difficulty", default="0.5,1", help="LO,HI in [0, 1]")
    parser.add_argument("--per-generator", action="store_true", help="print a row per generator")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    from z2h.arc.generate import check_difficulty
    from z2h.arc.generators.registry import resolve
    from z2h.errors import Z2HError

    try:
        if args.tasks < 1:
            raise Z2HError(f"--tasks must be at least 1, got {args.tasks}")
        lo, _, hi = args.difficulty.partition(",")
        difficulty = check_difficulty((float(lo), float(hi)))
        names = [g.name for g in resolve(args.generators)]
    except (Z2HError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    result = stats(names, args.tasks, args.seed, difficulty)
    result["arguments"] = {
        "generators": args.generators,
        "tasks": args.tasks,
        "seed": args.seed,
        "difficulty": list(difficulty),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    o = result["overall"]
    print(f"{len(names)} generators x {args.tasks} tasks, difficulty {lo},{hi}: {o['grids']} "
          f"input grids, {o['objects']} objects")  # fmt: skip
    for key, target in TARGETS.items():
        sign = "<=" if key == "one_colour_component_share" else ">="
        mark = "met" if o["meets"][key] else "NOT met"
        print(f"  {key:28s} {o[key]:>8} (target {sign} {target}: {mark})")
    for key in ("multicolour_object_share", "two_demo_task_share", "demos_range"):
        print(f"  {key:28s} {o[key]!s:>8}")
    if args.per_generator:
        # "share of all": the generator's objects equal to a one-colour component, over every
        # generator's objects (what it adds to the overall share), most first
        print(f"\n{'generator':24s} {'objects':>7s} {'1-col comp':>10s} {'share of all':>12s} "
              f"{'largest p90':>11s} {'side p90':>8s}")  # fmt: skip
        rows = result["per_generator"]
        adds = {r["generator"]: r["objects"] * r["one_colour_component_share"] / o["objects"]
                for r in rows}  # fmt: skip
        for row in sorted(rows, key=lambda r: -adds[r["generator"]]):
            print(f"{row['generator']:24s} {row['objects']:>7} "
                  f"{row['one_colour_component_share']:>10} {adds[row['generator']]:>12.4f} "
                  f"{row['largest_object_p90']:>11} {row['grid_side_p90']:>8}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
