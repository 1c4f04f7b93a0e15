"""Named data sets, resolved from a local folder, a user cache, or a verified download.

Resolution order for a name such as ``names``:

1. the folder named by the ``Z2H_DATA_DIR`` environment variable,
2. the user cache, ``$XDG_CACHE_HOME/z2h`` or ``~/.cache/z2h``,
3. a download from the public URL, checked against its SHA-256 and moved atomically into the cache.

A copy whose checksum does not match is an error wherever it is found, never used silently. Any
argument that is not a known name is taken as a plain file path.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from z2h.errors import DataError

ENV_DATA_DIR = "Z2H_DATA_DIR"


@dataclass(frozen=True)
class DataSet:
    name: str
    filename: str
    url: str
    sha256: str
    description: str


DATASETS: dict[str, DataSet] = {
    "names": DataSet(
        name="names",
        filename="names.txt",
        url="https://raw.githubusercontent.com/karpathy/makemore/master/names.txt",
        sha256="0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d",
        description="32,033 first names, one per line (makemore)",
    ),
    "shakespeare": DataSet(
        name="shakespeare",
        filename="tinyshakespeare.txt",
        url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        description="tiny shakespeare, 1,115,394 characters (char-rnn)",
    ),
}


def cache_dir() -> Path:
    """The user cache folder for downloaded data sets (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "z2h"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(path: Path, ds: DataSet) -> Path:
    actual = sha256_of(path)
    if actual != ds.sha256:
        raise DataError(
            f"{path} does not match the SHA-256 of data set '{ds.name}' "
            f"(expected {ds.sha256}, got {actual}). Delete or replace the file; "
            f"the original is at {ds.url}"
        )
    return path


def resolve(name_or_path: str | os.PathLike[str], *, download: bool = True) -> Path:
    """Return a local path to a named data set or to an existing file.

    Raises ``DataError`` when a name cannot be found offline, a copy fails its checksum, or a
    path does not exist.
    """
    key = os.fspath(name_or_path)
    ds = DATASETS.get(key)
    if ds is None:
        path = Path(key).expanduser()
        if path.is_file():
            return path
        if path.exists():
            raise DataError(f"{path} is not a regular file")
        known = ", ".join(sorted(DATASETS))
        raise DataError(f"no such file: {key!s} (known data set names: {known})")

    env_dir = os.environ.get(ENV_DATA_DIR)
    if env_dir:
        candidate = Path(env_dir).expanduser() / ds.filename
        if candidate.is_file():
            return _verified(candidate, ds)
    cached = cache_dir() / ds.filename
    if cached.is_file():
        return _verified(cached, ds)
    if not download:
        raise DataError(_offline_message(ds, "downloads are disabled"))
    return download_dataset(ds, cached)


def _offline_message(ds: DataSet, why: str) -> str:
    return (
        f"data set '{ds.name}' is not available locally and could not be downloaded ({why}). "
        f"Put {ds.filename} in the folder named by {ENV_DATA_DIR} (or in {cache_dir()}), "
        f"or allow access to {ds.url}"
    )


def download_dataset(ds: DataSet, dest: Path) -> Path:
    """Download ``ds`` to ``dest``: progress on a terminal, SHA-256 checked, atomic rename."""
    from tqdm.auto import tqdm

    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{ds.filename}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            try:
                response = urllib.request.urlopen(ds.url, timeout=30)
            except (urllib.error.URLError, OSError) as e:
                raise DataError(_offline_message(ds, str(e))) from e
            with response:
                total = int(response.headers.get("Content-Length") or 0) or None
                with tqdm(
                    total=total,
                    unit="B",
                    unit_scale=True,
                    desc=f"download {ds.filename}",
                    disable=None,
                    leave=False,
                ) as bar:
                    while block := response.read(1 << 16):
                        out.write(block)
                        digest.update(block)
                        bar.update(len(block))
        if digest.hexdigest() != ds.sha256:
            raise DataError(
                f"download of '{ds.name}' from {ds.url} has SHA-256 {digest.hexdigest()}, "
                f"expected {ds.sha256}; nothing was saved"
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def read_text(name_or_path: str | os.PathLike[str]) -> str:
    """Read a data set or file as UTF-8 text, with a clear error for binary or non-UTF-8 data."""
    path = resolve(name_or_path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read {path}: {e.strerror or e}") from e
    if b"\x00" in raw:
        raise DataError(f"{path} looks like a binary file (it contains NUL bytes), not UTF-8 text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{path} is not valid UTF-8 text (byte {e.start}: {e.reason})") from e
