"""Shared test fixtures: keep tests off the network and out of the user's cache."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DATA_SKIP_REASON = (
    "real data sets not found: set Z2H_DATA_DIR to a folder holding names.txt and "
    "tinyshakespeare.txt"
)

# matplotlib keeps its font cache under XDG_CACHE_HOME, which every test moves; give it one fixed
# folder for the session so the cache is built once, not in every test that draws.
os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="z2h-mpl-"))
os.environ.setdefault("MPLBACKEND", "Agg")


# torch.compile's CPU backend builds its kernels with one of these
CXX_COMPILERS = ("g++", "c++", "clang++")


def compiler_skip_reason(
    environ: Mapping[str, str] = os.environ, which: Callable[[str], str | None] = shutil.which
) -> str | None:
    """Why a ``needs_compiler`` test cannot run here, or None when it can. Under CI=true it always
    runs: a CI machine without a compiler must fail the test, not pass it by skipping."""
    if environ.get("CI", "").lower() == "true":
        return None
    candidates = [environ["CXX"]] if environ.get("CXX") else list(CXX_COMPILERS)
    if any(which(c) for c in candidates):
        return None
    return f"torch.compile needs a C++ compiler ({' or '.join(candidates)}) and none is on PATH"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("needs_compiler"):
        reason = compiler_skip_reason()
        if reason:
            pytest.skip(reason)


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
        # The reason names no path: test reports must not carry one machine's folders.
        pytest.skip(DATA_SKIP_REASON)
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


@pytest.fixture
def benchmark(monkeypatch: pytest.MonkeyPatch):
    """``benchmark("makemore_ladder")``: a script of benchmarks/ imported as a module."""
    import importlib.util
    import sys

    def load(name: str):
        path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, name, module)  # dataclasses look their module up
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def assert_resumes_exactly(tmp_path: Path):
    """``assert_resumes_exactly(make_model, draw, evaluate, **train_config)``: a run of 8 steps
    killed at its 6th batch (after the step-4 checkpoint) and resumed ends with the weights of
    the uninterrupted run, tensor for tensor."""
    import torch

    from z2h.train import TrainConfig, Trainer

    def check(make_model, draw, evaluate, **train_config) -> None:
        def run(out: Path, interrupt_at: int | None = None):
            model = make_model()
            calls = {"n": 0}

            def batch(gen):
                calls["n"] += 1
                if calls["n"] == interrupt_at:
                    raise KeyboardInterrupt("simulated kill")
                return draw(gen)

            cfg = TrainConfig(max_steps=8, eval_interval=4, lr=1e-2, **train_config)
            trainer = Trainer(
                model, cfg, train_batch=batch, evaluate=evaluate, run_dir=out, kind="makemore"
            )
            return model, trainer

        straight, trainer = run(tmp_path / "a")
        trainer.fit()
        _, trainer = run(tmp_path / "b", interrupt_at=6)
        with pytest.raises(KeyboardInterrupt):
            trainer.fit()
        resumed, trainer = run(tmp_path / "b")
        assert trainer.fit(resume=True).steps == 8
        pairs = zip(straight.state_dict().items(), resumed.state_dict().values(), strict=True)
        for (k, a), b in pairs:
            assert torch.equal(a, b), k

    return check
