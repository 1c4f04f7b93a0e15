"""Packing words back to back into rows (``--pack``): the transformer reads each word alone."""

from __future__ import annotations

import pytest
import torch

from z2h.errors import Z2HError
from z2h.makemore import registry
from z2h.makemore.batches import check_pack, pack_fn
from z2h.makemore.data import Vocab, sequence_examples
from z2h.makemore.models.transformer import RECIPE_BLOCK, noisy_inputs, word_layout

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "zoe", "al"]
VOCAB = Vocab.from_words(WORDS)
BLOCK = 10  # "charlotte" + boundary


def words_of_rows(x: torch.Tensor, y: torch.Tensor) -> list[str]:
    """The words a packed batch holds, read back from its targets."""
    found = []
    for row_x, row_y in zip(x.tolist(), y.tolist(), strict=True):
        chars: list[int] = []
        for i, (a, b) in enumerate(zip(row_x, row_y, strict=True)):
            if b == -1:
                assert a == 0  # padding inputs are the boundary token
                continue
            if a == 0:  # a word starts: its input is the boundary token
                assert not chars, "a word started before the previous one ended"
            if b == 0:
                found.append(VOCAB.decode(chars))
                chars = []
            else:
                chars.append(b)
                assert row_x[i + 1] == b  # the next input is this target: teacher forcing
        assert not chars, "a word was cut at the end of its row"
    return found


def test_word_layout_restarts_at_each_boundary_token():
    x = torch.tensor([[0, 5, 13, 0, 1, 0, 0]])  # ".em" ".a" then two padding tokens
    positions, mask = word_layout(x)
    assert positions.tolist() == [[0, 1, 2, 0, 1, 0, 0]]
    m = mask[0, 0].int().tolist()
    assert m[2] == [1, 1, 1, 0, 0, 0, 0]  # "m" sees ".em"
    assert m[4] == [0, 0, 0, 1, 1, 0, 0]  # "a" sees only its own word
    assert m[6] == [0, 0, 0, 0, 0, 0, 1]  # a padding token sees itself alone


@pytest.mark.parametrize("pos", ["rope", "learned"])
def test_packed_rows_give_the_logits_of_words_alone(pos):
    torch.manual_seed(0)
    fields = {**RECIPE_BLOCK, "pos": pos, "n_layer": 2, "n_head": 2, "n_embd": 16}
    config = registry.make_config(
        "transformer", None, vocab_size=len(VOCAB), block_size=BLOCK, **fields
    )
    model = registry.build("transformer", config).eval()
    X, Y = sequence_examples(WORDS, VOCAB, BLOCK)
    x, y = pack_fn(X, Y, rows=3, length=24)(torch.Generator().manual_seed(3))
    with torch.no_grad():
        packed, _ = model(x, y)
        alone, _ = model(X)
    checked = 0
    for r in range(x.size(0)):
        s = 0
        while s < x.size(1) and y[r, s] != -1:
            n = int((y[r, s:] == 0).nonzero()[0]) + 1  # this word's tokens, boundary included
            word = WORDS.index(VOCAB.decode(y[r, s : s + n].tolist()))
            assert torch.allclose(packed[r, s : s + n], alone[word, :n], atol=1e-5)
            checked += 1
            s += n
    assert checked >= 5


def test_input_noise_swaps_letters_and_keeps_boundaries():
    X, _ = sequence_examples(WORDS * 40, VOCAB, BLOCK)
    torch.manual_seed(0)
    noisy = noisy_inputs(X, 0.25, len(VOCAB))
    letters = X != 0
    assert torch.equal(noisy == 0, X == 0)  # word starts and padding stay where they were
    changed = (noisy != X)[letters].float().mean().item()
    # a swap lands on the same letter 1 time in 26 (of this vocabulary's letters)
    expected = 0.25 * (1 - 1 / (len(VOCAB) - 1))
    assert abs(changed - expected) < 0.03
    assert torch.equal(noisy_inputs(X, 0.0, len(VOCAB)), X)


def test_input_noise_only_while_training():
    torch.manual_seed(0)
    fields = {**RECIPE_BLOCK, "n_layer": 1, "n_head": 2, "n_embd": 16, "input_noise": 0.5}
    config = registry.make_config(
        "transformer", None, vocab_size=len(VOCAB), block_size=BLOCK, **fields
    )
    model = registry.build("transformer", config)
    X, _ = sequence_examples(WORDS, VOCAB, BLOCK)
    model.eval()
    assert torch.equal(model(X)[0], model(X)[0])
    model.train()
    assert not torch.equal(model(X)[0], model(X)[0])  # inputs drawn anew each step
    bad = registry.make_config(
        "transformer", None, vocab_size=len(VOCAB), block_size=BLOCK, input_noise=1.0
    )
    with pytest.raises(Z2HError, match="input_noise"):
        registry.build("transformer", bad)


def test_pack_fn_places_whole_words_and_is_seeded():
    X, Y = sequence_examples(WORDS, VOCAB, BLOCK)
    draw = pack_fn(X, Y, rows=4, length=20)
    x, y = draw(torch.Generator().manual_seed(7))
    assert x.shape == y.shape == (4, 20)
    found = words_of_rows(x, y)
    assert found and set(found) <= set(WORDS)
    assert (y != -1).float().mean() > 0.6  # far less padding than one word a row
    x2, y2 = draw(torch.Generator().manual_seed(7))
    assert torch.equal(x, x2) and torch.equal(y, y2)
    x3, _ = draw(torch.Generator().manual_seed(8))
    assert not torch.equal(x, x3)


def test_pack_fn_refuses_rows_shorter_than_a_word():
    X, Y = sequence_examples(WORDS, VOCAB, BLOCK)
    with pytest.raises(Z2HError, match="cannot hold a word of 10 tokens"):
        pack_fn(X, Y, rows=2, length=BLOCK - 1)


def test_pack_fn_with_rows_of_exactly_the_longest_word():
    X, Y = sequence_examples(WORDS, VOCAB, BLOCK)
    x, y = pack_fn(X, Y, rows=16, length=BLOCK)(torch.Generator().manual_seed(0))
    assert set(words_of_rows(x, y)) <= set(WORDS)


@pytest.mark.parametrize(
    "model, pack, batch, match",
    [
        ("lstm", 32, 8, "cannot read several words"),
        ("transformer", 5, 8, "shorter than the longest word"),
        ("transformer", -1, 8, "must be >= 0"),
        ("transformer", 32, 0, "needs a --batch-size"),
    ],
)
def test_bad_pack_settings(model, pack, batch, match):
    with pytest.raises(Z2HError, match=match):
        check_pack(registry.get(model), pack, BLOCK, batch)
    check_pack(registry.get(model), 0, BLOCK, batch)  # 0 (no packing) is always fine


def test_cli_train_with_packing(tmp_path, capsys):
    from z2h.cli import main
    from z2h.run import read_metrics

    words = tmp_path / "words.txt"
    words.write_text("\n".join(WORDS * 4) + "\n")
    out = tmp_path / "run"
    args = ["makemore", "train", "--data", str(words), "--out", str(out), "--max-steps", "4"]
    tiny = ["--set=n_layer=1", "--set=n_head=2", "--set=n_embd=16"]
    assert main([*args, *tiny, "--pack", "24", "--batch-size", "4", "--threads", "1"]) == 0
    m = read_metrics(out)
    assert m["pack"] == 24 and m["batch_size"] == 4 and m["steps"] == 4
    assert main([*args, "--out", str(tmp_path / "r2"), "--model", "gru", "--pack", "24"]) == 2
    assert "cannot read several words" in capsys.readouterr().err


def test_recipe_rows_stretch_to_the_longest_word(tmp_path):
    from z2h.makemore.training import TrainOptions, train

    words = tmp_path / "words.txt"
    words.write_text("\n".join([*WORDS, "a" * 40] * 3) + "\n")
    tiny = {"n_layer": 1, "n_head": 2, "n_embd": 16}
    opts = TrainOptions(data=words, out=tmp_path / "run", model_fields=tiny)
    opts.train_fields = {"max_steps": 2}
    m = train(opts)
    assert m["config"]["block_size"] == 41 and m["pack"] == 41
    whole = TrainOptions(data=words, out=tmp_path / "r2", model_fields=tiny, batch_size=0)
    whole.train_fields = {"max_steps": 1}
    assert train(whole)["pack"] == 0  # the whole training set, one word a row


def test_packing_benchmark_smoke(tmp_path, capsys, benchmark):
    """benchmarks/makemore_packing.py at toy size: a row per batch layout and ensemble, JSON."""
    import json

    bench = benchmark("makemore_packing")
    words = tmp_path / "words.txt"
    words.write_text("\n".join(WORDS * 4) + "\n")
    out = tmp_path / "rows.json"
    args = ["--widths", "16", "--steps", "2", "--warmup", "1", "--repeats", "1", "--threads", "1"]
    assert bench.main([*args, "--members", "2", "--data", str(words), "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [r["batch"] for r in rows] == [128, 32, 64, 128, 128]
    assert [r["rows"] for r in rows[3:]] == ["2 members, loop", "2 members, stacked"]
    assert all(r["chars_per_second"] > 0 for r in rows)
    assert "one word a row" in capsys.readouterr().out
