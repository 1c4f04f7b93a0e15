"""`z2h arc generate --sketch`, `z2h arc sketches` and validate, end to end at toy size, and
the shipped sketches: the ports cross-checked by the Python generators' own solvers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from z2h.arc.checklabels import check_task
from z2h.arc.checks import solver_failures
from z2h.arc.generators.registry import get_generator
from z2h.arc.sketch import load, shipped

PORTS = [p for p in shipped() if load(p).about.get("port")]
PORT_TASKS = 20  # benchmarks/arc_sketch.py --ports checks 100 each


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith("manifest")
    }


def test_generate_sketch_writes_a_set_that_validates(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "set"
    code, text, _ = run_cli(
        "arc", "generate", "--sketch", "falling", "--tasks", "3", "--seed", "5",
        "--difficulty", "0,0.5", "--out", str(out),
    )  # fmt: skip
    assert code == 0 and "unverified" in text
    assert sorted(p.name for p in (out / "tasks").iterdir()) == [
        f"falling-5-00000{i}.json" for i in range(3)
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["tasks"] == 3
    assert manifest["sketch"]["verified"] is False
    labels = json.loads((out / "labels" / "falling-5-000000.json").read_text())
    assert labels["provenance"] == "sketch" and labels["generator"] == "falling"
    code, text, _ = run_cli("arc", "validate", str(out))
    assert code == 0 and "3 task(s) unverified" in text and "all valid" in text


def test_same_sketch_seed_index_same_bytes(tmp_path: Path, run_cli) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        code, _, _ = run_cli("arc", "generate", "--sketch", "sort_bars", "--tasks", "3",
                             "--out", str(out))  # fmt: skip
        assert code == 0
    assert files(a) == files(b) and len(files(a)) == 7  # 3 tasks, 3 labels, 1 shard


def test_a_sketch_file_by_path_and_a_verified_set(tmp_path: Path, run_cli) -> None:
    src = tmp_path / "my_family.js"
    src.write_text((shipped()[0].parent / "to_center.js").read_text())
    out = tmp_path / "set"
    code, text, _ = run_cli("arc", "generate", "--sketch", str(src), "--tasks", "2",
                            "--out", str(out))  # fmt: skip
    assert code == 0 and "verified pairs" in text
    assert (out / "tasks" / "my_family-0-000000.json").is_file()
    # validate cannot re-run a sketch that is not shipped: it says so, and finds no problem
    code, text, _ = run_cli("arc", "validate", str(out))
    assert code == 0 and "2 task(s) unverified" in text and "is not shipped" in text


def test_sketches_lists_every_shipped_sketch(run_cli) -> None:
    code, text, _ = run_cli("arc", "sketches")
    assert code == 0
    for p in shipped():
        assert p.stem in text
    assert f"{len(shipped())} sketches" in text
    code, text, _ = run_cli("arc", "sketches", "--markdown")
    assert text.startswith("| sketch | concepts | verified | port of | description |")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--sketch", "nope"], "no shipped sketch 'nope'"),
        (["--sketch", "fall", "--workers", "2"], "V8 does not survive a fork"),
        (["--sketch", "fall", "--generator", "flip"], "not allowed with argument"),
    ],
)
def test_bad_arguments(tmp_path: Path, run_cli, argv: list[str], message: str) -> None:
    out = str(tmp_path / "o")
    code, _, err = run_cli("arc", "generate", *argv, "--tasks", "1", "--out", out)
    assert code == 2 and message in err
    assert not (tmp_path / "o").exists()


def test_at_least_twelve_shipped_four_ports_eight_new() -> None:
    gens = [load(p) for p in shipped()]
    assert len(gens) >= 12
    assert len(PORTS) >= 4
    assert sum(g.verified and not g.about.get("port") for g in gens) >= 8


@pytest.mark.parametrize("path", PORTS, ids=lambda p: p.stem)
def test_port_tasks_are_solved_by_the_python_generator(path: Path) -> None:
    gen = load(path)
    solver = get_generator(gen.about["port"])
    for index in range(PORT_TASKS):
        task = gen.make_task(0, index, (0.0, 1.0), 200).task
        assert solver_failures(solver, task) == [], (path.stem, index)


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.stem)
def test_every_shipped_sketch_makes_valid_tasks(path: Path) -> None:
    from z2h.arc.checks import task_problems

    gen = load(path)
    for difficulty in ((0.0, 0.0), (1.0, 1.0)):
        made = gen.make_task(1, 0, difficulty, 200)
        assert task_problems(made.task, made.labels, gen if gen.verified else None) == []
        assert check_task(made.task, made.labels) == ([], [])


def test_studio_takes_a_sketch_folder() -> None:
    import argparse

    from z2h.arc.studio.cli import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args(["--sketches", "my_sketches"]).sketches == "my_sketches"


def test_generate_sketch_json_prints_the_manifest(tmp_path: Path, run_cli) -> None:
    out = tmp_path / "set"
    code, text, _ = run_cli(
        "arc", "generate", "--sketch", "to_center", "--tasks", "1", "--json", "--out", str(out)
    )
    assert code == 0
    assert json.loads(text)["sketch"]["verified"] is True  # the one line is the manifest
