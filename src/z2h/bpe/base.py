"""The shared tokenizer: merges, vocabulary, special tokens, encode/decode and the model file.

A tokenizer is an ordered dict of merges ``(id, id) -> new id`` on top of 256 byte tokens, plus
optional special tokens and an optional split pattern. Subclasses only decide how text is cut
into chunks before training and encoding (``basic.py``: not at all; ``regex.py``: by a regex).

Model file (``PREFIX.model``, JSON, versioned)::

    {"format": "z2h-bpe", "version": 1, "type": "regex", "pattern": "...",
     "special_tokens": {"<|endoftext|>": 100257}, "byte_order": null | [256 ids],
     "merges": [[a, b], ...]}          # merge i creates token 256 + i

``PREFIX.vocab`` is for people only: one token per line with its bytes and, for merged tokens,
the two tokens it was made from.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from itertools import pairwise, repeat
from pathlib import Path
from typing import Any

from z2h.errors import Z2HError

FORMAT = "z2h-bpe"
VERSION = 1
_NO_MERGE = 1 << 62  # rank of a pair that has no merge


class TokenizerError(Z2HError):
    """A tokenizer model file is missing or corrupted, or a tokenizer was misused."""


def render_token(token: bytes) -> str:
    """Printable form of a token's bytes: invalid UTF-8 and control characters escaped."""
    text = token.decode("utf-8", errors="replace")
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


class Tokenizer:
    """Byte-level BPE: 256 byte tokens, merges in order, then special tokens."""

    kind = "base"

    def __init__(self) -> None:
        self.merges: dict[tuple[int, int], int] = {}
        self.special_tokens: dict[str, int] = {}
        self.pattern: str | None = None
        # byte value -> id of its single-byte token; a permutation (identity unless GPT-4)
        self.byte_order: list[int] = list(range(256))
        self._rebuild()

    # -- construction -------------------------------------------------------------------------

    def _rebuild(self) -> None:
        """Derive the vocabulary and encode caches from ``byte_order`` and ``merges``."""
        vocab: dict[int, bytes] = {idx: bytes([b]) for b, idx in enumerate(self.byte_order)}
        for (a, b), idx in self.merges.items():
            if a not in vocab or b not in vocab:
                raise TokenizerError(
                    f"merge ({a}, {b}) -> {idx} uses a token not defined before it"
                )
            if idx in vocab:
                raise TokenizerError(f"merge ({a}, {b}) -> {idx} reuses id {idx}")
            vocab[idx] = vocab[a] + vocab[b]
        self.vocab = vocab
        self._cache: dict[bytes, list[int]] = {}
        self._special_by_id = {idx: tok.encode("utf-8") for tok, idx in self.special_tokens.items()}

    def set_merges(
        self, merges: Sequence[tuple[int, int]], byte_order: Sequence[int] | None = None
    ):
        """Install merges (merge ``i`` creates id ``256 + i``), keeping special tokens valid."""
        if byte_order is not None:
            if sorted(byte_order) != list(range(256)):
                raise TokenizerError("byte_order must be a permutation of 0..255")
            self.byte_order = list(byte_order)
        self.merges = {(int(a), int(b)): 256 + i for i, (a, b) in enumerate(merges)}
        self._rebuild()
        self.register_special_tokens(self.special_tokens)

    def register_special_tokens(self, special_tokens: dict[str, int]) -> None:
        """Set the special tokens (name -> id), replacing any; ids must be new and distinct."""
        ids: dict[int, str] = {}
        for name, idx in special_tokens.items():
            if not isinstance(name, str) or not name:
                raise TokenizerError(f"special token names must be non-empty strings, got {name!r}")
            if not isinstance(idx, int) or idx < 0:
                raise TokenizerError(f"special token {name!r} needs a non-negative int id")
            if idx in self.vocab:
                raise TokenizerError(
                    f"special token {name!r} id {idx} collides with an ordinary token "
                    f"(ids 0..{len(self.vocab) - 1} are taken); use {len(self.vocab)} or above"
                )
            if idx in ids:
                raise TokenizerError(f"special tokens {ids[idx]!r} and {name!r} both use id {idx}")
            ids[idx] = name
        self.special_tokens = dict(special_tokens)
        self._special_by_id = {idx: tok.encode("utf-8") for tok, idx in self.special_tokens.items()}

    @property
    def vocab_size(self) -> int:
        """Number of ids in use: byte and merged tokens plus special tokens (max id + 1)."""
        top = max(self.special_tokens.values(), default=-1)
        return max(len(self.vocab), top + 1)

    # -- training -----------------------------------------------------------------------------

    def split(self, text: str) -> list[str]:
        """Cut ordinary text into the chunks that merges may not cross."""
        raise NotImplementedError

    def train(self, text: str, vocab_size: int, verbose: bool = False) -> Tokenizer:
        """Learn ``vocab_size - 256`` merges from ``text`` (fewer if the text runs out of pairs)."""
        from z2h.bpe.train import train_merges

        if not isinstance(vocab_size, int) or vocab_size < 256:
            raise TokenizerError(
                f"vocab_size must be at least 256 (the byte tokens), got {vocab_size!r}"
            )
        chunks = (chunk.encode("utf-8") for chunk in self.split(_encodable(text)))
        merges = train_merges(chunks, vocab_size - 256)
        self.set_merges(merges)
        if verbose:
            for (a, b), idx in self.merges.items():
                print(
                    f"merge {idx - 255}/{vocab_size - 256}: ({a}, {b}) -> {idx} "
                    f"{render_token(self.vocab[idx])!r}"
                )
        return self

    # -- encoding -----------------------------------------------------------------------------

    def _encode_chunk(self, chunk: bytes) -> list[int]:
        """Apply the merges to one chunk: always the lowest-ranked pair present first."""
        cached = self._cache.get(chunk)
        if cached is not None:
            return list(cached)
        ids = [self.byte_order[b] for b in chunk]
        ids = _bpe_short(ids, self.merges) if len(ids) < 64 else _bpe_long(ids, self.merges)
        if len(self._cache) < 200_000:
            self._cache[chunk] = ids
        return list(ids)

    def encode_ordinary(self, text: str) -> list[int]:
        """Encode text, treating special-token strings as ordinary text."""
        text = _encodable(text)
        ids: list[int] = []
        for chunk in self.split(text):
            ids.extend(self._encode_chunk(chunk.encode("utf-8")))
        return ids

    def encode(
        self,
        text: str,
        allowed_special: str | Iterable[str] = frozenset(),
        disallowed_special: str | Iterable[str] = "all",
    ) -> list[int]:
        """Encode text to ids, with tiktoken's rules for special tokens.

        ``allowed_special``: "all", "none" (special-token strings are ordinary text) or a set of
        names to encode as special tokens. By default (``disallowed_special="all"``) a special
        token that is not allowed raises ``ValueError`` when it appears in the text.
        """
        if allowed_special == "none":
            return self.encode_ordinary(text)
        if allowed_special == "all":
            allowed = set(self.special_tokens)
        elif isinstance(allowed_special, str):
            raise TokenizerError(
                f"allowed_special must be 'all', 'none' or a set of names, got {allowed_special!r}"
            )
        else:
            allowed = set(allowed_special)
            unknown = allowed - set(self.special_tokens)
            if unknown:
                raise TokenizerError(
                    f"unknown special tokens in allowed_special: {sorted(unknown)}"
                )
        if disallowed_special == "all":
            disallowed = set(self.special_tokens) - allowed
        elif isinstance(disallowed_special, str):
            raise TokenizerError("disallowed_special must be 'all' or a set of names")
        else:
            disallowed = set(disallowed_special)
        for name in sorted(disallowed):
            if name in text:
                raise ValueError(
                    f"the text contains the special token {name!r}. To encode it as the special "
                    f"token pass allowed_special={{{name!r}}} (or 'all'); to encode it as ordinary "
                    "text pass allowed_special='none'"
                )
        if not allowed:
            return self.encode_ordinary(text)
        ids: list[int] = []
        start = 0
        for pos, name in _find_specials(text, allowed):
            ids.extend(self.encode_ordinary(text[start:pos]))
            ids.append(self.special_tokens[name])
            start = pos + len(name)
        ids.extend(self.encode_ordinary(text[start:]))
        return ids

    # -- decoding -----------------------------------------------------------------------------

    def decode_bytes(self, ids: Iterable[int]) -> bytes:
        parts = []
        for idx in ids:
            token = self.vocab.get(idx)
            if token is None:
                token = self._special_by_id.get(idx)
                if token is None:
                    raise TokenizerError(
                        f"id {idx} is not in the vocabulary (size {self.vocab_size})"
                    )
            parts.append(token)
        return b"".join(parts)

    def decode(self, ids: Iterable[int]) -> str:
        """Decode ids to text; bytes that are not valid UTF-8 become U+FFFD, as in tiktoken."""
        return self.decode_bytes(ids).decode("utf-8", errors="replace")

    # -- files --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        identity = self.byte_order == list(range(256))
        merges = sorted(self.merges.items(), key=lambda item: item[1])
        return {
            "format": FORMAT,
            "version": VERSION,
            "type": self.kind,
            "pattern": self.pattern,
            "special_tokens": self.special_tokens,
            "byte_order": None if identity else self.byte_order,
            "merges": [[a, b] for (a, b), _ in merges],
        }

    def save(self, file_prefix: str | os.PathLike[str]) -> Path:
        """Write ``PREFIX.model`` (to load) and ``PREFIX.vocab`` (to read); return the first."""
        from z2h.run import write_text_atomic

        prefix = os.fspath(file_prefix)
        if prefix.endswith(".model"):
            prefix = prefix[: -len(".model")]
        model_path = Path(prefix + ".model")
        write_text_atomic(model_path, json.dumps(self.to_dict()) + "\n")
        write_text_atomic(Path(prefix + ".vocab"), self.vocab_text())
        return model_path

    def vocab_text(self) -> str:
        lines = [f"# z2h bpe vocabulary ({self.kind}), {self.vocab_size} ids; for reading only"]
        parents = {idx: pair for pair, idx in self.merges.items()}
        for idx in sorted(self.vocab):
            shown = render_token(self.vocab[idx])
            if idx in parents:
                a, b = parents[idx]
                lines.append(
                    f"{idx}\t[{shown}]\t<- [{render_token(self.vocab[a])}] + "
                    f"[{render_token(self.vocab[b])}]"
                )
            else:
                lines.append(f"{idx}\t[{shown}]")
        for name, idx in sorted(self.special_tokens.items(), key=lambda item: item[1]):
            lines.append(f"{idx}\t[{name}]\tspecial")
        return "\n".join(lines) + "\n"

    def load(self, model_file: str | os.PathLike[str]) -> Tokenizer:
        """Replace this tokenizer's state with the one saved in ``model_file``."""
        data = read_model_file(model_file)
        if data["type"] != self.kind:
            raise TokenizerError(
                f"{model_file} holds a {data['type']!r} tokenizer, not {self.kind!r}; "
                "use z2h.bpe.load(path) to get the right class"
            )
        self._apply(data, model_file)
        return self

    def _apply(self, data: dict[str, Any], where: object) -> None:
        try:
            self.pattern = data["pattern"]
            self.special_tokens = {}
            self.set_merges([tuple(m) for m in data["merges"]], data["byte_order"])
            self.register_special_tokens(dict(data["special_tokens"]))
        except TokenizerError as e:
            raise TokenizerError(f"{where}: corrupted tokenizer model: {e}") from e
        except (TypeError, ValueError, KeyError) as e:
            raise TokenizerError(f"{where}: corrupted tokenizer model ({e!r})") from e


def read_model_file(model_file: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check the header of a model file; the merges are checked when installed."""
    path = Path(model_file)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise TokenizerError(f"no such tokenizer model file: {path}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise TokenizerError(f"cannot read tokenizer model {path}: {e}") from e
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise TokenizerError(f"{path}: corrupted tokenizer model (not valid JSON: {e})") from e
    return check_model_dict(data, path)


def check_model_dict(data: Any, where: object = "tokenizer model") -> dict[str, Any]:
    """Check the header and shape of a model dict (as ``to_dict`` makes); return it."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TokenizerError(f"{where} is not a z2h bpe model file")
    if data.get("version") != VERSION:
        raise TokenizerError(
            f"{where} has model format version {data.get('version')!r}; this z2h reads {VERSION}"
        )
    required = {"type", "pattern", "special_tokens", "byte_order", "merges"}
    missing = required - set(data)
    if missing:
        raise TokenizerError(f"{where}: corrupted tokenizer model (missing {sorted(missing)})")
    merges = data["merges"]
    if not isinstance(merges, list) or not all(
        isinstance(m, list) and len(m) == 2 and all(type(x) is int for x in m) for m in merges
    ):
        raise TokenizerError(
            f"{where}: corrupted tokenizer model (merges must be [int, int] pairs)"
        )
    if not isinstance(data["special_tokens"], dict):
        raise TokenizerError(f"{where}: corrupted tokenizer model (special_tokens must be a map)")
    return data


def _encodable(text: str) -> str:
    """Text that UTF-8 can encode: as tiktoken, surrogate pairs joined, lone ones made U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _find_specials(text: str, allowed: set[str]) -> list[tuple[int, str]]:
    """Non-overlapping occurrences of allowed special tokens, left to right (longest first)."""
    import re

    pattern = re.compile("|".join(re.escape(s) for s in sorted(allowed, key=len, reverse=True)))
    return [(m.start(), m.group()) for m in pattern.finditer(text)]


def _bpe_short(ids: list[int], merges: dict[tuple[int, int], int]) -> list[int]:
    """Merge the lowest-ranked pair (all its occurrences, left to right) until none is left.

    A merge's rank is the id it creates, so the lowest rank is the earliest merge.
    """
    get = merges.get
    missing = repeat(_NO_MERGE)
    while len(ids) >= 2:
        ranks = list(map(get, pairwise(ids), missing))
        new = min(ranks)
        if new == _NO_MERGE:
            break
        i = ranks.index(new)
        a, b = ids[i], ids[i + 1]
        out = ids[:i]
        n = len(ids)
        while i < n:
            if i < n - 1 and ids[i] == a and ids[i + 1] == b:
                out.append(new)
                i += 2
            else:
                out.append(ids[i])
                i += 1
        ids = out
    return ids


def _bpe_long(ids: list[int], merges: dict[tuple[int, int], int]) -> list[int]:
    """The same result as ``_bpe_short`` in near-linear time, for long chunks (Basic on a text).

    Occurrences are bucketed by the id their pair merges into (the merge's rank); ranks are done
    in increasing order, each left to right. A merge only creates pairs of higher rank, so every
    occurrence of one rank is found before that rank's turn.
    """
    n = len(ids)
    tok = list(ids)
    nxt = list(range(1, n + 1))
    nxt[-1] = -1
    prv = list(range(-1, n - 1))
    get = merges.get
    buckets: dict[int, list[int]] = {}
    for p, pair in enumerate(pairwise(tok)):
        rank = get(pair)
        if rank is not None:
            if rank in buckets:
                buckets[rank].append(p)
            else:
                buckets[rank] = [p]
    if not buckets:
        return tok
    for rank in range(min(buckets), max(merges.values()) + 1):
        positions = buckets.pop(rank, None)
        if positions is None:
            continue
        positions.sort()  # appended from several earlier ranks: restore left-to-right order
        for p in positions:
            q = nxt[p]
            if q == -1 or tok[q] == -1 or get((tok[p], tok[q])) != rank:
                continue  # stale: consumed or changed by an earlier merge
            tok[p] = rank
            tok[q] = -1
            r = nxt[q]
            nxt[p] = r
            if r != -1:
                prv[r] = p
                new_rank = get((rank, tok[r]))
                if new_rank is not None:
                    buckets.setdefault(new_rank, []).append(p)
            left = prv[p]
            if left != -1:
                new_rank = get((tok[left], rank))
                if new_rank is not None:
                    buckets.setdefault(new_rank, []).append(left)
    return [t for t in tok if t != -1]
