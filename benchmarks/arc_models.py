"""ARC III's targets in one table: one rule at a time (grid-vit), in context (grid-gpt), objects.

Every row is a `z2h arc train` run followed by `z2h arc eval` on tasks it never saw (another
seed); the table lists the numbers with the commands that made them, so each can be rerun alone.

1. one rule at a time: for each of six generators, grid-vit (one demonstration in its input)
   trained --one-rule-budget seconds (target: 600), then exact-grid accuracy on --one-rule-tasks
   held-out tasks of difficulty 0-0.3 (target: >= 95%), without and with TTA;
2. in context: one grid-gpt trained --mix-budget seconds (target: 3600) on the --mix generators
   (target: >= 12), then pass@2 on new tasks of those generators (target: >= 50%) and of the
   --unseen generators it never trained on;
3. objects: the object finder trained --objects-budget seconds on touching, multi-coloured scenes,
   then object F1 beside connected components on the same new scenes (target: >= 0.95);
4. describe (the stretch): one small grid-gpt with and one without the generator's description
   (``--set describe=True``), each --describe-budget seconds on the --describe-mix generators,
   then held-out loss and pass@1 / pass@2 side by side;
5. reasoner (ARC IV): the object reasoner trained --reasoner-budget seconds (target: 1800) on the
   object-action generators less four held out, then explain action accuracy (target: >= 0.95
   seen, >= 0.70 held out), correspondence accuracy and solve pass@2 (target: >= 0.90 seen) on
   new tasks of difficulty 0-0.5; beside it grid-gpt, trained as long on the same generators and
   scored on the same tasks; and on real ARC-AGI-1 (training and evaluation), the share of tasks
   whose demonstrations the action space explains exactly (the heuristic labeller's labels, read
   as actions and rendered; --real-limit tasks per split), and its pass@2 on those evaluation
   tasks.

    python benchmarks/arc_models.py --workdir runs/arc-bench            # the targets: ~2.5 hours
    python benchmarks/arc_models.py --quick --workdir runs/arc-bench-quick    # every row in minutes
    python benchmarks/arc_models.py --only objects --workdir runs/arc-bench
    python benchmarks/arc_models.py --only reasoner --workdir runs/arc-bench
    # two parts (or the reasoner part's two models) side by side, one core each:
    python benchmarks/arc_models.py --only one-rule --threads 1 --workdir runs/arc-bench &
    python benchmarks/arc_models.py --only in-context --threads 1 --workdir runs/arc-bench
    python benchmarks/arc_models.py --only reasoner --reasoner-models object-reasoner \
        --threads 1 --workdir runs/arc-bench &
    python benchmarks/arc_models.py --only reasoner --reasoner-models grid-gpt \
        --threads 1 --workdir runs/arc-bench

Run it on an otherwise idle machine: the budgets are wall-clock seconds.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

# the six rules, as the arc generator registry names them
ONE_RULE = "flip,recolor_by_size,gravity,fill_enclosed,move_until_touching,crop_largest"
# (fill_enclosed: the name the arc branch is expected to give it)
# never in the mix: each is a near relative of a mixed one (rotate, recolor_by_size, crop_largest,
# keep_inside), so the row measures in-context transfer to a new rule
UNSEEN = "transpose,recolor_by_shape,crop_smallest,keep_touching"
# measured on one core (batch 32, canvas 10, n_embd 64 x 3 layers): a step costs 0.77 s with 4
# heads, 0.55 s with 2 (attention over heads of 16 is slow on a CPU), 2.5 s at width 96
VIT = ["--model", "grid-vit", "--set", "demos=1", "--set", "n_embd=64", "--set", "n_layer=3",
       "--set", "n_head=2", "--batch-size", "16", "--lr", "3e-3", "--eval-interval", "200",
       "--val-exact", "64"]  # fmt: skip
# a step of batch 16 costs 3.7 s with 4 heads, 2.4 s with 2 (one core)
GPT = ["--model", "grid-gpt", "--set", "block_size=768", "--set", "n_head=2", "--batch-size", "16",
       "--lr", "1e-3", "--eval-interval", "250", "--val-exact", "32"]  # fmt: skip
# the describe comparison: a smaller grid-gpt, so a short budget buys enough steps to compare
SMALL_GPT = ["--model", "grid-gpt", "--set", "block_size=512", "--set", "n_embd=64",
             "--set", "n_layer=3", "--set", "n_head=2", "--batch-size", "16", "--lr", "3e-3",
             "--eval-interval", "100", "--val-exact", "16"]  # fmt: skip
DESCRIBE_MIX = "flip,rotate,gravity,recolor_by_size,crop_largest,fill_enclosed"
OBJ = ["--model", "objects", "--scenes", "touching", "--batch-size", "32", "--lr", "2e-3",
       "--eval-interval", "200"]  # fmt: skip
# the object reasoner: ~0.2 s a step of batch 16 on one core (4 layers x 128)
REASONER = ["--model", "object-reasoner", "--batch-size", "16", "--lr", "2e-3",
            "--eval-interval", "200", "--val-exact", "16"]  # fmt: skip
REASONER_DIFFICULTY = "0,0.5"
QUICK = ["--set", "n_layer=1", "--set", "n_embd=32", "--val-tasks", "8", "--val-exact", "4",
         "--eval-interval", "1000000"]  # fmt: skip


def z2h(*args: str) -> dict:
    """Run ``z2h arc ARGS`` (this checkout's code) and return its last line as JSON."""
    print("$ " + shlex.join(["z2h", "arc", *args]), file=sys.stderr, flush=True)
    cmd = [sys.executable, "-m", "z2h", "arc", *args, "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def canvas_for(name: str, difficulty: tuple[float, float] = (0.0, 0.3), n: int = 300) -> int:
    """A canvas that holds the grids of ``n`` sample tasks of a generator, with a spare row."""
    from z2h.arc.generate import make_task
    from z2h.arc.generators.registry import get_generator

    gen = get_generator(name)
    tasks = [make_task(gen, 0, i, difficulty).task for i in range(n)]
    side = max(max(g.shape) for t in tasks for p in t.train + t.test for g in (p.input, p.output))
    return min(side + 2, 31)


def one_rule(a: argparse.Namespace, work: Path) -> list[dict]:
    rows = []
    for name in a.one_rule.split(","):
        out = str(work / f"one-rule-{name}")
        budget = ["--time-budget", str(a.one_rule_budget)]
        canvas = ["--set", f"canvas={canvas_for(name)}"]
        train = ["train", "--out", out, "--generator", name, *VIT, *canvas, *budget, *a.extra]
        trained = z2h(*train)
        # a rare held-out grid larger than the sampled ones is scored unsolved, and counted
        ev = ["eval", "--run", out, "--generator", name, "--tasks", str(a.one_rule_tasks),
              "--skip-too-big", *a.threads]  # fmt: skip
        plain = z2h(*ev)
        tta = z2h(*ev, "--tta") if not a.no_tta else {}
        rows.append({
            "row": f"one rule: {name}", "model": "grid-vit", "train_s": trained["seconds"],
            "steps": trained["steps"], "tasks": plain["tasks"], "skipped": plain["skipped"],
            "pass1": plain["pass1"],
            "pass2": plain["pass2"], "pass2_tta": tta.get("pass2"), "target": "pass@1 >= 0.95",
            "met": plain["pass1"] >= 0.95, "commands": [shlex.join(["z2h", "arc", *train]),
                                                        shlex.join(["z2h", "arc", *ev])],
        })  # fmt: skip
    return rows


def in_context(a: argparse.Namespace, work: Path) -> list[dict]:
    out = str(work / "mix")
    budget = ["--time-budget", str(a.mix_budget)]
    train = ["train", "--out", out, "--generator", a.mix, *GPT, *budget, *a.extra]
    trained = z2h(*train)
    rows = []
    for label, gens in (("seen", a.mix), ("unseen", a.unseen)):
        ev = ["eval", "--run", out, "--generator", gens, "--tasks", str(a.mix_tasks),
              "--skip-too-big", *a.threads]  # fmt: skip
        plain = z2h(*ev)
        tta = z2h(*ev, "--tta") if not a.no_tta else {}
        n = len(gens.split(",")) if gens != "all" else None
        rows.append({
            "row": f"in context: {label} generators" + (f" ({n})" if n else ""),
            "model": "grid-gpt", "train_s": trained["seconds"], "steps": trained["steps"],
            "tasks": plain["tasks"], "skipped": plain["skipped"], "pass1": plain["pass1"],
            "pass2": plain["pass2"], "pass2_tta": tta.get("pass2"),
            "target": "pass@2 >= 0.50" if label == "seen" else "(reported)",
            "met": plain["pass2"] >= 0.5 if label == "seen" else None,
            "commands": [shlex.join(["z2h", "arc", *train]), shlex.join(["z2h", "arc", *ev])],
        })  # fmt: skip
    return rows


def describe(a: argparse.Namespace, work: Path) -> list[dict]:
    """The stretch: the same small grid-gpt with and without the generator's description."""
    rows = []
    for flag in ("False", "True"):
        out = str(work / f"describe-{flag.lower()}")
        train = ["train", "--out", out, "--generator", a.describe_mix, *SMALL_GPT,
                 "--set", f"describe={flag}", "--time-budget", str(a.describe_budget),
                 *a.extra]  # fmt: skip
        trained = z2h(*train)
        ev = ["eval", "--run", out, "--generator", a.describe_mix, "--tasks",
              str(a.describe_tasks), "--skip-too-big", *a.threads]  # fmt: skip
        s = z2h(*ev)
        rows.append({
            "row": f"describe={flag}: {len(a.describe_mix.split(','))} generators",
            "model": "grid-gpt", "train_s": trained["seconds"], "steps": trained["steps"],
            "val_loss": trained["val"].get("loss") if trained.get("val") else None,
            "tasks": s["tasks"], "skipped": s["skipped"], "pass1": s["pass1"], "pass2": s["pass2"],
            "cell_accuracy": s.get("cell_accuracy"), "target": "(stretch: the difference)",
            "met": None,
            "commands": [shlex.join(["z2h", "arc", *train]), shlex.join(["z2h", "arc", *ev])],
        })  # fmt: skip
    return rows


def objects(a: argparse.Namespace, work: Path) -> list[dict]:
    out = str(work / "objects")
    train = ["train", "--out", out, *OBJ, "--time-budget", str(a.objects_budget), *a.extra]
    trained = z2h(*train)
    ev = ["eval", "--run", out, "--scenes", "touching", "--tasks", str(a.objects_scenes)]
    ev += a.threads
    s = z2h(*ev)
    cc = max(s[k] for k in ("cc4", "cc8", "cc4-multicolour", "cc8-multicolour"))
    return [{
        "row": "objects: touching multi-coloured scenes", "model": "objects",
        "train_s": trained["seconds"], "steps": trained["steps"], "tasks": s["grids"],
        "object_f1": s["object_f1"], "components_f1_best": cc,
        "components_f1": {k: s[k] for k in ("cc4", "cc8", "cc4-multicolour", "cc8-multicolour")},
        "target": "F1 >= 0.95",
        "met": s["object_f1"] >= 0.95,
        "commands": [shlex.join(["z2h", "arc", *train]), shlex.join(["z2h", "arc", *ev])],
    }]  # fmt: skip


def reasoner(a: argparse.Namespace, work: Path) -> list[dict]:
    """The object reasoner and grid-gpt, the same budget and generators, the same new tasks."""
    from z2h.arc.models.reasoner_actions import HELD_OUT_GENERATORS, SEEN_GENERATORS

    seen, held = ",".join(SEEN_GENERATORS), ",".join(HELD_OUT_GENERATORS)
    diff = ["--difficulty", REASONER_DIFFICULTY]
    rows = []
    models = (("object-reasoner", REASONER), ("grid-gpt", GPT))
    for model, flags in [(m, f) for m, f in models if m in a.reasoner_models.split(",")]:
        out = str(work / f"reasoner-{model}")
        train = ["train", "--out", out, "--generator", seen, *flags, *diff,
                 "--time-budget", str(a.reasoner_budget), *a.extra]  # fmt: skip
        trained = z2h(*train)
        for label, gens in (("seen", seen), ("held out", held)):
            ev = ["eval", "--run", out, "--generator", gens, "--tasks", str(a.reasoner_tasks),
                  *diff, *a.threads]  # fmt: skip
            if model == "grid-gpt":  # a task longer than its context is scored unsolved
                ev.append("--skip-too-big")
            s = z2h(*ev)
            n = len(gens.split(","))
            is_reasoner, is_seen = model == "object-reasoner", label == "seen"
            target = "action acc >= 0.95, pass@2 >= 0.90" if is_seen else "action acc >= 0.70"
            rows.append({
                "row": f"reasoner: {label} generators ({n})", "model": model,
                "train_s": trained["seconds"], "steps": trained["steps"], "tasks": s["tasks"],
                "skipped": s["skipped"], "pass1": s["pass1"], "pass2": s["pass2"],
                "action_accuracy": s.get("action_accuracy"),
                "correspondence_accuracy": s.get("correspondence_accuracy"),
                "target": target if is_reasoner else "(side by side)",
                "met": _reasoner_met(s, is_seen) if is_reasoner else None,
                "per_generator": s.get("per_generator"),
                "commands": [shlex.join(["z2h", "arc", *train]), shlex.join(["z2h", "arc", *ev])],
            })  # fmt: skip
        if model == "object-reasoner":  # the hand-checked tasks: explanations against a person's
            ev = ["eval", "--run", out, "--data", "hand", *a.threads]
            s = z2h(*ev)
            rows.append({
                "row": "reasoner: hand-checked ARC-AGI-1 (40)", "model": model,
                "train_s": trained["seconds"], "steps": trained["steps"], "tasks": s["tasks"],
                "skipped": s["skipped"], "pass1": s["pass1"], "pass2": s["pass2"],
                "action_accuracy": s.get("action_accuracy"),
                "correspondence_accuracy": s.get("correspondence_accuracy"),
                "representable": s.get("representable"), "target": "(reported)", "met": None,
                "commands": [shlex.join(["z2h", "arc", *train]), shlex.join(["z2h", "arc", *ev])],
            })  # fmt: skip
        if model == "object-reasoner":  # real tasks: the labeller's objects, answers withheld
            ev = ["eval", "--run", out, "--data", "arcagi1-eval", "--limit", str(a.real_limit),
                  *a.threads]  # fmt: skip
            s = z2h(*ev)
            rows.append({
                "row": "reasoner: ARC-AGI-1 evaluation", "model": model,
                "train_s": trained["seconds"], "steps": trained["steps"], "tasks": s["tasks"],
                "skipped": s["skipped"], "pass1": s["pass1"], "pass2": s["pass2"],
                "target": "(reported)", "met": None,
                "commands": [shlex.join(["z2h", "arc", *train]), shlex.join(["z2h", "arc", *ev])],
            })  # fmt: skip
    return rows + (real_explained(a) if "object-reasoner" in a.reasoner_models else [])


def real_explained(a: argparse.Namespace) -> list[dict]:
    """ARC-AGI-1: tasks whose demonstrations the reasoner's action space explains exactly."""
    import time

    from z2h.arc.correspond import heuristic_labels
    from z2h.arc.models.reasoner_run import explains_demonstrations
    from z2h.arc.real import load_real

    rows = []
    for split in ("training", "evaluation"):
        tasks = load_real("arcagi1", split)[: a.real_limit]
        t0 = time.perf_counter()
        explained = [t.id for t in tasks if explains_demonstrations(t, heuristic_labels(t))]
        rows.append({
            "row": f"real ARC-AGI-1 {split}: demonstrations explained", "model": "(labels)",
            "tasks": len(tasks), "explained": len(explained),
            "explained_share": len(explained) / max(len(tasks), 1),
            "seconds": time.perf_counter() - t0, "target": "(reported)", "met": None,
            "explained_tasks": explained,
        })  # fmt: skip
    return rows


def _reasoner_met(s: dict, seen: bool) -> bool:
    acc = s.get("action_accuracy") or 0.0
    return acc >= 0.95 and s["pass2"] >= 0.90 if seen else acc >= 0.70


def fmt(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workdir", required=True, help="folder for the runs and the results")
    p.add_argument(
        "--only",
        choices=["one-rule", "in-context", "objects", "describe", "reasoner"],
        action="append",
    )
    p.add_argument("--one-rule", default=ONE_RULE, help="generators, one model each")
    p.add_argument("--one-rule-budget", type=float, default=600.0, help="seconds per model")
    p.add_argument("--one-rule-tasks", type=int, default=1000, help="held-out tasks each")
    p.add_argument("--mix", default="all", help="generators of the in-context model")
    p.add_argument("--unseen", default=UNSEEN, help="generators it never trains on")
    p.add_argument("--mix-budget", type=float, default=3600.0, help="seconds")
    p.add_argument("--mix-tasks", type=int, default=50, help="held-out tasks per generator")
    p.add_argument("--objects-budget", type=float, default=600.0, help="seconds")
    p.add_argument("--objects-scenes", type=int, default=1000, help="held-out scenes")
    p.add_argument("--describe-mix", default=DESCRIBE_MIX, help="generators of --only describe")
    p.add_argument("--describe-budget", type=float, default=480.0, help="seconds per model")
    p.add_argument("--describe-tasks", type=int, default=30, help="held-out tasks per generator")
    p.add_argument("--reasoner-budget", type=float, default=1800.0, help="seconds per model")
    p.add_argument(
        "--reasoner-tasks", type=int, default=48, help="new tasks per generator (48 x 21: ~1,000)"
    )
    p.add_argument(
        "--reasoner-models",
        default="object-reasoner,grid-gpt",
        help="which of the two the reasoner part trains (one each: two processes side by side)",
    )
    p.add_argument(
        "--real-limit", type=int, default=400, help="ARC-AGI-1 tasks per split (reasoner part)"
    )
    p.add_argument("--no-tta", action="store_true", help="skip the TTA evaluations")
    p.add_argument("--quick", action="store_true", help="tiny models and budgets (smoke run)")
    p.add_argument("--threads", type=int, help="torch threads of every run (default: idle cores)")
    a = p.parse_args(argv)
    a.threads = [] if a.threads is None else ["--threads", str(a.threads)]
    a.extra = list(a.threads)
    from z2h.arc.generators.registry import names
    from z2h.machine import describe, machine

    known = names()
    unseen = set(a.unseen.split(","))
    if a.mix == "all":  # every generator except the unseen ones
        a.mix = ",".join(n for n in known if n not in unseen)
    named = {*a.one_rule.split(","), *a.mix.split(","), *unseen, *a.describe_mix.split(",")}
    missing = sorted(named - set(known))
    bad = set(a.reasoner_models.split(",")) - {"object-reasoner", "grid-gpt"}
    if bad:
        p.error(f"--reasoner-models: no model {', '.join(sorted(bad))} (object-reasoner, grid-gpt)")
    if missing:
        p.error(f"no generator(s) {', '.join(missing)}; the registry has: {', '.join(known)} "
                "(choose with --one-rule, --mix and --unseen)")  # fmt: skip
    if a.quick:
        a.extra += QUICK
        a.one_rule_budget = a.mix_budget = a.objects_budget = a.describe_budget = 10.0
        a.reasoner_budget = 10.0
        a.one_rule_tasks, a.mix_tasks, a.objects_scenes, a.describe_tasks = 10, 2, 10, 2
        a.reasoner_tasks, a.real_limit = 2, 3
    work = Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    parts = a.only or ["one-rule", "in-context", "objects", "describe", "reasoner"]
    rows = []
    every = (("one-rule", one_rule), ("in-context", in_context), ("objects", objects),
             ("describe", describe), ("reasoner", reasoner))  # fmt: skip
    for part, fn in every:
        if part in parts:
            rows += fn(a, work)
    info = machine()  # (the runs are subprocesses on this machine, with the same torch)
    rows = [{**r, "machine": info} for r in rows]
    # one results file per choice of parts, so parts run side by side (one core each) keep theirs
    name = "arc_models" + "".join(f"-{part}" for part in a.only or [])
    if a.reasoner_models != p.get_default("reasoner_models"):  # one model of the reasoner part
        name += "-" + a.reasoner_models.replace(",", "-")
    (work / f"{name}.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(describe(info))
    cols = ["row", "model", "train_s", "steps", "tasks", "skipped", "pass1", "pass2", "pass2_tta",
            "val_loss", "object_f1", "components_f1_best", "action_accuracy",
            "correspondence_accuracy", "representable", "explained_share", "target",
            "met"]  # fmt: skip
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(fmt(r.get(c)) for c in cols) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
