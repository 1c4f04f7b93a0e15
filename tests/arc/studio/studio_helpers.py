"""Shared constants and helpers of the studio's tests (conftest.py holds the fixtures)."""

from __future__ import annotations

import hashlib
from pathlib import Path

# a hand-made task: a red 2x2 square and a blue cell on black (no labels: the page finds them)
SQUARE = {
    "train": [
        {
            "input": [
                [0, 0, 0, 0, 0],
                [0, 2, 2, 0, 0],
                [0, 2, 2, 0, 0],
                [0, 0, 0, 1, 0],
                [0, 0, 0, 0, 0],
            ],
            "output": [
                [0, 0, 0, 0, 0],
                [0, 0, 2, 2, 0],
                [0, 0, 2, 2, 0],
                [0, 0, 0, 1, 0],
                [0, 0, 0, 0, 0],
            ],
        }
    ],
    "test": [{"input": [[3, 0], [0, 0]], "output": [[0, 3], [0, 0]]}],
}
GENERATOR = "flip"


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` -> a hash of its bytes and its mtime, so a rewrite with the same
    bytes counts as a change too (symlinks by their target)."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            out[str(path.relative_to(root))] = "-> " + str(path.readlink())
        elif path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            out[str(path.relative_to(root))] = f"{digest} {path.stat().st_mtime_ns}"
    return out
