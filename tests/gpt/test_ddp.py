"""Data parallel on CPU: 2 ranks under torchrun (gloo) against 1 process with the same global batch.

Every rank draws the same global batch and keeps its half; DDP averages the two halves' gradients,
which equals the full batch's gradient, so the runs differ only by float summation order. Stated
tolerance: weights within 1e-5 and val losses within 1e-5 after 6 AdamW steps.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest
import torch

from z2h.cli import main
from z2h.gpt.sample import load_run
from z2h.run import read_metrics

TEXT = (
    "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n" * 30
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "Z2H_PROGRESS": "0"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
           "--master_addr", "127.0.0.1", "--master_port", str(free_port()), *args]  # fmt: skip
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_two_ranks_match_one_process(tmp_path):
    data = tmp_path / "text.txt"
    data.write_text(TEXT, encoding="utf-8")
    args = ["--data", str(data), "--preset", "tiny", "--batch-size", "8", "--max-steps", "6",
            "--eval-interval", "3", "--threads", "1", "--autocast", "fp32"]  # fmt: skip
    proc = torchrun(
        "-m", "z2h", "gpt", "train", "--out", str(tmp_path / "ddp"), *args, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert main(["gpt", "train", "--out", str(tmp_path / "one"), *args]) == 0

    ddp, one = read_metrics(tmp_path / "ddp"), read_metrics(tmp_path / "one")
    assert ddp["world_size"] == 2 and one["world_size"] == 1
    assert ddp["steps"] == one["steps"] == 6
    for a, b in zip(ddp["history"], one["history"], strict=True):
        assert a["step"] == b["step"] and a["val"] == pytest.approx(b["val"], abs=1e-5)
    wa = load_run(tmp_path / "ddp").model.state_dict()
    wb = load_run(tmp_path / "one").model.state_dict()
    for name in wa:
        torch.testing.assert_close(wa[name], wb[name], rtol=0, atol=1e-5, msg=name)
    # only rank 0 wrote: exactly one metrics file and no stray temporary files
    assert sorted(p.name for p in (tmp_path / "ddp").iterdir()) == sorted(
        p.name for p in (tmp_path / "one").iterdir()
    )


@pytest.mark.slow
def test_mismatched_settings_between_ranks_fail_clearly(tmp_path):
    script = tmp_path / "mismatch.py"
    script.write_text(textwrap.dedent("""
        import sys
        import torch.distributed as dist
        from z2h.gpt.dist import check_same_settings
        dist.init_process_group("gloo")
        rank = dist.get_rank()
        try:
            check_same_settings({"lr": 1e-3 * (1 + rank), "n_layer": 4})
            said = "accepted"
        except ValueError as e:
            said = str(e)
        with open(f"{sys.argv[1]}/rank{rank}.txt", "w") as f:  # one file each: no interleaving
            f.write(said)
        dist.destroy_process_group()
    """))  # fmt: skip
    proc = torchrun(str(script), str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    said = [(tmp_path / f"rank{r}.txt").read_text() for r in range(2)]
    assert all("different settings (lr: 0.001, 0.002)" in x for x in said), said
    assert not any("n_layer" in x for x in said)


@pytest.mark.slow
def test_a_loss_gone_bad_on_one_rank_stops_every_rank(tmp_path):
    """Rank 1's loss turns NaN (its gradients stay finite): both ranks must stop, not rank 1
    alone while rank 0 waits for it in the next collective."""
    script = tmp_path / "diverge.py"
    script.write_text(textwrap.dedent("""
        import sys
        import torch
        import torch.distributed as dist
        import torch.nn as nn
        import torch.nn.functional as F
        from z2h.train import TrainConfig, Trainer, TrainingDiverged

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = nn.Linear(4, 3)
                self.calls = 0

            def forward(self, x, y):
                self.calls += 1
                loss = F.cross_entropy(self.head(x), y)
                if dist.get_rank() == 1 and self.calls == 3:
                    loss = loss + float("nan")  # the value goes bad, the gradient does not
                return None, loss

        dist.init_process_group("gloo")
        rank = dist.get_rank()
        torch.manual_seed(0)
        x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
        trainer = Trainer(
            Model(), TrainConfig(max_steps=20, eval_interval=100),
            train_batch=lambda gen: (x, y), evaluate=lambda m: {"dev": 0.0},
            run_dir=sys.argv[1] + "/run", kind="test",
        )
        try:
            trainer.fit()
            said = "finished"
        except TrainingDiverged as e:
            said = "diverged: " + str(e)
        with open(f"{sys.argv[1]}/rank{rank}.txt", "w") as f:
            f.write(said)
        dist.barrier()  # both ranks done with every collective before the group goes
        dist.destroy_process_group()
    """))  # fmt: skip
    proc = torchrun(str(script), str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    said = [(tmp_path / f"rank{r}.txt").read_text() for r in range(2)]
    assert said[1].startswith("diverged: training loss became nan at step 3"), said
    assert said[0].startswith("diverged: training loss went bad on another rank at step 3"), said
