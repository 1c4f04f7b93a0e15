"""End-to-end tests of ``z2h study``: every command, every bad input, and no torch."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from z2h.cli import main

GOLDEN = Path(__file__).parent / "golden"


def study(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["study", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_lectures(capsys, notes_folder):
    code, out, _ = study(capsys, "lectures", "--notes", str(notes_folder))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["#", "length", "chapters", "exercises", "seen", "title"]
    assert lines[2].split()[:5] == ["2", "01:57:45", "24", "1/6", "35%"]
    assert lines[9].split()[:5] == ["9", "~04:01", "31", "1", "-"]


def test_chapters_with_links_and_code(capsys):
    code, out, _ = study(capsys, "chapters", "2")
    assert code == 0
    assert out.startswith("Lecture 2 - The spelled-out intro to language modeling")
    assert (
        "01:00:50  model smoothing with fake counts\n          https://youtu.be/PaCmpygFfXo?t=3650\n"
        in out
    )
    assert "command: z2h makemore train --model ngram --preset bigram --smoothing auto" in out
    _, out7, _ = study(capsys, "chapters", "7")
    assert '\n[Building the "self-attention"]\n' in out7
    assert "correction at 00:57:00: Oops" in out7


def _cues(vtt: str) -> list[tuple[str, str, str]]:
    return re.findall(r"\n\d+\n(\d\d:\d\d:\d\d\.000) --> (\d\d:\d\d:\d\d\.000)\n(.+)\n", vtt)


def test_chapters_vtt(capsys, tmp_path):
    code, out, _ = study(capsys, "chapters", "2", "--vtt")
    assert code == 0 and out.startswith("WEBVTT\n\nNOTE\n")
    cues = _cues(out)
    assert len(cues) == 24
    assert cues[0] == ("00:00:00.000", "00:03:03.000", "intro")
    assert cues[-1] == ("01:56:16.000", "01:57:45.000", "conclusion")
    assert all(a[1] == b[0] for a, b in itertools.pairwise(cues))
    target = tmp_path / "l4.vtt"
    assert study(capsys, "chapters", "4", "--vtt", str(target))[0] == 0
    text = target.read_text(encoding="utf-8")
    assert "calculating the init scale: “Kaiming init”" in text
    assert "Activations &amp; Gradients" in text  # escaped as WebVTT asks


def test_note_status_done_round(capsys, tmp_path):
    notes = str(tmp_path / "n")
    code, out, _ = study(capsys, "note", "2", "00:41:40", "broadcasting", "aligns", "shapes",
                         "--offset", "-10s", "--notes", notes)  # fmt: skip
    assert code == 0
    assert "**00:41:30** - broadcasting aligns shapes  [00:36:17 efficiency!" in out
    assert study(capsys, "note", "2", "?t=30", "--offset=-1m", "at the very start", "--notes",
                 notes)[0] == 0  # fmt: skip
    assert study(capsys, "done", "2", "e3", "--notes", notes)[1].startswith(
        "lecture 2 E03 marked done (1 of 6)"
    )
    code, out, _ = study(capsys, "status", "--notes", notes)
    assert code == 0
    assert "at 00:00:30 of 01:57:45 (0%); 0 of 24 chapters passed; exercises done: E03 " in out
    assert "2 notes" in out
    text = (tmp_path / "n" / "lecture-02.md").read_text(encoding="utf-8")
    assert "**00:00:00** - at the very start\n" in text and "position: 00:00:30" in text
    assert study(capsys, "done", "2", "E03", "--undo", "--notes", notes)[0] == 0
    state = json.loads((tmp_path / "n" / "study.json").read_text(encoding="utf-8"))
    assert state == {"format": 1, "last_lecture": 2, "lectures": {"2": {"position": "00:00:30"}}}


def test_status_without_progress(capsys, tmp_path):
    code, out, _ = study(capsys, "status", "--notes", str(tmp_path / "empty"))
    assert code == 0 and "no progress yet" in out


def test_prompt_from_the_cli_equals_the_golden_text(capsys, notes_folder):
    code, out, _ = study(capsys, "prompt", "--lecture", "2", "--at", "00:41:40",
                         "--date", "2026-11-30", "--notes", str(notes_folder))  # fmt: skip
    assert code == 0
    assert out == (GOLDEN / "prompt_lecture2_004140.txt").read_text(encoding="utf-8")
    # lecture and position default to the saved progress
    assert study(capsys, "prompt", "--date", "2026-11-30", "--notes", str(notes_folder))[1] == out


def test_prompt_budget_and_out(capsys, notes_folder, tmp_path):
    target = tmp_path / "prompt.txt"
    code, out, err = study(capsys, "prompt", "--max-chars", "4400", "--out", str(target),
                           "--notes", str(notes_folder))  # fmt: skip
    assert code == 0 and out == ""
    assert re.search(r"left out the \d oldest of 6 notes to fit --max-chars 4400", err)
    assert len(target.read_text(encoding="utf-8")) <= 4400


def test_template_written_edited_and_used(capsys, notes_folder, monkeypatch):
    monkeypatch.setenv("Z2H_STUDY_NOTES", str(notes_folder))
    code, out, _ = study(capsys, "template")
    path = notes_folder / "prompt-template.md"
    assert code == 0 and str(path) in out
    assert "Let's begin." in path.read_text(encoding="utf-8")
    code, _, err = study(capsys, "template")
    assert code == 2 and "exists; edit it, or pass --force" in err
    path.write_text("My own words. Lecture $lecture, $position.\n", encoding="utf-8")
    assert study(capsys, "prompt", "--at", "1:00")[1] == "My own words. Lecture 2, 00:01:00.\n"
    assert study(capsys, "template", "--force")[0] == 0
    assert study(capsys, "template", "--out", "-")[1] == path.read_text(encoding="utf-8")


def test_xdg_data_home_is_the_default(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("Z2H_STUDY_NOTES", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert study(capsys, "note", "1", "8:08", "derivatives")[0] == 0
    assert (tmp_path / "xdg" / "z2h" / "study" / "lecture-01.md").is_file()


# ---- bad input: one line on stderr, exit 2, no note lost ---------------------------------------


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("z2h study: error: "), err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["note", "12", "1:00", "x"], "no lecture '12'; the series has lectures 1-9"),
        (["chapters", "0"], "no lecture '0'"),
        (["note", "2", "02:00:00", "x"], "02:00:00 is past the end of lecture 2 (01:57:45)"),
        (["note", "2", "1:57:40", "x", "--offset", "+10s"], "past the end of lecture 2"),
        (["prompt", "--lecture", "2", "--at", "3:00:00"], "past the end of lecture 2"),
        (["note", "2", "1:99", "x"], "cannot read '1:99' as a time"),
        (["note", "2", "soon", "x"], "cannot read 'soon' as a time"),
        (["note", "2", "1:00", "x", "--offset", "-1x"], "cannot read '-1x' as an offset"),
        (["note", "2", "1:00", "x", "--offset=-ten"], "cannot read '-ten' as an offset"),
        (["prompt", "--at", "later"], "cannot read 'later' as a time"),
        (["prompt", "--date", "30/11/2026"], "is not a date; write it as YYYY-MM-DD"),
        (["prompt", "--max-chars", "0"], "--max-chars must be a positive"),
        (["done", "2", "E9"], "lecture 2 has no exercise 'E9'"),
        (["done", "11", "E1"], "no lecture '11'"),
    ],
)
def test_bad_input(capsys, tmp_path, argv, message):
    code, out, err = study(capsys, *argv, "--notes", str(tmp_path / "n"))
    assert code == 2 and out == ""
    assert message in _one_error_line(err)
    assert not (tmp_path / "n" / "lecture-02.md").exists()


def test_unreadable_notes_file_keeps_file_and_note(capsys, notes_folder):
    path = notes_folder / "lecture-02.md"
    broken = path.read_text(encoding="utf-8") + "**00:61:00** - typo\n"
    path.write_text(broken, encoding="utf-8")
    code, _, err = study(capsys, "note", "2", "00:50:00", "my precious thought",
                         "--notes", str(notes_folder))  # fmt: skip
    line = _one_error_line(err)
    assert code == 2
    assert f"{path} line 18: cannot read '00:61:00' as a time" in line
    assert line.endswith("note NOT saved: **00:50:00** - my precious thought")
    assert path.read_text(encoding="utf-8") == broken


def test_one_bad_notes_file_is_reported_and_the_others_still_read(capsys, notes_folder):
    """A malformed line in lecture 2's notes is named on stderr; status and prompt go on with
    lectures 1 and 3."""
    path = notes_folder / "lecture-02.md"
    path.write_text(path.read_text(encoding="utf-8") + "**00:61:00** - typo\n", encoding="utf-8")
    for command in (["prompt", "--lecture", "3"], ["status"]):
        code, out, err = study(capsys, *command, "--notes", str(notes_folder))
        assert code == 0
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("z2h study: warning: notes file left out: ")
        assert f"{path} line 18: cannot read '00:61:00'" in lines[0]
        assert "F.cross_entropy" in out or "Lecture 3" in out
    code, out, _ = study(capsys, "status", "--notes", str(notes_folder))
    assert "Lecture 1" in out and "Lecture 3" in out


def test_unwritable_notes_folder_keeps_the_note(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    code, _, err = study(capsys, "note", "3", "45:40", "lr valley / 3", "--notes",
                         str(blocker / "notes"))  # fmt: skip
    line = _one_error_line(err)
    assert code == 2
    assert f"cannot write to the notes folder {blocker / 'notes'}" in line
    assert line.endswith("note NOT saved: **00:45:40** - lr valley / 3")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_notes_folder(capsys, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = study(capsys, "note", "3", "45:40", "x", "--notes", str(folder))
    finally:
        folder.chmod(0o700)
    assert code == 2 and "note NOT saved" in _one_error_line(err)


def test_corrupt_progress_file(capsys, tmp_path):
    (tmp_path / "study.json").write_text('{"format": 1,\n "lectures": [}', encoding="utf-8")
    code, _, err = study(capsys, "status", "--notes", str(tmp_path))
    assert code == 2 and "study.json line 2: not valid JSON" in _one_error_line(err)


def test_bad_user_template(capsys, notes_folder, tmp_path):
    template = tmp_path / "t.md"
    template.write_text("Hi\n$lecture $mood\n", encoding="utf-8")
    code, _, err = study(capsys, "prompt", "--template", str(template), "--notes",
                         str(notes_folder))  # fmt: skip
    assert code == 2 and "unknown placeholder $mood (line 2" in _one_error_line(err)


def test_study_never_imports_torch(tmp_path):
    script = f"""
import sys
from z2h.cli import main
notes = {str(tmp_path)!r}
for argv in (["lectures"], ["chapters", "5"], ["chapters", "5", "--vtt"],
             ["note", "5", "13:01", "x", "--notes", notes], ["prompt", "--notes", notes],
             ["status", "--notes", notes], ["done", "5", "1", "--notes", notes]):
    assert main(["study", *argv]) == 0, argv
assert "torch" not in sys.modules, "z2h study imported torch"
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_chapters_out_writes_the_vtt_as_vtt_file_does(capsys, tmp_path):
    """--out FILE is the one spelling of an output; --vtt FILE stays as its alias."""
    assert study(capsys, "chapters", "2", "--out", str(tmp_path / "a.vtt"))[0] == 0
    assert study(capsys, "chapters", "2", "--vtt", str(tmp_path / "b.vtt"))[0] == 0
    assert (tmp_path / "a.vtt").read_bytes() == (tmp_path / "b.vtt").read_bytes()
    assert (tmp_path / "a.vtt").read_text().startswith("WEBVTT")
