"""BasicTokenizer: BPE on the raw UTF-8 bytes of the whole text, with no split into chunks.

Unlike ``regex.py`` it lets merges cross word and punctuation boundaries (lecture 8's first
tokenizer); special tokens, if registered, work as in every ``Tokenizer``.
"""

from __future__ import annotations

from z2h.bpe.base import Tokenizer


class BasicTokenizer(Tokenizer):
    """Byte-level BPE over the whole text as one sequence."""

    kind = "basic"

    def split(self, text: str) -> list[str]:
        return [text] if text else []
