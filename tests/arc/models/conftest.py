"""ARC model tests run torch on one thread: toy models gain nothing from two on a shared machine."""

from __future__ import annotations

import pytest
import torch


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
