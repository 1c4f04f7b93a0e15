"""Every command that writes: an output place that cannot be written is one ``error:`` line and
exit 2, before any work (no traceback, nothing half made); and what a run wrote is never written
over without being asked.

The table lists each writing command at toy size with ``{OUT}`` where its output goes (a folder,
or a file inside one). Each runs against three unwritable places: a path through a regular file,
a path under /proc, and a read-only folder (skipped as root, who writes there anyway).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from z2h.cli import main

WORDS = "emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail".replace(
    " ", "\n"
)
TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n" * 40
TINY_GPT = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "8",
            "--batch-size", "4", "--threads", "1"]  # fmt: skip
TINY_VIT = ["--model", "grid-vit", "--set", "n_layer=1", "--set", "n_head=2", "--set",
            "n_embd=16", "--set", "canvas=4", "--batch-size", "2", "--val-tasks", "2",
            "--val-exact", "1", "--threads", "1", "--difficulty", "0,0"]  # fmt: skip

# (id, argv with {OUT} for the output and {WORDS} {TEXT} {TASK} {MLP} {ARC} for inputs)
COMMANDS = [
    ("micrograd-demo", "micrograd demo --steps 1 --out {OUT}"),
    ("makemore-train-counted", "makemore train --model ngram --data {WORDS} --out {OUT}"),
    ("makemore-train", "makemore train --model mlp --max-steps 1 --data {WORDS} --out {OUT}"),
    ("makemore-diagnose", "makemore diagnose --model mlp --steps 1 --data {WORDS} --out {OUT}"),
    ("makemore-lr-find", "makemore lr-find --model mlp --steps 5 --data {WORDS} --out {OUT}"),
    ("makemore-exercises", "makemore exercises lecture2 --quick --data {WORDS} --out {OUT}"),
    ("makemore-embeddings", "makemore embeddings --run {MLP} --out {OUT}/e.png"),
    ("makemore-embeddings-png", "makemore embeddings --run {MLP} --png {OUT}/e.png"),
    ("gpt-train", "gpt train --data {TEXT} --max-steps 1 --out {OUT} " + " ".join(TINY_GPT)),
    ("bpe-train", "bpe train --input {TEXT} --vocab-size 257 --out {OUT}/tok"),
    ("arc-generate", "arc generate --generator flip --tasks 1 --out {OUT}"),
    ("arc-train", "arc train --generator flip --max-steps 1 --out {OUT} " + " ".join(TINY_VIT)),
    ("arc-show", "arc show {TASK} --out {OUT}/t.png"),
    ("arc-sheet", "arc sheet --generator flip --out {OUT}/s.png"),
    ("arc-label", "arc label {TASK} --out {OUT}/l.json"),
    ("arc-eval", "arc eval --run {ARC} --generator flip --tasks 1 --metrics {OUT}/m.json"),
    (
        "arc-predict",
        "arc predict --run {ARC} --generator flip --tasks 1 --predictions {OUT}/p.json",
    ),
    ("study-chapters", "study chapters 2 --out {OUT}/c.vtt"),
]

# commands whose default output folder is runs/ under the current folder
DEFAULT_OUT = [
    ("micrograd-demo", "micrograd demo --steps 1"),
    ("makemore-train", "makemore train --model ngram --n 2 --data {WORDS}"),
    ("gpt-train", "gpt train --data {TEXT} --max-steps 1 " + " ".join(TINY_GPT)),
    ("bpe-train", "bpe train --input {TEXT} --vocab-size 257"),
    ("arc-train", "arc train --generator flip --max-steps 1 " + " ".join(TINY_VIT)),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, str]:
    """The input files and the two trained runs the commands of the table read."""
    root = tmp_path_factory.mktemp("inputs")
    (root / "words.txt").write_text(WORDS + "\n", encoding="utf-8")
    (root / "text.txt").write_text(TEXT, encoding="utf-8")
    from z2h.arc.generate import make_task
    from z2h.arc.generators.registry import get_generator
    from z2h.arc.task import write_task

    write_task(root / "task.json", make_task(get_generator("flip"), 0, 0, (0.0, 0.0)).task)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        words = str(root / "words.txt")
        assert main(["makemore", "train", "--model", "mlp", "--max-steps", "1", "--quiet",
                     "--data", words, "--out", str(root / "mlp")]) == 0  # fmt: skip
        assert main(["arc", "train", "--generator", "flip", "--max-steps", "1", "--quiet",
                     "--out", str(root / "arc"), *TINY_VIT]) == 0  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    names = {"WORDS": "words.txt", "TEXT": "text.txt", "TASK": "task.json", "MLP": "mlp",
             "ARC": "arc"}  # fmt: skip
    return {key: str(root / name) for key, name in names.items()}


def unwritable(kind: str, tmp_path: Path) -> Path:
    if kind == "through-a-file":
        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder\n")
        return blocker / "out"
    if kind == "proc":
        return Path("/proc") / f"z2h-test-{os.getpid()}" / "out"
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    return folder / "out"


def run_line(capsys, argv: list[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("kind", ["through-a-file", "proc", "read-only"])
@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_an_unwritable_output_is_one_error_line(name, command, kind, inputs, tmp_path, capsys):
    out = unwritable(kind, tmp_path)
    argv = command.format(OUT=out, **inputs).split()
    started = time.perf_counter()
    code, err = run_line(capsys, argv)
    lines = err.strip().splitlines()
    assert code == 2 and "Traceback" not in err, err
    assert lines[-1].startswith(f"z2h {argv[0]}: error: "), err
    assert str(out).split("/out")[0] in lines[-1] or "/proc" in lines[-1], err
    assert not out.exists()
    # checked before the work: no command of the table trains or generates for long first
    assert time.perf_counter() - started < 60


@pytest.mark.parametrize(("name", "command"), DEFAULT_OUT, ids=[c[0] for c in DEFAULT_OUT])
def test_an_unwritable_current_folder_is_one_error_line(name, command, inputs, capsys, monkeypatch):
    """The default output goes to runs/ under the current folder; /proc takes no folder."""
    argv = command.format(**inputs).split()
    monkeypatch.chdir("/proc")
    code, err = run_line(capsys, argv)
    lines = err.strip().splitlines()
    assert code == 2 and "Traceback" not in err, err
    assert lines[-1].startswith(f"z2h {argv[0]}: error: ") and "runs" in lines[-1], err


def test_a_write_that_fails_late_is_one_error_line(tmp_path, capsys, monkeypatch):
    """A write the checks could not foresee (the folder made read-only mid-run, a full disk) is
    still an error line, not a traceback: z2h.run's atomic writes raise OutputError."""
    import z2h.run

    real = os.replace

    def full_disk(src, dst):
        raise OSError(28, "No space left on device", str(dst))

    monkeypatch.setattr(z2h.run.os, "replace", full_disk)
    code, err = run_line(capsys, ["micrograd", "demo", "--steps", "1", "--out", str(tmp_path)])
    monkeypatch.setattr(z2h.run.os, "replace", real)
    assert code == 2 and err.count("\n") == 1
    assert "error: cannot write " in err and "No space left on device" in err
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file is removed


def test_any_os_error_of_a_command_is_one_line(monkeypatch, capsys):
    """The CLI's last guard: an OSError no check turned into a message is still one line."""
    import z2h.autograd.cli as demo_cli

    def boom(args):
        raise PermissionError(13, "Permission denied", "/some/where")

    monkeypatch.setattr(demo_cli, "_demo", boom)
    code, err = run_line(capsys, ["micrograd", "demo"])
    assert code == 2 and err == "z2h micrograd: error: /some/where: Permission denied\n"


# -- nothing overwritten ---------------------------------------------------------------------------


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


FINISHED_RUNS = [
    ("makemore", "makemore train --model mlp --max-steps 2 --data {WORDS} --out {OUT}"),
    ("gpt", "gpt train --data {TEXT} --max-steps 2 --out {OUT} " + " ".join(TINY_GPT)),
    ("arc", "arc train --generator flip --max-steps 2 --out {OUT} " + " ".join(TINY_VIT)),
]


@pytest.mark.parametrize(("system", "command"), FINISHED_RUNS, ids=[r[0] for r in FINISHED_RUNS])
def test_a_finished_run_is_never_rewritten(system, command, inputs, tmp_path, capsys):
    """--resume of a finished run is refused; a new run in a folder that holds best.pt and
    metrics.json but no last.pt is refused; the files keep their bytes."""
    out = tmp_path / "run"
    argv = [*command.format(OUT=out, **inputs).split(), "--quiet"]
    assert main(argv) == 0
    before = digest(out)
    code, err = run_line(capsys, [*argv, "--resume"])
    assert code == 2 and "already took --max-steps 2" in err and "raise --max-steps" in err, err
    assert digest(out) == before
    (out / "last.pt").unlink()
    before = digest(out)
    code, err = run_line(capsys, argv)
    assert code == 2 and "already holds a run (best.pt, metrics.json)" in err, err
    assert "--resume" not in err
    code, err = run_line(capsys, [*argv, "--resume"])
    assert code == 2 and "no last.pt to continue from; start a new run with another --out" in err
    assert digest(out) == before


@pytest.mark.parametrize(
    ("command", "held"),
    [("micrograd demo --steps 1 --out {OUT}", "metrics.json"),
     ("bpe train --input {TEXT} --vocab-size 257 --out {OUT}/tok", "tok.model")],
)  # fmt: skip
def test_outputs_are_replaced_only_with_force(command, held, inputs, tmp_path, capsys):
    out = tmp_path / "out"
    argv = command.format(OUT=out, **inputs).split()
    assert main(argv) == 0
    before = digest(out)
    code, err = run_line(capsys, argv)
    assert code == 2 and "--force" in err and held in err, err
    assert digest(out) == before
    assert main([*argv, "--force"]) == 0


def test_sigint_saves_last_pt_and_prints_the_resume_command(inputs, tmp_path):
    """Ctrl-C mid-run (long before the first evaluation or timed save): last.pt is written, the
    exit names the command that continues, and that command does continue the run."""
    out = tmp_path / "run"
    argv = ["makemore", "train", "--model", "mlp", "--max-steps", "100000", "--data",
            inputs["WORDS"], "--out", str(out), "--threads", "1",
            "--eval-interval", "100000"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
           "Z2H_PROGRESS": "1"}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "z2h", *argv], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (out / "scalars.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # some steps, far fewer than the 30 s between timed saves
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    # (on a loaded machine the signal can come before the first step ends: step 0 resumes too)
    step = torch.load(out / "last.pt", weights_only=True)["step"]
    hint = err.strip().splitlines()[-1]
    assert hint.startswith("z2h makemore: interrupted; continue with: z2h makemore train")
    assert hint.endswith("--resume")
    resumed = hint.split("continue with: z2h ")[1].split()
    resumed[resumed.index("100000")] = str(step + 1)  # the same command, a short remainder
    assert main([*resumed, "--quiet"]) == 0
    from z2h.run import read_metrics

    assert read_metrics(out)["resumed_from"] == step and read_metrics(out)["steps"] == step + 1
