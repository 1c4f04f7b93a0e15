from __future__ import annotations

import json
import math
import random

import pytest

from z2h import run
from z2h.cli import main


def test_seed_everything_repeats():
    run.seed_everything(3)
    a = random.random()
    run.seed_everything(3)
    assert random.random() == a


def test_metrics_atomic_and_strict_json(tmp_path):
    run.write_metrics(tmp_path, {"loss": 1.5, "bad": math.nan, "steps": 3})
    assert json.loads((tmp_path / "metrics.json").read_text()) == {
        "loss": 1.5,
        "bad": None,
        "steps": 3,
    }
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "f.txt"
    run.write_text_atomic(target, "old")

    def boom(f):
        f.write(b"partial")
        raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError):
        run.atomic_write(target, boom)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_scalar_log_roundtrip_and_resume(tmp_path):
    path = tmp_path / "scalars.csv"
    with run.ScalarLog(path) as log:
        for step in range(5):
            log.log(step, loss=1.0 / (step + 1))
    with run.ScalarLog(path, resume_at=2) as log:
        log.log(3, loss=9.0)
    rows = list(run.read_scalars(path))
    assert [r[0] for r in rows] == [0, 1, 2, 3]
    assert rows[1][2] == pytest.approx(0.5) and rows[3][2] == pytest.approx(9.0)
    assert b"\r" not in path.read_bytes()  # one line ending, before and after a resume
    run.ScalarLog(path)  # a new run starts an empty log
    assert list(run.read_scalars(path)) == []


def test_scalar_log_file_changes_only_whole_on_flush(tmp_path):
    path = tmp_path / "scalars.csv"
    log = run.ScalarLog(path)
    log.log(1, loss=2.0)
    log.flush()
    before = path.read_bytes()
    log.log(2, loss=1.0)  # not flushed: the file still holds exactly the flushed rows
    assert path.read_bytes() == before
    log.close()
    assert [r[0] for r in run.read_scalars(path)] == [1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["scalars.csv"]  # no temporary files left


def test_default_run_dirs_started_in_one_second_differ(monkeypatch):
    monkeypatch.setattr(run.time, "strftime", lambda fmt: "20260101-120000")
    names = {run.default_run_dir("gpt", "gpt") for _ in range(50)}
    assert len(names) == 50
    assert all(str(n).startswith("runs/gpt/gpt-20260101-120000-") for n in names)


def test_reporter_modes(monkeypatch):
    import io

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("Z2H_PROGRESS", raising=False)
    assert run.Reporter(stream=io.StringIO()).mode == "lines"
    assert run.Reporter(stream=Tty()).mode == "bar"
    assert run.Reporter(stream=Tty(), quiet=True).mode == "off"
    monkeypatch.setenv("Z2H_PROGRESS", "0")
    assert run.Reporter(stream=Tty()).mode == "off"


def test_reporter_lines_have_no_escape_codes():
    import io

    out = io.StringIO()
    rep = run.Reporter("gpt", stream=out, mode="lines", line_seconds=1.0)
    rep.note("resumed from step 10")
    rep.start(step=10, elapsed=5.0, max_steps=110, time_budget=None)
    rep.step(19, 5.9, loss=3.5)
    rep.step(20, 6.0, loss=1.5)  # 10 steps in 1 s: a line, 100 steps (10 s) to go
    rep.evaluated(20, 6.1, {"val": 2.25})
    rep.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "gpt: resumed from step 10"
    assert lines[1] == "gpt: step 20/110  loss 2.5000  10.0 steps/s  0:09 left"
    assert lines[2].endswith("| eval val 2.2500")
    assert "\x1b" not in out.getvalue() and "\r" not in out.getvalue()


def test_reporter_bar_writes_to_a_terminal():
    import io

    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    rep = run.Reporter("gpt", stream=out, mode="bar")
    rep.start(step=0, elapsed=0.0, max_steps=None, time_budget=10.0)
    rep.step(5, 5.0, loss=1.5)
    rep.close()
    assert "50%" in out.getvalue() and "0:05 left" in out.getvalue()


def test_format_summary():
    text = run.format_summary("done", [("val loss", 1.23456), ("steps", 1200), ("skip", None)])
    assert text.splitlines() == ["done", "  val loss  1.2346", "  steps     1,200"]


def test_cli_help_and_unknown(capsys):
    assert main([]) == 0
    assert "micrograd" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        main(["nonsense"])
    assert e.value.code != 0


def test_atomic_files_get_normal_permissions(tmp_path):
    import os

    path = run.write_text_atomic(tmp_path / "x.txt", "hi")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_out_that_is_a_file_is_a_clear_error(tmp_path):
    from z2h.errors import Z2HError

    f = tmp_path / "afile"
    f.write_text("x")
    with pytest.raises(Z2HError, match="not a directory"):
        run.make_run_dir(f)


@pytest.mark.parametrize(("busy", "expected"), [(0.1, 2), (0.4, 2), (1.2, 1), (7.0, 1), (None, 2)])
def test_threads_follow_the_idle_cores(monkeypatch, busy, expected):
    import torch

    monkeypatch.setattr(run.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(run, "busy_cpus", lambda: busy)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)
    assert run.set_threads(None) == expected
    assert run.set_threads(3) == 3


def test_threads_note_is_silent_when_quiet(monkeypatch, capsys):
    import torch

    monkeypatch.setattr(run.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(run, "busy_cpus", lambda: 1.5)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)
    assert run.set_threads(None, who="z2h x") == 1
    assert "z2h x: using 1 torch thread(s) of 2" in capsys.readouterr().err
    assert run.set_threads(None, who="z2h x", quiet=True) == 1
    assert capsys.readouterr().err == ""


def test_busy_cpus_measures_something():
    busy = run.busy_cpus(window=0.05)
    assert busy is None or 0.0 <= busy <= (run.os.cpu_count() or 1) + 1e-6
