"""Shared test fixtures: keep tests off the network and out of the user's cache."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# matplotlib keeps its font cache under XDG_CACHE_HOME, which every test moves; give it one fixed
# folder for the session so the cache is built once, not in every test that draws.
os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="z2h-mpl-"))
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Point the z2h cache at a fresh folder and silence progress bars for every test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("Z2H_PROGRESS", "0")


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder holding the real data sets (Z2H_DATA_DIR, else ../shared/data), also set as
    Z2H_DATA_DIR for the test; skip if absent."""
    env = os.environ.get("Z2H_DATA_DIR")
    path = Path(env) if env else SHARED_DATA
    if not (path / "names.txt").is_file():
        pytest.skip(f"real data sets not found in {path} (set Z2H_DATA_DIR)")
    monkeypatch.setenv("Z2H_DATA_DIR", str(path))
    return path


@pytest.fixture
def broken_savefig(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every matplotlib save write half a PNG and then fail, as a full disk would."""
    from matplotlib.figure import Figure

    def savefig(self, target, **kw):
        if hasattr(target, "write"):
            target.write(b"\x89PNG half")
        else:
            with open(target, "wb") as f:
                f.write(b"\x89PNG half")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", savefig)
