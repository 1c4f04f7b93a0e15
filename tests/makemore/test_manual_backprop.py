"""Every hand-written gradient of lecture 5's network against PyTorch autograd."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from z2h.makemore import manual_backprop as mb

SMALL = mb.ManualMLPConfig(vocab_size=7, block_size=3, n_embd=4, n_hidden=16)


def _setup(cfg: mb.ManualMLPConfig, dtype: torch.dtype, n: int = 32, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    params = mb.init_params(cfg, g, dtype)
    X = torch.randint(0, cfg.vocab_size, (n, cfg.block_size), generator=g)
    Y = torch.randint(0, cfg.vocab_size, (n,), generator=g)
    return params, X, Y


@pytest.mark.parametrize("cfg", [SMALL, mb.ManualMLPConfig()], ids=["small", "lecture5"])
@pytest.mark.parametrize(
    ("dtype", "tol"), [(torch.float64, 1e-10), (torch.float32, 1e-5)], ids=["f64", "f32"]
)
def test_every_gradient_matches_autograd(cfg, dtype, tol):
    checks = mb.check_gradients(cfg, dtype=dtype, batch_size=32)
    names = {(c.stage, c.name) for c in checks}
    # every atomic intermediate and every parameter is checked in both stages
    assert {("atomic", n) for n in (*mb.ATOMIC_NAMES, *mb.PARAM_NAMES)} <= names
    assert {("fused", n) for n in (*mb.FUSED_NAMES, *mb.PARAM_NAMES)} <= names
    worst = max(checks, key=lambda c: c.max_abs_diff)
    assert worst.max_abs_diff <= tol, worst


@pytest.mark.parametrize("n", [2, 3, 5, 64])
def test_batch_sizes_including_the_smallest(n):
    params, X, Y = _setup(SMALL, torch.float64, n=n, seed=n)
    _, ref = mb.autograd_gradients(params, X, Y)
    _, cache = mb.forward(params, X, Y)
    for backward in (mb.backward_atomic, mb.backward_fused):
        grads = backward(params, cache, X, Y)
        for name in mb.PARAM_NAMES:
            torch.testing.assert_close(grads[name], ref[name], rtol=0, atol=1e-10)


def test_repeated_tokens_accumulate_into_the_embedding():
    params, _, _ = _setup(SMALL, torch.float64)
    X = torch.zeros(8, SMALL.block_size, dtype=torch.long)  # every position reads row 0
    Y = torch.arange(8) % SMALL.vocab_size
    _, ref = mb.autograd_gradients(params, X, Y)
    _, cache = mb.forward(params, X, Y)
    dC = mb.backward_fused(params, cache, X, Y)["C"]
    torch.testing.assert_close(dC, ref["C"], rtol=0, atol=1e-12)
    assert dC[1:].abs().max() == 0 and dC[0].abs().max() > 0


def test_forward_equals_pytorch_modules():
    params, X, Y = _setup(SMALL, torch.float64)
    loss, cache = mb.forward(params, X, Y)
    torch.testing.assert_close(loss, F.cross_entropy(cache["logits"], Y))
    hprebn = cache["hprebn"]
    # the lecture normalises with the unbiased (Bessel-corrected) variance
    var, mean = torch.var_mean(hprebn, 0, correction=1)
    torch.testing.assert_close(cache["bnraw"], (hprebn - mean) / (var + 1e-5).sqrt())
    biased = F.batch_norm(hprebn, None, None, training=True, eps=1e-5)
    assert not torch.allclose(cache["bnraw"], biased)
    lean_loss, lean = mb.forward_fused(params, X, Y)
    torch.testing.assert_close(lean_loss, loss)
    torch.testing.assert_close(lean["logits"], cache["logits"])


def test_cross_entropy_backward_handles_huge_logits():
    logits = torch.tensor([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]], dtype=torch.float64)
    Y = torch.tensor([1, 2])
    ref = logits.clone().requires_grad_(True)
    F.cross_entropy(ref, Y).backward()
    torch.testing.assert_close(mb.cross_entropy_backward(logits, Y), ref.grad)


def test_b1_gradient_vanishes_before_batchnorm():
    """A bias before BatchNorm is subtracted right back out: its gradient is zero."""
    params, X, Y = _setup(SMALL, torch.float64)
    _, cache = mb.forward(params, X, Y)
    grads = mb.backward_fused(params, cache, X, Y)
    assert grads["b1"].abs().max() < 1e-12
    assert grads["W1"].abs().max() > 1e-6


def test_manual_training_learns_a_toy_task():
    g = torch.Generator().manual_seed(0)
    X = torch.randint(0, SMALL.vocab_size, (512, SMALL.block_size), generator=g)
    Y = (X[:, -1] + 1) % SMALL.vocab_size  # the next token is a function of the context
    params = mb.init_params(SMALL, torch.Generator().manual_seed(1), torch.float32)
    before = mb.evaluate(params, *mb.bn_calibrate(params, X), X, Y)
    result = mb.train_manual(params, X, Y, X, Y, steps=300, batch_size=32)
    assert result.dev_loss < 0.5 * before
    assert not any(p.requires_grad for p in params.values())


def test_bad_input():
    params, X, Y = _setup(SMALL, torch.float64)
    with pytest.raises(ValueError, match="at least 2"):
        mb.forward(params, X[:1], Y[:1])
    with pytest.raises(ValueError, match="expected"):
        mb.forward(params, X[:, 0], Y)
    with pytest.raises(ValueError, match="n_hidden"):
        mb.init_params(mb.ManualMLPConfig(n_hidden=0))


def test_cli_checks_then_trains(tmp_path, capsys, monkeypatch):
    from z2h.cli import main

    words = tmp_path / "words.txt"
    words.write_text("\n".join(["emma", "olivia", "ava", "isabella", "sophia", "mia"] * 10) + "\n")
    assert main(["makemore", "manual-backprop", "--steps", "0"]) == 0
    assert "largest difference" in capsys.readouterr().out
    argv = ["makemore", "manual-backprop", "--steps", "50", "--n-hidden", "16"]
    assert main([*argv, "--data", str(words)]) == 0
    assert "trained on hand-written gradients only" in capsys.readouterr().out
    monkeypatch.delenv("Z2H_PROGRESS")  # stderr is captured: progress comes as plain lines
    assert main([*argv, "--data", str(words)]) == 0
    err = capsys.readouterr().err  # the long lecture run shows where it is, and ends with losses
    assert "makemore manual-backprop: step 50/50" in err and "eval train" in err
