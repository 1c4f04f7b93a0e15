"""The shipped lecture catalog, read into dataclasses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import z2h.study
from z2h.errors import Z2HError
from z2h.study.catalog import TimeOutOfRange, UnknownLecture, load_catalog


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_nine_lectures_in_order(catalog):
    assert [lec.number for lec in catalog.lectures] == list(range(1, 10))
    assert catalog.lecture(2).title.endswith("language modeling: building makemore")
    assert catalog.lecture("7").video_id == "kCc8FmEb1nY"


def test_shipped_copy_is_the_package_data():
    shipped = Path(z2h.study.__file__).parent / "data" / "lectures.json"
    raw = json.loads(shipped.read_text(encoding="utf-8"))
    assert len(raw["lectures"]) == 9


def test_durations(catalog):
    lec1 = catalog.lecture(1)
    assert lec1.duration == 2 * 3600 + 25 * 60 + 52 and lec1.duration_exact
    assert lec1.duration_text == "02:25:52"
    # lecture 9's length is only known to the minute ("~04:01 (241 min ...)")
    lec9 = catalog.lecture(9)
    assert not lec9.duration_exact
    assert lec9.duration_text == "~04:01"
    assert lec9.duration == 241 * 60 + 59
    assert lec9.chapters[-1].start < lec9.duration


def test_chapters_tile_the_video(catalog):
    for lec in catalog.lectures:
        assert lec.chapters[0].start == 0
        for a, b in zip(lec.chapters, lec.chapters[1:], strict=False):
            assert a.end == b.start and a.start < b.start
        assert lec.chapters[-1].end == lec.duration
        assert [ch.index for ch in lec.chapters] == list(range(1, len(lec.chapters) + 1))


def test_chapter_at(catalog):
    lec = catalog.lecture(2)
    assert lec.chapter_at(0).title == "intro"
    assert lec.chapter_at(2500).title.startswith("efficiency!")  # 00:41:40
    assert lec.chapter_at(2177).title.startswith("efficiency!")  # exactly at its start
    assert lec.chapter_at(2176).title == "sampling from the model"
    assert lec.chapter_at(lec.duration).title == "conclusion"


def test_sections_kept(catalog):
    assert catalog.lecture(6).chapters[4].section == "implementing wavenet"
    assert catalog.lecture(2).chapters[0].section is None


def test_exercise_ids(catalog):
    assert [e.id for e in catalog.lecture(2).exercises] == [f"E0{i}" for i in range(1, 7)]
    assert [e.id for e in catalog.lecture(7).exercises] == ["EX1", "EX2", "EX3", "EX4"]
    assert catalog.lecture(2).exercises[0].text.startswith("train a trigram")
    # no id in the description: numbered by position
    assert [e.id for e in catalog.lecture(5).exercises] == ["E01", "E02"]
    for name in ("E01", "e1", "1", "E001"):
        assert catalog.lecture(2).exercise(name).id == "E01"
    assert catalog.lecture(7).exercise("E02").id == "EX2"


def test_unknown_exercise(catalog):
    with pytest.raises(Z2HError, match=r"no exercise 'E09'.*E01, E02"):
        catalog.lecture(2).exercise("E09")


def test_links_and_corrections(catalog):
    lec = catalog.lecture(7)
    assert lec.link(671) == "https://youtu.be/kCc8FmEb1nY?t=671"
    assert lec.corrections[0][0] == 57 * 60
    assert ("nanoGPT", "https://github.com/karpathy/nanoGPT") in lec.links


@pytest.mark.parametrize("number", ["0", "10", "two", "", "-1", "2.5"])
def test_unknown_lecture(catalog, number):
    with pytest.raises(UnknownLecture, match="lectures 1-9"):
        catalog.lecture(number)


def test_time_past_the_end(catalog):
    lec = catalog.lecture(2)
    assert lec.check_time(lec.duration) == lec.duration
    with pytest.raises(TimeOutOfRange, match=r"01:57:46 is past the end of lecture 2 \(01:57:45\)"):
        lec.check_time(lec.duration + 1)
    with pytest.raises(TimeOutOfRange):
        lec.check_time(-1)
