"""ARC model tests run torch on one thread: toy models gain nothing from two on a shared machine."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SRC = Path(__file__).resolve().parents[3] / "src"


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def run_arc(argv: list[str]) -> int:
    """``z2h arc ARGV`` through the real entry point; returns the exit code."""
    from z2h.cli import main

    return main(["arc", *argv])


@pytest.fixture(scope="session")
def arc():
    return run_arc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun_arc(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """``z2h arc ARGV`` on two ranks under torchrun (gloo on the CPU), one thread each."""
    path = os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "OMP_NUM_THREADS": "1", "Z2H_PROGRESS": "0", "PYTHONPATH": path}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
           "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
           "-m", "z2h", "arc", *argv]  # fmt: skip
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="session")
def arc_two_ranks():
    return torchrun_arc
