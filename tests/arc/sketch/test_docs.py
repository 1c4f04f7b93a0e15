"""docs/arc-sketches.md: its worked example is the shipped falling.js and makes labelled
tasks, its commands run (toy size), and its tables list every sketch and action it names."""

from __future__ import annotations

import re
from pathlib import Path

from z2h.arc.labels import ACTIONS
from z2h.arc.sketch import load, shipped, sketches_dir

DOC = Path(__file__).resolve().parents[3] / "docs" / "arc-sketches.md"


def test_worked_example_is_the_shipped_sketch_and_about_fifteen_lines() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Worked example") :]
    example = re.search(r"```js\n(.*?)```", section, re.S).group(1)
    assert example == (sketches_dir() / "falling.js").read_text(encoding="utf-8")
    assert len(example.strip().splitlines()) <= 18
    made = load("falling").make_task(0, 0, (0.0, 0.5), 200)
    ops = [a["op"] for p in made.labels.train for m in p.correspondence for a in m.actions]
    assert "move" in ops and "stop_at_contact" in ops


def test_every_command_shown_runs(tmp_path: Path, run_cli, monkeypatch) -> None:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    mine = tmp_path / "path" / "to" / "my_family.js"
    mine.parent.mkdir(parents=True)
    mine.write_text((sketches_dir() / "sort_bars.js").read_text())
    monkeypatch.chdir(tmp_path)
    for line in block.splitlines():
        argv = line.split("#")[0].split()
        assert argv[:2] == ["z2h", "arc"]
        argv = [a if a != "10" else "2" for a in argv[1:]]  # toy size
        code, _, err = run_cli(*argv)
        assert code == 0, (line, err)


def test_tables_name_every_shipped_sketch_and_only_real_actions() -> None:
    text = DOC.read_text(encoding="utf-8")
    for p in shipped():
        assert f"| `{p.stem}` |" in text
    section = text[text.index("| method | records |") : text.index("## How the labels")]
    rows = [line.split("|")[2] for line in section.splitlines() if line.startswith("| `")]
    recorded = {op for col in rows for op in re.findall(r"`([a-z_]+)`", col)} - {"edge"}
    assert recorded and recorded <= set(ACTIONS)
