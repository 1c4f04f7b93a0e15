"""Tokenizers for the GPT: characters (lecture 7's default) or a byte-level BPE model from z2h.bpe.

Both expose ``encode(text) -> list[int]``, ``decode(ids) -> str``, ``vocab_size`` and
``to_dict()``; the dict goes into every checkpoint so ``sample`` rebuilds the exact tokenizer from
the run directory alone (``from_dict``).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from z2h.errors import CheckpointError, Z2HError


class TextTokenizer(Protocol):
    kind: str

    @property
    def vocab_size(self) -> int: ...
    def encode(self, text: str) -> list[int]: ...
    def decode(self, ids: Iterable[int]) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...


class CharTokenizer:
    """One token per distinct character of the training text, in sorted order."""

    kind = "char"

    def __init__(self, chars: str):
        if not chars:
            raise Z2HError("a character tokenizer needs at least one character")
        if len(set(chars)) != len(chars):
            raise Z2HError("character vocabulary has duplicates")
        self.chars = chars
        self.stoi = {ch: i for i, ch in enumerate(chars)}

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        return cls("".join(sorted(set(text))))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        try:
            return [self.stoi[ch] for ch in text]
        except KeyError:
            unknown = sorted({ch for ch in text if ch not in self.stoi})
            raise Z2HError(
                f"characters not in the model's vocabulary: {''.join(unknown)!r} "
                f"(it knows {self.vocab_size}: {self.chars!r})"
            ) from None

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.chars[i] for i in ids)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "char", "chars": self.chars}


# --special on the command line -> z2h.bpe's allowed_special
SPECIAL_MODES: dict[str, Any] = {"raise": frozenset(), "all": "all", "none": "none"}


class BPETokenizer:
    """Adapter for a ``z2h.bpe`` model file (``PREFIX.model``): byte-level, so any text encodes.

    ``special`` says what a special token's string (``<|endoftext|>``) in a text becomes: an error
    (``"raise"``), the special token (``"all"``) or ordinary text (``"none"``).
    """

    kind = "bpe"

    def __init__(self, model: dict[str, Any], source: str = "", special: str = "raise"):
        from z2h.bpe import load

        if special not in SPECIAL_MODES:
            raise Z2HError(f"unknown --special {special!r}: choose {', '.join(SPECIAL_MODES)}")
        self.model = model
        self.source = source
        self.special = special
        # subtle: z2h.bpe loads from files only; round-trip through a private temporary file
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "tokenizer.model"
            path.write_text(json.dumps(model), encoding="utf-8")
            self.tok = load(path)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], special: str = "raise") -> BPETokenizer:
        from z2h.bpe.base import read_model_file

        return cls(read_model_file(path), source=os.fspath(path), special=special)

    @property
    def vocab_size(self) -> int:
        return int(self.tok.vocab_size)

    def encode(self, text: str) -> list[int]:
        from z2h.bpe.base import TokenizerError

        try:
            return list(self.tok.encode(text, allowed_special=SPECIAL_MODES[self.special]))
        except TokenizerError:
            raise
        except ValueError as e:  # a special token's string in the text, not allowed
            names = sorted(name for name in self.tok.special_tokens if name in text)
            raise Z2HError(
                f"the text contains the special token {', '.join(map(repr, names))}; say what it "
                "is with --special all (the special token) or --special none (ordinary text)"
            ) from e

    def decode(self, ids: Iterable[int]) -> str:
        return self.tok.decode(list(ids))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "bpe", "model": self.model, "source": self.source}


def from_dict(d: dict[str, Any], special: str = "raise") -> TextTokenizer:
    """Rebuild a tokenizer saved with ``to_dict`` (e.g. from a checkpoint)."""
    kind = d.get("type") if isinstance(d, dict) else None
    if kind == "char":
        return CharTokenizer(d["chars"])
    if kind == "bpe":
        return BPETokenizer(d["model"], d.get("source", ""), special=special)
    raise CheckpointError(f"unknown tokenizer in checkpoint: {kind!r}")


def same_tokenizer(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two ``to_dict`` results describe the same token ids (the source path may differ)."""
    strip = {"source"}
    return {k: v for k, v in a.items() if k not in strip} == {
        k: v for k, v in b.items() if k not in strip
    }
