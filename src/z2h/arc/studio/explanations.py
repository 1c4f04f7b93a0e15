"""The object reasoner's explanations for the studio: read and check the metrics file that
``z2h arc eval --run RUN --metrics FILE`` writes, keep its ``explanations``.

Each task id maps to one entry per labelled test pair (in test order): the inferred actions and
counterparts beside the labelled ones, one per input object in the labels' object order
(``z2h.arc.models.reasoner_run``). A bad file is refused with one line at launch, so the page
never has to guess.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from z2h.arc.models.reasoner_actions import DIRECTIONS, OPS, SPAWNS
from z2h.arc.studio.sources import StudioError

Explanations = dict[str, list[dict[str, Any]]]  # task id -> per labelled test pair
KEYS = ("inferred", "matches", "labelled", "labelled_matches")


def read_explanations(path: str | Path) -> Explanations:
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StudioError(f"no such explanations file: {path}") from None
    except IsADirectoryError:
        raise StudioError(f"{path} is a folder, not an explanations file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise StudioError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(obj, dict) or "explanations" not in obj:
        raise StudioError(
            f"{path}: no 'explanations' (write it with 'z2h arc eval --run RUN --metrics FILE' "
            "for an object-reasoner run)"
        )
    per_task = obj["explanations"]
    if not isinstance(per_task, dict):
        raise StudioError(f"{path}: 'explanations' must map task ids to lists of test pairs")
    for task_id, pairs in per_task.items():
        if not isinstance(pairs, list):
            raise StudioError(f"{path}: task {task_id}: a list of test pairs expected")
        for t, entry in enumerate(pairs):
            problem = entry_problem(entry)
            if problem:
                raise StudioError(f"{path}: task {task_id} test pair {t}: {problem}")
    return per_task


def entry_problem(entry: Any) -> str | None:
    """What is wrong with one test pair's entry, or None."""
    if not isinstance(entry, dict) or any(k not in entry for k in KEYS):
        return f"an object with {', '.join(KEYS)} expected"
    if any(not isinstance(entry[k], list) for k in KEYS):
        return f"{', '.join(KEYS)} must be lists"
    n = len(entry["labelled"])
    if any(len(entry[k]) != n for k in KEYS):
        return f"{', '.join(KEYS)} must have one item per input object ({n} labelled)"
    for k in ("matches", "labelled_matches"):
        if any(m is not None and (type(m) is not int or m < 0) for m in entry[k]):
            return f"{k}: an output object's index or null per input object"
    for k in ("inferred", "labelled"):
        for i, action in enumerate(entry[k]):
            problem = action_problem(action)
            if problem:
                return f"{k} object {i}: {problem}"
    return None


def action_problem(a: Any) -> str | None:
    if not isinstance(a, dict) or a.get("op") not in OPS:
        return f"an action with an op of {', '.join(OPS)} expected"
    if "direction" in a and a["direction"] not in DIRECTIONS:
        return f"direction must be one of {', '.join(DIRECTIONS)}"
    if "by" in a and not (isinstance(a["by"], list) and len(a["by"]) == 2
                          and all(type(v) is int for v in a["by"])):  # fmt: skip
        return "by must be two integers"
    for k in ("color", "spawn_color"):
        if a.get(k) is not None and (type(a[k]) is not int or not 0 <= a[k] <= 9):
            return f"{k} must be a colour 0-9"
    if a.get("spawn", "none") not in SPAWNS:
        return f"spawn must be one of {', '.join(SPAWNS)}"
    return None
