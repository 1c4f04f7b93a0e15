"""z2h.arc.dataset: ids, the layout, TaskSet, and SetWriter's refusals."""

import json

import pytest

from z2h.arc.dataset import (
    GeneratedId,
    SetWriter,
    TaskSet,
    generator_name,
    layout_problems,
    parse_task_id,
    task_id,
)
from z2h.arc.generate import make_set, make_task
from z2h.arc.generators.geometry import Flip
from z2h.arc.grid import ArcError
from z2h.arc.task import Pair, Task, write_task


def test_task_ids_are_reproducible_and_parse_back():
    assert task_id("flip", 7, 12) == "flip-7-000012"
    assert make_task(Flip(), 7, 12).task.id == "flip-7-000012"
    assert parse_task_id("flip-7-000012") == GeneratedId("flip", 7, 12)
    assert parse_task_id("recolor_by_size-0-1234567") == GeneratedId("recolor_by_size", 0, 1234567)
    assert parse_task_id(task_id("gravity", -3, 1)) == GeneratedId("gravity", -3, 1)
    assert parse_task_id("flip-7-12") == GeneratedId("flip", 7, 12)  # written by hand
    for real in ("007bbfb7", "flip-7", "flip", ""):
        assert parse_task_id(real) is None


def test_generator_name_prefers_the_known_names():
    assert generator_name("flip-7-000012") == "flip"
    assert generator_name("move_until-1-000000", ["move", "move_until"]) == "move_until"
    assert generator_name("007bbfb7") == "real"


@pytest.fixture(scope="module")
def made_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("set")
    make_set(root, ["flip", "gravity"], 3, 5, (0.1, 0.4), show_progress=False)
    return root


def test_task_set_by_position_id_and_slice(made_set):
    ts = TaskSet.open(made_set)
    assert len(ts) == 6 and ts.generated
    assert ts.ids == sorted(ts.ids) and ts.ids[0] == "flip-5-000000"
    assert ts[0].id == "flip-5-000000" and ts[-1].id == "gravity-5-000002"
    assert ts["gravity-5-000001"].id == "gravity-5-000001"
    part = ts[1:3]
    assert isinstance(part, TaskSet) and part.ids == ts.ids[1:3]
    assert ts.labels(0).generator == "flip" and ts.labels(0).provenance == "generated"
    assert "gravity-5-000001" in ts and "nope" not in ts
    with pytest.raises(KeyError, match="no task 'nope'"):
        ts["nope"]
    assert repr(ts).endswith("6 tasks, generated set, first 'flip-5-000000')")
    assert [t.id for t, lab in ts.labelled() if lab is not None] == ts.ids


def test_a_plain_folder_reads_as_a_set(tmp_path):
    import numpy as np

    grid = np.array([[1, 2]], np.uint8)
    write_task(tmp_path / "abc.json", Task("abc", [Pair(grid, grid[:, ::-1])], []))
    ts = TaskSet.open(tmp_path)
    assert ts.ids == ["abc"] and not ts.generated and ts.labels("abc") is None


def test_open_refuses_missing_and_empty_folders(tmp_path):
    with pytest.raises(ArcError, match="not a folder"):
        TaskSet.open(tmp_path / "nope")
    with pytest.raises(ArcError, match="no tasks there"):
        TaskSet.open(tmp_path)


def test_an_existing_set_is_refused_and_replaced_only_with_force(tmp_path):
    make_set(tmp_path, ["flip"], 4, 1, (0, 0.3), show_progress=False)
    before = {p.name: p.read_bytes() for p in (tmp_path / "tasks").iterdir()}
    with pytest.raises(ArcError, match="already holds a set"):
        make_set(tmp_path, ["flip"], 1, 9, (0, 0.3), show_progress=False)
    assert {p.name: p.read_bytes() for p in (tmp_path / "tasks").iterdir()} == before
    make_set(tmp_path, ["flip"], 2, 9, (0, 0.3), show_progress=False, force=True)
    assert sorted(p.stem for p in (tmp_path / "tasks").iterdir()) == [
        "flip-9-000000",
        "flip-9-000001",
    ]
    assert layout_problems(tmp_path) == []


def test_a_folder_of_other_files_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ArcError, match="not empty and holds no task set"):
        SetWriter(tmp_path, (0, 1))
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_layout_problems_find_unlisted_and_missing_files(made_set, tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(made_set, root)
    assert layout_problems(root) == []
    shutil.copy(root / "tasks" / "flip-5-000000.json", root / "tasks" / "flip-9-000000.json")
    (root / "tasks" / "gravity-5-000002.json").unlink()
    problems = layout_problems(root)
    assert "tasks/flip-9-000000.json: no shard lists it (left by another run?)" in problems
    assert "tasks/gravity-5-000002.json: listed by a shard but missing" in problems
    manifest = json.loads((root / "manifest.json").read_text())
    (root / "manifest.json").write_text(json.dumps({**manifest, "status": "failed"}))
    assert any("did not complete" in p for p in layout_problems(root))


def test_remove_unlisted_takes_only_the_named_tasks_files(tmp_path):
    writer = SetWriter(tmp_path / "set", (0, 1))
    for folder in writer.folders:
        for name in (
            "flip-0-000001.json",
            "flip-0-000002.json",
            ".flip-0-000002.json.x1.tmp",
            "flip-0-000003.json",
            ".flip-0-000003.json.y2.tmp",
            "flip-0-0000020.json",
        ):
            (folder / name).write_text("{}")  # fmt: skip
    writer.remove_unlisted({"flip-0-000002", "flip-0-000003"})
    for folder in writer.folders:
        left = sorted(p.name for p in folder.iterdir())
        assert left == ["flip-0-000001.json", "flip-0-0000020.json"]
