"""The trainer's optimizer: weight-decay groups (as nanoGPT's configure_optimizers), the counts it
reports, and AdamW's fused kernel on CUDA only."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from z2h.gpt.model import GPT, make_config
from z2h.train import TrainConfig, decay_groups, make_optimizer


def names_of(model: nn.Module, params: list[nn.Parameter]) -> set[str]:
    ids = {id(p) for p in params}
    return {n for n, p in model.named_parameters() if id(p) in ids}


def test_gpt_groups_by_hand():
    # tied: lm_head.weight is tok_emb.weight, listed once, as tok_emb.weight
    model = GPT(make_config("tiny", vocab_size=11))
    decay, no_decay = decay_groups(model)
    names = [n for n, _ in model.named_parameters()]
    # the rule written out on names: the matmuls' weights decay, and the tied token table
    want = {
        n
        for n in names
        if n.endswith("weight")
        and ("qkv" in n or "proj" in n or "fc" in n or n == "tok_emb.weight")
    }
    assert names_of(model, decay) == want
    assert names_of(model, no_decay) == set(names) - want
    assert "pos_emb.weight" in names_of(model, no_decay)  # an embedding table: looked up
    assert len(decay) + len(no_decay) == len(names)  # every parameter once


def test_untied_embedding_and_frozen_parameters():
    model = nn.Sequential(nn.Embedding(5, 4), nn.LayerNorm(4), nn.Linear(4, 3), nn.Linear(3, 2))
    model[3].weight.requires_grad_(False)
    decay, no_decay = decay_groups(model)
    assert names_of(model, decay) == {"2.weight"}
    assert names_of(model, no_decay) == {"0.weight", "1.weight", "1.bias", "2.bias", "3.bias"}


def test_decay_shrinks_only_the_decay_group():
    # zero gradients: Adam's step is 0, so only the decoupled decay moves a weight, by lr * wd
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(5, 4), nn.Linear(4, 3))
    cfg = TrainConfig(lr=0.1, weight_decay=0.5)
    opt = make_optimizer(model, cfg)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    opt.step()
    after = dict(model.named_parameters())
    torch.testing.assert_close(after["1.weight"], before["1.weight"] * (1 - 0.1 * 0.5))
    for n in ("0.weight", "1.bias"):
        torch.testing.assert_close(after[n], before[n])


@pytest.mark.parametrize("optimizer", ["adamw", "sgd"])
def test_the_counts_are_reported(optimizer):
    model = nn.Sequential(nn.Embedding(5, 4), nn.Linear(4, 3))
    notes: list[str] = []
    opt = make_optimizer(model, TrainConfig(optimizer=optimizer), note=notes.append)
    assert notes == [f"{optimizer}: 1 tensors, 12 parameters decayed; 2 tensors, 23 parameters not"]
    assert [g["weight_decay"] for g in opt.param_groups] == [0.01, 0.0]


def test_fused_adamw_on_cuda_only():
    model = nn.Linear(4, 3)
    assert not make_optimizer(model, TrainConfig()).defaults["fused"]  # on the CPU
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: the fused kernel is checked on one")
    notes: list[str] = []
    opt = make_optimizer(model.cuda(), TrainConfig(), note=notes.append)
    assert opt.defaults["fused"] and "(fused)" in notes[0]
