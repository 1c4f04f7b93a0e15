"""Toy data for the diagnostics tests: a small deterministic word list."""

from __future__ import annotations

import random
from pathlib import Path

import pytest


@pytest.fixture
def toy_words(tmp_path: Path) -> Path:
    """300 pronounceable pseudo-words over a-l, written to a word-list file."""
    rng = random.Random(0)
    cons, vows = "bcdfghjkl", "aei"
    words = set()
    while len(words) < 300:
        n = rng.randint(2, 4)
        words.add(
            "".join(rng.choice(cons) + rng.choice(vows) for _ in range(n))[: rng.randint(3, 8)]
        )
    path = tmp_path / "toy_words.txt"
    path.write_text("\n".join(sorted(words)) + "\n")
    return path


@pytest.fixture(autouse=True)
def _one_thread():
    """These tests use tiny tensors: one intra-op thread is faster than two fighting for cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
