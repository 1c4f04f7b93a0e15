"""Fixtures for the sketch tests: sketch_helpers importable, and the CLI run in-process."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def run_cli(capsys) -> Callable[..., tuple[int, str, str]]:
    """``run_cli(*argv)`` -> (exit code, stdout, stderr) of ``z2h *argv``."""
    from z2h.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as e:  # argparse's own errors
            code = int(e.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run
