"""End-to-end smoke tests of ``z2h bpe`` at toy size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bpe_samples import SAMPLE

import z2h.bpe
from z2h.cli import main


@pytest.fixture
def model(tmp_path) -> str:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(SAMPLE * 5, encoding="utf-8")
    out = tmp_path / "tok"
    code = main(
        ["bpe", "train", "--input", str(corpus), "--vocab-size", "300", "--out", str(out),
         "--special", "<|endoftext|>"]
    )  # fmt: skip
    assert code == 0
    return str(out) + ".model"


def test_train_writes_model_and_vocab(model):
    tok = z2h.bpe.load(model)
    assert len(tok.merges) == 44  # the sample runs out of pairs before 300
    assert tok.special_tokens == {"<|endoftext|>": 300}
    vocab = Path(model).with_suffix(".vocab").read_text(encoding="utf-8")
    assert "300\t[<|endoftext|>]\tspecial" in vocab


def test_encode_decode_round_trip(model, capsys):
    text = "Speak, speak. héllo 😀"
    assert main(["bpe", "encode", "--model", model, text]) == 0
    ids = capsys.readouterr().out.split()
    assert [int(i) for i in ids] == z2h.bpe.load(model).encode(text)
    assert main(["bpe", "decode", "--model", model, *ids]) == 0
    assert capsys.readouterr().out == text + "\n"  # the line ends, as in every command


def test_stdin(model, capsys, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("First Citizen:\n"))
    assert main(["bpe", "encode", "--model", model]) == 0
    ids = capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO(ids))
    assert main(["bpe", "decode", "--model", model]) == 0
    assert capsys.readouterr().out == "First Citizen:\n"


def test_special_tokens_on_the_command_line(model, capsys):
    assert main(["bpe", "encode", "--model", model, "a<|endoftext|>"]) == 2
    assert "--special" in capsys.readouterr().err
    assert main(["bpe", "encode", "--model", model, "--special", "all", "a<|endoftext|>"]) == 0
    assert capsys.readouterr().out.split() == ["97", "300"]


def test_show_plain_and_coloured(model, capsys):
    assert main(["bpe", "show", "--model", model, "Speak, speak 😀"]) == 0
    out = capsys.readouterr().out
    assert "|" in out and "\x1b[" not in out
    assert out.replace("|", "").rstrip("\n") == "Speak, speak 😀"
    assert main(["bpe", "show", "--model", model, "--color", "always", "Speak, speak"]) == 0
    assert "\x1b[48;5;" in capsys.readouterr().out


def test_bad_input_exits_2(tmp_path, model, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("abc", encoding="utf-8")
    args = ["bpe", "train", "--input", str(corpus), "--out", str(tmp_path / "x")]
    assert main([*args, "--vocab-size", "100"]) == 2
    assert "at least 256" in capsys.readouterr().err
    assert main(["bpe", "encode", "--model", str(tmp_path / "nope.model"), "x"]) == 2
    assert "no such tokenizer model" in capsys.readouterr().err
    bad = tmp_path / "bad.model"
    bad.write_text("{broken")
    assert main(["bpe", "decode", "--model", str(bad), "1"]) == 2
    assert "corrupted" in capsys.readouterr().err
    assert main(["bpe", "decode", "--model", model, "99999"]) == 2


def test_train_on_shakespeare_without_torch(data_dir, tmp_path):
    # the whole command in a fresh interpreter: GPT-4 pattern, vocab 1024, and no torch imported
    code = (
        "import sys; from z2h.cli import main; "
        f"rc = main(['bpe', 'train', '--input', 'shakespeare', '--vocab-size', '1024', "
        f"'--out', {str(tmp_path / 'sh')!r}]); "
        "assert 'torch' not in sys.modules, 'z2h bpe imported torch'; sys.exit(rc)"
    )
    env = {"Z2H_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "768 merges" in result.stdout
    assert len(z2h.bpe.load(tmp_path / "sh.model").merges) == 768


def test_train_on_an_empty_file_is_refused(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    code = main(["bpe", "train", "--input", str(empty), "--vocab-size", "300",
                 "--out", str(tmp_path / "tok")])  # fmt: skip
    assert code == 2 and "the training text is empty" in capsys.readouterr().err
    assert not (tmp_path / "tok.model").exists()


def test_train_without_out_writes_a_new_run_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat; the cat ate the rat\n" * 4, encoding="utf-8")
    for _ in range(2):
        assert main(["bpe", "train", "--input", str(text), "--vocab-size", "260"]) == 0
    runs = sorted((tmp_path / "runs" / "bpe").iterdir())
    assert len(runs) == 2 and all(r.name.startswith("gpt4-260-") for r in runs)
    assert all(z2h.bpe.load(r / "tok.model").vocab_size == 260 for r in runs)
    assert f"wrote {Path('runs') / 'bpe' / 'gpt4-260-'}" in capsys.readouterr().out
