"""A broken sketch stops with one clear error naming its file and line, within the limits,
and a set made from it leaves nothing on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from sketch_helpers import sketch

from z2h.arc.sketch.host import SketchError

PAIR = "function pair() {{\n  createCanvas(5, 5);\n  {line}\n  output();\n}}\n"


def make(line: str, **limits) -> None:
    sketch(PAIR.format(line=line), "bad", **limits).make_task(0, 0, (0.0, 1.0), 20)


@pytest.mark.parametrize(
    "line, message",
    [
        ('throw new Error("boom");', r"bad\.js line 3: Error: boom"),
        ("null.x;", r"bad\.js line 3: TypeError: Cannot read properties of null"),
        ("createCanvas(31, 5);", r"bad\.js line 3: createCanvas\(31, 5\): a grid is 1 to 30"),
        ("fill(12); point(0, 0);", r"bad\.js line 3: fill: colour 12 is not 0-9"),
        ('fill("white"); point(0, 0);', r'bad\.js line 3: fill: colour "white" is not 0-9'),
        ("rect(0.5, 0, 1, 1);", r"bad\.js line 3: rect takes whole cells"),
        ("rotate(1);", r"bad\.js line 3: rotate takes quarter turns"),
        ("rectMode(CENTER);", r"bad\.js line 3: rectMode: only CORNER"),
        ("strokeWeight(2);", r"bad\.js line 3: strokeWeight: outlines are one cell"),
        ("Math.random();", r"bad\.js line 3: Math\.random is not available: use random\(\)"),
        ("Date.now();", r"bad\.js line 3: TypeError"),
    ],
)
def test_errors_name_file_and_line(line: str, message: str) -> None:
    with pytest.raises(SketchError, match=message):
        make(line)


def test_syntax_error_names_its_line() -> None:
    with pytest.raises(SketchError, match=r"bad\.js line 3: SyntaxError"):
        make("let x = ;")


def test_endless_loop_stops_at_the_time_limit() -> None:
    with pytest.raises(SketchError, match=r"bad\.js: ran past the time limit of 0\.5 s"):
        make("while (true) {}", time_limit=0.5)


def test_endless_loop_that_draws_numbers_names_its_line() -> None:
    with pytest.raises(SketchError, match=r"bad\.js line 3: more than 1000000 calls in one pair"):
        make("let x = 0; while (x !== 2) x = randomInt(3, 5);")


def test_unbounded_allocation_stops_at_the_memory_limit() -> None:
    with pytest.raises(SketchError, match=r"bad\.js: used more than 64 MiB"):
        make("const a = []; for (;;) a.push(new Array(1e5).fill(1));", memory_limit=64 * 2**20)


@pytest.mark.parametrize(
    "head, message",
    [
        ("function params() { return 3; }", "params\\(\\) returns an object, got 3"),
        ("const about = { train: [0, 2] };", "about.train is \\[lo, hi\\] demonstrations"),
        ("const about = { test: 9 };", "about.test is 1 to 5 test pairs"),
    ],
)
def test_bad_params_and_about(head: str, message: str) -> None:
    with pytest.raises(SketchError, match=message):
        sketch(head + "\n" + PAIR.format(line="point(0, 0);"), "bad").make_task(
            0, 0, (0.0, 1.0), 20
        )


def test_no_pair_function() -> None:
    with pytest.raises(SketchError, match=r"bad\.js: the sketch defines no pair"):
        sketch("const x = 1;", "bad").make_task(0, 0, (0.0, 1.0), 20)


def test_output_must_be_called() -> None:
    with pytest.raises(SketchError, match=r"pair\(\) must call output\(\)"):
        sketch("function pair() { createCanvas(3, 3); point(0, 0); }", "bad").make_task(
            0, 0, (0.0, 1.0), 20
        )


def test_broken_sketch_writes_nothing(tmp_path: Path, run_cli) -> None:
    bad = tmp_path / "bad.js"
    # the third task's pairs throw: two tasks were made before it, and must go again
    bad.write_text(
        "function pair() {\n  createCanvas(4, 4);\n"
        "  point(randomInt(0, 3), randomInt(0, 3));\n  output();\n"
        "  if (colors(1)[0] === 9) throw new Error('late');\n"
        "  objects()[0].recolor(2);\n}\n"
    )
    out = tmp_path / "set"
    code, _, err = run_cli(
        "arc", "generate", "--sketch", str(bad), "--tasks", "40", "--out", str(out)
    )
    last = err.strip().splitlines()[-1]
    assert code == 2 and "Traceback" not in err
    assert last.startswith("z2h arc: error:") and "bad.js line 5: Error: late" in last
    assert not out.exists()


def test_without_mini_racer_the_error_says_how_to_get_it(monkeypatch):
    import sys

    from z2h.arc.sketch import load

    monkeypatch.setitem(sys.modules, "py_mini_racer", None)  # as if it were not installed
    with pytest.raises(SketchError, match=r"pip install 'z2h\[arc\]'"):
        load("fall")
