"""Progress through the series: last position per lecture and exercises done, in ``study.json``.

The file sits beside the notes and is small enough to read by eye::

    {"format": 1, "last_lecture": 2,
     "lectures": {"2": {"position": "00:41:40", "done": ["E01"]}}}

It is rewritten whole and atomically on every change. A lecture's notes file also records its last
position in its front matter; this file is what ``status`` and ``prompt`` read first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from z2h.errors import Z2HError
from z2h.run import write_json_atomic
from z2h.study.timecode import TimeFormatError, format_time, parse_time

STATE_FILE = "study.json"
FORMAT = 1


class StateError(Z2HError):
    """A progress file that cannot be read or written."""


@dataclass
class LectureProgress:
    position: int | None = None  # seconds
    done: list[str] = field(default_factory=list)  # exercise ids, in the order marked


@dataclass
class StudyState:
    lectures: dict[int, LectureProgress] = field(default_factory=dict)
    last_lecture: int | None = None  # the lecture of the latest note

    def progress(self, lecture: int) -> LectureProgress:
        return self.lectures.setdefault(lecture, LectureProgress())

    def to_dict(self) -> dict[str, Any]:
        lectures = {}
        for number in sorted(self.lectures):
            p = self.lectures[number]
            entry: dict[str, Any] = {}
            if p.position is not None:
                entry["position"] = format_time(p.position)
            if p.done:
                entry["done"] = list(p.done)
            if entry:
                lectures[str(number)] = entry
        return {"format": FORMAT, "last_lecture": self.last_lecture, "lectures": lectures}


def state_path(folder: Path) -> Path:
    return folder / STATE_FILE


def read_state(folder: Path) -> StudyState:
    """The progress kept in ``folder`` (empty if there is none yet)."""
    path = state_path(folder)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return StudyState()
    except json.JSONDecodeError as e:
        raise StateError(f"{path} line {e.lineno}: not valid JSON ({e.msg})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise StateError(f"cannot read {path}: {e}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise StateError(f"{path}: not a z2h study progress file (format {FORMAT})")
    try:
        state = StudyState(last_lecture=raw.get("last_lecture"))
        for key, entry in raw.get("lectures", {}).items():
            position = entry.get("position")
            state.lectures[int(key)] = LectureProgress(
                position=parse_time(position) if position else None,
                done=[str(x) for x in entry.get("done", [])],
            )
    except TimeFormatError as e:
        raise StateError(f"{path}: {e}") from None
    except (AttributeError, TypeError, ValueError):
        raise StateError(f"{path}: unexpected layout; fix or delete the file") from None
    return state


def write_state(folder: Path, state: StudyState) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return write_json_atomic(state_path(folder), state.to_dict())
    except OSError as e:
        raise StateError(f"cannot write to the notes folder {folder}: {e.strerror or e}") from None
