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
    """``z2h arc ARGV`` through the real entry point when ``z2h arc`` is wired in, else through a
    parser holding just the model commands (the same handlers and error handling)."""
    import argparse
    import sys

    from z2h.cli import SYSTEMS, main

    if "arc" in SYSTEMS:
        return main(["arc", *argv])
    from z2h.arc.models.cli import add_commands
    from z2h.errors import Z2HError

    parser = argparse.ArgumentParser(prog="z2h arc")
    add_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except Z2HError as e:
        print(f"z2h arc: error: {e}", file=sys.stderr)
        return 2


@pytest.fixture(scope="session")
def arc():
    return run_arc
