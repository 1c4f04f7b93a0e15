"""The studio's sketch routes without a browser: listing, reading, saving and generating, and
the requests they refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from z2h.arc.sketch import shipped
from z2h.arc.studio.api import Studio
from z2h.arc.studio.sketchdesk import SketchDesk
from z2h.arc.studio.sources import StudioError

SOURCE = (Path(str(shipped()[0].parent)) / "to_center.js").read_text()


def desk(tmp_path: Path, folder: bool = True) -> SketchDesk:
    return SketchDesk(Studio([]), tmp_path / "sketches" if folder else None)


def test_list_and_get(tmp_path: Path) -> None:
    d = desk(tmp_path)
    d.save("mine", {"source": SOURCE})
    names = {s["name"]: s for s in d.list()["sketches"]}
    assert {p.stem for p in shipped()} <= set(names)
    assert names["mine"]["shipped"] is False and names["to_center"]["verified"] is True
    assert d.get("mine") == {"name": "mine", "source": SOURCE, "shipped": False}
    assert d.get("falling")["shipped"] is True


def test_save_is_atomic_and_needs_a_folder(tmp_path: Path) -> None:
    d = desk(tmp_path)
    d.save("mine", {"source": "a"})
    d.save("mine", {"source": "b"})
    assert (tmp_path / "sketches" / "mine.js").read_text() == "b"
    assert not [p for p in (tmp_path / "sketches").iterdir() if p.name.startswith(".")]
    with pytest.raises(StudioError, match="launch with --sketches DIR"):
        desk(tmp_path, folder=False).save("mine", {"source": "a"})


@pytest.mark.parametrize(
    "name, body, message",
    [
        ("../up", {"source": "x"}, "letters, digits"),
        ("ok", {"src": "x"}, 'the body is {"source"'),
        ("ok", {"source": SOURCE, "tasks": 5000}, "tasks must be a whole number from 0 to 1000"),
        ("ok", {"source": "function pair() { fill(12); }"}, "ok.js line 1"),
        ("flip", {"source": SOURCE, "tasks": 1}, "has a generator's name"),
    ],
)
def test_refused_requests_write_nothing(tmp_path: Path, name, body, message) -> None:
    d = desk(tmp_path)
    with pytest.raises(StudioError, match=message):
        d.generate(name, body)
    assert not (tmp_path / "sketches" / "sets").exists() or not any(
        (tmp_path / "sketches" / "sets").iterdir()
    )


def test_generate_serves_the_new_set(tmp_path: Path) -> None:
    d = desk(tmp_path)
    got = d.generate("centre", {"source": SOURCE, "tasks": 2, "seed": 4, "difficulty": [0, 1]})
    assert got["tasks"] == 2 and got["verified"] is True
    assert got["source"] in d.studio.sources
    manifest = json.loads((Path(got["folder"]) / "manifest.json").read_text())
    assert manifest["arguments"]["seed"] == 4
