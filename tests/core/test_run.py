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


def test_scalar_log_roundtrip_and_truncate(tmp_path):
    path = tmp_path / "scalars.csv"
    with run.ScalarLog(path) as log:
        for step in range(5):
            log.log(step, loss=1.0 / (step + 1))
    run.ScalarLog.truncate_after(path, 2)
    rows = list(run.read_scalars(path))
    assert [r[0] for r in rows] == [0, 1, 2]
    assert rows[1][2] == pytest.approx(0.5)


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


def test_busy_cpus_measures_something():
    busy = run.busy_cpus(window=0.05)
    assert busy is None or 0.0 <= busy <= (run.os.cpu_count() or 1) + 1e-6
