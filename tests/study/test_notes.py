"""Notes files: every form we read, the canonical form we write, appends, and unreadable files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from z2h.study.catalog import load_catalog
from z2h.study.notes import (
    NotesError,
    append_note,
    notes_dir,
    notes_path,
    parse_notes,
    read_all,
    read_notes,
    render_notes,
)

CATALOG = load_catalog()
LEC2 = CATALOG.lecture(2)

EVERY_FORM = """\
**00:11:10** - canonical form
00:11:11 - bare clock with a dash
00:11:12: bare clock with a colon
00:11:13 bare clock, no separator
11:14 - minutes and seconds
0:11:15 — an em dash
- **00:11:16** - in a list
* 00:11:17 - star list
1. 00:11:18 - numbered list
[00:11:19](https://youtu.be/PaCmpygFfXo?t=679) - a timestamp link
[watch](https://youtu.be/PaCmpygFfXo?t=680) - a link whose only time is t=
[00:11:21] - bracketed time
https://youtu.be/PaCmpygFfXo?t=682 - a bare link
https://www.youtube.com/watch?v=PaCmpygFfXo&t=683s a watch link
?t=684 - a query fragment
#t=685 - a hash fragment
**11m26s** - units in bold
"""


def test_every_note_form_is_read():
    notes = parse_notes(EVERY_FORM, LEC2).notes
    assert [n.seconds for n in notes] == list(range(670, 687))
    assert [n.text for n in notes] == [
        "canonical form",
        "bare clock with a dash",
        "bare clock with a colon",
        "bare clock, no separator",
        "minutes and seconds",
        "an em dash",
        "in a list",
        "star list",
        "numbered list",
        "a timestamp link",
        "a link whose only time is t=",
        "bracketed time",
        "a bare link",
        "a watch link",
        "a query fragment",
        "a hash fragment",
        "units in bold",
    ]
    assert all(n.lecture == 2 and n.chapter.title == "counting bigrams in a python dictionary"
               for n in notes)  # fmt: skip


def test_lines_that_are_not_notes():
    text = """\
**00:01:00** - first
and its second line
**Important**: bold words continue the note
[a link](https://example.com) continues it too
**42** is just a bold number

  a later paragraph of the same note
00:02:00 - second
"""
    first, second = parse_notes(text, LEC2).notes
    assert first.text == (
        "first\nand its second line\n**Important**: bold words continue the note\n"
        "[a link](https://example.com) continues it too\n**42** is just a bold number\n\n"
        "  a later paragraph of the same note"
    )
    assert second.seconds == 120


def test_front_matter_preamble_and_headings():
    text = """\
---
lecture: 2
title: whatever the user typed
position: 41:40
mood: "curious"
---

# Lecture 2 - an old title

My plan: finish part 1 this week.

## 00:36:17 efficiency! an old chapter heading

**00:41:30** - broadcasting aligns shapes from the right
"""
    notes = parse_notes(text, LEC2)
    assert notes.position == 2500
    assert notes.extra == {"mood": "curious"}
    assert notes.preamble == "My plan: finish part 1 this week."
    assert [(n.seconds, n.text) for n in notes.notes] == [
        (2490, "broadcasting aligns shapes from the right")
    ]
    assert (
        render_notes(notes)
        == """\
---
lecture: 2
title: The spelled-out intro to language modeling: building makemore
video: https://youtu.be/PaCmpygFfXo?t=0
position: 00:41:40
mood: curious
---

# Lecture 2 - The spelled-out intro to language modeling: building makemore

My plan: finish part 1 this week.

## 00:36:17 efficiency! vectorized normalization of the rows, tensor broadcasting

**00:41:30** - broadcasting aligns shapes from the right
"""
    )


def test_canonical_writing_sorts_and_is_stable():
    notes = parse_notes(EVERY_FORM[::-1][::-1] + "00:00:05 - intro note\n", LEC2)
    text = render_notes(notes)
    again = parse_notes(text, LEC2)
    assert render_notes(again) == text
    assert [n.seconds for n in again.notes] == [5, *range(670, 687)]
    assert "## 00:00:00 intro\n\n**00:00:05** - intro note" in text


note_text = (
    st.text(
        alphabet=st.characters(categories=("L", "N", "Zs"), include_characters=",.;!?()'\"-_/*"),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, LEC2.duration), note_text), max_size=8))
def test_written_notes_read_back(entries):
    notes = parse_notes("", LEC2)
    for seconds, text in entries:
        notes.add(seconds, text)
    back = parse_notes(render_notes(notes), LEC2)
    assert [(n.seconds, n.text) for n in back.notes] == [(n.seconds, n.text) for n in notes.notes]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("**00:71:10** - minutes out of range\n", 1, "cannot read '00:71:10'"),
        ("ok\n\n**00:1x** - x\n**00:11:10** - fine\n[1:99:00](u) - no\n", 5, "cannot read"),
        ("**02:10:00** - past the end\n", 1, "past the end of lecture 2"),
        ("**00:10:00** -\n**00:11:00** - fine\n", 1, "a note with a time but no text"),
        ("---\nlecture: 2\nposition 10:00\n---\n", 3, "expected 'key: value'"),
        ("---\nlecture: 2\n\n**00:10:00** - never closed\n", 1, "never closed"),
        ("---\nlecture: 3\n---\n", 2, "says lecture '3'"),
        ("---\nposition: soon\n---\n", 2, "position: cannot read 'soon'"),
        ("---\nposition: 03:00:00\n---\n", 2, "position: 03:00:00 is past the end"),
    ],
)
def test_unreadable_notes_name_the_line(text, line, message):
    with pytest.raises(NotesError, match=f"lecture-02.md line {line}: .*{message}"):
        parse_notes(text, LEC2, where="lecture-02.md")


def test_non_utf8_file_names_the_line(tmp_path):
    notes_path(tmp_path, 2).write_bytes(b"**00:01:00** - ok\n**00:02:00** - caf\xe9\n")
    with pytest.raises(NotesError, match=r"lecture-02.md line 2: not UTF-8"):
        read_notes(tmp_path, LEC2)


def test_byte_order_mark_and_windows_line_ends(tmp_path):
    notes_path(tmp_path, 2).write_bytes(b"\xef\xbb\xbf---\r\nlecture: 2\r\n---\r\n11:10 - hi\r\n")
    assert [(n.seconds, n.text) for n in read_notes(tmp_path, LEC2).notes] == [(670, "hi")]


def test_append_creates_sorts_and_keeps_position(tmp_path):
    folder = tmp_path / "notes"
    note, path = append_note(folder, LEC2, 2500, "second", position=2510)
    assert path == folder / "lecture-02.md" and note.chapter.start == 2177
    append_note(folder, LEC2, 100, "first")
    append_note(folder, LEC2, 2500, "same second, later")
    notes = read_notes(folder, LEC2)
    assert [(n.seconds, n.text) for n in notes.notes] == [
        (100, "first"),
        (2500, "second"),
        (2500, "same second, later"),
    ]
    assert notes.position == 2500  # the latest append's own time
    assert sorted(os.listdir(folder)) == ["lecture-02.md"]  # no temporary files left behind


def test_append_to_an_unreadable_file_changes_nothing(tmp_path):
    bad = "**00:01:00** - fine\n**00:99:00** - broken by hand\n"
    notes_path(tmp_path, 2).write_text(bad, encoding="utf-8")
    with pytest.raises(NotesError, match="line 2"):
        append_note(tmp_path, LEC2, 60, "new")
    assert notes_path(tmp_path, 2).read_text(encoding="utf-8") == bad


def test_append_to_a_folder_that_cannot_be_written(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(NotesError, match="cannot write to the notes folder"):
        append_note(blocker / "notes", LEC2, 60, "new")


def test_append_refuses_empty_text_and_times_past_the_end(tmp_path):
    with pytest.raises(NotesError, match="needs some text"):
        append_note(tmp_path, LEC2, 60, "   \n ")
    with pytest.raises(Exception, match="past the end"):
        append_note(tmp_path, LEC2, LEC2.duration + 1, "late")
    assert not notes_path(tmp_path, 2).exists()


def test_read_all_in_lecture_order(tmp_path):
    append_note(tmp_path, CATALOG.lecture(3), 10, "three")
    append_note(tmp_path, CATALOG.lecture(1), 10, "one")
    (tmp_path / "study.json").write_text("{}", encoding="utf-8")
    assert [ln.lecture.number for ln in read_all(tmp_path, CATALOG)] == [1, 3]


def test_notes_dir_resolution(tmp_path):
    home = Path.home()
    env = {"Z2H_STUDY_NOTES": str(tmp_path / "env"), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    assert notes_dir(tmp_path / "flag", env) == tmp_path / "flag"
    assert notes_dir(None, env) == tmp_path / "env"
    assert notes_dir(None, {"XDG_DATA_HOME": str(tmp_path / "xdg")}) == tmp_path / "xdg/z2h/study"
    assert notes_dir(None, {}) == home / ".local/share/z2h/study"
    assert notes_dir(None, {"Z2H_STUDY_NOTES": ""}) == home / ".local/share/z2h/study"


def test_concurrent_appends_keep_every_note(tmp_path):
    """Eight processes adding notes to one lecture at once lose none of them."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from z2h.study.catalog import load_catalog;"
        "from z2h.study.notes import append_note;"
        "lec = load_catalog().lecture(2);"
        "[append_note(Path(sys.argv[1]), lec, 60 * int(sys.argv[2]) + i, f'n{sys.argv[2]}-{i}')"
        " for i in range(5)]"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(k)]) for k in range(8)
    ]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    text = (tmp_path / "lecture-02.md").read_text(encoding="utf-8")
    assert all(f"n{k}-{i}" in text for k in range(8) for i in range(5))
