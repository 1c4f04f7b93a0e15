"""Fixtures for the studio's tests: task folders on disk and a live server on a free port."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from studio_helpers import GENERATOR, SQUARE, launched_browser

from z2h.arc.generate import make_task
from z2h.arc.generators.registry import get_generator
from z2h.arc.predictions import write_predictions
from z2h.arc.studio.api import Studio
from z2h.arc.studio.server import StudioServer
from z2h.arc.task import task_from_json, write_task
from z2h.run import write_json_atomic


@pytest.fixture
def generated_set(tmp_path: Path) -> Path:
    """A generated set with one labelled task from the GENERATOR generator."""
    root = tmp_path / "set"
    made = make_task(get_generator(GENERATOR), 0, 0, (0.0, 0.5))
    write_task(root / "tasks" / f"{made.task.id}.json", made.task)
    write_json_atomic(root / "labels" / f"{made.task.id}.json", made.labels.to_json())
    return root


@pytest.fixture
def plain_folder(tmp_path: Path) -> Path:
    """A plain folder of ARC JSON files with one task, ``square``."""
    root = tmp_path / "plain"
    write_task(root / "square.json", task_from_json(SQUARE, "square"))
    return root


@pytest.fixture
def predictions_file(tmp_path: Path) -> Path:
    """Predictions for ``square``: attempt 1 wrong in one cell, attempt 2 exact."""
    wrong = [[0, 3], [0, 1]]
    right = SQUARE["test"][0]["output"]
    path = tmp_path / "predictions.json"
    write_predictions(path, {"square": [[np.array(wrong), np.array(right)]]})
    return path


class Client:
    """A tiny JSON client for one studio server."""

    def __init__(self, server: StudioServer):
        self.server = server

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | bool | None = True,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        h = dict(headers or {})
        if token is True:
            h["X-Z2H-Token"] = self.server.token
        elif token:
            h["X-Z2H-Token"] = token
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=h)
        response = conn.getresponse()
        payload = response.read()
        conn.close()
        kind = response.getheader("Content-Type", "")
        return response.status, (
            json.loads(payload) if kind.startswith("application/json") else payload
        )


@pytest.fixture
def serve() -> Iterator[Callable[..., Client]]:
    """serve(folders, predictions) -> a Client of a studio running on a free port."""
    servers: list[StudioServer] = []

    def start(folders: list[Path], predictions: list[Path] = (), explanations=()) -> Client:
        studio = Studio(folders, predictions, explanations=explanations)
        server = StudioServer(studio, "127.0.0.1", 0)
        server.start()
        servers.append(server)
        return Client(server)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every studio page test."""
    with launched_browser() as b:
        yield b


@pytest.fixture
def open_page(browser, serve):
    """open_page(folders, path, predictions, width, height, scale, token) -> a page of a fresh
    studio, loaded, with its console errors (page.errors) and the dialogs it showed (accepted)."""
    pages = []

    def start(
        folders,
        path="/",
        predictions=(),
        width=1400,
        height=900,
        scale=1,
        token=True,
        explanations=(),
    ):
        client = serve(folders, predictions, explanations)
        page = browser.new_page(
            viewport={"width": width, "height": height},
            device_scale_factor=scale,
            accept_downloads=True,
        )
        page.errors = []
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.accept()))
        query = f"?token={client.server.token}" if token else ""
        page.goto(f"http://127.0.0.1:{client.server.port}{path}{query}")
        page.wait_for_selector("body[data-ready]", timeout=15000)
        page.client = client
        pages.append(page)
        return page

    yield start
    for page in pages:
        page.close()


@pytest.fixture(scope="module")
def demo_page(browser, tmp_path_factory):
    """static/demo.html (the component without the studio), one page for the tests below."""
    from z2h.arc.studio.api import Studio
    from z2h.arc.studio.server import StudioServer

    server = StudioServer(Studio([tmp_path_factory.mktemp("empty")]), "127.0.0.1", 0)
    server.start()
    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.goto(f"http://127.0.0.1:{server.port}/static/demo.html")
    page.wait_for_selector("body[data-ready]", timeout=15000)
    yield page
    page.close()
    server.shutdown()
    server.server_close()
