from __future__ import annotations

import pytest
import torch

from z2h.errors import DataError, Z2HError
from z2h.makemore.data import (
    Vocab,
    context_examples,
    load_words,
    prepare,
    sequence_examples,
    split_words,
)


def write(tmp_path, text, name="words.txt", binary=False):
    path = tmp_path / name
    if binary:
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_load_strips_and_skips_empty_lines(tmp_path):
    path = write(tmp_path, "  emma \n\n\t\nolivia\r\nava\n   \n")
    assert load_words(path) == ["emma", "olivia", "ava"]


@pytest.mark.parametrize(
    ("content", "binary", "match"),
    [
        ("", False, "no words"),
        ("\n  \n\t\n", False, "no words"),
        (b"\x00\x01\x02abc", True, "binary"),
        (b"\xff\xfe\xfa", True, "UTF-8"),
        ("ok\n" + "x" * 300 + "\n", False, "line 2 has 300 characters"),
    ],
)
def test_bad_word_lists(tmp_path, content, binary, match):
    path = write(tmp_path, content, binary=binary)
    with pytest.raises(DataError, match=match):
        load_words(path)


def test_missing_file_and_boundary_character(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_words(tmp_path / "nope.txt")
    with pytest.raises(DataError, match="reserves"):
        Vocab.from_words(["st. john"])


def test_vocab_from_non_ascii_words():
    words = ["zoë", "łukasz", "日本", "émile"]
    vocab = Vocab.from_words(words)
    assert vocab.itos[0] == "."
    assert set(vocab.itos[1:]) == set("".join(words))
    assert vocab.itos[1:] == sorted(vocab.itos[1:])
    for w in words:
        assert vocab.decode(vocab.encode(w)) == w
    assert Vocab.from_list(vocab.to_list()) == vocab
    with pytest.raises(DataError, match="not in this vocabulary"):
        vocab.encode("q")


def test_split_is_deterministic_disjoint_and_80_10_10():
    words = [f"w{i}" for i in range(1000)]
    a = split_words(words, seed=7)
    assert a == split_words(words, seed=7)
    assert a != split_words(words, seed=8)
    train, dev, test = a
    assert (len(train), len(dev), len(test)) == (800, 100, 100)
    assert set(train).isdisjoint(dev) and set(train).isdisjoint(test) and set(dev).isdisjoint(test)
    assert sorted(train + dev + test) == sorted(words)


def test_split_pinned_across_machines():
    # random.Random's shuffle is specified by Python, not by torch or the platform: pin it.
    train, dev, test = split_words(list("abcdefghij"), seed=1)
    assert (train, dev, test) == (list("gijhfdae"), ["b"], ["c"])


def test_split_too_few_words():
    with pytest.raises(DataError, match="at least 3"):
        split_words(["a", "b"], seed=0)


def test_context_examples_by_hand():
    vocab = Vocab.from_words(["ab", "b"])  # . a b
    X, Y = context_examples(["ab"], vocab, 2)
    assert X.tolist() == [[0, 0], [0, 1], [1, 2]]
    assert Y.tolist() == [1, 2, 0]
    X0, Y0 = context_examples(["ab", "b"], vocab, 0)
    assert X0.shape == (5, 0) and Y0.tolist() == [1, 2, 0, 2, 0]


def test_sequence_examples_by_hand():
    vocab = Vocab.from_words(["ab", "b"])
    X, Y = sequence_examples(["ab", "b"], vocab, 4)
    assert X.tolist() == [[0, 1, 2, 0], [0, 2, 0, 0]]
    assert Y.tolist() == [[1, 2, 0, -1], [2, 0, -1, -1]]
    assert X.dtype == Y.dtype == torch.long
    with pytest.raises(Z2HError, match="block size of at least 3"):
        sequence_examples(["ab"], vocab, 2)


def test_prepare_checks_a_given_vocab(tmp_path):
    path = write(tmp_path, "abc\nbca\ncab\nq\n")
    data = prepare(path, seed=0)
    assert len(data.vocab) == 5 and data.max_word_length == 3
    with pytest.raises(DataError, match="another word list"):
        prepare(path, seed=0, vocab=Vocab.from_words(["abc"]))


def test_byte_order_mark_is_not_a_character(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffemma\nava\r\n".encode())
    assert load_words(path) == ["emma", "ava"]
    assert "\ufeff" not in Vocab.from_words(load_words(path)).itos


@pytest.mark.parametrize(
    "sep", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
)
def test_one_item_per_line_means_newline_only(tmp_path, sep):
    # str.splitlines() would cut "a<sep>b" in two; a word list's lines end at "\n" only
    path = write(tmp_path, f"emma\nan{sep}na\r\nava\n")
    assert load_words(path) == ["emma", f"an{sep}na", "ava"]


def test_line_numbers_count_newlines(tmp_path):
    path = write(tmp_path, "a\u2028b\nok\n" + "x" * 300 + "\n")
    with pytest.raises(DataError, match="line 3 has 300"):
        load_words(path)


def test_prepare_records_an_absolute_path_or_a_name(tmp_path, monkeypatch, data_dir):
    write(tmp_path, "emma\nava\nmia\n")
    monkeypatch.chdir(tmp_path)
    assert prepare("words.txt").source == str((tmp_path / "words.txt").resolve())
    assert prepare("names").source == "names"
