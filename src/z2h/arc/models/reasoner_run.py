"""The object reasoner in training and evaluation: held-out examples, scoring, and answering
labelled tasks (``z2h arc train / eval / predict --model object-reasoner`` call these).

Scores, over the test pairs of labelled tasks:
- ``action_accuracy``: explain, the share of input objects whose inferred action (op, parameters
  and spawn) equals the labels' (``reasoner_actions.explain_pair``);
- ``correspondence_accuracy``: explain, the share of input objects pointed at the right output
  object (or at none when deleted);
- ``solve_action_accuracy``: solve, the same share for the test input's predicted actions;
- ``pass1`` / ``pass2``: the rendered answers, whole grid exact;
- ``representable``: the share of test pairs the action space explains (an upper bound on pass).

A task without labels (a real ARC task) is answered from the heuristic labeller's objects and
explanations of its demonstrations (its test outputs withheld from the labeller); it adds to
pass@k only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from z2h.arc.labels import PairLabels, TaskLabels
from z2h.arc.models import reasoner_data as D
from z2h.arc.models.encode import EncodingError
from z2h.arc.models.examples import Examples
from z2h.arc.models.reasoner_actions import explain_pair
from z2h.arc.predictions import Predictions, score
from z2h.arc.task import Task
from z2h.errors import Z2HError


class LabelledExamples(Examples):
    """For the object reasoner (``z2h.arc.models.train``'s hook): explain or solve examples of
    labelled tasks, held-out ones drawn the same way; scores on ``val_exact`` held-out tasks."""

    def __init__(self, model, source, s):
        super().__init__(model, source, s)
        self.held = source.held_out(s.val_tasks)
        self.val_examples, self.too_big["held_out"] = held_out_examples(model, self.held, s.seed)
        if not self.val_examples:
            raise Z2HError(f"none of the {len(self.held)} held-out tasks fit max_tokens")

    def _draw(self, rng):
        _, labels = self.source.draw(rng)
        return self.model.labelled_example(labels, rng)

    def scores(self, model):
        if self.s.val_exact == 0:
            return {}
        return held_out_scores(self.model, self.held[: self.s.val_exact])


def held_out_examples(
    model: Any, held: Sequence[tuple[Task, TaskLabels]], seed: int
) -> tuple[list[tuple[np.ndarray, np.ndarray]], int]:
    """One example per held-out task (explain or solve, drawn as training draws them), and how
    many tasks were too big."""
    rng = np.random.default_rng(seed)
    out, too_big = [], 0
    for _, lab in held:
        try:
            out.append(model.labelled_example(lab, rng))
        except EncodingError:
            too_big += 1
    return out, too_big


def _demos_and_test(task: Task, labels: TaskLabels | None):
    """(demonstration pairs, test pairs, their given explanations or None) as object labels.

    A task without labels (a real one) is labelled by the heuristic labeller
    (``z2h.arc.correspond``, every row checked against the cells) with its test outputs
    withheld, so nothing of an answer reaches the model; its test pairs carry no output and no
    explain score. Where the labeller fails, the grids' components stand in and the model
    explains the demonstrations itself."""
    if labels is None:
        labels = _real_labels(task)
    if labels is None:
        demos = [PairLabels(D.grid_objects(p.input), D.grid_objects(p.output))
                 for p in task.train if p.output is not None]  # fmt: skip
        return demos, [PairLabels(D.grid_objects(p.input), None) for p in task.test], None
    demos = [pl for pl in labels.train if pl.output is not None]
    return demos, labels.test, [explain_pair(pl) for pl in demos]


def _real_labels(task: Task) -> TaskLabels | None:
    from z2h.arc.correspond import heuristic_labels
    from z2h.arc.grid import ArcError
    from z2h.arc.task import Pair

    hidden = Task(task.id, task.train, [Pair(p.input, None) for p in task.test])
    try:
        return heuristic_labels(hidden)
    except (ArcError, ValueError):
        return None


@dataclass
class Answered:
    predictions: Predictions  # task id -> attempts per test input
    counts: dict[str, dict[str, float]] = field(default_factory=dict)  # task id -> tallies
    skipped: dict[str, str] = field(default_factory=dict)  # task id -> why (too many objects)
    # task id -> per labelled test pair: the inferred and the labelled explanation, object by
    # object (the metrics file carries them, for a viewer to show side by side)
    explanations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def solve_labelled(
    model: Any, tasks: Sequence[Task], labels: Sequence[TaskLabels | None]
) -> Answered:
    """Two attempts per test input of every task, per task its explain/solve tallies and its
    test pairs' explanations. A task whose objects do not fit ``max_tokens`` is skipped (scored
    unsolved)."""
    out = Answered({})
    for task, lab in zip(tasks, labels, strict=True):
        try:
            (out.predictions[task.id], out.counts[task.id],
             out.explanations[task.id]) = _solve_task(model, task, lab)  # fmt: skip
        except EncodingError as e:
            out.skipped[task.id] = str(e)
    return out


def _solve_task(model: Any, task: Task, lab: TaskLabels | None):
    demos, tests, given = _demos_and_test(task, lab)
    explained = model.demo_explanations(demos, given)
    c: dict[str, float] = defaultdict(float)
    shown = []
    # explain accuracy: the inferred explanation of each test pair against its labels
    with_outputs = [pl for pl in tests if pl.output is not None]
    for pl, inferred in zip(with_outputs, model.explain(with_outputs), strict=True):
        truth = explain_pair(pl)
        shown.append({
            "inferred": [a.to_json() for a in inferred.actions], "matches": inferred.matches,
            "labelled": [a.to_json() for a in truth.actions], "labelled_matches": truth.matches,
        })  # fmt: skip
        c["objects"] += len(truth.actions)
        c["explain_right"] += sum(p == t for p, t in zip(inferred.actions, truth.actions,
                                                          strict=True))  # fmt: skip
        c["match_right"] += sum(p == t for p, t in zip(inferred.matches, truth.matches,
                                                        strict=True))  # fmt: skip
        c["representable"] += truth.representable()
        c["pairs"] += 1
    answers = []
    demo_pairs = [(pl.input, ex) for pl, ex in zip(demos, explained, strict=True)]
    for t, pl in enumerate(tests):
        beams = model.assignments(demo_pairs, pl.input)
        if pl.output is not None:
            truth = explain_pair(pl)
            c["solve_right"] += sum(p == q for p, q in zip(beams[0][0], truth.actions,
                                                           strict=True))  # fmt: skip
        cands = model.answer(demo_pairs, pl.input, beams)
        answers.append([g for g, _ in cands] or [task.test[t].input.copy()])
    return answers, dict(c), shown


def reasoner_scores(
    preds: Predictions,
    counts: dict[str, dict[str, float]],
    tasks: Sequence[Task],
    generator_of: Any,
) -> dict[str, Any]:
    """Explain and solve scores over all tasks and per generator (``generator_of(task id)``)."""
    groups: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        groups[generator_of(task.id)].append(task)
    out = _group_scores(preds, counts, tasks)
    out["per_generator"] = {
        name: _group_scores(preds, counts, group) for name, group in sorted(groups.items())
    }
    return out


def _group_scores(preds, counts, tasks) -> dict[str, Any]:
    total: dict[str, float] = defaultdict(float)
    for task in tasks:
        for k, v in counts.get(task.id, {}).items():
            total[k] += v
    s = score(preds, tasks)
    objects, pairs = total["objects"], total["pairs"]

    def share(k: str, of: float) -> float | None:  # None: nothing labelled to score
        return total[k] / of if of else None

    return {
        "tasks": len(tasks),
        "pass1": s.pass1,
        "pass2": s.pass2,
        "action_accuracy": share("explain_right", objects),
        "correspondence_accuracy": share("match_right", objects),
        "solve_action_accuracy": share("solve_right", objects),
        "representable": share("representable", pairs),
        "cell_accuracy": s.cell_accuracy,
    }


def held_out_scores(model: Any, held: Sequence[tuple[Task, TaskLabels]]) -> dict[str, float]:
    """The scores each training evaluation reports (over all held-out tasks)."""
    tasks = [t for t, _ in held]
    done = solve_labelled(model, tasks, [lab for _, lab in held])
    s = _group_scores(done.predictions, done.counts, tasks)
    keys = ("pass1", "pass2", "action_accuracy", "correspondence_accuracy",
            "solve_action_accuracy")  # fmt: skip
    return {k: float(s[k] or 0.0) for k in keys}


def evaluate_reasoner(
    run: Any,
    tasks: Sequence[Task],
    labels: Sequence[TaskLabels | None],
    generators: Sequence[str],
    tta: int,
    score_it: bool,
) -> tuple[Predictions, dict[str, Any], dict[str, Any]]:
    """``z2h arc eval / predict`` for an object-reasoner run: (predictions, summary, what the
    metrics file adds: the skipped tasks, and each labelled test pair's inferred and labelled
    explanations)."""
    from z2h.arc.dataset import generator_name

    if tta:
        raise Z2HError(
            "--tta: the object reasoner reads object labels, which symmetric views would have to "
            "carry too; evaluate it without --tta"
        )
    done = solve_labelled(run.model, tasks, labels)
    preds, counts, skipped = done.predictions, done.counts, done.skipped
    summary: dict[str, Any] = {"tasks": len(tasks), "skipped": len(skipped),
                               "labelled": sum(lab is not None for lab in labels)}  # fmt: skip
    if score_it:
        summary.update(
            reasoner_scores(preds, counts, tasks, lambda tid: generator_name(tid, generators))
        )
    return preds, summary, {"skipped_tasks": skipped, "explanations": done.explanations}


def explains_demonstrations(task: Task, labels: TaskLabels) -> bool:
    """Whether the action space explains every demonstration of ``task`` exactly: each pair's
    labels, read as semantic actions (``explain_pair``), render its output cell for cell. With
    the heuristic labeller's labels (``z2h.arc.correspond.heuristic_labels``, whose rows are
    checked against the cells) this measures how much of a real set the space can say."""
    from z2h.arc.models.reasoner_actions import render_actions
    from z2h.arc.replay import ReplayError

    for pl, pair in zip(labels.train, task.train, strict=True):
        if pl.output is None or pair.output is None:
            return False
        ex = explain_pair(pl)
        try:
            out = render_actions(pl.input, ex.actions)
        except ReplayError:
            return False
        if out is None or out.shape != pair.output.shape or not np.array_equal(out, pair.output):
            return False
    return True
