"""How truthful and how telling the real-task labels are: the heuristic labeller (and, with
``--objects-model``, an objects model's objects) on ARC-AGI-1's 400 training and 400
evaluation tasks, checked row by row, and scored against the hand-checked set.

    python benchmarks/arc_labels.py [--splits training,evaluation] [--limit N]
                                    [--objects-model RUN] [--hand DIR] [--json]

Prints, per split: the tasks, the rows the checker rejects (the target is 0), the tasks whose
labels are not all true, and the share of input objects each action explains (a row of an
input object counts once for each op it lists; "unchanged" and "deleted" are rows with no op),
with the share left to ``reshape`` and the output objects only ``created`` (no input object
explains them). Then, on the hand-checked set (package data unless ``--hand``), the labeller
against the person: object F1 (an object found when its cells are exactly a hand object's),
correspondence accuracy (hand rows whose input and output objects the labeller pairs the same
way) and action accuracy (of those, the rows with the same actions). Not a timing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

KINDS = (
    "unchanged",
    "move",
    "recolor",
    "swap",
    "flip",
    "rotate",
    "transpose",
    "scale",
    "copy",
    "merge",
    "split",
    "replaced",
    "deleted",
    "reshape",
)


def row_kinds(m: Any) -> set[str]:
    """What one row says happened to its input object (see the module docstring)."""
    ops = {a["op"] for a in m.actions}
    if not ops:
        return {"deleted" if m.output_id is None else "unchanged"}
    return ops


def label_split(tasks: list, segmenter: Any) -> dict[str, Any]:
    from z2h.arc.checklabels import check_task
    from z2h.arc.correspond import heuristic_labels

    kinds: Counter[str] = Counter()
    rows = false = bad_tasks = created = outputs = 0
    for task in tasks:
        labels = heuristic_labels(task, segmenter, "model") if segmenter else heuristic_labels(task)
        problems, wrong = check_task(task, labels)
        false += len(wrong)
        bad_tasks += bool(problems or wrong)
        for pl in labels.train + labels.test:
            outputs += 0 if pl.output is None else len(pl.output.objects)
            for m in pl.correspondence:
                if m.input_id is None:
                    created += 1
                    continue
                rows += 1
                kinds.update(row_kinds(m))
    share = {k: kinds[k] / max(1, rows) for k in KINDS}
    share.update({k: v / max(1, rows) for k, v in kinds.items() if k not in share})
    return {
        "tasks": len(tasks),
        "false_rows": false,
        "tasks_not_true": bad_tasks,
        "input_rows": rows,
        "share": share,
        "created_share_of_outputs": created / max(1, outputs),
    }


def _cells(gl: Any, i: int | None) -> frozenset | None:
    if i is None or gl is None:
        return None
    return next(frozenset((r, c) for r, c, _ in o.cells) for o in gl.objects if o.id == i)


def _rows(labels: Any) -> dict[tuple, str]:
    """Each row, keyed by (pair, input object's cells, output object's cells) -> its actions."""
    out = {}
    for n, pl in enumerate(labels.train + labels.test):
        for m in pl.correspondence:
            key = (n, _cells(pl.input, m.input_id), _cells(pl.output, m.output_id))
            out[key] = json.dumps(m.actions, sort_keys=True)
    return out


def score_against(hand: list, segmenter: Any) -> dict[str, float]:
    """Object F1, correspondence and action accuracy of the labeller on the hand set."""
    from z2h.arc.checklabels import task_of_labels
    from z2h.arc.correspond import heuristic_labels

    tp = found = truth = 0
    rows_ok = actions_ok = rows = 0
    for h in hand:
        task = task_of_labels(h)
        got = heuristic_labels(task, segmenter, "model") if segmenter else heuristic_labels(task)
        for gh, gg in zip(h.grids(), got.grids(), strict=True):
            a = {frozenset((r, c) for r, c, _ in o.cells) for o in gh.objects}
            b = {frozenset((r, c) for r, c, _ in o.cells) for o in gg.objects}
            tp, found, truth = tp + len(a & b), found + len(b), truth + len(a)
        mine, theirs = _rows(got), _rows(h)
        rows += len(theirs)
        for key, acts in theirs.items():
            if key in mine:
                rows_ok += 1
                actions_ok += mine[key] == acts
    precision, recall = tp / max(1, found), tp / max(1, truth)
    return {
        "tasks": len(hand),
        "object_f1": 2 * precision * recall / max(1e-9, precision + recall),
        "correspondence_accuracy": rows_ok / max(1, rows),
        "action_accuracy": actions_ok / max(1, rows_ok),
    }


def read_hand(folder: Path | None) -> list:
    from z2h.arc.checklabels import read_labels

    if folder is None:
        folder = Path(__file__).resolve().parent.parent / "src/z2h/arc/data/hand_labels"
    return [read_labels(p) for p in sorted(folder.glob("*.json"))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--splits", default="training,evaluation")
    p.add_argument("--limit", type=int, help="the first N tasks of each split only")
    p.add_argument("--objects-model", metavar="RUN", help="objects from this objects model")
    p.add_argument("--hand", type=Path, help="hand-checked labels folder (default: package)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    from z2h.arc.correspond import model_segmenter
    from z2h.arc.real import load_real

    segmenter = model_segmenter(args.objects_model) if args.objects_model else None
    report: dict[str, Any] = {"labeller": "model objects" if segmenter else "heuristic"}
    splits = [x for x in args.splits.split(",") if x]
    for split in splits:
        tasks = load_real("arcagi1", split)[: args.limit]
        report[split] = label_split(tasks, segmenter)
    hand = read_hand(args.hand)
    if hand:
        report["hand"] = score_against(hand[: args.limit] if args.limit else hand, segmenter)
    if args.json:
        print(json.dumps(report))
    else:
        print_table(report, splits)
    return 0


def print_table(report: dict[str, Any], splits: list[str]) -> None:
    if splits:
        _print_splits(report, splits)
    if "hand" in report:
        h = report["hand"]
        print(f"\nagainst {h['tasks']} hand-checked tasks: object F1 {h['object_f1']:.3f}, "
              f"correspondence accuracy {h['correspondence_accuracy']:.3f}, "
              f"action accuracy {h['action_accuracy']:.3f}")  # fmt: skip


def _print_splits(report: dict[str, Any], splits: list[str]) -> None:
    print(f"| {report['labeller']} labels | " + " | ".join(splits) + " |")
    print("|---|" + "---|" * len(splits))
    for key in ("tasks", "false_rows", "tasks_not_true", "input_rows"):
        print(f"| {key} | " + " | ".join(str(report[s][key]) for s in splits) + " |")
    for kind in KINDS:
        print(f"| {kind} | " + " | ".join(_pct(report[s]["share"][kind]) for s in splits) + " |")
    created = " | ".join(_pct(report[s]["created_share_of_outputs"]) for s in splits)
    print(f"| created (of output objects) | {created} |")


def _pct(v: float) -> str:
    """A share in percent; a small one that would round to 0.0% says so."""
    return "<0.1%" if 0 < v < 0.0005 else f"{v:.1%}"


if __name__ == "__main__":
    sys.exit(main())
