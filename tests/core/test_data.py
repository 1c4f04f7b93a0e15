from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from z2h import data
from z2h.errors import DataError


def _fake_dataset(tmp_path: Path, content: bytes, url: str | None = None) -> data.DataSet:
    src = tmp_path / "remote" / "toy.txt"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(content)
    return data.DataSet(
        name="toy",
        filename="toy.txt",
        url=url or src.as_uri(),
        sha256=hashlib.sha256(content).hexdigest(),
        description="a toy",
    )


@pytest.fixture
def toy(tmp_path, monkeypatch):
    ds = _fake_dataset(tmp_path, b"emma\nolivia\n")
    monkeypatch.setitem(data.DATASETS, "toy", ds)
    monkeypatch.delenv(data.ENV_DATA_DIR, raising=False)
    return ds


def test_env_folder_wins(toy, tmp_path, monkeypatch):
    env = tmp_path / "env"
    env.mkdir()
    (env / "toy.txt").write_bytes(b"emma\nolivia\n")
    monkeypatch.setenv(data.ENV_DATA_DIR, str(env))
    assert data.resolve("toy") == env / "toy.txt"


def test_download_into_cache_then_reuse(toy):
    path = data.resolve("toy")
    assert path == data.cache_dir() / "toy.txt"
    assert path.read_bytes() == b"emma\nolivia\n"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".part")]
    # a second resolve uses the cache: break the URL to prove no download happens
    data.DATASETS["toy"] = data.DataSet(**{**toy.__dict__, "url": "file:///nonexistent/x"})
    assert data.resolve("toy") == path


def test_checksum_mismatch_in_env_folder_is_an_error(toy, tmp_path, monkeypatch):
    env = tmp_path / "env"
    env.mkdir()
    (env / "toy.txt").write_bytes(b"tampered\n")
    monkeypatch.setenv(data.ENV_DATA_DIR, str(env))
    with pytest.raises(DataError, match="SHA-256"):
        data.resolve("toy")


def test_checksum_mismatch_on_download_saves_nothing(tmp_path, monkeypatch):
    ds = _fake_dataset(tmp_path, b"good\n")
    (tmp_path / "remote" / "toy.txt").write_bytes(b"evil\n")
    monkeypatch.setitem(data.DATASETS, "toy", ds)
    monkeypatch.delenv(data.ENV_DATA_DIR, raising=False)
    with pytest.raises(DataError, match="SHA-256"):
        data.resolve("toy")
    assert not (data.cache_dir() / "toy.txt").exists()
    assert not list(data.cache_dir().glob("*.part"))


def test_offline_error_names_env_var_and_url(tmp_path, monkeypatch):
    # port 9 (discard) on loopback: refused at once, no traffic leaves the machine
    ds = _fake_dataset(tmp_path, b"x\n", url="http://127.0.0.1:9/toy.txt")
    monkeypatch.setitem(data.DATASETS, "toy", ds)
    monkeypatch.delenv(data.ENV_DATA_DIR, raising=False)
    with pytest.raises(DataError) as info:
        data.resolve("toy")
    assert data.ENV_DATA_DIR in str(info.value)
    assert ds.url in str(info.value)


def test_plain_path_and_missing_path(tmp_path):
    f = tmp_path / "words.txt"
    f.write_text("a\n")
    assert data.resolve(str(f)) == f
    with pytest.raises(DataError, match="no such file"):
        data.resolve(str(tmp_path / "missing.txt"))


def test_read_text_rejects_binary_and_bad_utf8(tmp_path):
    (tmp_path / "bin").write_bytes(b"ab\x00cd")
    (tmp_path / "latin1").write_bytes("café".encode("latin-1"))
    with pytest.raises(DataError, match="binary"):
        data.read_text(tmp_path / "bin")
    with pytest.raises(DataError, match="UTF-8"):
        data.read_text(tmp_path / "latin1")


def test_real_datasets_verify(data_dir, monkeypatch):
    monkeypatch.setenv(data.ENV_DATA_DIR, str(data_dir))
    assert data.resolve("names").stat().st_size == 228145
    assert len(data.read_text("shakespeare")) == 1115394
