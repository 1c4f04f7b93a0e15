"""The session prompt: a fixed session equals the stored text; the budget; connections; templates.

To regenerate the golden file after a deliberate change to the default template or the layout:
``Z2H_UPDATE_GOLDEN=1 pytest tests/study/test_prompt.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from z2h.errors import Z2HError
from z2h.study.catalog import load_catalog
from z2h.study.mapping import load_map
from z2h.study.notes import read_all
from z2h.study.prompt import (
    PromptOptions,
    TemplateError,
    build_prompt,
    coming_chapters,
    connections,
    default_template,
    render_template,
)
from z2h.study.timecode import parse_time

CATALOG = load_catalog()
MAP = load_map()
LEC2 = CATALOG.lecture(2)
AT = parse_time("00:41:40")
DATE = "2026-11-30"
GOLDEN = Path(__file__).parent / "golden"


def _notes(folder):
    return [n for ln in read_all(folder, CATALOG) for n in ln.notes]


def _prompt(folder, max_chars=None, template=None):
    return build_prompt(
        template or default_template(), CATALOG, MAP, LEC2, AT, DATE, _notes(folder), ["E01"],
        PromptOptions(max_chars=max_chars),
    )  # fmt: skip


def test_prompt_equals_the_golden_text(notes_folder):
    text = _prompt(notes_folder).text
    golden = GOLDEN / "prompt_lecture2_004140.txt"
    if os.environ.get("Z2H_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_prompt_has_the_parts_the_learner_expects(notes_folder):
    text = _prompt(notes_folder).text
    assert "Let's begin." in text
    assert "Starting at 00:41:40 of Lecture 2 - The spelled-out intro to language modeling" in text
    assert "Current chapter: 00:36:17 efficiency!" in text
    assert "- 00:50:14 loss function" in text and "- 01:02:57 PART 2" in text
    assert "- E01 (done): train a trigram" in text and "- E02: split up" in text
    assert "<!--" not in text and "$" not in text
    # past notes in series order, every one of them
    past = text.split("## My notes from past sessions")[1]
    order = [past.index(s) for s in ("nudge of the input", "27x27", "keepdim", "F.cross_entropy")]
    assert order == sorted(order)


def test_connections_by_chapter_and_by_module(notes_folder):
    coming = coming_chapters(LEC2, AT, 3)
    assert [ch.time for ch in coming] == ["00:36:17", "00:50:14", "01:00:50", "01:02:57"]
    found = {ch.time: [(n.lecture, n.time, why) for n, why in links]
             for ch, links in connections(coming, _notes(notes_folder), MAP)}  # fmt: skip
    assert found["00:36:17"] == [
        (2, "00:13:20", "same module z2h.makemore.models.ngram"),
        (2, "00:38:30", "same chapter"),
    ]
    # lecture 3's loss chapter and lecture 2's share the evaluator
    assert found["00:50:14"] == [(3, "00:30:10", "same module z2h.makemore.evaluate")]
    assert "01:02:57" not in found


def test_budget_drops_the_oldest_notes_first(notes_folder):
    full = _prompt(notes_folder)
    assert (full.notes_kept, full.notes_dropped) == (6, 0)
    assert _prompt(notes_folder, max_chars=len(full.text)).text == full.text  # fits exactly

    short = _prompt(notes_folder, max_chars=len(full.text) - 1)
    assert len(short.text) <= len(full.text) - 1
    assert short.notes_dropped >= 1
    assert "nudge of the input" not in short.text  # the oldest note went first
    assert "F.cross_entropy" in short.text
    assert f"oldest note is left out to keep this within {len(full.text) - 1}" in short.text


def test_budget_never_quotes_a_dropped_note(notes_folder):
    full = _prompt(notes_folder).text
    seen = set()
    for limit in range(len(full) - 1, 0, -37):
        try:
            result = _prompt(notes_folder, max_chars=limit)
        except Z2HError:
            break  # below the template's own length
        seen.add(result.notes_dropped)
        assert len(result.text) <= limit
        assert result.notes_kept + result.notes_dropped == 6
        if result.notes_dropped >= 4:  # lecture 2's 00:13:20 note is the 4th oldest
            assert "27x27" not in result.text
        if result.notes_dropped:
            assert f"My {result.notes_dropped} oldest" in result.text
    assert seen == set(range(1, 7))  # every count, one to all, was reached on the way down


def test_budget_too_small_for_the_template(notes_folder):
    with pytest.raises(Z2HError, match="even without any notes; raise --max-chars"):
        _prompt(notes_folder, max_chars=200)


def test_position_past_the_end(notes_folder):
    with pytest.raises(Z2HError, match="past the end of lecture 2"):
        build_prompt(default_template(), CATALOG, MAP, LEC2, LEC2.duration + 1, DATE, [])


def test_last_chapter_and_no_notes():
    result = build_prompt(default_template(), CATALOG, MAP, LEC2, LEC2.duration, DATE, [])
    assert "Current chapter: 01:56:16 conclusion (00:00:00 left in the video)" in result.text
    assert "Coming up: the end of the lecture." in result.text
    assert "(no notes yet)" in result.text
    assert "(none of my notes touch the coming chapters yet)" in result.text


def test_custom_template(notes_folder):
    template = "<!-- mine -->\nLecture $lecture at ${position}, costs $$5.\n\n\n\n$notes\n"
    text = _prompt(notes_folder, template=template).text
    assert text.startswith("Lecture 2 at 00:41:40, costs $5.\n\nLecture 1 - ")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("hello\n$notes\n$mood\n", r"unknown placeholder \$mood \(line 3"),
        ("costs $5\n", r"Invalid placeholder.*write \$\$ for a literal dollar"),
    ],
)
def test_bad_templates(template, message):
    with pytest.raises(TemplateError, match=message):
        render_template(template, {"notes": ""})
