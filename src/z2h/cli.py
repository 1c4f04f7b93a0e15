"""The ``z2h`` command: parses the system name and hands the rest to that system's ``cli`` module.

Each system (``z2h/<package>/cli.py``) exposes ``configure(parser)``, which adds its subcommands;
every subcommand sets ``func`` to a handler taking the parsed ``argparse.Namespace`` and returning
an exit code (or ``None`` for 0). Only the system named on the command line is imported, so
``z2h bpe`` never pays for importing torch.

The flags every system spells the same way are added here: ``--quiet``/``--json`` of a train
command (``add_output_flags``, ``print_result``), ``--run DIR`` naming a trained run to read
(``add_run_flag``, ``--out`` kept as a hidden alias), and the resume hint after Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shlex
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

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
    "study": ("z2h.study.cli", "all lectures: chapters mapped to z2h, notes, session prompts"),
}


def add_output_flags(parser: argparse.ArgumentParser) -> None:
    """``--quiet`` and ``--json`` for a command that trains and ends with a summary."""
    parser.add_argument(
        "--quiet", action="store_true", help="no progress and no summary (errors only)"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print metrics.json on stdout instead of the summary (progress still on stderr)",
    )


def add_report_flags(parser: argparse.ArgumentParser, written: str) -> None:
    """``--quiet`` and ``--json`` for a command that ends with a report and writes ``written``
    (the JSON that ``--json`` prints)."""
    parser.add_argument("--quiet", action="store_true", help="no report on stdout")
    parser.add_argument(
        "--json", action="store_true", help=f"print {written} on stdout instead of the report"
    )


def print_result(args: argparse.Namespace, metrics: dict[str, Any], summary: str) -> None:
    """The end of a train command: the metrics as JSON (--json), nothing (--quiet) or a summary."""
    from z2h.run import json_safe

    if getattr(args, "json", False):
        print(json.dumps(json_safe(metrics)))
    elif not getattr(args, "quiet", False):
        print(summary)


def check_resume_has_out(args: argparse.Namespace) -> None:
    """``--resume`` continues the run in ``--out``; without one there is no run to name."""
    if getattr(args, "resume", False) and getattr(args, "out", None) is None:
        raise Z2HError("--resume continues a run: name its folder with --out RUN")


def add_run_flag(parser: argparse.ArgumentParser, help: str) -> None:
    """``--run DIR``, required: the trained run a command reads (``--out`` still works,
    unlisted). subtle: a required group of the two, so the usage line shows ``--run DIR`` as
    required while the old spelling still satisfies it."""
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--run", metavar="DIR", help=help)
    group.add_argument("--out", dest="run", help=argparse.SUPPRESS)


def run_arg(args: argparse.Namespace) -> str:
    """The ``--run`` folder, or an error saying it is needed."""
    if getattr(args, "run", None) is None:
        raise Z2HError("give --run DIR, a run folder written by train")
    return args.run


def resume_hint(argv: Sequence[str], args: argparse.Namespace) -> str | None:
    """After Ctrl-C in a train command: the exact command that continues the run (None when
    this is not a resumable command or nothing was saved)."""
    out = getattr(args, "out", None)
    if not hasattr(args, "resume") or out is None:
        return None
    if not (Path(out) / "last.pt").exists():
        return f"nothing was saved in {out} yet; start again with the same command"
    words = list(argv)
    if not any(w == "--out" or w.startswith("--out=") for w in words):
        words += ["--out", str(out)]
    if "--resume" not in words:
        words.append("--resume")
    return "continue with: z2h " + shlex.join(words)


def _import_system(module_name: str) -> ModuleType:
    """Import a system's cli module; a package it needs that is not installed is a Z2HError."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name is None or e.name.split(".")[0] == "z2h":
            raise  # z2h's own module missing: a broken install or a bug, not the user's doing
        raise Z2HError(
            f"needs the package {e.name.split('.')[0]!r}, which is not installed "
            "(reinstall z2h with its dependencies)"
        ) from e


def show_defaults(parser: argparse.ArgumentParser) -> None:
    """Append ``(default: X)`` to every option's help that does not say its default already, in
    ``parser`` and its subcommands, so ``--help`` shows what a bare command uses."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                show_defaults(sub)
            continue
        help_text = action.help or ""
        if (
            not action.option_strings
            or help_text == argparse.SUPPRESS
            or action.default in (None, False, [], argparse.SUPPRESS)
            or "default" in help_text
            or f"({action.default})" in help_text
        ):
            continue
        action.help = (help_text + " " if help_text else "") + "(default: %(default)s)"


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
        _import_system(module_name).configure(p)
        show_defaults(p)
        # a system invoked without a subcommand prints its own help
        p.set_defaults(_parser=p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # subtle: a short output still sits in the buffer; meet EPIPE here
        return code
    except BrokenPipeError:
        # the reader went away (`z2h study chapters 2 | head`): stop quietly, as cat does;
        # subtle: stdout is pointed at devnull so the interpreter's own flush at exit cannot
        # raise the same error again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    system = next((a for a in argv if not a.startswith("-")), None)
    try:
        parser = build_parser(system if system in SYSTEMS else None)
    except Z2HError as e:
        print(f"z2h {system}: error: {e}", file=sys.stderr)
        return 2
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
    except BrokenPipeError:
        raise  # main() ends quietly, as cat does
    except OSError as e:
        # a write (or read) the system refused, where no check caught it first: one line too
        if os.environ.get("Z2H_DEBUG"):
            raise
        print(f"z2h {args.system}: error: {os_error_text(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:
        hint = resume_hint(argv, args)
        what = "stopped by SIGTERM" if getattr(e, "signum", None) == signal.SIGTERM else None
        text = what or "interrupted"
        print(f"z2h {args.system}: {text}" + (f"; {hint}" if hint else ""), file=sys.stderr)
        return 128 + int(getattr(e, "signum", signal.SIGINT))
    return int(code or 0)


def os_error_text(e: OSError) -> str:
    """``cannot write runs/x: Permission denied`` rather than ``[Errno 13] ...``."""
    reason = e.strerror or str(e)
    if e.filename is None:
        return reason
    target = f"{e.filename} -> {e.filename2}" if e.filename2 else str(e.filename)
    return f"{target}: {reason}"


if __name__ == "__main__":
    raise SystemExit(main())
