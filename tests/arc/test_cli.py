"""End-to-end smoke tests of ``z2h arc`` at toy size, and one test per bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from z2h.arc.labels import LABELS_VERSION
from z2h.arc.task import read_task, task_from_json, write_task
from z2h.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["arc", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def error(capsys, *argv: str) -> str:
    """Run a command that must fail: exit 2 and one line on stderr, no traceback."""
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("z2h arc: error: "), err
    assert "Traceback" not in err
    return lines[-1]


@pytest.fixture(scope="module")
def small_set(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("set")
    code = main(
        ["arc", "generate", "--generator", "flip,gravity", "--tasks", "3", "--seed", "5",
         "--difficulty", "0.1,0.4", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    return out


def test_generators_lists_every_generator(capsys):
    code, out, _ = run(capsys, "generators")
    assert code == 0 and "flip" in out and "gravity" in out and "concepts:" in out
    code, out, _ = run(capsys, "generators", "--markdown")
    assert out.splitlines()[0].startswith("| generator |") and "| `rotate` |" in out


def test_generate_writes_the_layout(small_set):
    names = sorted(p.stem for p in (small_set / "tasks").glob("*.json"))
    assert names == [f"{g}-5-{i:06d}" for g in ("flip", "gravity") for i in range(3)]
    assert sorted(p.stem for p in (small_set / "labels").glob("*.json")) == names
    manifest = json.loads((small_set / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["tasks"] == 6
    assert set(manifest["per_generator"]) == {"flip", "gravity"}
    rows = (small_set / "shards" / "shard-00000-of-00001.jsonl").read_text().splitlines()
    assert [json.loads(r)["id"] for r in rows] == [
        n for g in ("flip", "gravity") for n in names if n.startswith(g)
    ]
    assert task_from_json(json.loads(rows[0])["task"], "x").train


def test_shards_are_disjoint_and_concatenate_to_the_whole(small_set, tmp_path):
    whole = (small_set / "shards" / "shard-00000-of-00001.jsonl").read_text().splitlines()
    parts = []
    for i in range(2):
        code = main(
            ["arc", "generate", "--generator", "flip,gravity", "--tasks", "3", "--seed", "5",
             "--difficulty", "0.1,0.4", "--out", str(tmp_path), "--shard", f"{i}/2"]
        )  # fmt: skip
        assert code == 0
        parts.append(
            (tmp_path / "shards" / f"shard-{i:05d}-of-00002.jsonl").read_text().splitlines()
        )
        assert (tmp_path / f"manifest-{i}-of-2.json").is_file()
    assert sorted(parts[0] + parts[1]) == sorted(whole)  # byte-identical rows
    assert not set(parts[0]) & set(parts[1])


def test_workers_give_the_same_files(small_set, tmp_path):
    code = main(
        ["arc", "generate", "--generator", "flip,gravity", "--tasks", "3", "--seed", "5",
         "--difficulty", "0.1,0.4", "--out", str(tmp_path), "--workers", "2"]
    )  # fmt: skip
    assert code == 0
    for sub in ("shards/shard-00000-of-00001.jsonl", "tasks/gravity-5-000002.json"):
        assert (tmp_path / sub).read_bytes() == (small_set / sub).read_bytes()


def test_validate_a_set_a_file_and_a_shard(small_set, capsys):
    code, out, _ = run(capsys, "validate", str(small_set))
    assert code == 0 and "6 task(s) checked: all valid" in out
    code, out, _ = run(capsys, "validate", str(small_set / "tasks" / "flip-5-000000.json"))
    assert code == 0
    code, out, _ = run(capsys, "validate", str(small_set / "shards" / "shard-00000-of-00001.jsonl"))
    assert code == 0 and "6 task(s)" in out


def test_generate_refuses_an_existing_set_unless_forced(tmp_path, capsys):
    out = tmp_path / "set"
    gen = ["generate", "--generator", "flip", "--difficulty", "0,0.3", "--out", str(out)]
    assert run(capsys, *gen, "--tasks", "3", "--seed", "1")[0] == 0
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    line = error(capsys, *gen, "--tasks", "1", "--seed", "9")
    assert "already holds a set (manifest.json)" in line and "--force" in line
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    assert run(capsys, *gen, "--tasks", "1", "--seed", "9", "--force")[0] == 0
    assert [p.stem for p in (out / "tasks").iterdir()] == ["flip-9-000000"]
    code, stdout, _ = run(capsys, "validate", str(out))
    assert code == 0 and "1 task(s) checked: all valid" in stdout


def test_validate_show_and_sheet_report_as_json_or_not_at_all(small_set, tmp_path, capsys):
    code, out, _ = run(capsys, "validate", str(small_set), "--json")
    assert code == 0 and json.loads(out) == {"checked": 6, "problems": [], "unverified": []}
    code, out, _ = run(capsys, "validate", str(small_set), "--quiet")
    assert code == 0 and out == ""
    png = tmp_path / "t.png"
    task = str(small_set / "tasks" / "flip-5-000000.json")
    code, out, _ = run(capsys, "show", task, "--out", str(png), "--json")
    assert code == 0 and json.loads(out) == {"wrote": str(png)} and png.is_file()
    code, out, _ = run(capsys, "sheet", "--out", str(tmp_path / "s.png"), "--generator", "flip",
                       "--quiet")  # fmt: skip
    assert code == 0 and out == "" and (tmp_path / "s.png").is_file()


def test_validate_finds_files_no_shard_lists(small_set, tmp_path, capsys):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(small_set, root)
    shutil.copy(root / "tasks" / "flip-5-000000.json", root / "tasks" / "flip-9-000000.json")
    (root / "tasks" / "flip-5-000001.json").unlink()
    code, out, _ = run(capsys, "validate", str(root))
    assert code == 2
    assert "tasks/flip-9-000000.json: no shard lists it" in out
    assert "tasks/flip-5-000001.json: listed by a shard but missing" in out


def test_validate_names_the_task_pair_and_row(small_set, tmp_path, capsys):
    bad = tmp_path / "tasks"
    bad.mkdir()
    task = read_task(small_set / "tasks" / "flip-5-000001.json")
    task.train[1].output[0, 0] = (int(task.train[1].output[0, 0]) + 1) % 10
    write_task(bad / "flip-5-000001.json", task)
    (tmp_path / "labels").mkdir()
    label = small_set / "labels" / "flip-5-000001.json"
    (tmp_path / "labels" / label.name).write_bytes(label.read_bytes())
    code, out, _err = run(capsys, "validate", str(tmp_path))
    assert code == 2
    assert "task flip-5-000001: train pair 1 output row 0:" in out
    assert "train pair 1: generator flip's solver" in out


def test_show_draws_a_png(small_set, tmp_path, capsys):
    png = tmp_path / "t.png"
    code, _out, _ = run(
        capsys, "show", str(small_set / "tasks" / "gravity-5-000000.json"), "--out", str(png)
    )
    assert code == 0 and png.read_bytes()[:4] == b"\x89PNG"


def test_label_a_task_file(small_set, tmp_path, capsys):
    out_json = tmp_path / "labels.json"
    code, out, _ = run(
        capsys, "label", str(small_set / "tasks" / "gravity-5-000000.json"), "--out", str(out_json)
    )
    assert code == 0 and "train 0: input" in out and " -> out " in out
    assert json.loads(out_json.read_text())["version"] == LABELS_VERSION


def test_sheet(tmp_path, capsys):
    png = tmp_path / "sheet.png"
    code, _, _ = run(capsys, "sheet", "--out", str(png), "--generator", "flip,recolor_by_size")
    assert code == 0 and png.stat().st_size > 1000


# Each bad input: one line, exit 2.

GEN = ["generate", "--generator", "flip", "--tasks", "1"]


def test_unknown_generator_lists_them(capsys, tmp_path):
    line = error(
        capsys, "generate", "--generator", "flip,nope", "--tasks", "1", "--out", str(tmp_path)
    )
    assert "unknown generator 'nope'; choose one of:" in line and "gravity" in line


@pytest.mark.parametrize(
    "difficulty, message",
    [("1.5", "must lie in [0, 1]"), ("-0.1,0.2", "must lie in [0, 1]"), ("0.8,0.2", "LO <= HI"),
     ("a,b", "takes LO,HI"), ("0,0.5,1", "takes LO,HI")],
)  # fmt: skip
def test_bad_difficulty(capsys, tmp_path, difficulty, message):
    assert message in error(capsys, *GEN, "--out", str(tmp_path), f"--difficulty={difficulty}")


@pytest.mark.parametrize("tasks", ["0", "-3"])
def test_tasks_must_be_positive(capsys, tmp_path, tasks):
    line = error(
        capsys, "generate", "--generator", "flip", "--tasks", tasks, "--out", str(tmp_path)
    )
    assert "--tasks must be at least 1" in line


@pytest.mark.parametrize("shard", ["3", "2/2", "-1/2", "a/b", "0/0"])
def test_malformed_shard(capsys, tmp_path, shard):
    assert "--shard" in error(capsys, *GEN, "--out", str(tmp_path), f"--shard={shard}")


def test_out_that_is_a_file(capsys, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    assert "exists and is not a directory" in error(capsys, *GEN, "--out", str(f))


def test_bad_workers(capsys, tmp_path):
    assert "--workers must be at least 1" in error(
        capsys, *GEN, "--out", str(tmp_path), "--workers", "0"
    )


BAD_TASKS = [
    ({"train": [{"input": [[0, 1]], "output": [[1, 0], [2]]}], "test": []},
     "train pair 0 output: row 1: 1 cells, row 0 has 2"),
    ({"train": [{"input": [[0, 1]], "output": [[1, 12]]}], "test": []},
     "train pair 0 output: row 0: colour 12 (must be 0-9)"),
    ({"train": [{"input": [[0] * 31], "output": [[1]]}], "test": []},
     "train pair 0 input: grid is 1x31"),
    ({"train": []}, "no 'test' list"),
]  # fmt: skip


@pytest.mark.parametrize("obj, message", BAD_TASKS)
@pytest.mark.parametrize("command", ["validate", "show", "label"])
def test_json_that_is_not_an_arc_task(capsys, tmp_path, obj, message, command):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(obj))
    line = error(capsys, command, str(path))
    assert f"task bad: {message}" in line if "no 'test'" not in message else message in line


def test_missing_paths_and_names(capsys, tmp_path):
    assert "no such file or folder" in error(capsys, "validate", str(tmp_path / "nope"))
    assert "no task files" in error(capsys, "validate", str(tmp_path))
    assert "no such task file" in error(capsys, "show", str(tmp_path / "nope.json"))
    assert "no task 'zzz' in arcagi1" in error(capsys, "show", "arcagi1:zzz")


def test_generator_that_cannot_make_a_task(capsys, tmp_path):
    line = error(capsys, *GEN, "--out", str(tmp_path), "--max-attempts", "1", "--seed", "3")
    assert "generator flip made no valid task flip-3-000000 in 1 attempts" in line
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["tasks"] == 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_failed_run_leaves_exactly_the_tasks_before_it(capsys, tmp_path, workers):
    # flip at seed 5 with 4 attempts (per random stream) makes tasks 0-10 and fails on task
    # 11; workers make tasks past it before the main process reads the failure, and those
    # files must go again
    line = error(capsys, "generate", "--generator", "flip", "--tasks", "40", "--seed", "5",
                 "--difficulty", "0,1", "--max-attempts", "4", "--workers", workers,
                 "--out", str(tmp_path))  # fmt: skip
    assert "made no valid task flip-5-000011" in line
    made = [f"flip-5-{i:06d}.json" for i in range(11)]
    assert sorted(p.name for p in (tmp_path / "tasks").iterdir()) == made
    assert sorted(p.name for p in (tmp_path / "labels").iterdir()) == made
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["tasks"] == 11
    rows = (tmp_path / "shards" / "shard-00000-of-00001.jsonl").read_text().splitlines()
    assert [json.loads(r)["id"] + ".json" for r in rows] == made


def test_same_files_from_fresh_processes_with_other_hash_seeds(tmp_path):
    """Byte-identical sets from two interpreters whose string hashing differs."""
    import os
    import subprocess
    import sys

    src = Path(__file__).resolve().parents[2] / "src"
    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / hash_seed
        env = {
            **os.environ,
            "PYTHONHASHSEED": hash_seed,
            "PYTHONPATH": str(src),
            "Z2H_PROGRESS": "0",
        }
        subprocess.run(
            [sys.executable, "-m", "z2h", "arc", "generate", "--generator", "push,keep_touching",
             "--tasks", "2", "--seed", "3", "--out", str(out)],
            check=True, env=env, capture_output=True,
        )  # fmt: skip
        outs.append(out)
    shard = "shards/shard-00000-of-00001.jsonl"
    assert (outs[0] / shard).read_bytes() == (outs[1] / shard).read_bytes()


def test_generate_json_and_quiet(capsys, tmp_path):
    """--json prints the manifest it wrote; --quiet prints nothing."""
    assert main(["arc", "generate", "--generator", "flip", "--tasks", "1", "--json",
                 "--out", str(tmp_path / "a")]) == 0  # fmt: skip
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert main(["arc", "generate", "--generator", "flip", "--tasks", "1", "--quiet",
                 "--out", str(tmp_path / "b")]) == 0  # fmt: skip
    assert capsys.readouterr().out == ""
