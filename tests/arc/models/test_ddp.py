"""Data parallel on CPU: 2 ranks under torchrun (gloo) against 1 process with the same global batch.

Every rank draws the same tasks and keeps its half; with every answer the same size (flip at
difficulty 0: 3x3 grids) each half's mean loss weighs its cells as the whole batch's does, so the
averaged gradients equal the full batch's and the runs differ only by float summation order.
Stated tolerance: weights within 1e-5 after 4 AdamW steps.
"""

from __future__ import annotations

import pytest
import torch

from z2h.arc.models.registry import load_run
from z2h.run import read_metrics

ARGS = ["--generator", "flip", "--difficulty", "0,0", "--model", "grid-vit", "--set", "canvas=4",
        "--set", "n_layer=1", "--set", "n_head=2", "--set", "n_embd=16", "--batch-size", "8",
        "--max-steps", "4", "--eval-interval", "2", "--val-tasks", "4", "--val-exact", "2",
        "--threads", "1"]  # fmt: skip


@pytest.mark.slow
def test_two_ranks_match_one_process(tmp_path, arc, arc_two_ranks):
    proc = arc_two_ranks(["train", "--out", str(tmp_path / "ddp"), *ARGS], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert arc(["train", "--out", str(tmp_path / "one"), *ARGS]) == 0
    ddp, one = read_metrics(tmp_path / "ddp"), read_metrics(tmp_path / "one")
    assert ddp["world_size"] == 2 and one["world_size"] == 1 and ddp["steps"] == 4
    for a, b in zip(ddp["history"], one["history"], strict=True):
        assert a["step"] == b["step"] and a["loss"] == pytest.approx(b["loss"], abs=1e-5)
    wa = load_run(tmp_path / "ddp").model.state_dict()
    wb = load_run(tmp_path / "one").model.state_dict()
    for name in wa:
        torch.testing.assert_close(wa[name], wb[name], rtol=0, atol=1e-5, msg=name)
    # only rank 0 wrote
    assert sorted(p.name for p in (tmp_path / "ddp").iterdir()) == sorted(
        p.name for p in (tmp_path / "one").iterdir()
    )
