"""The neural ladder of makemore II: MLP, BatchNorm MLP, WaveNet, RNN, GRU, LSTM, Transformer.

Every model honours ``forward(idx, targets=None) -> (logits, loss)``; these tests check each one at
toy size (the lecture-size runs are in ``benchmarks/makemore_ladder.py``).
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.checkpoint import load_checkpoint, save_checkpoint
from z2h.makemore import registry
from z2h.makemore.data import Vocab, context_examples, sequence_examples
from z2h.makemore.models.bnmlp import BatchNorm1d
from z2h.makemore.models.wavenet import FlattenConsecutive

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "zoe"]
VOCAB = Vocab.from_words(WORDS)

# toy configs: small enough that every test runs in well under a second per model
TINY = {
    "mlp": {"block_size": 3, "n_embd": 4, "n_hidden": 16},
    "bnmlp": {"block_size": 3, "n_embd": 4, "n_hidden": 16, "n_layers": 2, "output_bn": True},
    "wavenet": {"block_size": 8, "n_embd": 4, "n_hidden": 16},
    "rnn": {"block_size": 10, "n_embd": 8, "n_hidden": 16},
    "gru": {"block_size": 10, "n_embd": 8, "n_hidden": 16},
    "lstm": {"block_size": 10, "n_embd": 8, "n_hidden": 16},
    "transformer": {"block_size": 10, "n_layer": 1, "n_head": 2, "n_embd": 16},
}
LADDER = list(TINY)
SEQUENCE = [m for m in LADDER if registry.get(m).input_kind == "sequence"]
WITH_BATCHNORM = ["bnmlp", "wavenet"]


@pytest.fixture(autouse=True)
def _one_thread():
    """Toy models gain nothing from threads, and spinning threads crawl on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_config(name: str):
    return registry.make_config(name, None, vocab_size=len(VOCAB), **TINY[name])


def tiny_model(name: str, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return registry.build(name, tiny_config(name))


def tiny_examples(name: str, words: list[str] = WORDS) -> tuple[torch.Tensor, torch.Tensor]:
    entry = registry.get(name)
    k = TINY[name]["block_size"]
    if entry.input_kind == "context":
        return context_examples(words, VOCAB, k)
    return sequence_examples(words, VOCAB, k)


def test_every_ladder_model_is_registered():
    assert set(LADDER) <= set(registry.names())
    for name in LADDER:
        entry = registry.get(name)
        assert entry.trainable and entry.default_preset in entry.presets


@pytest.mark.parametrize("name", LADDER)
def test_output_shapes(name):
    model = tiny_model(name)
    X, Y = tiny_examples(name)
    logits, loss = model(X, Y)
    if registry.get(name).input_kind == "context":
        assert logits.shape == (len(X), len(VOCAB))
    else:
        assert logits.shape == (*X.shape, len(VOCAB))
    assert loss.shape == () and torch.isfinite(loss)
    logits2, none = model(X)
    assert none is None and logits2.shape == logits.shape


def _preset_cases() -> list[tuple[str, str]]:
    return [(name, p) for name in LADDER for p in registry.get(name).presets]


@pytest.mark.parametrize(("name", "preset"), _preset_cases())
def test_presets_start_near_uniform(name, preset):
    """Initial loss within 0.1 of ln(vocab) on names-sized inputs: no confidently wrong start."""
    vocab = 27
    entry = registry.get(name)
    overrides = {"vocab_size": vocab}
    if entry.input_kind == "sequence":
        overrides["block_size"] = 16
    torch.manual_seed(0)
    model = registry.build(name, registry.make_config(name, preset, **overrides))
    gen = torch.Generator().manual_seed(1)
    B, k = 256, model.config.block_size
    if entry.input_kind == "context":
        x, y = torch.randint(0, vocab, (B, k), generator=gen), torch.randint(0, vocab, (B,))
    else:
        x, y = torch.randint(0, vocab, (B, 16), generator=gen), torch.randint(0, vocab, (B, 16))
    with torch.no_grad():
        _, loss = model(x, y)
    assert abs(loss.item() - math.log(vocab)) < 0.1


@pytest.mark.parametrize("name", LADDER)
def test_overfits_a_tiny_batch(name):
    model = tiny_model(name)
    X, Y = tiny_examples(name, WORDS[:4])
    opt = torch.optim.Adam(model.parameters(), lr=3e-2)
    model.train()
    first = None
    for _ in range(100):
        _, loss = model(X, Y)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    # the data is not fully deterministic (several words share a prefix), so compare with the
    # entropy left once every distinct context is memorised
    floor = _memorised_loss(X, Y)
    assert loss.item() < floor + 0.1 < first


def _memorised_loss(X: torch.Tensor, Y: torch.Tensor) -> float:
    """NLL of the best possible model that sees each whole prefix (the empirical conditional)."""
    counts: dict[tuple, dict[int, int]] = {}
    rows = [(tuple(x.tolist()), y.tolist()) for x, y in zip(X, Y, strict=True)]
    pairs = []
    for x, y in rows:
        if isinstance(y, list):  # sequence: the context of target t is the prefix x[: t + 1]
            pairs += [(x[: t + 1], yt) for t, yt in enumerate(y) if yt != -1]
        else:
            pairs.append((x, y))
    for ctx, y in pairs:
        counts.setdefault(ctx, {}).setdefault(y, 0)
        counts[ctx][y] += 1
    nll = 0.0
    for ctx, y in pairs:
        nll -= math.log(counts[ctx][y] / sum(counts[ctx].values()))
    return nll / len(pairs)


@pytest.mark.parametrize("name", LADDER)
def test_checkpoint_round_trip_gives_identical_logits(name, tmp_path):
    model = tiny_model(name)
    X, Y = tiny_examples(name)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(3):  # move weights and BatchNorm running statistics off their init
        _, loss = model(X, Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    path = tmp_path / "model.pt"
    save_checkpoint(
        path,
        {
            "model": name,
            "model_config": dataclasses.asdict(tiny_config(name)),
            "model_state": model.state_dict(),
        },
        kind="makemore",
    )
    ckpt = load_checkpoint(path, kind="makemore")
    rebuilt = registry.build(ckpt["model"], ckpt["model_config"])
    rebuilt.load_state_dict(ckpt["model_state"])
    rebuilt.eval()
    with torch.no_grad():
        assert torch.equal(model(X)[0], rebuilt(X)[0])


@pytest.mark.parametrize("name", SEQUENCE)
def test_padding_is_ignored(name):
    """Inputs after a word's end change neither its loss nor the logits that are scored."""
    model = tiny_model(name).eval()
    X, Y = tiny_examples(name)
    pad = Y == -1
    assert pad.any()
    noisy = X.clone()
    noisy[pad] = torch.randint(1, len(VOCAB), (int(pad.sum()),))
    with torch.no_grad():
        logits, loss = model(X, Y)
        logits2, loss2 = model(noisy, Y)
    torch.testing.assert_close(loss2, loss)
    torch.testing.assert_close(logits2[~pad], logits[~pad])
    # and the padding targets really are out of the loss: the unpadded mean equals it
    manual = F.cross_entropy(logits[~pad], Y[~pad])
    torch.testing.assert_close(manual, loss)


@pytest.mark.parametrize("name", SEQUENCE)
def test_sequence_models_are_causal(name):
    model = tiny_model(name).eval()
    X, _ = tiny_examples(name)
    changed = X.clone()
    changed[:, 5:] = (changed[:, 5:] + 1) % len(VOCAB)
    with torch.no_grad():
        torch.testing.assert_close(model(changed)[0][:, :5], model(X)[0][:, :5])


@pytest.mark.parametrize("name", SEQUENCE)
def test_sequence_longer_than_block_size_is_an_error(name):
    model = tiny_model(name)
    x = torch.ones(2, TINY[name]["block_size"] + 1, dtype=torch.long)
    x[:, 0] = 0  # one word of block_size + 1 tokens
    with pytest.raises(ValueError, match=r"block.size"):
        model(x)


@pytest.mark.parametrize("shape", [(32, 6), (16, 4, 6)])
def test_batchnorm_matches_torch(shape):
    """2-D stats over dim 0; 3-D (B, T, C) over dims 0 and 1 = torch's BatchNorm1d on (B, C, T)."""
    torch.manual_seed(0)
    x = torch.randn(*shape) * 3 + 1
    ours = BatchNorm1d(6, momentum=0.1)
    ref = nn.BatchNorm1d(6, momentum=0.1)
    with torch.no_grad():
        ours.weight.uniform_(0.5, 1.5)
        ours.bias.uniform_(-1, 1)
        ref.weight.copy_(ours.weight)
        ref.bias.copy_(ours.bias)

    def to_ref(t: torch.Tensor) -> torch.Tensor:
        return t.transpose(1, 2) if t.dim() == 3 else t

    for _ in range(3):  # train mode: batch statistics, running averages updated
        torch.testing.assert_close(ours(x), to_ref(ref(to_ref(x))))
    torch.testing.assert_close(ours.running_mean, ref.running_mean)
    torch.testing.assert_close(ours.running_var, ref.running_var)
    ours.eval()
    ref.eval()
    y = torch.randn(*shape)
    torch.testing.assert_close(ours(y), to_ref(ref(to_ref(y))))


def test_batchnorm_3d_normalises_each_channel_over_batch_and_time():
    torch.manual_seed(0)
    x = torch.randn(8, 4, 5) * torch.arange(1, 6) + torch.arange(5)
    out = BatchNorm1d(5)(x)
    torch.testing.assert_close(out.mean((0, 1)), torch.zeros(5), atol=1e-5, rtol=0)
    torch.testing.assert_close(out.var((0, 1), unbiased=False), torch.ones(5), atol=1e-3, rtol=0)
    # the lecture-6 bug, statistics over dim 0 only, would normalise each time step separately
    assert out.shape == x.shape


def test_batchnorm_rejects_4d():
    with pytest.raises(ValueError, match=r"\(B, C\) or \(B, T, C\)"):
        BatchNorm1d(3)(torch.zeros(2, 2, 2, 3))


def test_flatten_consecutive():
    x = torch.arange(2 * 8 * 3).reshape(2, 8, 3)
    out = FlattenConsecutive(2)(x)
    assert out.shape == (2, 4, 6)
    assert torch.equal(out[0, 1], torch.cat([x[0, 2], x[0, 3]]))
    with pytest.raises(ValueError, match="groups of 2"):
        FlattenConsecutive(2)(torch.zeros(1, 3, 2))


def test_wavenet_needs_a_power_of_two_context():
    with pytest.raises(ValueError, match="power-of-2"):
        registry.build("wavenet", {"vocab_size": 27, "block_size": 6})


@pytest.mark.parametrize("name", WITH_BATCHNORM)
def test_batchnorm_models_train_vs_eval(name):
    """Train mode normalises by the batch (rows interact); eval mode uses running statistics."""
    model = tiny_model(name)
    X, _ = tiny_examples(name)
    model.train()
    with torch.no_grad():
        full = model(X)[0]
        alone = model(X[:3])[0]
    assert not torch.allclose(full[:3], alone, atol=1e-4)
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(X)[0][:3], model(X[:3])[0])
        torch.testing.assert_close(model(X[:1])[0], model(X)[0][:1])  # a batch of one works


def test_dropout_transformer_train_vs_eval():
    torch.manual_seed(0)
    config = dataclasses.replace(tiny_config("transformer"), dropout=0.2)
    model = registry.build("transformer", config)
    X, _ = tiny_examples("transformer")
    model.train()
    with torch.no_grad():
        assert not torch.equal(model(X)[0], model(X)[0])
        model.eval()
        assert torch.equal(model(X)[0], model(X)[0])


@pytest.mark.parametrize("name", LADDER)
def test_resume_continues_exactly(name, assert_resumes_exactly):
    """Interrupted after a checkpoint and resumed = the uninterrupted run, weight for weight."""
    X, Y = tiny_examples(name)

    def draw(gen):
        ix = torch.randint(0, len(X), (4,), generator=gen)
        return X[ix], Y[ix]

    assert_resumes_exactly(lambda: tiny_model(name), draw, lambda m: {"dev": m(X, Y)[1].item()})


@pytest.mark.parametrize("name", LADDER)
def test_cli_train_sample_eval_smoke(name, tmp_path, capsys):
    from z2h.cli import main

    words = tmp_path / "words.txt"
    words.write_text("\n".join(WORDS * 4) + "\n")
    out = tmp_path / "run"
    fields = [f"--set={k}={v}" for k, v in TINY[name].items() if k != "block_size"]
    if registry.get(name).input_kind == "context":
        fields.append(f"--block-size={TINY[name]['block_size']}")
    args = ["makemore", "train", "--model", name, "--data", str(words), "--out", str(out)]
    assert main([*args, "--max-steps", "3", "--eval-interval", "2", *fields]) in (0, None)
    assert "test" in capsys.readouterr().out
    assert main(["makemore", "sample", "--out", str(out), "-n", "3", "--seed", "1"]) in (0, None)
    assert capsys.readouterr().out.count("\n") == 3  # one line per word (a word may be empty)
    assert main(["makemore", "eval", "--out", str(out), "--split", "dev"]) in (0, None)
    assert "dev loss" in capsys.readouterr().out


def test_ladder_benchmark_smoke(tmp_path, capsys, benchmark):
    """benchmarks/makemore_ladder.py end to end at toy size: one row per model, JSON written."""
    import json

    ladder = benchmark("makemore_ladder")
    words = tmp_path / "words.txt"
    words.write_text("\n".join(WORDS * 4) + "\n")
    out_json = tmp_path / "ladder.json"
    models = "mlp,rnn,transformer"
    args = ["--models", models, "--max-steps", "3", "--data", str(words), "--threads", "1"]
    assert ladder.main([*args, "--out", str(tmp_path / "runs"), "--json", str(out_json)]) == 0
    table = capsys.readouterr().out
    assert "| mlp | lecture3 |" in table and "| rnn | makemore |" in table
    # the transformer has two rungs: makemore.py's model and the recipe's own, packed rows
    assert "| transformer | makemore |" in table and "| transformer | recipe |" in table
    rows = json.loads(out_json.read_text())
    assert [r["steps"] for r in rows] == [3, 3, 3, 3]
    assert rows[3]["pack"] > 0
    assert all(0 < r["peak_fraction"] < 1 for r in rows)


def test_transformer_recipe_grows_with_the_budget():
    from z2h.makemore.models.transformer import recipe

    def size(model: dict) -> int:  # weights grow with width squared, times the members
        return model["n_embd"] ** 2 * model.get("members", 1)

    sizes = [size(recipe(s, None)["model"]) for s in (30, 100, 900, 3600)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    long = recipe(900, None)
    # 64 packed rows per member and step
    assert long["train"]["batch_size"] == 64 * long["model"].get("members", 1)
    # long runs compile the stacked members and average their weights; short ones cannot
    # afford the compilation's first step; the long tier's weight decay replaces the default
    assert long["train"]["compile"] and long["train"]["ema"] > 0
    assert long["train"]["weight_decay"] > recipe(100, None)["train"]["weight_decay"]
    timed = recipe(100, None)["train"]
    assert not timed.get("compile") and not timed.get("ema")
    assert "max_steps" not in timed  # the cosine schedule spans the time, not a step count
    assert recipe(None, 500)["train"]["max_steps"] == 500
    # neither given: a timed run (the README's main job), never an endless one
    assert recipe(None, None)["train"]["time_budget"] > 0


@pytest.mark.parametrize("budget", [100, 900, 3600])
def test_transformer_recipe_sizes_start_near_uniform(budget):
    from z2h.makemore.models.transformer import recipe

    torch.manual_seed(0)
    fields = recipe(budget, None)["model"]
    config = registry.make_config("transformer", None, vocab_size=27, block_size=16, **fields)
    model = registry.build("transformer", config).eval()
    x = torch.randint(0, 27, (128, 16), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        _, loss = model(x, torch.randint(0, 27, (128, 16)))
    assert abs(loss.item() - math.log(27)) < 0.1


def test_transformer_passes_every_shared_field_to_gpt():
    from z2h.gpt.model import GPTConfig
    from z2h.makemore.models.transformer import gpt_config

    config = registry.make_config(
        "transformer", None, **{**TINY["transformer"], "pos": "rope", "norm": "rmsnorm"}
    )
    gpt = gpt_config(config)
    shared = {f.name for f in dataclasses.fields(GPTConfig)} & set(dataclasses.asdict(config))
    assert shared >= {"vocab_size", "block_size", "n_embd", "pos", "norm", "dropout"}
    assert all(getattr(gpt, name) == getattr(config, name) for name in shared)
    assert gpt.tie_weights == GPTConfig.tie_weights  # a GPT-only field keeps GPT's default


def test_a_new_transformer_field_cannot_break_the_gpt_it_builds():
    """A field only makemore knows (say, a future training switch) stays out of GPTConfig."""
    from z2h.makemore.models.transformer import Transformer, TransformerConfig

    Wider = dataclasses.make_dataclass(
        "Wider", [("label_smoothing", float, 0.1)], bases=(TransformerConfig,)
    )
    model = Transformer(Wider(vocab_size=len(VOCAB), **TINY["transformer"]))
    assert model.config.n_embd == TINY["transformer"]["n_embd"]


def test_training_and_the_init_report_count_the_same_parameters(tmp_path):
    """One size for one model: all of its parameters, a transformer's position table included
    (GPT's own ``num_params`` leaves that table out, as nanoGPT reports)."""
    from z2h.makemore.data import prepare
    from z2h.makemore.diagnostics.init_report import init_losses
    from z2h.makemore.runs import load_run
    from z2h.makemore.training import TrainOptions, train

    words = tmp_path / "words.txt"
    words.write_text("\n".join(WORDS * 3) + "\n")
    opts = TrainOptions(
        model="transformer",
        preset="makemore",  # learned positions: the table the two counts disagreed on
        out=tmp_path / "run",
        data=words,
        train_fields={"max_steps": 1, "autocast": "fp32", "compile": False},
    )
    metrics = train(opts)
    model = load_run(tmp_path / "run").model
    assert model.pos_emb is not None
    (row,) = [
        r for r in init_losses(prepare(words), names=["transformer"]) if r.preset == "makemore"
    ]
    assert metrics["params"] == row.params == sum(p.numel() for p in model.parameters())
