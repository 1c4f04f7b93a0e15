"""Which z2h code implements a chapter (or an exercise) of the lectures.

The data is ``data/chapter_map.json``: one entry per chapter that has code in z2h, keyed by
(lecture, chapter start time), naming modules (``z2h.autograd.engine`` or, more precisely,
``z2h.autograd.engine:Value.backward``) and runnable commands (``z2h makemore train ...``);
exercises likewise by (lecture, exercise id). Chapters with no code in z2h (paper walkthroughs,
summaries, sentencepiece) have no entry. Nothing is imported here: the test suite proves that
every module imports and every command parses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from z2h.study.catalog import Catalog, Chapter, Exercise
from z2h.study.timecode import parse_time


@dataclass(frozen=True)
class Implementation:
    modules: tuple[str, ...]  # "package.module" or "package.module:Qualified.name"
    commands: tuple[str, ...]  # shell lines starting with "z2h"
    note: str = ""  # where to look in the output, or what differs from the lecture

    @property
    def module_names(self) -> frozenset[str]:
        """The modules without their ``:object`` parts: what "the same module" compares."""
        return frozenset(m.split(":", 1)[0] for m in self.modules)


@dataclass(frozen=True)
class ChapterMap:
    chapters: dict[tuple[int, int], Implementation]  # (lecture, chapter start s) -> code
    exercises: dict[tuple[int, str], Implementation]  # (lecture, exercise id) -> code

    def for_chapter(self, chapter: Chapter) -> Implementation | None:
        return self.chapters.get((chapter.lecture, chapter.start))

    def for_exercise(self, lecture: int, exercise: Exercise) -> Implementation | None:
        return self.exercises.get((lecture, exercise.id))


def _implementation(entry: dict) -> Implementation:
    return Implementation(
        modules=tuple(entry.get("modules", ())),
        commands=tuple(entry.get("commands", ())),
        note=entry.get("note", ""),
    )


def load_map(path: str | Path | None = None) -> ChapterMap:
    """The map shipped with z2h, or the one in ``path`` (same format)."""
    if path is None:
        text = resources.files("z2h.study").joinpath("data/chapter_map.json").read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    raw = json.loads(text)
    chapters = {(e["lecture"], parse_time(e["t"])): _implementation(e) for e in raw["chapters"]}
    exercises = {(e["lecture"], e["exercise"]): _implementation(e) for e in raw["exercises"]}
    return ChapterMap(chapters=chapters, exercises=exercises)


def unmapped(catalog: Catalog, chapter_map: ChapterMap) -> list[Chapter]:
    """The chapters with no z2h code (for docs and for reviewing the map)."""
    return [
        ch
        for lecture in catalog.lectures
        for ch in lecture.chapters
        if chapter_map.for_chapter(ch) is None
    ]
