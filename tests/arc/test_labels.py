import copy
import json

import numpy as np
import pytest

from z2h.arc.generate import make_task
from z2h.arc.generators import get_generator
from z2h.arc.grid import ArcError
from z2h.arc.labels import LABELS_VERSION, TaskLabels, check_labels, grid_labels
from z2h.arc.scene import Obj, Scene


@pytest.fixture(scope="module")
def made():
    return make_task(get_generator("gravity"), seed=3, index=0, difficulty=(0.3, 0.6))


def test_labels_round_trip_through_json(made):
    text = json.dumps(made.labels.to_json())
    back = TaskLabels.from_json(json.loads(text))
    assert back.to_json() == made.labels.to_json()
    assert back.version == LABELS_VERSION
    assert check_labels(made.task, back) == []


def test_grid_labels_of_a_scene_with_occlusion():
    a = Obj.rect(0, 2, 2, 3, (0, 0), tags=("rectangle",))
    b = Obj.rect(1, 1, 1, 4, (1, 1))
    gl = grid_labels(Scene(3, 3, 0, [a, b]))
    first = gl.objects[0].to_json()
    assert first["colors"] == [3] and first["box"] == [0, 0, 2, 2]
    assert first["cells"] == [[0, 0, 3], [0, 1, 3], [1, 0, 3], [1, 1, 3]]  # its covered cell too
    assert first["covered"] == [[1, 1]]  # the one cell b paints over
    assert "covered" not in gl.objects[1].to_json()  # nothing in front of b
    assert ["occludes", 1, 0] in [list(r) for r in gl.relations]
    assert np.array_equal(gl.render(), Scene(3, 3, 0, [a, b]).render())


def corrupt(made, edit):
    d = copy.deepcopy(made.labels.to_json())
    edit(d)
    return check_labels(made.task, TaskLabels.from_json(d))


def test_check_labels_finds_each_kind_of_problem(made):
    def colour(d):
        cell = d["train"][0]["input"]["objects"][0]["cells"][0]
        cell[2] = (cell[2] % 9) + 1

    problems = corrupt(made, colour)
    assert any("train pair 0 input" in p and "colors" in p for p in problems)

    def box(d):
        d["train"][1]["output"]["objects"][0]["box"][0] += 1

    assert any("train pair 1 output object" in p and "box" in p for p in corrupt(made, box))

    def off(d):
        d["test"][0]["input"]["objects"][0]["cells"][0][0] = 40

    assert any("off the" in p for p in corrupt(made, off))

    def relation(d):
        d["train"][0]["input"]["relations"].append(["friends", 0, 0])

    assert any("unknown kind 'friends'" in p for p in corrupt(made, relation))

    def corr(d):
        d["train"][0]["correspondence"].append({"input_id": 99, "output_id": None})

    assert any("no input object 99" in p for p in corrupt(made, corr))

    def missing_object(d):
        gone = d["train"][0]["input"]["objects"].pop(0)["id"]
        d["train"][0]["input"]["relations"] = []
        d["train"][0]["correspondence"] = [
            m for m in d["train"][0]["correspondence"] if m["input_id"] != gone
        ]

    assert any("train pair 0 input row" in p for p in corrupt(made, missing_object))


def test_version_and_shape_errors(made):
    d = made.labels.to_json()
    d["version"] = 99
    with pytest.raises(ArcError, match="labels version 99"):
        TaskLabels.from_json(d)
    with pytest.raises(ArcError, match="malformed labels"):
        TaskLabels.from_json({"version": LABELS_VERSION, "task_id": "x"})


def test_covered_cells_are_checked(made):
    a = Obj.rect(0, 2, 2, 3, (0, 0))
    b = Obj.rect(1, 1, 1, 4, (1, 1))
    scene = Scene(3, 3, 0, [a, b])
    gl = grid_labels(scene)
    from z2h.arc.labels import check_grid_labels

    assert check_grid_labels(scene.render(), gl, "g") == []
    gl.objects[0].covered = []
    assert (
        "covered lists 0 cells, later objects paint over 1"
        in check_grid_labels(scene.render(), gl, "g")[0]
    )


def test_covered_cells_with_and_without_overlaps():
    from z2h.arc.labels import covered_cells

    apart = grid_labels(Scene(3, 5, 0, [Obj.rect(0, 2, 2, 3), Obj.rect(1, 1, 2, 4, (0, 3))]))
    assert covered_cells(apart.objects, 5) == [[], []]
    # a is a 2x2 square at the corner; b, a 2x2 square at (1, 1), covers a's cell (1, 1); c,
    # the top row, covers a's (0, 0) and (0, 1) and none of b's
    a, b = Obj.rect(0, 2, 2, 3), Obj.rect(1, 2, 2, 4, (1, 1))
    c = Obj.rect(2, 1, 3, 5, (0, 0))
    gl = grid_labels(Scene(3, 3, 0, [a, b, c]))
    assert covered_cells(gl.objects, 3) == [[[0, 0], [0, 1], [1, 1]], [], []]
    assert [o.covered for o in gl.objects] == [[[0, 0], [0, 1], [1, 1]], [], []]


def test_version_1_files_are_read_and_upgraded():
    made = make_task(get_generator("bring_to_front"), seed=3, index=0)
    d = made.labels.to_json()
    assert "covered" in json.dumps(d)  # rectangles overlap: some cells are covered
    d["version"] = 1
    for key in ("provenance", "replay_ok", "person_checked"):
        del d[key]
    for pair in d["train"] + d["test"]:
        for grid in (pair["input"], pair["output"]):
            for o in grid["objects"]:
                o.pop("covered", None)
    back = TaskLabels.from_json(d)
    assert back.version == LABELS_VERSION and back.provenance == "generated"
    assert back.to_json() == made.labels.to_json()  # covered cells derived again
    d["generator"] = None
    assert TaskLabels.from_json(d).provenance == "heuristic"


def test_provenance_is_one_of_the_known_sources(made):
    d = made.labels.to_json()
    assert d["provenance"] == "generated" and d["replay_ok"] is None
    d["provenance"] = "guess"
    with pytest.raises(ArcError, match="provenance 'guess'"):
        TaskLabels.from_json(d)
