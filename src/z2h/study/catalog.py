"""The nine lectures: titles, videos, durations, chapters, exercises and links.

The data is ``data/lectures.json``, shipped with the package and read here into frozen dataclasses.
Chapter times are the lecture descriptions' own ``hh:mm:ss``; a chapter ends where the next one
starts (the last one at the end of the video). Exercises keep the ids the descriptions give them
(``E01``, ``EX1``); those without one are numbered ``E01``, ``E02``... in order.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from z2h.errors import Z2HError
from z2h.study.timecode import format_time, parse_time

# an approximate duration ("~04:01 (241 min; ...)") is known to the minute: allow the rest of it
APPROX_SLACK_S = 59

_ISO = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")
_EXERCISE_ID = re.compile(r"(E|EX)(\d+)\s*:\s*", re.IGNORECASE)
_USER_EXERCISE = re.compile(r"(?:EX?)?0*(\d+)", re.IGNORECASE)


class UnknownLecture(Z2HError):
    """A lecture number that is not in the catalog."""


class TimeOutOfRange(Z2HError):
    """A time past the end of a lecture."""


@dataclass(frozen=True)
class Chapter:
    lecture: int
    index: int  # 1-based position in the lecture
    start: int  # seconds from the start of the video
    end: int  # start of the next chapter, or the end of the video
    title: str
    section: str | None  # the description's untimed heading above this chapter, if any

    @property
    def time(self) -> str:
        return format_time(self.start)


@dataclass(frozen=True)
class Exercise:
    id: str  # as the description writes it (E01, EX1), else E01, E02... by position
    number: int  # the number in the id: what `z2h study done 2 1` or `... e1` match on
    text: str


@dataclass(frozen=True)
class Lecture:
    number: int
    title: str
    video_id: str
    duration: int  # seconds; for an approximate duration, the latest it can be
    duration_exact: bool
    published: str
    chapters: tuple[Chapter, ...]
    exercises: tuple[Exercise, ...]
    links: tuple[tuple[str, str], ...]  # (label, url)
    corrections: tuple[tuple[int, str], ...]  # (seconds, text): errata the author pinned

    @property
    def label(self) -> str:
        return f"Lecture {self.number} - {self.title}"

    @property
    def duration_text(self) -> str:
        if self.duration_exact:
            return format_time(self.duration)
        return "~" + format_time(self.duration - APPROX_SLACK_S)[:-3]

    def link(self, seconds: int = 0) -> str:
        """A deep link that starts the video at ``seconds``."""
        return f"https://youtu.be/{self.video_id}?t={int(seconds)}"

    def check_time(self, seconds: int) -> int:
        """``seconds`` itself if it falls inside the video; else a ``TimeOutOfRange``."""
        if seconds < 0:
            raise TimeOutOfRange(f"{seconds} s is before the start of lecture {self.number}")
        if seconds > self.duration:
            raise TimeOutOfRange(
                f"{format_time(seconds)} is past the end of lecture {self.number} "
                f"({self.duration_text})"
            )
        return seconds

    def chapter_at(self, seconds: int) -> Chapter:
        """The chapter playing at ``seconds`` (the last one whose start is not after it)."""
        current = self.chapters[0]
        for chapter in self.chapters:
            if chapter.start <= seconds:
                current = chapter
        return current

    def chapter_starting(self, time: str | int) -> Chapter:
        """The chapter that starts exactly at ``time``; a ``Z2HError`` if none does."""
        seconds = parse_time(time) if isinstance(time, str) else time
        for chapter in self.chapters:
            if chapter.start == seconds:
                return chapter
        raise Z2HError(f"lecture {self.number} has no chapter starting at {format_time(seconds)}")

    def exercise(self, text: str) -> Exercise:
        """The exercise named ``text``: its id (``E01``, ``ex1``) or just its number (``1``)."""
        m = _USER_EXERCISE.fullmatch(text.strip())
        if m:
            number = int(m.group(1))
            for exercise in self.exercises:
                if exercise.number == number:
                    return exercise
        ids = ", ".join(e.id for e in self.exercises) or "none"
        raise Z2HError(f"lecture {self.number} has no exercise {text!r} (its exercises: {ids})")


@dataclass(frozen=True)
class Catalog:
    series: str
    playlist: str
    lectures: tuple[Lecture, ...]

    def lecture(self, number: int | str) -> Lecture:
        """The lecture numbered ``number`` (an int, or text such as ``"2"``)."""
        text = str(number).strip()
        for lecture in self.lectures:
            if text.isdigit() and lecture.number == int(text):
                return lecture
        first, last = self.lectures[0].number, self.lectures[-1].number
        raise UnknownLecture(
            f"no lecture {text!r}; the series has lectures {first}-{last} "
            "(see 'z2h study lectures')"
        )


def _duration(entry: dict[str, Any]) -> tuple[int, bool]:
    iso = entry.get("duration_iso")
    if iso:
        m = _ISO.fullmatch(iso)
        if m and any(m.groups()):
            h, mi, s = (int(g or 0) for g in m.groups())
            return h * 3600 + mi * 60 + s, True
    text = str(entry.get("duration", ""))
    minutes = re.search(r"(\d+)\s*min", text)
    if minutes:
        return int(minutes.group(1)) * 60 + APPROX_SLACK_S, False
    return parse_time(text), True


def _exercises(texts: list[str]) -> tuple[Exercise, ...]:
    out = []
    for i, text in enumerate(texts, start=1):
        m = _EXERCISE_ID.match(text)
        if m:
            out.append(Exercise(m.group(1) + m.group(2), int(m.group(2)), text[m.end() :]))
        else:
            out.append(Exercise(f"E{i:02d}", i, text))
    return tuple(out)


def _lecture(entry: dict[str, Any]) -> Lecture:
    number = int(entry["number"])
    duration, exact = _duration(entry)
    starts = [parse_time(c["t"]) for c in entry["chapters"]]
    ends = [*starts[1:], duration]
    chapters = tuple(
        Chapter(number, i + 1, start, end, c["title"], c.get("section"))
        for i, (c, start, end) in enumerate(zip(entry["chapters"], starts, ends, strict=True))
    )
    return Lecture(
        number=number,
        title=entry["title"],
        video_id=entry["video_id"],
        duration=duration,
        duration_exact=exact,
        published=entry.get("published", ""),
        chapters=chapters,
        exercises=_exercises(entry.get("exercises", [])),
        links=tuple((link["label"], link["url"]) for link in entry.get("links", [])),
        corrections=tuple((parse_time(c["t"]), c["title"]) for c in entry.get("corrections", [])),
    )


def load_catalog(path: str | Path | None = None) -> Catalog:
    """The catalog shipped with z2h, or the one in ``path`` (same format)."""
    if path is None:
        text = resources.files("z2h.study").joinpath("data/lectures.json").read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    raw = json.loads(text)
    lectures = tuple(sorted((_lecture(e) for e in raw["lectures"]), key=lambda x: x.number))
    return Catalog(series=raw["series"], playlist=raw.get("playlist", ""), lectures=lectures)
