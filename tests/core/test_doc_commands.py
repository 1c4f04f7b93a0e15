"""Every ``z2h`` command that the README and the docs show in a code block is one the command line
accepts today: the same flags, the same choices (a renamed flag fails here, not for a reader).

The commands run end to end at toy size in each system's own tests; this test holds them all to
the parser, which costs nothing, so no page can drift from the code.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from z2h import cli

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"(?<!`)`(z2h [a-z]+ [^`]*)`")


def commands(page: Path) -> list[tuple[str, bool]]:
    """The ``z2h ...`` lines of a page's shell code blocks (continuations joined, comments cut),
    each with True, and the ``z2h ...`` inline code of its prose, each with False (a mention
    such as `z2h bpe train --pattern gpt4` names a flag and may leave out required ones)."""
    found = []
    for lang, body in FENCE.findall(page.read_text(encoding="utf-8")):
        if lang not in ("", "bash", "sh", "console"):
            continue
        text = body.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.strip().removeprefix("$ ")
            if not line.startswith("z2h ") or re.match(r"z2h [\w-]+:", line):
                continue  # not a command, or a command's output ("z2h study: ...")
            line = re.sub(r"\s+#.*$", "", line)  # a trailing comment
            found += [(part.strip(), True) for part in line.split("&&")]
    found += [(c, False) for c in INLINE.findall(page.read_text(encoding="utf-8"))]
    return found


def words_of(command: str) -> list[str] | None:
    """The arguments after ``z2h``, or None for a line that is a pattern, not a command (with
    ``...``, ``[optional]`` parts or a pipe)."""
    if "..." in command or "|" in command or re.search(r"\[--?\w", command):
        return None
    words = shlex.split(command)
    if len(words) < 3 or not any(w.startswith("-") for w in words):
        return None  # a command named in the prose (`z2h bpe train`), not one to run
    # a placeholder (RUN, DIR, N, S) stands for a value: "1" passes as a path and a number
    return ["1" if re.fullmatch(r"[A-Z][A-Z0-9_]*", w) else w for w in words[1:]]


CASES = [
    pytest.param(words, whole, id=f"{page.name}:{' '.join(words)[:60]}")
    for page in PAGES
    for words, whole in ((words_of(c), whole) for c, whole in commands(page))
    if words
]


def test_the_pages_show_commands():
    assert len(CASES) > 50


@pytest.mark.parametrize(("argv", "whole"), CASES)
def test_a_documented_command_parses(argv, whole, capsys):
    system = argv[0]
    assert system in cli.SYSTEMS, f"no system {system!r}"
    try:
        cli.build_parser(system).parse_args(argv)
    except SystemExit as e:
        err = capsys.readouterr().err.strip().splitlines()
        last = err[-1] if err else str(e)
        if not whole and re.search(r"arguments are required|arguments --?[\w-]+ is required", last):
            return  # a mention of some flags; its flags and choices parsed
        pytest.fail(f"z2h {' '.join(argv)}: {last}")
