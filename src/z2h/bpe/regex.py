"""RegexTokenizer: BPE within the chunks of a split pattern, where ``basic.py`` sees one text.

The GPT-2 and GPT-4 patterns cut text into words, numbers, punctuation and whitespace runs, so no
merge crosses those boundaries; pattern ``"none"`` (or ``None``) keeps the text whole.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from z2h.bpe.base import Tokenizer, TokenizerError

# the split patterns of GPT-2 (tiktoken r50k_base) and GPT-4 (tiktoken cl100k_base, verbatim)
GPT2_SPLIT_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
GPT4_SPLIT_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
PATTERNS: dict[str, str | None] = {
    "gpt4": GPT4_SPLIT_PATTERN,
    "gpt2": GPT2_SPLIT_PATTERN,
    "none": None,
}


class RegexTokenizer(Tokenizer):
    """Byte-level BPE within regex chunks, with special tokens."""

    kind = "regex"

    def __init__(self, pattern: str | None = "gpt4") -> None:
        super().__init__()
        self.pattern = PATTERNS.get(pattern, pattern) if pattern is not None else None

    @cached_property
    def _compiled(self) -> Any:
        import regex  # third party: the standard re module has no \p{L}

        return regex.compile(self.pattern)

    def _apply(self, data: dict[str, Any], where: object) -> None:
        super()._apply(data, where)
        self.__dict__.pop("_compiled", None)
        if self.pattern is not None:
            try:
                self._compiled  # noqa: B018 (compile now, so a bad pattern fails at load)
            except Exception as e:
                raise TokenizerError(
                    f"{where}: corrupted tokenizer model (bad pattern: {e})"
                ) from e

    def split(self, text: str) -> list[str]:
        if not text:
            return []
        if self.pattern is None:
            return [text]
        return self._compiled.findall(text)
