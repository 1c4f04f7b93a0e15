"""makemore's data layer: word lists, the character vocabulary, the split and example builders.

Every makemore model trains on examples built here:

- ``context_examples(words, vocab, k)``: fixed contexts of ``k`` characters, for n-grams and the MLP
  family (``X`` is ``(N, k)``, ``Y`` is ``(N,)``);
- ``sequence_examples(words, vocab, block_size)``: whole words padded to ``block_size``, for
  sequence models (``X`` and ``Y`` are ``(N, T)``, targets of ``-1`` are padding).

Index 0 of every vocabulary is the boundary token ``.`` that starts and ends a word.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from z2h.data import DATASETS, read_text, resolve
from z2h.defaults import DEFAULT_SEED
from z2h.errors import DataError, Z2HError

if TYPE_CHECKING:
    import torch

BOUNDARY = "."  # starts and ends every word; always index 0
MAX_WORD_LENGTH = 256  # longest line accepted in a word list, in characters
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)  # train, dev, test


class Vocab:
    """Characters <-> indices; index 0 is the boundary token ``.``, the rest sorted code points."""

    def __init__(self, chars: Iterable[str]):
        chars = list(chars)
        if not chars or chars[0] != BOUNDARY:
            raise DataError(f"a vocabulary must start with the boundary token {BOUNDARY!r}")
        if len(set(chars)) != len(chars):
            raise DataError("a vocabulary must not repeat characters")
        for c in chars:
            if not isinstance(c, str) or len(c) != 1:
                raise DataError(f"vocabulary entries must be single characters, got {c!r}")
        self.itos: list[str] = chars
        self.stoi: dict[str, int] = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_words(cls, words: Iterable[str]) -> Vocab:
        """The vocabulary of ``words``: ``.`` then every character that occurs, sorted."""
        seen = set()
        for w in words:
            seen.update(w)
        if BOUNDARY in seen:
            raise DataError(
                f"the words contain {BOUNDARY!r}, which makemore reserves as the word boundary; "
                f"remove or replace it in the word list"
            )
        return cls([BOUNDARY, *sorted(seen)])

    @classmethod
    def from_list(cls, chars: Sequence[str]) -> Vocab:
        """Rebuild a vocabulary saved with ``to_list`` (e.g. from a checkpoint)."""
        return cls(chars)

    def to_list(self) -> list[str]:
        return list(self.itos)

    def __len__(self) -> int:
        return len(self.itos)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.itos == other.itos

    def __repr__(self) -> str:
        return f"Vocab({''.join(self.itos)!r})"

    def encode(self, word: str) -> list[int]:
        """Indices of the characters of ``word``; an unknown character is a clear error."""
        try:
            return [self.stoi[c] for c in word]
        except KeyError as e:
            raise DataError(
                f"character {e.args[0]!r} in {word!r} is not in this vocabulary "
                f"(was the model trained on another word list?)"
            ) from None

    def decode(self, ids: Iterable[int]) -> str:
        """Characters of ``ids``, stopping at the first boundary token."""
        out = []
        for i in ids:
            i = int(i)
            if i == 0:
                break
            out.append(self.itos[i])
        return "".join(out)

    def check_covers(self, words: Iterable[str]) -> None:
        """Raise if any word uses a character outside this vocabulary."""
        missing = sorted({c for w in words for c in w} - set(self.stoi))
        if missing:
            raise DataError(
                f"the words use {len(missing)} character(s) this model's vocabulary lacks "
                f"({''.join(missing[:20])!r}); the checkpoint was trained on another word list"
            )


def load_words(
    name_or_path: str | os.PathLike[str], max_length: int = MAX_WORD_LENGTH
) -> list[str]:
    """Read a word list: one item per line, whitespace stripped, empty lines skipped.

    ``name_or_path`` is a data-set name (``names``) or a file path. Lines end at ``\n`` (a ``\r``
    before it is whitespace); a leading UTF-8 byte-order mark is dropped. Raises ``DataError`` for
    a missing, unreadable or binary file, a list with no words, or a line longer than
    ``max_length``.
    """
    text = read_text(name_or_path).removeprefix("\ufeff")  # a BOM is no character of a word
    words = []
    # subtle: not str.splitlines(), which also breaks at \x0b, \x1c..\x1e, \x85, U+2028 and U+2029
    for lineno, line in enumerate(text.split("\n"), start=1):
        word = line.strip()
        if not word:
            continue
        if len(word) > max_length:
            raise DataError(
                f"{name_or_path}: line {lineno} has {len(word)} characters, more than the limit "
                f"of {max_length} for a word list (is this one word per line?)"
            )
        words.append(word)
    if not words:
        raise DataError(f"{name_or_path} holds no words (only empty or blank lines)")
    return words


def split_words(
    words: Sequence[str], seed: int = DEFAULT_SEED
) -> tuple[list[str], list[str], list[str]]:
    """Deterministic 80/10/10 train/dev/test split by ``seed``, identical on every machine.

    A seeded ``random.Random`` permutation (pure Python, not torch) fixes the order; dev and test
    get at least one word each, so at least 3 words are needed.
    """
    n = len(words)
    if n < 3:
        raise DataError(f"need at least 3 words to split into train/dev/test, got {n}")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_dev = max(1, round(SPLIT_FRACTIONS[1] * n))
    n_test = max(1, round(SPLIT_FRACTIONS[2] * n))
    n_train = n - n_dev - n_test
    train = [words[i] for i in order[:n_train]]
    dev = [words[i] for i in order[n_train : n_train + n_dev]]
    test = [words[i] for i in order[n_train + n_dev :]]
    return train, dev, test


@dataclass
class WordData:
    """A word list, its vocabulary (built from all words) and its split."""

    source: str  # data-set name or path it came from
    seed: int  # split seed
    vocab: Vocab
    train: list[str]
    dev: list[str]
    test: list[str]

    def split(self, name: str) -> list[str]:
        if name not in ("train", "dev", "test"):
            raise Z2HError(f"unknown split {name!r}: choose train, dev or test")
        return getattr(self, name)

    @property
    def max_word_length(self) -> int:
        return max(len(w) for w in (*self.train, *self.dev, *self.test))


def prepare(
    name_or_path: str | os.PathLike[str], seed: int = DEFAULT_SEED, vocab: Vocab | None = None
) -> WordData:
    """Load, build (or check against ``vocab``) the vocabulary, and split a word list."""
    words = load_words(name_or_path)
    if vocab is None:
        vocab = Vocab.from_words(words)
    else:
        vocab.check_covers(words)
    train, dev, test = split_words(words, seed)
    return WordData(data_source(name_or_path), seed, vocab, train, dev, test)


def data_source(name_or_path: str | os.PathLike[str]) -> str:
    """How to find a word list again from any folder: a data-set name, or a file's absolute path."""
    key = os.fspath(name_or_path)
    if key in DATASETS:
        return key
    return str(resolve(key).resolve())


def context_examples(
    words: Sequence[str], vocab: Vocab, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Every (previous ``k`` characters -> next character) pair of ``words``.

    Each word is preceded by ``k`` boundary tokens and followed by one, so ``emma`` with ``k=3``
    gives ``... -> e``, ``..e -> m``, ..., ``mma -> .``. Returns ``X (N, k)`` and ``Y (N,)``, both
    int64, with ``N = sum(len(w) + 1)``.
    """
    import numpy as np
    import torch

    if k < 0:
        raise Z2HError(f"context length must be at least 0, got {k}")
    # one stream: k boundary tokens, the word, one boundary token, for every word
    stream: list[int] = []
    is_target: list[bool] = []
    for w in words:
        ids = vocab.encode(w)
        stream += [0] * k + ids + [0]
        is_target += [False] * k + [True] * (len(ids) + 1)
    ids_np = np.asarray(stream, dtype=np.int64)
    ends = np.flatnonzero(np.asarray(is_target, dtype=bool))  # (N,) positions of targets
    # (N, k): the k positions before each target, all inside the same word's padded segment
    X = ids_np[ends[:, None] - np.arange(k, 0, -1)[None, :]] if k else np.zeros((len(ends), 0))
    return torch.as_tensor(X, dtype=torch.long), torch.as_tensor(ids_np[ends], dtype=torch.long)


def sequence_examples(
    words: Sequence[str], vocab: Vocab, block_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Whole words as padded sequences, makemore.py's convention.

    ``x = [0] + chars`` padded with 0 and ``y = chars + [0]`` padded with -1 (ignored by the loss),
    both ``(N, block_size)`` int64. A word needs ``len(word) + 1 <= block_size``.
    """
    import torch

    longest = max((len(w) for w in words), default=0)
    if longest + 1 > block_size:
        raise Z2HError(
            f"a word of {longest} characters needs a block size of at least {longest + 1}, "
            f"but the model's block size is {block_size}"
        )
    X = torch.zeros(len(words), block_size, dtype=torch.long)
    Y = torch.full((len(words), block_size), -1, dtype=torch.long)
    for i, w in enumerate(words):
        ix = vocab.encode(w)
        X[i, 1 : 1 + len(ix)] = torch.tensor(ix, dtype=torch.long)
        Y[i, : len(ix)] = torch.tensor(ix, dtype=torch.long)
        Y[i, len(ix)] = 0
    return X, Y


def examples(
    words: Sequence[str], vocab: Vocab, input_kind: str, block_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The examples a model of ``input_kind`` (``"context"`` or ``"sequence"``) trains on."""
    if input_kind == "context":
        return context_examples(words, vocab, block_size)
    if input_kind == "sequence":
        return sequence_examples(words, vocab, block_size)
    raise Z2HError(f"unknown input kind {input_kind!r}: choose context or sequence")
