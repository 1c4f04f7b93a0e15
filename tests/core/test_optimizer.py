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
    # the rule written out on names: the matmuls' weights and the embedding tables decay
    want = {
        n
        for n in names
        if n.endswith("weight") and ("qkv" in n or "proj" in n or "fc" in n or "_emb." in n)
    }
    assert names_of(model, decay) == want
    assert names_of(model, no_decay) == set(names) - want
    assert {"tok_emb.weight", "pos_emb.weight"} <= names_of(model, decay)  # as nanoGPT's
    assert len(decay) + len(no_decay) == len(names)  # every parameter once


def test_untied_embedding_and_frozen_parameters():
    model = nn.Sequential(nn.Embedding(5, 4), nn.LayerNorm(4), nn.Linear(4, 3), nn.Linear(3, 2))
    model[3].weight.requires_grad_(False)
    decay, no_decay = decay_groups(model)
    assert names_of(model, decay) == {"0.weight", "2.weight"}
    assert names_of(model, no_decay) == {"1.weight", "1.bias", "2.bias", "3.bias"}


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
    for n in ("0.weight", "1.weight"):
        torch.testing.assert_close(after[n], before[n] * (1 - 0.1 * 0.5))
    torch.testing.assert_close(after["1.bias"], before["1.bias"])


@pytest.mark.parametrize("optimizer", ["adamw", "sgd"])
def test_the_counts_are_reported(optimizer):
    model = nn.Sequential(nn.Embedding(5, 4), nn.Linear(4, 3))
    notes: list[str] = []
    opt = make_optimizer(model, TrainConfig(optimizer=optimizer), note=notes.append)
    assert notes == [f"{optimizer}: 2 tensors, 32 parameters decayed; 1 tensors, 3 parameters not"]
    assert [g["weight_decay"] for g in opt.param_groups] == [0.01, 0.0]


def test_fused_adamw_on_cuda_only():
    model = nn.Linear(4, 3)
    assert not make_optimizer(model, TrainConfig()).defaults["fused"]  # on the CPU
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: the fused kernel is checked on one")
    notes: list[str] = []
    opt = make_optimizer(model.cuda(), TrainConfig(), note=notes.append)
    assert opt.defaults["fused"] and "(fused)" in notes[0]


def test_resuming_other_parameter_groups_is_a_checkpoint_error(tmp_path):
    # a last.pt whose optimizer grouped the parameters otherwise (a checkpoint of another
    # version) is refused with a message, not torch's traceback
    from z2h.errors import CheckpointError
    from z2h.train import Trainer

    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(5, 4), nn.Linear(4, 3))
    cfg = TrainConfig(max_steps=1, eval_interval=1)

    def batch(gen):
        return torch.randint(0, 5, (2,), generator=gen), torch.zeros(2, dtype=torch.long)

    def trainer():
        return Trainer(
            model, cfg, train_batch=batch, evaluate=lambda m: {"dev_loss": 1.0},
            run_dir=tmp_path, kind="test", reporter=None,
        )  # fmt: skip

    t = trainer()
    t.save_last()
    ckpt = torch.load(tmp_path / "last.pt", weights_only=False)
    state = ckpt["optimizer_state"]
    # one group holding every parameter: the old grouping of a model like this one
    state["param_groups"] = [{**state["param_groups"][0], "params": [0, 1, 2]}]
    torch.save(ckpt, tmp_path / "last.pt")
    with pytest.raises(CheckpointError, match="other parameter groups"):
        trainer().restore()
