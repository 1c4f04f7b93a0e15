"""Round trips, special tokens, the model file and bad input for every trained tokenizer."""

from __future__ import annotations

import json

import pytest
from bpe_samples import INPUTS, SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import z2h.bpe
from z2h.bpe import BasicTokenizer, RegexTokenizer, Tokenizer, TokenizerError
from z2h.bpe.base import _bpe_long, _bpe_short

KINDS = ["basic", "regex-gpt4", "regex-gpt2", "regex-none"]


def make(kind: str) -> Tokenizer:
    if kind == "basic":
        return BasicTokenizer()
    return RegexTokenizer(kind.split("-")[1])


@pytest.fixture(scope="module", params=KINDS)
def trained(request) -> Tokenizer:
    tok = make(request.param).train(SAMPLE * 4, 256 + 120)
    tok.register_special_tokens({"<|endoftext|>": tok.vocab_size, "<|sep|>": tok.vocab_size + 1})
    return tok


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_round_trip(trained: Tokenizer, name: str):
    text = INPUTS[name]
    ids = trained.encode(text)
    assert trained.decode(ids) == text
    assert all(0 <= i < trained.vocab_size for i in ids)


def test_round_trip_shakespeare(trained: Tokenizer, data_dir):
    text = (data_dir / "tinyshakespeare.txt").read_text(encoding="utf-8")
    ids = trained.encode(text)
    assert trained.decode(ids) == text
    assert len(ids) < len(text.encode("utf-8"))  # the merges compress


def test_merges_are_used(trained: Tokenizer):
    assert len(trained.merges) == 120
    assert len(trained.encode(SAMPLE)) < len(SAMPLE.encode("utf-8"))
    for (a, b), idx in trained.merges.items():
        assert trained.vocab[idx] == trained.vocab[a] + trained.vocab[b]


def test_long_chunk_encoder_matches_short_one(trained: Tokenizer):
    ids = list((SAMPLE * 3).encode("utf-8"))
    assert _bpe_long(ids, trained.merges) == _bpe_short(ids, trained.merges)
    for run in ("a" * 9, "ab" * 7, "aab" * 5):
        ids = list(run.encode())
        assert _bpe_long(ids, trained.merges) == _bpe_short(ids, trained.merges)


def test_regex_split_keeps_words_apart():
    tok = RegexTokenizer("gpt4").train("the cat the hat the mat " * 50, 300)
    # GPT-4 chunks are words with at most one leading space, so no token spans two words
    assert any(tok.vocab[idx] == b" the" for idx in tok.merges.values())
    for idx in tok.merges.values():
        assert b" " not in tok.vocab[idx][1:]
    basic = BasicTokenizer().train("the cat the hat the mat " * 50, 300)
    assert any(b" " in basic.vocab[idx][1:] for idx in basic.merges.values())


# -- special tokens (tiktoken's allowed_special semantics) --------------------------------


def test_special_tokens_default_raises(trained: Tokenizer):
    with pytest.raises(ValueError, match=r"<\|endoftext\|>"):
        trained.encode("a<|endoftext|>b")


def test_special_tokens_all_none_and_sets(trained: Tokenizer):
    eot, sep = trained.special_tokens["<|endoftext|>"], trained.special_tokens["<|sep|>"]
    text = "hi<|endoftext|>there<|sep|>"
    ids = trained.encode(text, allowed_special="all")
    assert ids.count(eot) == 1 and ids[-1] == sep
    assert trained.decode(ids) == text
    plain = trained.encode(text, allowed_special="none")
    assert eot not in plain and sep not in plain
    assert trained.decode(plain) == text
    assert plain == trained.encode_ordinary(text)
    # an explicit set: the others still raise, unless disallowed_special says otherwise
    with pytest.raises(ValueError, match=r"<\|sep\|>"):
        trained.encode(text, allowed_special={"<|endoftext|>"})
    ids = trained.encode(text, allowed_special={"<|endoftext|>"}, disallowed_special=())
    assert eot in ids and sep not in ids
    with pytest.raises(TokenizerError, match="unknown special"):
        trained.encode(text, allowed_special={"<|nope|>"})


def test_special_token_id_collisions():
    tok = RegexTokenizer().train(SAMPLE, 300)
    with pytest.raises(TokenizerError, match="collides"):
        tok.register_special_tokens({"<|endoftext|>": 299})
    with pytest.raises(TokenizerError, match="both use id"):
        tok.register_special_tokens({"<|a|>": 300, "<|b|>": 300})
    tok.register_special_tokens({"<|a|>": 300, "<|b|>": 301})
    assert tok.vocab_size == 302


# -- decoding bad ids and bytes -----------------------------------------------------------


def test_invalid_utf8_decodes_to_replacement_characters():
    tok = BasicTokenizer()
    assert tok.decode([0x80]) == "\ufffd"
    broken = "😀".encode()[:3] + b"a"
    assert tok.decode(list(broken)) == broken.decode("utf-8", errors="replace")
    assert tok.decode_bytes(list(broken)) == broken


def test_unknown_id_is_an_error():
    with pytest.raises(TokenizerError, match="not in the vocabulary"):
        BasicTokenizer().decode([256])


# -- the model file -----------------------------------------------------------------------


def test_save_load_round_trip(trained: Tokenizer, tmp_path):
    model = trained.save(tmp_path / "tok")
    assert model == tmp_path / "tok.model"
    vocab_text = (tmp_path / "tok.vocab").read_text(encoding="utf-8")
    assert "special" in vocab_text and "<-" in vocab_text
    loaded = z2h.bpe.load(model)
    assert type(loaded) is type(trained)
    assert loaded.merges == trained.merges
    assert loaded.special_tokens == trained.special_tokens
    assert loaded.pattern == trained.pattern
    assert loaded.vocab_size == trained.vocab_size
    text = INPUTS["unicode and emoji"] + "<|endoftext|>" + SAMPLE
    assert loaded.encode(text, allowed_special="all") == trained.encode(text, allowed_special="all")
    # from the model dict (as a checkpoint would store it), and the method form
    assert z2h.bpe.from_dict(trained.to_dict()).merges == trained.merges
    again = make_from(trained).load(model)
    assert again.merges == trained.merges


def make_from(tok: Tokenizer) -> Tokenizer:
    return BasicTokenizer() if isinstance(tok, BasicTokenizer) else RegexTokenizer()


def _saved(tmp_path) -> tuple[dict, object]:
    tok = RegexTokenizer().train(SAMPLE, 280)
    path = tok.save(tmp_path / "t")
    return json.loads(path.read_text()), path


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda d: "not json {", "not valid JSON"),
        (lambda d: json.dumps({**d, "format": "other"}), "not a z2h bpe model"),
        (lambda d: json.dumps({**d, "version": 99}), "version 99"),
        (lambda d: json.dumps({k: v for k, v in d.items() if k != "merges"}), "missing"),
        (lambda d: json.dumps({**d, "merges": [[1, "x"]]}), r"\[int, int\]"),
        (lambda d: json.dumps({**d, "merges": [[1, 9999]]}), "not defined before"),
        (lambda d: json.dumps({**d, "byte_order": [0] * 256}), "permutation"),
        (lambda d: json.dumps({**d, "special_tokens": {"<|x|>": 3}}), "collides"),
        (lambda d: json.dumps({**d, "pattern": "(unclosed"}), "bad pattern"),
        (lambda d: json.dumps({**d, "pattern": "GPT4"}), "unknown split pattern name 'GPT4'"),
        (lambda d: json.dumps({**d, "type": "mystery"}), "unknown tokenizer type"),
        (lambda d: json.dumps(d)[: len(json.dumps(d)) // 2], "not valid JSON"),
    ],
)
def test_corrupted_model_file(tmp_path, corrupt, message):
    data, path = _saved(tmp_path)
    path.write_text(corrupt(data))
    with pytest.raises(TokenizerError, match=message):
        z2h.bpe.load(path)


@pytest.mark.parametrize("name", ["GPT4", "gpt-4", "gtp2", "None", "cl100k_base"])
def test_mistyped_pattern_name_is_an_error(name):
    with pytest.raises(TokenizerError, match=f"unknown split pattern name {name!r}"):
        RegexTokenizer(name)


@pytest.mark.parametrize("name", ["gpt4", "gpt2"])
def test_model_file_may_name_its_pattern(tmp_path, name):
    data, path = _saved(tmp_path)
    path.write_text(json.dumps({**data, "pattern": name}))
    loaded = z2h.bpe.load(path)
    assert loaded.pattern == RegexTokenizer(name).pattern
    assert loaded.decode(loaded.encode("abc hello")) == "abc hello"
    none = z2h.bpe.load(_write(path, {**data, "pattern": "none"}))
    assert none.pattern is None and none.split("a b") == ["a b"]


def _write(path, data: dict):
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    "pattern, message",
    [
        (r"[a-z]+", r"first unmatched character at 5: ' world!"),  # skips the space
        (r"\w+|\s", r"at 11: '!"),
        (r"([a-z]+)|\s|!", "capturing groups"),  # findall would return the groups only
    ],
)
def test_pattern_that_skips_text_raises(pattern, message):
    tok = RegexTokenizer(pattern)
    with pytest.raises(TokenizerError, match=message):
        tok.encode("hello world!")
    with pytest.raises(TokenizerError, match=message):
        tok.train("hello world!" * 3, 260)


def test_custom_pattern_covering_the_text_works():
    tok = RegexTokenizer(r"\w+|\W")
    assert tok.split("hi, you") == ["hi", ",", " ", "you"]
    assert tok.decode(tok.encode("hi, you")) == "hi, you"


def test_missing_model_file(tmp_path):
    with pytest.raises(TokenizerError, match="no such tokenizer model"):
        z2h.bpe.load(tmp_path / "absent.model")


def test_loading_the_wrong_kind(tmp_path):
    path = BasicTokenizer().train(SAMPLE, 260).save(tmp_path / "b")
    with pytest.raises(TokenizerError, match="basic"):
        RegexTokenizer().load(path)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=40))
def test_round_trip_any_text(trained: Tokenizer, text: str):
    fixed = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    assert trained.decode(trained.encode(text, allowed_special="none")) == fixed


def test_training_text_with_lone_surrogates():
    # as in encoding: a lone surrogate cannot be UTF-8, so it is trained on as U+FFFD
    tok = RegexTokenizer().train("ab\ud800 ab\ud800 ab", 260)
    assert tok.decode(tok.encode("ab\ud800")) == "ab\ufffd"
    assert tok.encode("\ud800") == tok.encode("\ufffd")
    assert len(tok.encode("\ufffd")) < 3  # its three bytes were merged in training


def test_from_dict_checks_its_input():
    data = RegexTokenizer().train(SAMPLE, 270).to_dict()
    with pytest.raises(TokenizerError, match="version 2"):
        z2h.bpe.from_dict({**data, "version": 2})
    with pytest.raises(TokenizerError, match="not defined before"):
        z2h.bpe.from_dict({**data, "merges": [[300, 1]]})
