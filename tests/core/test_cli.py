"""The ``z2h`` dispatcher: every system's command module loads, and a missing dependency is an
error message, not a traceback."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

from z2h import cli


@pytest.mark.parametrize("system", sorted(cli.SYSTEMS))
def test_every_system_configures_its_commands(system, capsys):
    module = importlib.import_module(cli.SYSTEMS[system][0])
    assert callable(module.configure)
    with pytest.raises(SystemExit) as e:
        cli.main([system, "--help"])
    assert e.value.code == 0
    assert "not yet available" not in capsys.readouterr().out


def test_a_missing_dependency_is_a_message(tmp_path, monkeypatch, capsys):
    (tmp_path / "fake_system_cli.py").write_text("import z2h_test_absent_package\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(cli.SYSTEMS, "fake", ("fake_system_cli", "a system for this test"))
    assert cli.main(["fake", "run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("z2h fake: error: needs the package 'z2h_test_absent_package'")


def test_a_missing_z2h_module_is_not_hidden(monkeypatch):
    """A system module of z2h itself that does not import is a broken install: say so loudly."""
    monkeypatch.setitem(cli.SYSTEMS, "fake", ("z2h.no_such_system.cli", "a system for this test"))
    with pytest.raises(ModuleNotFoundError, match=r"z2h\.no_such_system"):
        cli.main(["fake", "run"])


def test_a_closed_pipe_ends_quietly():
    """`z2h study chapters 2 | head -1` stops without a traceback when the reader has gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write: every flush meets EPIPE
    cmd = [sys.executable, "-m", "z2h", "study", "chapters", "2"]
    proc = subprocess.run(cmd, stdout=write_end, stderr=subprocess.PIPE, timeout=60)
    os.close(write_end)
    err = proc.stderr.decode()
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 141


def test_a_closed_stdout_after_a_short_output_is_no_traceback():
    """A short output waits in the buffer until exit: that flush meets the closed pipe too."""
    read, write = os.pipe()
    os.close(read)  # nobody reads: every write to stdout fails with EPIPE
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "z2h", "makemore", "models"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write)
    assert proc.returncode == 141 and proc.stderr == ""


@pytest.mark.parametrize("system", sorted(cli.SYSTEMS))
def test_every_option_with_a_default_shows_it_in_help(system):
    """--help shows the value a command uses when an option is left out."""
    import argparse

    def options(parser):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from options(sub)
            elif action.option_strings and action.help != argparse.SUPPRESS:
                yield action

    parser = cli.build_parser(system)
    checked = 0
    for action in options(parser):
        if action.default in (None, False, [], argparse.SUPPRESS):
            continue
        checked += 1
        text = action.help % {"default": action.default} if action.help else ""
        assert "default" in text or f"({action.default})" in text, action.option_strings
    assert checked or system == "study"


def test_show_defaults_leaves_a_help_that_says_it():
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--a", type=int, default=3, help="steps")
    parser.add_argument("--b", type=int, default=4, help="steps (default: four)")
    parser.add_argument("--c", action="store_true", help="flag")
    cli.show_defaults(parser)
    text = parser.format_help()
    assert "steps (default: 3)" in text and "(default: four)" in text
    assert text.count("default") == 2


@pytest.mark.parametrize("system", ["makemore", "gpt"])
def test_sample_spells_its_count_the_same_in_every_system(system):
    """`sample -n N` and `sample --num-samples N` mean the same in makemore and gpt."""
    parser = cli.build_parser(system)
    for flag in ("-n", "--num-samples"):
        args = parser.parse_args([system, "sample", "--run", "r", flag, "3"])
        assert vars(args)["num" if system == "makemore" else "num_samples"] == 3


def test_resume_hint_after_ctrl_c(tmp_path):
    """Ctrl-C names the exact command that continues the run, or says nothing was saved yet."""
    import argparse

    out = tmp_path / "run"
    out.mkdir()
    args = argparse.Namespace(out=str(out), resume=False)
    argv = ["makemore", "train", "--model", "mlp"]
    assert cli.resume_hint(argv, args) == (
        f"nothing was saved in {out} yet; start again with the same command"
    )
    (out / "last.pt").write_bytes(b"")
    hint = cli.resume_hint(argv, args)
    assert hint == f"continue with: z2h makemore train --model mlp --out {out} --resume"
    assert cli.resume_hint(["makemore", "sample"], argparse.Namespace(run=str(out))) is None


@pytest.mark.parametrize("system", ["makemore", "gpt"])
def test_resume_without_out_asks_for_the_run(system, tmp_path, monkeypatch, capsys):
    """A default --out is a new folder, so --resume alone has nothing to continue: say so."""
    monkeypatch.chdir(tmp_path)
    assert cli.main([system, "train", "--resume", "--max-steps", "1"]) == 2
    err = capsys.readouterr().err
    assert f"z2h {system}: error: --resume continues a run: name its folder with --out RUN" in err
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    "argv",
    [["makemore", "sample"], ["makemore", "eval"], ["makemore", "fold-bn"], ["gpt", "sample"],
     ["arc", "eval"], ["arc", "predict"]],
)  # fmt: skip
def test_run_is_shown_required_where_it_is(argv, capsys):
    """The usage line shows --run DIR without brackets; leaving it out is argparse's exit 2."""
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    usage = err.split("\n\n")[0]
    assert " --run DIR" in usage and "[--run DIR]" not in usage
    assert "required" in err


def test_autocast_and_device_auto_where_they_apply():
    for system, argv in (
        ("arc", ["arc", "train", "--autocast", "auto", "--device", "auto"]),
        ("arc", ["arc", "eval", "--run", "r", "--device", "auto"]),
        ("gpt", ["gpt", "train", "--autocast", "auto", "--device", "auto"]),
        ("makemore", ["makemore", "train", "--autocast", "auto"]),
    ):
        args = cli.build_parser(system).parse_args(argv)
        assert "auto" in (getattr(args, "autocast", "auto"), args.__dict__.get("device"))
