from __future__ import annotations

import pytest
import torch

from z2h.errors import Z2HError
from z2h.gpt.model import GPT, make_config
from z2h.gpt.tasks import AdditionTask, _is_held_out


def text(task, row):
    return task.tokenizer.decode(row.tolist())


def test_encoding_worked_example():
    task = AdditionTask(digits=3)
    seq = task.encode(torch.tensor([42, 999]), torch.tensor([917, 1]))
    assert text(task, seq[0]) == "042+917=9590"  # 959 reversed, padded to 4 digits
    assert text(task, seq[1]) == "999+001=0001"  # 1000 reversed
    assert task.block_size == 11


def test_examples_mask_the_question():
    task = AdditionTask(digits=2)
    x, y = task.examples(torch.tensor([37]), torch.tensor([85]))
    assert text(task, x[0]) == "37+85=22"  # 122 reversed is "221"; the last digit is never input
    assert y[0].tolist()[:5] == [-1] * 5  # predicting "7+85" and "=" is not the task
    assert task.tokenizer.decode(y[0, 5:].tolist()) == "221"


def test_training_batches_never_contain_held_out_problems():
    task = AdditionTask(digits=2)
    gen = torch.Generator().manual_seed(0)
    seen = set()
    for _ in range(150):
        x, _ = task.train_batch(gen, 256)
        for row in x:
            seen.add(text(task, row)[:5])
    a, b = task.test_pairs()
    held = {f"{i:02d}+{j:02d}" for i, j in zip(a.tolist(), b.tolist(), strict=True)}
    assert held and not (held & seen)
    assert len(seen) > 0.95 * (10_000 - len(held))  # the rest is covered (98% expected)


def test_held_out_fraction_is_one_percent():
    frac = _is_held_out(torch.arange(1_000_000)).float().mean().item()
    assert frac == pytest.approx(0.01, abs=0.001)


def test_evaluation_scores_a_perfect_oracle():
    task = AdditionTask(digits=2)

    class Oracle(torch.nn.Module):
        """Reads a and b from its input and emits the right next answer digit."""

        def __init__(self):
            super().__init__()
            self.dummy = torch.nn.Parameter(torch.zeros(1))

        def forward(self, idx, targets=None):
            B, T = idx.shape
            d = idx[:, :2] @ torch.tensor([10, 1]) + idx[:, 3:5] @ torch.tensor([10, 1])
            pos = T - task.prompt_len  # which answer digit comes next
            digit = d // 10 ** max(pos, 0) % 10
            logits = torch.full((B, T, 12), -10.0)
            logits[torch.arange(B), -1, digit] = 10.0
            return logits, None

    assert (task.answers(Oracle(), *task.test_pairs()) == sum(task.test_pairs())).all()


def test_untrained_model_scores_near_zero():
    task = AdditionTask(digits=3)
    model = GPT(make_config("tiny", vocab_size=12, block_size=task.block_size))
    assert task.evaluate(model, limit=200)["acc"] < 0.05


@pytest.mark.parametrize("digits", [0, 10])
def test_bad_digits(digits):
    with pytest.raises(Z2HError):
        AdditionTask(digits=digits)
