"""The transformer ensemble (``--set members=K``): members train on their own rows, probabilities
averaged for evaluation and sampling."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from z2h.makemore import registry
from z2h.makemore.models.ensemble import Ensemble, average_log_probs
from z2h.makemore.models.transformer import RECIPE_BLOCK, Transformer

TINY = {"vocab_size": 27, "block_size": 10, "n_layer": 1, "n_head": 2, "n_embd": 16}


def ensemble(members: int = 3, **kw) -> Ensemble:
    torch.manual_seed(0)
    config = registry.make_config(
        "transformer", None, members=members, **{**TINY, **RECIPE_BLOCK, **kw}
    )
    model = registry.build("transformer", config)
    assert isinstance(model, Ensemble) and len(model.members) == members
    return model


def words(n: int = 7) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    x = torch.randint(1, 27, (n, 10), generator=g)
    x[:, 0] = 0
    return x, torch.randint(0, 27, (n, 10), generator=g)


def test_one_member_is_a_plain_transformer():
    config = registry.make_config("transformer", None, **TINY)
    assert type(registry.build("transformer", config)) is Transformer


def test_evaluation_averages_the_members_probabilities():
    model = ensemble().eval()
    x, y = words()
    with torch.no_grad():
        logits, loss = model(x, y)
        probs = torch.stack([F.softmax(m(x)[0], -1) for m in model.members]).mean(0)
    torch.testing.assert_close(logits.exp(), probs)
    torch.testing.assert_close(loss, -probs.gather(-1, y[..., None]).log().mean())


def test_weighted_average_of_probabilities():
    from z2h.errors import Z2HError

    model = ensemble().eval()
    x, _ = words()
    members = list(model.members)
    with torch.no_grad():
        probs = torch.stack([F.softmax(m(x)[0], -1) for m in members])
        weighted = average_log_probs(members, x, [2.0, 1.0, 1.0]).exp()
        torch.testing.assert_close(weighted, (2 * probs[0] + probs[1] + probs[2]) / 4)
        # equal weights are the plain mean
        torch.testing.assert_close(
            average_log_probs(members, x, [5.0] * 3), average_log_probs(members, x)
        )
    for bad in ([1.0, 1.0], [1.0, 0.0, 1.0]):
        with pytest.raises(Z2HError, match="positive weight"):
            average_log_probs(members, x, bad)


def test_training_deals_rows_to_members():
    model = ensemble().train()
    x, y = words()
    _, loss = model(x, y)
    loss.backward()
    for m in model.members:  # every member learns from its share of the rows
        assert m.tok_emb.weight.grad is not None and m.tok_emb.weight.grad.abs().sum() > 0
    model.zero_grad()
    # a batch of one row reaches member 0 only
    model(x[:1], y[:1])[1].backward()
    assert model.members[0].tok_emb.weight.grad is not None
    assert all(m.tok_emb.weight.grad is None for m in model.members[1:])


def test_training_logits_are_each_members_own():
    model = ensemble(dropout=0.0).train()
    x, y = words(6)
    logits, _ = model(x, y)
    with torch.no_grad():
        for k, m in enumerate(model.members):
            torch.testing.assert_close(logits[k::3].detach(), m(x[k::3])[0])


def test_batched_training_step_matches_the_loop_over_members():
    """Rows divisible by K go through the stacked (vmap) members: same loss, same gradients."""
    model = ensemble(dropout=0.0).train()
    x, y = words(6)
    _, loss = model(x, y)
    loss.backward()
    batched = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    logits = torch.cat([m(x[k::3])[0] for k, m in enumerate(model.members)])
    order = torch.cat([torch.arange(k, 6, 3) for k in range(3)])
    looped = F.cross_entropy(logits.reshape(-1, 27), y[order].reshape(-1))
    looped.backward()
    torch.testing.assert_close(loss, looped)
    for (name, p), g in zip(model.named_parameters(), batched, strict=True):
        torch.testing.assert_close(g, p.grad, msg=name)


@pytest.mark.needs_compiler
def test_compiled_batched_step_matches_eager():
    """The recipe compiles the stacked members: same loss and gradients as eager."""
    model = ensemble(2, dropout=0.0).train()
    x, y = words(4)
    _, loss = model(x, y)
    loss.backward()
    eager = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    _, compiled = torch.compile(model)(x, y)
    compiled.backward()
    torch.testing.assert_close(compiled, loss, rtol=1e-5, atol=1e-5)
    for (name, p), g in zip(model.named_parameters(), eager, strict=True):
        torch.testing.assert_close(p.grad, g, rtol=1e-4, atol=1e-5, msg=name)


def test_any_sequence_model_can_be_a_member():
    """The ensemble is not tied to the transformer: LSTMs train member by member (they have no
    stacked step) and average the same way."""
    config = registry.make_config("lstm", None, vocab_size=27, block_size=10, n_embd=8, n_hidden=16)
    torch.manual_seed(0)
    model = Ensemble(lambda: registry.build("lstm", config), 2, config).train()
    x, y = words(4)
    logits, loss = model(x, y)
    loss.backward()
    with torch.no_grad():
        for k, m in enumerate(model.members):
            torch.testing.assert_close(logits[k::2].detach(), m(x[k::2])[0])
            assert next(m.parameters()).grad is not None
        model.eval()
        probs = torch.stack([F.softmax(m(x)[0], -1) for m in model.members]).mean(0)
        torch.testing.assert_close(model(x)[0].exp(), probs)


def test_ensemble_starts_near_uniform():
    model = ensemble(4).eval()
    x, y = words(32)
    with torch.no_grad():
        _, loss = model(x, y)
    assert abs(loss.item() - math.log(27)) < 0.1


def test_bad_member_count():
    with pytest.raises(ValueError, match="members"):
        ensemble(0)


def test_cli_ensemble_train_sample_eval(tmp_path, capsys):
    from z2h.cli import main
    from z2h.run import read_metrics

    path = tmp_path / "words.txt"
    path.write_text("\n".join(["emma", "olivia", "ava", "isabella", "sophia", "mia"] * 4) + "\n")
    out = tmp_path / "run"
    tiny = ["--set=n_layer=1", "--set=n_head=2", "--set=n_embd=16", "--set=members=2"]
    args = ["makemore", "train", "--data", str(path), "--out", str(out), "--max-steps", "3"]
    assert main([*args, *tiny, "--threads", "1"]) == 0
    m = read_metrics(out)
    assert m["config"]["members"] == 2 and m["steps"] == 3
    capsys.readouterr()
    assert main(["makemore", "sample", "--out", str(out), "-n", "3", "--seed", "1"]) == 0
    assert capsys.readouterr().out.count("\n") == 3
    assert main(["makemore", "eval", "--out", str(out), "--split", "test"]) == 0
    assert "test loss" in capsys.readouterr().out


def test_ensemble_benchmark_smoke(tmp_path, capsys, benchmark):
    """benchmarks/makemore_ensemble.py on two toy runs, one of them an ensemble of 3."""
    import json

    from z2h.cli import main

    bench = benchmark("makemore_ensemble")
    words = tmp_path / "words.txt"
    words.write_text("\n".join(["emma", "olivia", "ava", "isabella", "sophia", "mia"] * 4) + "\n")
    tiny = ["--set=n_layer=1", "--set=n_head=2", "--set=n_embd=16", "--threads", "1"]
    runs = []
    for name, extra in (("one", []), ("three", ["--set=members=3"])):
        out = tmp_path / name
        args = ["makemore", "train", "--data", str(words), "--out", str(out), "--max-steps", "2"]
        assert main([*args, *tiny, *extra]) == 0
        runs.append(str(out))
    capsys.readouterr()
    out_json = tmp_path / "rows.json"
    assert bench.main([*runs, "--json", str(out_json), "--threads", "1"]) == 0
    rows = json.loads(out_json.read_text())
    names = [r["models"] for r in rows]
    assert names[2] == "average of the 2 runs"
    assert sum("alone" in n for n in names) == 3 and sum("averaged" in n for n in names) == 1
    assert all(0 < r["dev"] < 10 and 0 < r["test"] < 10 for r in rows)
    assert "| average of the 2 runs |" in capsys.readouterr().out
    # weighted: a weight near zero leaves the other run's loss; a bad weight list is refused
    args = [*runs, "--weights", "1", "1e-9", "--no-members", "--json", str(out_json)]
    assert bench.main(args) == 0
    weighted = json.loads(out_json.read_text())
    assert len(weighted) == 3  # the two runs and their average, no member rows
    assert weighted[2]["models"] == "average of the 2 runs weighted 1:1e-09"
    assert abs(weighted[2]["dev"] - weighted[0]["dev"]) < 1e-4
    assert abs(weighted[2]["dev"] - rows[2]["dev"]) > 1e-4
    assert bench.main([*runs, "--weights", "1"]) == 2
    assert bench.main([*runs, "--weights", "1", "0"]) == 2
    # a run of a fixed-context model cannot be averaged position by position
    mlp = tmp_path / "mlp"
    args = ["makemore", "train", "--model", "mlp", "--data", str(words), "--out", str(mlp)]
    assert main([*args, "--max-steps", "2", "--threads", "1"]) == 0
    assert bench.main([runs[0], str(mlp)]) == 2


def test_packed_ensemble_resumes_exactly(assert_resumes_exactly):
    """Killed after a checkpoint and resumed = the uninterrupted run, for packed rows too."""
    from z2h.makemore.batches import pack_fn
    from z2h.makemore.data import Vocab, sequence_examples

    names = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "zoe", "al"]
    vocab = Vocab.from_words(names)
    X, Y = sequence_examples(names, vocab, 10)
    assert_resumes_exactly(
        lambda: ensemble(2, vocab_size=len(vocab), dropout=0.1),
        pack_fn(X, Y, rows=4, length=16),
        lambda m: {"dev": m(X, Y)[1].item()},
        seed=3,
    )
