from __future__ import annotations

import pytest
import torch

from z2h.errors import CheckpointError, DataError, Z2HError
from z2h.gpt.data import TextData, fixed_windows, random_windows
from z2h.gpt.tokenizer import CharTokenizer, from_dict


@pytest.mark.parametrize("text", ["hello world", "a", "naïve café — ✓\n"])
def test_char_round_trip(text):
    tok = CharTokenizer.from_text(text)
    assert tok.decode(tok.encode(text)) == text
    assert from_dict(tok.to_dict()).encode(text) == tok.encode(text)
    assert tok.vocab_size == len(set(text))


def test_unknown_characters_are_named():
    with pytest.raises(Z2HError, match="'xz'"):
        CharTokenizer.from_text("abc").encode("axbz")


def test_unknown_tokenizer_in_checkpoint():
    with pytest.raises(CheckpointError):
        from_dict({"type": "sentencepiece"})


def test_split_and_windows():
    text = "abcdefghij" * 10
    data = TextData.from_text(text, CharTokenizer.from_text(text))
    assert len(data.train) == 90 and len(data.val) == 10
    x, y = random_windows(data.train, 4, 8, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 8) and torch.equal(x[:, 1:], y[:, :-1])
    x, y = fixed_windows(data.train, 8)
    assert x.shape == (11, 8) and torch.equal(x.flatten()[1:], y.flatten()[:-1])
    assert fixed_windows(data.train, 8, max_tokens=32)[0].shape == (4, 8)
    data.check_block_size(9)
    with pytest.raises(DataError, match="at most 9"):
        data.check_block_size(10)
