from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from z2h.errors import CheckpointError, Z2HError
from z2h.makemore.data import Vocab, context_examples
from z2h.makemore.models.neural_ngram import NeuralNGram, NeuralNGramConfig
from z2h.makemore.models.ngram import NGram, NGramConfig

WORDS = ["ab", "b"]  # vocabulary ". a b"
VOCAB = Vocab.from_words(WORDS)


def fitted(n, **cfg):
    X, Y = context_examples(WORDS, VOCAB, n - 1)
    return NGram(NGramConfig(vocab_size=3, n=n, **cfg)).fit(X, Y)


def probs(model, context):
    logits, _ = model(torch.tensor([context], dtype=torch.long))
    return logits.exp()[0].tolist()


def test_bigram_counts_by_hand():
    # .a a b b . | .b b .  -> (.,a)=1 (.,b)=1 (a,b)=1 (b,.)=2
    keys, counts = fitted(2).count_table()
    dense = torch.zeros(3, 3)
    dense[keys] = counts.float()
    assert dense.tolist() == [[0, 1, 1], [0, 0, 1], [2, 0, 0]]


def test_counts_accumulate_over_fits():
    X, Y = context_examples(WORDS, VOCAB, 1)
    twice = NGram(NGramConfig(vocab_size=3, n=2)).fit(X, Y).fit(X, Y)
    assert twice.counts.sum().item() == 2 * len(Y)


def test_add_one_by_hand():
    model = fitted(2, k=1.0)
    assert probs(model, [0]) == pytest.approx([1 / 5, 2 / 5, 2 / 5])
    assert probs(model, [2]) == pytest.approx([3 / 5, 1 / 5, 1 / 5])


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("smoothing", [{"k": 0.01}, {"k": 1.0}, {"smoothing": "kneser-ney"}])
def test_smoothing_gives_positive_rows_summing_to_one(n, smoothing):
    words = ["emma", "olivia", "ava", "isabella", "sophia", "zoë"]
    vocab = Vocab.from_words(words)
    X, Y = context_examples(words, vocab, n - 1)
    model = NGram(NGramConfig(vocab_size=len(vocab), n=n, **smoothing)).fit(X, Y)
    # every context of length n-1 over the vocabulary, seen or not
    grid = torch.cartesian_prod(*[torch.arange(len(vocab))] * (n - 1)) if n > 1 else None
    ctx = grid.reshape(-1, n - 1) if grid is not None else torch.zeros(1, 0, dtype=torch.long)
    p = model(ctx)[0].double().exp()
    assert (p > 0).all()
    assert torch.allclose(p.sum(1), torch.ones(len(ctx), dtype=torch.float64), atol=1e-5)


def test_kneser_ney_bigram_by_hand():
    # D = 0.5. Continuation counts of the unigram level: '.' follows {b}, 'a' follows {.},
    # 'b' follows {., a} -> [1, 1, 2], total 4, 3 types:
    #   p0 = (a - 0.5)/4 + 0.5 * 3/4 * 1/3 = [0.25, 0.25, 0.5]
    # bigram rows: max(c - 0.5, 0)/c(h) + 0.5 * N1+(h .)/c(h) * p0
    #   '.': [0, 1, 1] -> [0.125, 0.375, 0.5]
    #   'a': [0, 0, 1] -> [0.125, 0.125, 0.75]
    #   'b': [2, 0, 0] -> [0.8125, 0.0625, 0.125]
    model = fitted(2, smoothing="kneser-ney", discount=0.5)
    assert probs(model, [0]) == pytest.approx([0.125, 0.375, 0.5])
    assert probs(model, [1]) == pytest.approx([0.125, 0.125, 0.75])
    assert probs(model, [2]) == pytest.approx([0.8125, 0.0625, 0.125])


def test_kneser_ney_trigram_backs_off_by_hand():
    # trigrams ..a .ab ab. ..b .b. ; their suffixes give the bigram continuation counts
    # '.': [0,1,1], 'a': [0,0,1], 'b': [2,0,0] (the raw bigram counts above), so the bigram level
    # equals the bigram model above. Context '..' (raw [0,1,1]):
    #   [0, .25, .25] + 0.5 * 2/2 * [0.125, 0.375, 0.5] = [0.0625, 0.4375, 0.5]
    model = fitted(3, smoothing="kneser-ney", discount=0.5)
    assert probs(model, [0, 0]) == pytest.approx([0.0625, 0.4375, 0.5])
    # context 'ba' never seen: back off to the bigram level's 'a'
    assert probs(model, [2, 1]) == pytest.approx([0.125, 0.125, 0.75])


def test_add_k_unseen_context_is_uniform():
    model = fitted(3, k=0.5)
    assert probs(model, [2, 1]) == pytest.approx([1 / 3] * 3)


def test_large_n_is_sparse():
    words = [f"{'abc' * 3}{i % 7}" for i in range(50)]
    vocab = Vocab.from_words(words)
    X, Y = context_examples(words, vocab, 5)
    model = NGram(NGramConfig(vocab_size=len(vocab), n=6, smoothing="kneser-ney")).fit(X, Y)
    assert len(model.keys) < 100  # vs 11**6 dense cells
    assert model(X)[0].shape == (len(X), len(vocab))


def test_tune_picks_the_best_dev_k():
    words = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "ella"]
    vocab = Vocab.from_words(words)
    train, dev = context_examples(words[:6], vocab, 2), context_examples(words[6:], vocab, 2)
    model = NGram(NGramConfig(vocab_size=len(vocab), n=3)).fit(*train)
    rows = model.tune(train, dev, grid=(0.01, 0.1, 1.0, 10.0))
    assert [r["k"] for r in rows] == [0.01, 0.1, 1.0, 10.0]
    assert model.config.k == min(rows, key=lambda r: r["dev_loss"])["k"]
    train_losses = [r["train_loss"] for r in rows]
    assert train_losses == sorted(train_losses)  # more smoothing fits the training set less


def test_state_round_trip_rebuilds_the_same_model():
    model = fitted(3, smoothing="kneser-ney")
    fresh = NGram(NGramConfig(vocab_size=3, n=3, smoothing="kneser-ney"))
    fresh.load_state_dict(model.state_dict())
    ctx = torch.tensor([[0, 0], [0, 1], [2, 1]])
    assert torch.equal(fresh(ctx)[0], model(ctx)[0])


@pytest.mark.parametrize(
    ("tamper", "match"),
    [
        (lambda k, c: (k.clone().fill_(27), c), r"lie in \[0, 3\*\*3\)"),  # key >= V**n
        (lambda k, c: (k - 100, c), "lie in"),  # negative keys
        (lambda k, c: (k.flip(0), c), "sorted and distinct"),
        (lambda k, c: (torch.cat([k, k[-1:]]), torch.cat([c, c[-1:]])), "sorted and distinct"),
        (lambda k, c: (k, c[:-1]), "pair up"),
        (lambda k, c: (k, c * 0), "at least 1"),
        (lambda k, c: (k.double(), c), "integers"),
        (lambda k, c: (k.reshape(1, -1), c.reshape(1, -1)), "1-d"),
        (lambda k, c: ([1, 2], c), "1-d"),
    ],
)
def test_tampered_state_is_rejected(tamper, match):
    state = fitted(3).state_dict()
    keys, counts = tamper(state["keys"], state["counts"])
    fresh = NGram(NGramConfig(vocab_size=3, n=3))
    with pytest.raises(CheckpointError, match=match):
        fresh.load_state_dict({"keys": keys, "counts": counts})
    with pytest.raises(CheckpointError, match="missing"):
        fresh.load_state_dict({"keys": state["keys"]})


def test_forward_picks_the_longest_seen_context_row():
    # the stacked-table lookup equals the per-level probabilities, context by context
    model = fitted(3, smoothing="kneser-ney")
    levels = model.levels()
    for ctx in ([0, 0], [0, 1], [1, 2], [2, 2]):
        want = torch.full((3,), -math.log(3))
        for c, level in enumerate(levels):
            key = 0
            for ch in ctx[len(ctx) - c :]:
                key = key * 3 + ch
            hit = (level.ctx_keys == key).nonzero()
            if len(hit):
                want = level.logp[hit[0, 0]]
        assert torch.equal(model(torch.tensor([ctx]))[0][0], want), ctx


def test_bad_configs():
    for bad in ({"n": 0}, {"k": -1.0}, {"discount": 0.0}, {"smoothing": "witten-bell"}):
        with pytest.raises(Z2HError):
            NGramConfig(vocab_size=3, **bad)
    with pytest.raises(Z2HError, match="no counts"):
        NGram(NGramConfig(vocab_size=3))(torch.zeros(1, 1, dtype=torch.long))


# -- neural n-gram: E04 and E05 ------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3])
def test_e04_row_indexing_equals_onehot_matmul(n):
    torch.manual_seed(0)
    model = NeuralNGram(NeuralNGramConfig(vocab_size=5, n=n))
    idx = torch.randint(0, 5, (64, n - 1))
    logits, _ = model(idx)
    assert torch.allclose(logits, model.onehot_logits(idx), atol=1e-5)
    g1 = torch.autograd.grad(logits.square().sum(), model.W)[0]
    g2 = torch.autograd.grad(model.onehot_logits(idx).square().sum(), model.W)[0]
    assert torch.allclose(g1, g2, atol=1e-4)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_table_path_equals_row_path(n):
    # a batch with more examples than contexts takes the logit-table path; it must give the
    # row-indexing path's logits, loss (ignored targets too) and gradients
    torch.manual_seed(0)
    V = 4
    model = NeuralNGram(NeuralNGramConfig(vocab_size=V, n=n, reg=0.1))
    idx = torch.randint(0, V, (200, n - 1))
    y = torch.randint(0, V, (200,))
    y[::7] = -1
    assert V ** max(n - 1, 1) <= len(idx)
    logits, loss = model(idx, y)
    (g_table,) = torch.autograd.grad(loss, model.W)
    rows = F.embedding(model._padded(idx) + model.offsets, model.W).sum(1)
    ref = F.cross_entropy(rows, y, ignore_index=-1) + 0.1 * model.W.square().mean()
    (g_rows,) = torch.autograd.grad(ref, model.W)
    assert torch.equal(logits, rows)
    assert loss.item() == pytest.approx(ref.item(), rel=1e-6)
    assert torch.allclose(g_table, g_rows, atol=1e-6)
    small = idx[:2]  # fewer examples than contexts: the row path, same logits
    assert torch.equal(model(small)[0], logits[:2])


def manual_nll(logits, targets):
    counts = logits.exp()
    p = counts / counts.sum(1, keepdim=True)
    return -p[torch.arange(len(targets)), targets].log().mean()


def test_e05_cross_entropy_equals_manual_softmax_nll():
    torch.manual_seed(0)
    logits = torch.randn(100, 27, dtype=torch.float64)
    targets = torch.randint(0, 27, (100,))
    assert F.cross_entropy(logits, targets).item() == pytest.approx(
        manual_nll(logits, targets).item(), abs=1e-12
    )
    big = logits.float() * 200  # exp overflows float32 beyond ~88.7
    assert not math.isfinite(manual_nll(big, targets).item())
    assert math.isfinite(F.cross_entropy(big, targets).item())


def test_neural_ngram_reg_only_in_training():
    torch.manual_seed(0)
    model = NeuralNGram(NeuralNGramConfig(vocab_size=5, n=2, reg=0.5))
    idx, y = torch.randint(0, 5, (10, 1)), torch.randint(0, 5, (10,))
    model.train()
    train_loss = model(idx, y)[1].item()
    model.eval()
    eval_loss = model(idx, y)[1].item()
    assert train_loss == pytest.approx(eval_loss + 0.5 * model.W.square().mean().item(), rel=1e-6)
