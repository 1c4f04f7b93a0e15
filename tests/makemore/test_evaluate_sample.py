from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from z2h.errors import Z2HError
from z2h.makemore.data import Vocab, context_examples, sequence_examples
from z2h.makemore.evaluate import evaluate_loss
from z2h.makemore.sample import generate, sample_words

V = 5


class TableContext(nn.Module):
    """Fixed-context toy: logits depend on the last character through a table."""

    def __init__(self, block_size=2):
        super().__init__()
        self.block_size = block_size
        self.table = nn.Parameter(torch.randn(V, V, generator=torch.Generator().manual_seed(0)))

    def forward(self, idx, targets=None):
        assert idx.shape[1] == self.block_size
        logits = self.table[idx[:, -1]]  # (B, V)
        loss = None if targets is None else F.cross_entropy(logits, targets)
        return logits, loss


class TableSequence(nn.Module):
    """Sequence toy: (B, T) -> (B, T, V) from the current character; records its input widths."""

    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.randn(V, V, generator=torch.Generator().manual_seed(1)))
        self.widths = []

    def forward(self, idx, targets=None):
        self.widths.append(idx.shape[1])
        logits = self.table[idx]
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1)
        return logits, loss


def test_evaluator_context_matches_cross_entropy_and_restores_mode():
    model = TableContext()
    X = torch.randint(0, V, (100, 2))
    Y = torch.randint(0, V, (100,))
    model.train()
    got = evaluate_loss(model, X, Y, batch_size=7)
    assert got == pytest.approx(F.cross_entropy(model.table[X[:, -1]], Y).item(), abs=1e-6)
    assert model.training


def test_evaluator_ignores_padding():
    vocab = Vocab(list(".abcd"))
    model = TableSequence()
    words = ["ab", "dcba", "c"]
    X4, Y4 = sequence_examples(words, vocab, 5)
    X9, Y9 = sequence_examples(words, vocab, 9)  # more padding, same characters
    loss4 = evaluate_loss(model, X4, Y4, batch_size=2)
    assert loss4 == pytest.approx(evaluate_loss(model, X9, Y9), abs=1e-6)
    # by hand: mean over the 2+1 + 4+1 + 1+1 = 10 real targets
    logp = F.log_softmax(model.table, -1)
    total = -sum(logp[x, y] for x, y in zip(X4.flatten(), Y4.flatten(), strict=True) if y != -1)
    assert loss4 == pytest.approx(total.item() / 10, abs=1e-5)
    # garbage in padded targets would change the loss only if padding were scored
    Y_bad = Y9.clone()
    Y_bad[Y_bad == -1] = 3
    assert evaluate_loss(model, X9, Y_bad) != pytest.approx(loss4, abs=1e-4)


def test_sample_context_kind_is_seeded_and_stops_at_boundary():
    model = TableContext(block_size=3)
    vocab = Vocab(list(".abcd"))
    a = sample_words(model, vocab, 50, input_kind="context", block_size=3, seed=3)
    b = sample_words(model, vocab, 50, input_kind="context", block_size=3, seed=3)
    assert a == b and len(a) == 50
    assert all("." not in w and len(w) <= 100 for w in a)


def test_sample_sequence_kind_crops_to_block_size():
    model = TableSequence()
    gen = torch.Generator().manual_seed(0)
    # force no boundary so words run to the step limit
    with torch.no_grad():
        model.table[:, 0] = -1e9
    rows = generate(model, 4, input_kind="sequence", block_size=3, generator=gen, max_new=6)
    assert [len(r) for r in rows] == [6] * 4
    assert max(model.widths) == 3 and model.widths[:3] == [1, 2, 3]


def test_top_k_one_is_greedy_and_temperature_checked():
    model = TableContext(block_size=1)
    with torch.no_grad():
        model.table.copy_(torch.eye(V).roll(1, dims=1) * 5)  # argmax of row i is i+1 (mod V)
    rows = generate(model, 3, input_kind="context", block_size=1, top_k=1)
    assert rows == [[1, 2, 3, 4]] * 3
    # temperature 0 is greedy too (as in z2h gpt sample), whatever the generator draws
    gen = torch.Generator().manual_seed(5)
    assert (
        generate(model, 3, input_kind="context", block_size=1, temperature=0.0, generator=gen)
        == rows
    )
    for bad in ({"temperature": -1.0}, {"top_k": 0}):
        with pytest.raises(Z2HError):
            generate(model, 1, input_kind="context", block_size=1, **bad)


def test_low_temperature_concentrates_samples():
    model = TableContext(block_size=1)
    gen = torch.Generator().manual_seed(0)
    hot = generate(model, 200, input_kind="context", block_size=1, temperature=5.0, generator=gen)
    cold = generate(model, 200, input_kind="context", block_size=1, temperature=0.05, generator=gen)
    assert len({tuple(r) for r in cold}) < len({tuple(r) for r in hot})


def test_context_examples_feed_the_evaluator():
    vocab = Vocab(list(".abcd"))
    X, Y = context_examples(["abcd", "dd"], vocab, 2)
    model = TableContext()
    with torch.no_grad():
        model.table.zero_()
    assert evaluate_loss(model, X, Y) == pytest.approx(math.log(V))


def test_sequence_batches_drop_all_padding_columns_only():
    from z2h.makemore.batches import batch_fn

    vocab = Vocab(list(".abcd"))
    X, Y = sequence_examples(["ab", "ba", "abcd"], vocab, 8)
    draw = batch_fn(X[[0, 1, 0, 1]], Y[[0, 1, 0, 1]], 2, "sequence")
    x, y = draw(torch.Generator().manual_seed(0))
    assert x.shape[1] == 3 and (y != -1).sum() == 6  # "ab." needs 3 columns; nothing scored lost
    full = batch_fn(X, Y, 0, "sequence")(torch.Generator())
    assert full[0] is X  # batch size 0: the whole training set


def test_sampling_is_the_same_on_one_thread_and_restores_the_thread_count():
    from z2h.makemore.models.ngram import NGram, NGramConfig

    words = ["emma", "olivia", "ava", "isabella", "sophia", "mia"]
    vocab = Vocab.from_words(words)
    model = NGram(NGramConfig(vocab_size=len(vocab), n=3, smoothing="kneser-ney"))
    model.fit(*context_examples(words, vocab, 2))
    threads = torch.get_num_threads()
    a = sample_words(model, vocab, 50, input_kind="context", block_size=2, seed=5)
    assert torch.get_num_threads() == threads
    torch.set_num_threads(1)
    try:
        b = sample_words(model, vocab, 50, input_kind="context", block_size=2, seed=5)
    finally:
        torch.set_num_threads(threads)
    assert a == b


def test_bigram_picture_is_written_atomically(tmp_path, broken_savefig):
    from z2h.makemore.plots import plot_bigram_counts

    vocab = Vocab.from_words(["ab", "b"])
    path = tmp_path / "bigram_counts.png"
    path.write_bytes(b"previous picture")
    with pytest.raises(OSError, match="disk full"):
        plot_bigram_counts(torch.tensor([0, 1]), torch.ones(2, 3), vocab, path)
    assert path.read_bytes() == b"previous picture"
    assert [p.name for p in tmp_path.iterdir()] == ["bigram_counts.png"]
