"""GPT tests run torch on one thread: tiny models gain nothing from two, and on a shared machine
OpenMP threads spinning for a busy core slow each step down tens of times."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
