"""``z2h bpe``: train, encode, decode and show byte-level BPE tokenizers (no torch imported)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from z2h.bpe.base import TokenizerError
from z2h.cli import add_output_flags, print_result

# background colours cycled over tokens by `show` (ANSI 256-colour codes, light tones)
COLOURS = (224, 194, 189, 230, 153, 217, 158, 223)


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "train",
        help="learn BPE merges from a text and save PREFIX.model and PREFIX.vocab",
        description="Learn byte-pair merges from a text (fast, exact trainer) and save the "
        "tokenizer as PREFIX.model (for loading) and PREFIX.vocab (for reading).",
    )
    p.add_argument("--input", required=True, help="data set name (shakespeare, names) or a path")
    p.add_argument("--vocab-size", type=int, required=True, help="256 byte tokens + merges")
    p.add_argument(
        "--pattern",
        choices=("gpt4", "gpt2", "none"),
        default="gpt4",
        help="split pattern merges may not cross (none: BasicTokenizer on raw bytes)",
    )
    p.add_argument(
        "--special",
        action="append",
        default=[],
        metavar="TOKEN",
        help="add a special token (repeatable), e.g. '<|endoftext|>'; ids follow the vocabulary",
    )
    p.add_argument(
        "--out",
        metavar="PREFIX",
        help="output prefix: writes PREFIX.model, PREFIX.vocab (default: a new "
        "runs/bpe/PATTERN-VOCAB-TIME-ID/tok)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="write over PREFIX.model and PREFIX.vocab if they exist",
    )
    p.add_argument("--verbose", action="store_true", help="print every merge")
    add_output_flags(p)
    p.set_defaults(func=_train)

    p = sub.add_parser(
        "encode",
        help="print the token ids of a text",
        description="Encode TEXT (or standard input) and print the ids, space separated.",
    )
    _model_arg(p)
    p.add_argument("text", nargs="?", help="text to encode (default: read standard input)")
    p.add_argument(
        "--special",
        choices=("raise", "all", "none"),
        default="raise",
        help="special-token strings in the text: raise an error (default), encode them as "
        "special tokens (all), or as ordinary text (none)",
    )
    p.set_defaults(func=_encode)

    p = sub.add_parser(
        "decode",
        help="print the text of token ids",
        description="Decode IDS (or whitespace-separated ids on standard input) to text.",
    )
    _model_arg(p)
    p.add_argument("ids", nargs="*", type=int, help="token ids (default: read standard input)")
    p.set_defaults(func=_decode)

    p = sub.add_parser(
        "show",
        help="print a text with its token boundaries coloured",
        description="Print TEXT (or standard input) with each token on a coloured background "
        "(plain, with '|' between tokens, when not writing to a terminal).",
    )
    _model_arg(p)
    p.add_argument("text", nargs="?", help="text to show (default: read standard input)")
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the tokens (auto: only on a terminal)",
    )
    p.set_defaults(func=_show)


def _model_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="PREFIX.model written by 'z2h bpe train'")


def _text_arg(text: str | None) -> str:
    return sys.stdin.read() if text is None else text


def _train(args: argparse.Namespace) -> int:
    from z2h.bpe import BasicTokenizer, RegexTokenizer
    from z2h.data import read_text

    if args.vocab_size < 256:
        raise TokenizerError(
            f"--vocab-size must be at least 256 (the byte tokens), got {args.vocab_size}"
        )
    out = _check_out(args)  # before the (possibly long) training, not after it
    text = read_text(args.input)
    if not text:
        raise TokenizerError(f"{args.input}: the training text is empty")
    tok = BasicTokenizer() if args.pattern == "none" else RegexTokenizer(args.pattern)
    start = time.perf_counter()
    tok.train(text, args.vocab_size, verbose=args.verbose)
    seconds = time.perf_counter() - start
    if args.special:
        tok.register_special_tokens(
            {name: len(tok.vocab) + i for i, name in enumerate(args.special)}
        )
    model_path = tok.save(out)
    learned = len(tok.merges)
    vocab_path = model_path.with_suffix(".vocab")
    result = {
        "tokenizer": type(tok).__name__, "pattern": args.pattern, "input": args.input,
        "merges": learned, "seconds": seconds, "vocab_size": tok.vocab_size,
        "model": str(model_path), "vocab": str(vocab_path),
    }  # fmt: skip
    summary = (
        f"trained {type(tok).__name__} (pattern {args.pattern}) on {args.input}: "
        f"{learned} merges in {seconds:.2f} s, vocab size {tok.vocab_size}\n"
        f"wrote {model_path} and {vocab_path}"
    )
    if learned < args.vocab_size - 256 and not args.quiet:
        print(f"note: the text ran out of pairs after {learned} merges", file=sys.stderr)
    print_result(args, result, summary)
    return 0


def _check_out(args: argparse.Namespace) -> Path:
    """The PREFIX to save to: new by default; an existing one only with --force; writable."""
    from z2h.run import check_output_file, default_run_dir

    if args.out is None:  # like every train command: a new folder of its own, never an old one
        return default_run_dir("bpe", f"{args.pattern}-{args.vocab_size}") / "tok"
    prefix = args.out[: -len(".model")] if args.out.endswith(".model") else args.out
    files = [Path(prefix + ".model"), Path(prefix + ".vocab")]
    for path in files:
        check_output_file(path)
    held = [str(p) for p in files if p.exists()]
    if held and not args.force:
        raise TokenizerError(
            f"--out {args.out}: {' and '.join(held)} exist; choose another --out or pass --force "
            "to write over them"
        )
    return Path(prefix)


def _load(path: str):
    from z2h.bpe import load

    return load(path)


def _encode(args: argparse.Namespace) -> int:
    tok = _load(args.model)
    text = _text_arg(args.text)
    allowed = {"raise": frozenset(), "all": "all", "none": "none"}[args.special]
    try:
        ids = tok.encode(text, allowed_special=allowed)
    except TokenizerError:
        raise
    except ValueError as e:  # a special token in the text: tell the user about --special
        raise TokenizerError(f"{e} (on the command line: --special all or --special none)") from e
    print(" ".join(map(str, ids)))
    return 0


def _decode(args: argparse.Namespace) -> int:
    tok = _load(args.model)
    ids = args.ids
    if not ids:
        try:
            ids = [int(word) for word in sys.stdin.read().split()]
        except ValueError as e:
            raise TokenizerError(f"standard input must hold integer token ids ({e})") from e
    text = tok.decode(ids)
    # like every line-printing command, the output ends with a newline (one is not doubled)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def token_pieces(tok, ids: list[int]) -> list[str]:
    """The text of each token; a character split across tokens is shown in the one it starts in."""
    # surrogateescape turns each invalid byte into one lone surrogate, so offsets stay exact
    text = tok.decode_bytes(ids).decode("utf-8", errors="surrogateescape")
    starts = []  # byte offset where each character starts
    offset = 0
    for ch in text:
        starts.append(offset)
        offset += 1 if "\udc80" <= ch <= "\udcff" else len(ch.encode("utf-8"))
    pieces = []
    pos = 0  # index into text
    end = 0
    for idx in ids:
        end += len(tok.decode_bytes([idx]))
        stop = pos
        while stop < len(text) and starts[stop] < end:
            stop += 1
        piece = text[pos:stop].encode("utf-8", errors="surrogateescape")
        pieces.append(piece.decode("utf-8", errors="replace"))
        pos = stop
    return pieces


def _show(args: argparse.Namespace) -> int:
    tok = _load(args.model)
    text = _text_arg(args.text)
    ids = tok.encode(text, allowed_special="all")
    pieces = token_pieces(tok, ids)
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    if colour:
        out = "".join(
            f"\x1b[48;5;{COLOURS[i % len(COLOURS)]}m\x1b[30m{piece}\x1b[0m"
            for i, piece in enumerate(pieces)
        )
    else:
        out = "|".join(pieces)
    print(out)
    print(f"{len(ids)} tokens, {len(text)} characters", file=sys.stderr)
    return 0
