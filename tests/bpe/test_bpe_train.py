"""The fast trainer learns exactly the merges of the straightforward reference trainer."""

from __future__ import annotations

import random

import pytest
from bpe_reference import reference_merges
from bpe_samples import SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st

from z2h.bpe import BasicTokenizer, RegexTokenizer, TokenizerError
from z2h.bpe.train import train_merges


def _random_text(seed: int, alphabet: str, n: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


TEXTS = {
    "worked example": "aaabdaaabac",
    "runs of one letter": "aaaaaaa aaaa aaaaa",
    "alternating": "abababab baba ab",
    "sample": SAMPLE * 3,
    "binary (many ties)": _random_text(0, "ab", 1500),
    "small alphabet with spaces": _random_text(1, "abc  \n", 3000),
    "unicode": _random_text(2, "éa😀 日", 800),
}


def test_worked_example():
    tok = BasicTokenizer().train("aaabdaaabac", 256 + 3)
    # aa -> 256 ("ZabdZabac"), then (256, a) -> 257, then (257, b) -> 258: "XdXac"
    assert tok.merges == {(97, 97): 256, (256, 97): 257, (257, 98): 258}
    assert tok.encode("aaabdaaabac") == [258, 100, 258, 97, 99]
    assert tok.decode([258, 100, 258, 97, 99]) == "aaabdaaabac"


def test_ties_go_to_the_earliest_first_occurrence():
    # "cd" and "ab" both occur twice; "cd" occurs first, so it is merged first
    assert train_merges([b"cdcdabab"], 2) == [(99, 100), (97, 98)]
    assert train_merges([b"ababcdcd"], 2) == [(97, 98), (99, 100)]
    # "first" means in the text as it is at that step: merging "xa" consumes the first "ab",
    # leaving "ab" and "cd" tied at 2, and now "cd" occurs first
    chunks = [b"xab", b"cd", b"ab", b"cd", b"ab"] + [b"xa"] * 4
    assert train_merges(chunks, 2) == [(120, 97), (99, 100)]
    assert reference_merges(chunks, 2) == [(120, 97), (99, 100)]


@pytest.mark.parametrize("name", sorted(TEXTS))
@pytest.mark.parametrize("pattern", ["gpt4", "gpt2", "none"])
def test_fast_trainer_matches_reference(name: str, pattern: str):
    chunks = [c.encode("utf-8") for c in RegexTokenizer(pattern).split(TEXTS[name])]
    for num_merges in (1, 20, 150):
        assert train_merges(chunks, num_merges) == reference_merges(chunks, num_merges)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(alphabet="ab c\né😀", max_size=30), max_size=12),
    st.integers(min_value=0, max_value=80),
)
def test_fast_trainer_matches_reference_property(pieces: list[str], num_merges: int):
    chunks = [p.encode("utf-8") for p in pieces]
    assert train_merges(chunks, num_merges) == reference_merges(chunks, num_merges)


def test_shakespeare_prefix_matches_reference(data_dir):
    text = (data_dir / "tinyshakespeare.txt").read_text(encoding="utf-8")[:8_000]
    chunks = [c.encode("utf-8") for c in RegexTokenizer("gpt4").split(text)]
    assert train_merges(chunks, 150) == reference_merges(chunks, 150)


def test_training_stops_when_pairs_run_out():
    tok = BasicTokenizer().train("abc", 1000)
    assert len(tok.merges) == 2
    assert tok.encode("abc") == [257]


@pytest.mark.parametrize("vocab_size", [0, 255, -1])
def test_vocab_size_below_256_is_rejected(vocab_size: int):
    with pytest.raises(TokenizerError, match="at least 256"):
        RegexTokenizer().train("hello", vocab_size)


def test_vocab_size_256_learns_nothing():
    tok = RegexTokenizer().train("hello hello", 256)
    assert tok.merges == {}
    assert tok.encode("hi") == [104, 105]
