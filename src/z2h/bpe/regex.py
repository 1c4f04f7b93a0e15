"""RegexTokenizer: BPE within the chunks of a split pattern, where ``basic.py`` sees one text.

The GPT-2 and GPT-4 patterns cut text into words, numbers, punctuation and whitespace runs, so no
merge crosses those boundaries; pattern ``"none"`` (or ``None``) keeps the text whole.

A pattern is a name from ``PATTERNS`` (exact spelling) or a regex. Every character of the text
must fall in some chunk: a pattern that skips text (or has capturing groups, which change what
``findall`` returns) raises ``TokenizerError`` instead of silently dropping text.
"""

from __future__ import annotations

import re
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
_NAME_LIKE = re.compile(r"[A-Za-z0-9_-]+")  # a word that is surely a mistyped name, not a regex


def resolve_pattern(pattern: str | None) -> str | None:
    """The regex for a pattern name from ``PATTERNS``, or ``pattern`` itself if it is a regex."""
    if pattern is None:
        return None
    if not isinstance(pattern, str):
        raise TokenizerError(f"a split pattern must be a name or a regex string, got {pattern!r}")
    if pattern in PATTERNS:
        return PATTERNS[pattern]
    if _NAME_LIKE.fullmatch(pattern):
        raise TokenizerError(
            f"unknown split pattern name {pattern!r}; the names are {sorted(PATTERNS)} "
            "(case-sensitive), or pass a regex"
        )
    return pattern


class RegexTokenizer(Tokenizer):
    """Byte-level BPE within regex chunks, with special tokens."""

    kind = "regex"

    def __init__(self, pattern: str | None = "gpt4") -> None:
        super().__init__()
        self.pattern = resolve_pattern(pattern)

    @cached_property
    def _compiled(self) -> Any:
        import regex  # third party: the standard re module has no \p{L}

        return regex.compile(self.pattern)

    def _apply(self, data: dict[str, Any], where: object) -> None:
        super()._apply(data, where)
        self.__dict__.pop("_compiled", None)
        try:
            self.pattern = resolve_pattern(self.pattern)  # a file may name its pattern ("gpt4")
        except TokenizerError as e:
            raise TokenizerError(f"{where}: corrupted tokenizer model ({e})") from e
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
        chunks = self._compiled.findall(text)
        # subtle: findall skips what the pattern does not match; chunks cover the text exactly
        # when their lengths add up to its length (matches are disjoint and in order)
        if sum(map(len, chunks)) != len(text):
            raise TokenizerError(self._uncovered(text))
        return chunks

    def _uncovered(self, text: str) -> str:
        """Say where the split pattern leaves text out."""
        if self._compiled.groups:
            return (
                f"split pattern {self.pattern!r} has capturing groups, so its chunks are the "
                "groups, not whole matches, and encoding would lose text; use (?:...) instead"
            )
        pos = 0
        for m in self._compiled.finditer(text):
            if m.start() != pos:
                break
            pos = m.end()
        return (
            f"split pattern {self.pattern!r} does not match all of the text (first unmatched "
            f"character at {pos}: {text[pos : pos + 20]!r}), so encoding would lose it; "
            "use a pattern that matches every character"
        )
