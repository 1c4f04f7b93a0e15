"""A fixed notes folder shared by the prompt and CLI tests: notes on three lectures, one exercise
marked done."""

from __future__ import annotations

from pathlib import Path

import pytest

from z2h.study.catalog import load_catalog
from z2h.study.notes import append_note
from z2h.study.state import read_state, write_state
from z2h.study.timecode import parse_time

NOTES = [
    (1, "00:11:10", "the derivative is the sensitivity of the output to a nudge of the input"),
    (1, "01:19:00", "backward() needs a topological order: every node after the nodes it uses"),
    (1, "01:24:00", "a node used twice must accumulate its gradient (+=), not overwrite it"),
    (2, "00:13:20", "N[ix1, ix2] += 1: the counts live in a 27x27 int tensor"),
    (2, "00:38:30", "keepdim=True matters: (27, 1) divides each row,\n(27,) would divide columns"),
    (3, "00:30:10", "F.cross_entropy: no huge intermediates, and stable for large logits"),
]


def write_fixed_notes(folder: Path) -> None:
    catalog = load_catalog()
    for lecture, time, text in NOTES:
        append_note(folder, catalog.lecture(lecture), parse_time(time), text)
    state = read_state(folder)
    state.progress(2).done.append("E01")
    state.progress(2).position = parse_time("00:41:40")
    state.last_lecture = 2
    write_state(folder, state)


@pytest.fixture
def notes_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    write_fixed_notes(folder)
    return folder
