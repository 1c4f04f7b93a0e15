"""The ``z2h`` command: parses the system name and hands the rest to that system's ``cli`` module.

Each system (``z2h/<package>/cli.py``) exposes ``configure(parser)``, which adds its subcommands;
every subcommand sets ``func`` to a handler taking the parsed ``argparse.Namespace`` and returning
an exit code (or ``None`` for 0). Only the system named on the command line is imported, so
``z2h bpe`` never pays for importing torch.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from z2h import __version__
from z2h.errors import Z2HError

# name on the command line -> (module with configure(parser), one-line description)
SYSTEMS: dict[str, tuple[str, str]] = {
    "micrograd": (
        "z2h.autograd.cli",
        "lecture 1: scalar autograd, a small nn library, graph pictures",
    ),
    "makemore": ("z2h.makemore.cli", "lectures 2-6: character-level language models on word lists"),
    "gpt": ("z2h.gpt.cli", "lecture 7: a GPT trained from scratch on text, scaling with torchrun"),
    "bpe": ("z2h.bpe.cli", "lecture 8: byte-level BPE tokenizers, GPT-4 compatible"),
    "arc": ("z2h.arc.cli", "ARC tasks: object scenes, verified generators, labelled data sets"),
}


def _not_available(args: argparse.Namespace) -> int:
    print(f"z2h {args.system}: not yet available in this version of z2h", file=sys.stderr)
    return 2


def _import_system(module_name: str) -> ModuleType | None:
    """Import a system's cli module, or return None if that system is not part of this build."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            return None
        raise


def build_parser(system: str | None = None) -> argparse.ArgumentParser:
    """Build the parser; only ``system`` (if given) gets its full set of subcommands."""
    parser = argparse.ArgumentParser(
        prog="z2h",
        description="Neural Networks: Zero to Hero, as commands you can run. "
        "Pick a system; 'z2h SYSTEM --help' lists its commands.",
    )
    parser.add_argument("--version", action="version", version=f"z2h {__version__}")
    sub = parser.add_subparsers(dest="system", metavar="SYSTEM")
    for name, (module_name, description) in SYSTEMS.items():
        p = sub.add_parser(name, help=description, description=description)
        if name != system:
            continue
        module = _import_system(module_name)
        if module is None:
            p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
            p.set_defaults(func=_not_available)
            continue
        module.configure(p)
        # a system invoked without a subcommand prints its own help
        p.set_defaults(_parser=p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    system = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(system if system in SYSTEMS else None)
    args = parser.parse_args(argv)
    if args.system is None:
        parser.print_help()
        return 0
    func = getattr(args, "func", None)
    if func is None:
        args._parser.print_help()
        return 0
    try:
        code = func(args)
    except Z2HError as e:
        if os.environ.get("Z2H_DEBUG"):
            raise
        print(f"z2h {args.system}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"z2h {args.system}: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":
    raise SystemExit(main())
