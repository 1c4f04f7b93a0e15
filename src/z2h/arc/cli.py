"""``z2h arc``: list generators, generate verified labelled task sets, validate, show and label
tasks (no torch imported). Only argument parsing lives here; the work is in the modules."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from z2h.arc.grid import ArcError
from z2h.cli import add_report_flags, print_result

DEFAULT_DIFFICULTY = "0,1"


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _configure_generators(sub)
    _configure_generate(sub)
    _configure_sketches(sub)
    _configure_validate(sub)
    _configure_check_labels(sub)
    _configure_show(sub)
    _configure_label(sub)
    _configure_sheet(sub)
    _configure_studio(sub)
    from z2h.arc.models.cli import add_commands  # train, eval, predict (torch only when run)

    add_commands(sub)


# Argument helpers.


def load_task_spec(spec: str):
    """A task from a file path or a real task name (arcagi1:ID, arcagi2:ID)."""
    from z2h.arc.real import is_real_name, real_task
    from z2h.arc.task import read_task

    return real_task(spec) if is_real_name(spec) else read_task(spec)


# generators


def _configure_generators(sub) -> None:
    p = sub.add_parser(
        "generators",
        help="list the task generators",
        description="List every registered task generator with its concepts and description.",
    )
    p.add_argument("--markdown", action="store_true", help="print a Markdown table (for docs)")
    p.set_defaults(func=_generators)


def _generators(args: argparse.Namespace) -> int:
    from z2h.arc.generators import all_generators

    gens = all_generators()
    if args.markdown:
        print("| generator | concepts | colour-invariant | description |")
        print("|---|---|---|---|")
        for g in gens:
            inv = "yes" if g.color_invariant else ""
            print(f"| `{g.name}` | {', '.join(g.concepts)} | {inv} | {g.description} |")
        return 0
    width = max(len(g.name) for g in gens)
    for g in gens:
        flag = " [colour-invariant]" if g.color_invariant else ""
        print(f"{g.name:<{width}}  {g.description}")
        print(f"{'':<{width}}  concepts: {', '.join(g.concepts)}{flag}")
    interacting = sum("interaction" in g.concepts for g in gens)
    print(f"{len(gens)} generators, {interacting} about objects interacting")
    return 0


# generate


def _configure_generate(sub) -> None:
    p = sub.add_parser(
        "generate",
        help="make a set of verified, labelled tasks",
        description="Make N tasks per generator, each pair verified by the generator's "
        "independent solver, as ARC JSON files, one labels file per task, JSONL shards and a "
        "manifest under --out. Same arguments -> byte-identical task, label and shard files.",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--generator", help="NAME, NAME,NAME,... or all")
    which.add_argument("--sketch", help="a sketch file PATH.js, or a shipped sketch's name")
    p.add_argument("--tasks", type=int, required=True, help="tasks per generator")
    p.add_argument("--seed", type=int, default=0, help="seed of the whole set")
    p.add_argument(
        "--difficulty",
        default=DEFAULT_DIFFICULTY,
        help="LO,HI in [0, 1]: scales grid size, object count, colours (default %(default)s)",
    )
    p.add_argument("--out", required=True, help="output folder (created if needed)")
    p.add_argument("--workers", type=int, default=1, help="processes making tasks (default 1)")
    p.add_argument(
        "--shard",
        default="0/1",
        help="I/N: make only shard I (from 0) of N disjoint shards of the set; shards merge "
        "by concatenating their JSONL files",
    )
    p.add_argument(
        "--max-attempts", type=int, default=200, help="pair draws per task before giving up"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace the set (or this shard) already in --out: its listed tasks are removed "
        "first (without it, an --out holding a set or other files is refused)",
    )
    add_report_flags(p, "manifest.json")
    p.set_defaults(func=_generate)


def _generate(args: argparse.Namespace) -> int:
    from z2h.arc.generate import make_set, parse_difficulty, parse_shard
    from z2h.arc.generators.registry import resolve

    difficulty = parse_difficulty(args.difficulty)
    shard = parse_shard(args.shard)
    if args.tasks <= 0:
        raise ArcError(f"--tasks must be at least 1, got {args.tasks}")
    if args.max_attempts <= 0:
        raise ArcError(f"--max-attempts must be at least 1, got {args.max_attempts}")
    if args.sketch:
        from z2h.arc.sketch import make_sketch_set

        make, which = make_sketch_set, {"spec": args.sketch}  # its own runtime makes the tasks
    else:
        make, which = make_set, {"names": [g.name for g in resolve(args.generator)]}
    manifest = make(
        out=args.out, tasks=args.tasks, seed=args.seed, difficulty=difficulty, shard=shard,
        workers=args.workers, max_attempts=args.max_attempts, force=args.force, **which,
    )  # fmt: skip
    if not args.sketch:
        _print_made(args, manifest)
        return 0
    sketch = manifest["sketch"]
    _print_made(args, manifest, "verified pairs" if sketch["verified"] else "pairs, unverified")
    if not (args.json or args.quiet):
        print(f"sketch {sketch['name']}: {sketch['note']}")
    return 0


def _print_made(args: argparse.Namespace, manifest: dict, pairs: str = "verified pairs") -> None:
    rejected = sum(manifest["rejected"].values())
    rate = manifest["pairs"] / max(manifest["seconds"], 1e-9)
    print_result(
        args,
        manifest,
        f"wrote {manifest['tasks']} tasks ({manifest['pairs']} {pairs}, {rejected} "
        f"rejected) to {args.out} in {manifest['seconds']:.1f} s ({rate:,.0f} pairs/s)",
    )


# sketches


def _configure_sketches(sub) -> None:
    p = sub.add_parser(
        "sketches",
        help="list the shipped sketches (task families in p5's vocabulary)",
        description="List every shipped sketch with its concepts, description and whether it "
        "verifies its pairs with its own solve(). Make tasks with "
        "`z2h arc generate --sketch NAME_OR_PATH`.",
    )
    p.add_argument("--markdown", action="store_true", help="print a Markdown table (for docs)")
    p.set_defaults(func=_sketches)


def _sketches(args: argparse.Namespace) -> int:
    from z2h.arc.sketch import load, shipped

    gens = [load(p) for p in shipped()]
    if args.markdown:
        print("| sketch | concepts | verified | port of | description |")
        print("|---|---|---|---|---|")
        for g in gens:
            ok = "yes" if g.verified else ""
            port = f"`{g.about['port']}`" if g.about.get("port") else ""
            print(f"| `{g.name}` | {', '.join(g.concepts)} | {ok} | {port} | {g.description} |")
        return 0
    width = max(len(g.name) for g in gens)
    for g in gens:
        flag = "" if g.verified else " [unverified: no solve()]"
        print(f"{g.name:<{width}}  {g.description}")
        print(f"{'':<{width}}  concepts: {', '.join(g.concepts)}{flag}")
    print(f"{len(gens)} sketches, {sum(g.verified for g in gens)} with a solve()")
    return 0


# validate


def _configure_validate(sub) -> None:
    p = sub.add_parser(
        "validate",
        help="re-check tasks and their labels",
        description="Re-check a task file, a folder of task files, a generated set (its "
        "tasks/ and labels/) or a JSONL shard: grids, labels, and each pair against its "
        "generator's solver. Prints every problem (task, pair, row) and exits 2 if any.",
    )
    p.add_argument("path", help="FILE.json, FILE.jsonl or DIR")
    add_report_flags(p, '{"checked", "problems", "unverified"}')
    p.set_defaults(func=_validate)


def _validate(args: argparse.Namespace) -> int:
    from z2h.arc.validate import validate_path

    notes: list[str] = []
    checked, problems = validate_path(Path(args.path), notes)
    if args.json:
        print(json.dumps({"checked": checked, "problems": problems, "unverified": notes}))
        if problems:
            raise ArcError(f"{len(problems)} problem(s) in {checked} task(s) checked")
        return 0
    if notes and not args.quiet:
        print(f"{len(notes)} task(s) unverified: their sketch has no solve() here ({notes[0]})")
    if not problems:
        if not args.quiet:
            print(f"{checked} task(s) checked: all valid")
        return 0
    if len(problems) == 1:
        raise ArcError(problems[0])
    for p in problems:
        print(p)
    raise ArcError(f"{len(problems)} problems in {checked} task(s) checked")


# check-labels


def _configure_check_labels(sub) -> None:
    p = sub.add_parser(
        "check-labels",
        help="replay every label row against the grids",
        description="Replay every correspondence row of a labels file, a folder of them, a "
        "generated set or a JSONL shard: the input object with its actions applied must be "
        "its output object (docs/arc.md, 'Checking labels'). Prints each false row (task, "
        "pair, row, objects, what differs) and exits 2 if any.",
    )
    p.add_argument("path", help="LABELS.json, a folder of them, a set's folder or FILE.jsonl")
    p.add_argument(
        "--grids",
        help="where the grids of lone labels files are: a task file, a folder of task files, "
        "or arcagi1 / arcagi2 (looked up by task id); default: the grids the labels paint",
    )
    add_report_flags(p, '{"tasks", "rows", "problems", "false_rows"}')
    p.set_defaults(func=_check_labels)


def _check_labels(args: argparse.Namespace) -> int:
    from z2h.arc.checklabels import check_path

    report = check_path(Path(args.path), args.grids)
    lines = report.problems + [str(f) for f in report.false]
    if args.json:
        print(json.dumps({"tasks": report.tasks, "rows": report.rows, "problems": report.problems,
                          "false_rows": [str(f) for f in report.false]}))  # fmt: skip
        if lines:
            raise ArcError(f"{len(report.false)} false rows, {len(report.problems)} other problems")
        return 0
    if len(lines) == 1:  # one problem: it is the error line
        raise ArcError(lines[0])
    for line in lines:
        print(line)
    summary = f"{report.tasks} task(s), {report.rows} rows: {len(report.false)} false rows"
    if report.problems:
        summary += f", {len(report.problems)} other problems"
    if report.problems or report.false:
        raise ArcError(summary)
    if not args.quiet:
        print(summary)
    return 0


# show


def _configure_show(sub) -> None:
    p = sub.add_parser(
        "show",
        help="draw a task as a PNG",
        description="Draw every pair of a task, input beside output, as a PNG (matplotlib).",
    )
    p.add_argument("task", help="FILE.json, arcagi1:ID or arcagi2:ID")
    p.add_argument("--out", help="PNG to write (default: TASK_ID.png)")
    add_report_flags(p, '{"wrote": PNG}')
    p.set_defaults(func=_show)


def _show(args: argparse.Namespace) -> int:
    from z2h.arc.draw import draw_task
    from z2h.run import check_output_file

    if args.out:
        check_output_file(args.out)  # before the task is read (a real one may be fetched)
    task = load_task_spec(args.task)
    out = Path(args.out or f"{task.id}.png")
    if out.is_dir():
        raise ArcError(f"--out {out} is a folder; give a file name ending in .png")
    check_output_file(out)
    _wrote(args, draw_task(task, out))
    return 0


def _wrote(args: argparse.Namespace, path: Path | str) -> None:
    """The end of a command that writes one picture: its path, as JSON, or nothing."""
    print_result(args, {"wrote": str(path)}, f"wrote {path}")


# label


def _configure_label(sub) -> None:
    p = sub.add_parser(
        "label",
        help="find the objects and relations in a task (heuristic)",
        description="Label a task that has no labels (a real ARC task): its objects, a few "
        "meaningful relations, and which input object became which output object by which "
        "actions. Every row passes z2h arc check-labels; what no chain of actions explains "
        "says reshape, merge, split or replaced.",
    )
    p.add_argument("task", help="FILE.json, arcagi1:ID or arcagi2:ID")
    p.add_argument("--out", help="write the labels JSON here")
    p.add_argument("--json", action="store_true", help="print the labels JSON")
    p.add_argument(
        "--objects-model",
        metavar="RUN",
        help="take the objects from a trained objects model's run (z2h arc train --model "
        "objects) instead of connected components; provenance 'model'",
    )
    p.set_defaults(func=_label)


def _label(args: argparse.Namespace) -> int:
    from z2h.arc.correspond import heuristic_labels
    from z2h.run import check_output_file, write_json_atomic

    if args.out:
        check_output_file(args.out)
    task = load_task_spec(args.task)
    if args.objects_model:
        from z2h.arc.correspond import model_segmenter

        segmenter = model_segmenter(args.objects_model)
        labels = heuristic_labels(task, segmenter, f"model {args.objects_model}")
    else:
        labels = heuristic_labels(task)
    if args.json:
        print(json.dumps(labels.to_json()))
    else:
        _print_labels(labels)
    if args.out:
        print(f"wrote {write_json_atomic(args.out, labels.to_json())}", file=sys.stderr)
    return 0


def _print_labels(labels) -> None:
    print(
        f"task {labels.task_id}: {labels.provenance} labels (labels version {labels.version}, "
        f"objects: {labels.params.get('objects')}, replay_ok: {labels.replay_ok})"
    )
    for split in ("train", "test"):
        for i, pl in enumerate(getattr(labels, split)):
            out = pl.output
            head = f"{split} {i}: input {len(pl.input.objects)} objects, "
            head += f"{len(pl.input.relations)} relations"
            if out is not None:
                head += f"; output {len(out.objects)} objects"
            print(head)
            for a in pl.actions:
                print(f"  whole grid: {_action_text(a)}")
            for m in pl.correspondence:
                if m.change == "kept":
                    what = ", ".join(_action_text(a) for a in m.actions) or "unchanged"
                    print(f"  in {m.input_id} -> out {m.output_id}: {what}")
                elif m.change == "deleted":
                    what = ", ".join(_action_text(a) for a in m.actions) or "deleted"
                    print(f"  in {m.input_id}: {what}")
                else:
                    print(f"  out {m.output_id}: created")


def _action_text(action: dict) -> str:
    rest = ", ".join(f"{k} {v}" for k, v in action.items() if k != "op")
    return f"{action['op']} {rest}".strip()


# sheet


def _configure_sheet(sub) -> None:
    p = sub.add_parser(
        "sheet",
        help="draw a contact sheet: one task per generator",
        description="Make one task per generator and draw its first train pairs, one row each.",
    )
    p.add_argument("--out", required=True, help="PNG to write")
    p.add_argument("--generator", default="all", help="NAME,NAME,... or all (default)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--difficulty", default="0.2,0.5", help="LO,HI (default %(default)s)")
    add_report_flags(p, '{"wrote": PNG}')
    p.set_defaults(func=_sheet)


def _sheet(args: argparse.Namespace) -> int:
    from z2h.arc.draw import draw_sheet
    from z2h.arc.generate import make_task, parse_difficulty
    from z2h.arc.generators.registry import resolve
    from z2h.run import check_output_file

    gens = resolve(args.generator)
    difficulty = parse_difficulty(args.difficulty)
    check_output_file(args.out)  # before a task per generator is made
    rows = [(g.name, make_task(g, args.seed, 0, difficulty).task) for g in gens]
    _wrote(args, draw_sheet(rows, args.out))
    return 0


# studio: the arguments and the handler live with the web app, in z2h.arc.studio.cli


def _configure_studio(sub) -> None:
    from z2h.arc.studio.cli import DESCRIPTION, add_arguments

    p = sub.add_parser(
        "studio",
        help="browse, edit, create and generate tasks in a browser",
        description=DESCRIPTION,
    )
    add_arguments(p)  # sets func to z2h.arc.studio.cli.run
