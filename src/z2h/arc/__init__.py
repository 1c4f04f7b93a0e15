"""z2h.arc: ARC-style tasks as object scenes, task generators with verifiers, and their labels.

The data model, one module each: ``grid`` (conventions, palette), ``task`` (ARC JSON),
``scene`` (objects on a canvas), ``objects`` (objects found in any grid), ``relations``,
``labels`` (the versioned labels schema), ``predictions`` (the Kaggle-format file models write);
then ``generators`` (the registry), ``generate`` (verified tasks) and ``verify`` (the checks).
"""

from z2h.arc.grid import PALETTE, ArcError, checked_grid, grid_to_list
from z2h.arc.labels import LABELS_VERSION, GridLabels, PairLabels, TaskLabels, check_labels
from z2h.arc.objects import find_objects
from z2h.arc.relations import Relation, relations
from z2h.arc.scene import Obj, Scene
from z2h.arc.task import Pair, Task, read_task, read_tasks, task_from_json, task_to_json, write_task

__all__ = [
    "LABELS_VERSION",
    "PALETTE",
    "ArcError",
    "GridLabels",
    "Obj",
    "Pair",
    "PairLabels",
    "Relation",
    "Scene",
    "Task",
    "TaskLabels",
    "check_labels",
    "checked_grid",
    "find_objects",
    "grid_to_list",
    "read_task",
    "read_tasks",
    "relations",
    "task_from_json",
    "task_to_json",
    "write_task",
]
