"""The chapter map names real chapters, modules that import and commands that the CLI parses."""

from __future__ import annotations

import importlib
import json
import re
import shlex
from pathlib import Path

import pytest

import z2h.study
from z2h.cli import build_parser
from z2h.study.catalog import load_catalog
from z2h.study.mapping import load_map, unmapped
from z2h.study.timecode import parse_time

RAW = json.loads((Path(z2h.study.__file__).parent / "data" / "chapter_map.json").read_text("utf-8"))
CHAPTERS = RAW["chapters"]
EXERCISES = RAW["exercises"]
ENTRIES = CHAPTERS + EXERCISES
MODULES = sorted({m for e in ENTRIES for m in e["modules"]})
COMMANDS = sorted({c for e in ENTRIES for c in e["commands"]})


def _entry_id(e: dict) -> str:
    return f"L{e['lecture']}-{e.get('t') or e.get('exercise')}"


@pytest.mark.parametrize("entry", CHAPTERS, ids=_entry_id)
def test_chapter_entry_names_a_real_chapter(entry):
    lecture = load_catalog().lecture(entry["lecture"])
    chapter = lecture.chapter_starting(entry["t"])
    assert chapter.title == entry["title"]
    assert entry["modules"] or entry["commands"]


@pytest.mark.parametrize("entry", EXERCISES, ids=_entry_id)
def test_exercise_entry_names_a_real_exercise(entry):
    lecture = load_catalog().lecture(entry["lecture"])
    assert lecture.exercise(entry["exercise"]).id == entry["exercise"]
    assert entry["modules"] or entry["commands"]


def test_no_chapter_is_mapped_twice():
    keys = [(e["lecture"], parse_time(e["t"])) for e in CHAPTERS]
    assert len(keys) == len(set(keys))
    assert len(load_map().chapters) == len(CHAPTERS)


@pytest.mark.parametrize("target", MODULES)
def test_module_imports_and_names_a_real_object(target):
    module_name, _, qualname = target.partition(":")
    assert module_name.startswith("z2h.")
    obj = importlib.import_module(module_name)
    for part in filter(None, qualname.split(".")):
        obj = getattr(obj, part)


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        build_parser(argv[0]).parse_args([*argv, "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS)
def test_command_parses(command, capsys):
    argv = shlex.split(command)
    assert argv[0] == "z2h"
    system = argv[1]
    try:
        args = build_parser(system).parse_args(argv[1:])
    except SystemExit as e:  # argparse's way of saying "bad command line"
        pytest.fail(f"{command!r} does not parse (exit {e.code})")
    assert callable(getattr(args, "func", None)), f"{command!r} names no subcommand"
    # argparse accepts abbreviations (--smoothin); the map must spell every option in full
    usage = _help(argv[1:3], capsys)
    for token in argv:
        if token.startswith("--"):
            assert re.search(rf"{re.escape(token.split('=')[0])}\b(?!-)", usage), token


def test_every_lecture_has_mapped_chapters():
    chapter_map = load_map()
    mapped = {lecture for lecture, _ in chapter_map.chapters}
    assert mapped == set(range(1, 10))
    # the unmapped chapters are the ones without code in z2h (intros, walkthroughs, summaries)
    left = unmapped(load_catalog(), chapter_map)
    assert all(ch.title for ch in left)
    assert len(left) + len(chapter_map.chapters) == sum(
        len(lec.chapters) for lec in load_catalog().lectures
    )


def test_known_examples():
    catalog, chapter_map = load_catalog(), load_map()
    backward = chapter_map.for_chapter(catalog.lecture(1).chapter_starting("01:17:32"))
    assert "z2h.autograd.engine" in backward.module_names
    smoothing = chapter_map.for_chapter(catalog.lecture(2).chapter_starting("01:00:50"))
    assert any("--model ngram" in c and "--smoothing auto" in c for c in smoothing.commands)
