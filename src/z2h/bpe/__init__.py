"""Lecture 8: byte-pair-encoding tokenizers.

``BasicTokenizer`` (bytes, no split), ``RegexTokenizer`` (GPT-2/GPT-4 split patterns, special
tokens) and ``GPT4Tokenizer`` (tiktoken cl100k_base, exactly), all on the shared ``Tokenizer`` in
``base.py``; training is the fast, exact trainer in ``train.py``. ``load(path)`` reads any saved
model file. Nothing here imports torch.
"""

from __future__ import annotations

import os
from typing import Any

from z2h.bpe.base import Tokenizer, TokenizerError, check_model_dict, read_model_file
from z2h.bpe.basic import BasicTokenizer
from z2h.bpe.regex import RegexTokenizer

__all__ = [
    "BasicTokenizer",
    "GPT4Tokenizer",
    "RegexTokenizer",
    "Tokenizer",
    "TokenizerError",
    "from_dict",
    "load",
]

KINDS: dict[str, type[Tokenizer]] = {"basic": BasicTokenizer, "regex": RegexTokenizer}


def load(model_file: str | os.PathLike[str]) -> Tokenizer:
    """Load any tokenizer saved with ``save(prefix)`` from ``PREFIX.model``.

    The result has ``encode(text)``, ``decode(ids)`` and ``vocab_size``.
    """
    return _build(read_model_file(model_file), model_file)


def from_dict(data: dict[str, Any]) -> Tokenizer:
    """Rebuild a tokenizer from ``tok.to_dict()`` (the model file's contents), e.g. a checkpoint."""
    return _build(check_model_dict(data), "tokenizer model")


def _build(data: dict[str, Any], where: object) -> Tokenizer:
    cls = KINDS.get(data["type"])
    if cls is None:
        raise TokenizerError(f"{where}: unknown tokenizer type {data['type']!r}")
    tok = cls.__new__(cls)
    Tokenizer.__init__(tok)
    tok._apply(data, where)
    return tok


def __getattr__(name: str):
    if name == "GPT4Tokenizer":  # lazy: it pulls in the ranks-file machinery
        from z2h.bpe.gpt4 import GPT4Tokenizer

        return GPT4Tokenizer
    raise AttributeError(name)
