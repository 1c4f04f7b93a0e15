"""Run plumbing shared by every system: seeding, run directories, atomic files, metrics, progress.

Nothing here imports torch at module level, so commands that do not need it (``z2h bpe``) start
fast; ``seed_everything`` seeds torch only when it is installed.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from z2h.errors import Z2HError

T = TypeVar("T")

METRICS_FILE = "metrics.json"
SCALARS_FILE = "scalars.csv"


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and torch (those that are installed) with one seed."""
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed % 2**32)
    except ImportError:
        pass
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


def busy_cpus(window: float = 0.25) -> float | None:
    """How many CPUs other processes keep busy right now, measured from /proc/stat over
    ``window`` seconds (``None`` where /proc/stat does not exist)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields[:8]), idle

    try:
        total0, idle0 = sample()
        time.sleep(window)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    if total1 <= total0:
        return None
    return (os.cpu_count() or 1) * (1.0 - (idle1 - idle0) / (total1 - total0))


def set_threads(threads: int | None, *, who: str = "z2h") -> int:
    """Set torch's intra-op CPU threads and return the number used.

    ``None`` picks torch's default (one per core) less the cores other processes are busy on
    right now. Measured on 2 cores: with one other busy process, 2 torch threads trained 3x
    slower than 1 (OpenMP threads wait for a core at every parallel region), with more load
    5-40x slower; on an idle machine 2 threads train 1.4-2x faster than 1.
    """
    import torch

    if threads is not None:
        if threads < 1:
            raise Z2HError(f"--threads must be at least 1, got {threads}")
        torch.set_num_threads(threads)
        return threads
    default = torch.get_num_threads()
    busy = busy_cpus()
    if busy is None:
        return default
    chosen = max(1, min(default, int((os.cpu_count() or default) - busy + 0.5)))
    if chosen < default:
        print(
            f"{who}: using {chosen} torch thread(s) of {default}: other processes keep "
            f"{busy:.1f} CPUs busy (--threads N to choose)",
            file=sys.stderr,
        )
    torch.set_num_threads(chosen)
    return chosen


def make_run_dir(out: str | os.PathLike[str]) -> Path:
    """Create (if needed) and return the run directory ``out``."""
    path = Path(out).expanduser()
    if path.exists() and not path.is_dir():
        raise Z2HError(f"--out {path} exists and is not a directory")
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[IO[bytes]], None], *, fsync: bool = True
) -> Path:
    """Write a file by calling ``write`` on a temporary file beside it, then renaming it.

    A crash mid-write leaves the old file (if any) intact, never a truncated one.
    ``fsync=False`` skips flushing to disk (milliseconds per file) for callers that write many
    small files and then make them durable at once with ``os.sync()``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # subtle: mkstemp creates the file 0600; give it the mode a plain open() would have.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *, fsync: bool = True) -> Path:
    return atomic_write(path, lambda f: f.write(data), fsync=fsync)


def write_text_atomic(path: str | os.PathLike[str], text: str, *, fsync: bool = True) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"), fsync=fsync)


def _json_safe(obj: Any) -> Any:
    # subtle: json.dumps writes NaN/Infinity, which strict JSON readers reject; store them as null.
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy / torch scalars
        return _json_safe(obj.item())
    return obj


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> Path:
    text = json.dumps(_json_safe(obj), indent=2, sort_keys=False, allow_nan=False) + "\n"
    return write_text_atomic(path, text)


def write_metrics(run_dir: str | os.PathLike[str], metrics: dict[str, Any]) -> Path:
    """Write ``run_dir/metrics.json`` atomically."""
    return write_json_atomic(Path(run_dir) / METRICS_FILE, metrics)


def read_metrics(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    with open(Path(run_dir) / METRICS_FILE, encoding="utf-8") as f:
        return json.load(f)


def progress(
    iterable: Iterable[T] | None = None, *, total: int | None = None, desc: str = "", **kw: Any
) -> Any:
    """A tqdm progress bar that is silent when stderr is not a terminal (or ``Z2H_PROGRESS=0``)."""
    from tqdm.auto import tqdm

    disable = True if os.environ.get("Z2H_PROGRESS") == "0" else None
    return tqdm(iterable, total=total, desc=desc, disable=disable, dynamic_ncols=True, **kw)


class ScalarLog:
    """Append-only CSV of training scalars (``step,name,value``) in the run directory.

    Rows are flushed as they are written so a killed run keeps its history; ``truncate_after``
    drops rows past a step when a run resumes from an earlier checkpoint.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._f = open(self.path, "a", newline="", encoding="utf-8")  # noqa: SIM115
        self._w = csv.writer(self._f)
        if new:
            self._w.writerow(["step", "name", "value"])
            self._f.flush()

    def log(self, step: int, **scalars: float) -> None:
        for name, value in scalars.items():
            self._w.writerow([step, name, f"{float(value):.6g}"])
        self._f.flush()

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> ScalarLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def truncate_after(path: str | os.PathLike[str], step: int) -> None:
        path = Path(path)
        if not path.exists():
            return
        rows = list(read_scalars(path, raw=True))
        kept = [r for r in rows if int(r[0]) <= step]

        def write(f: IO[bytes]) -> None:
            lines = ["step,name,value"] + [",".join(r) for r in kept]
            f.write(("\n".join(lines) + "\n").encode("utf-8"))

        atomic_write(path, write)


def read_scalars(path: str | os.PathLike[str], raw: bool = False) -> Iterator[Any]:
    """Yield ``(step, name, value)`` rows from a scalars CSV."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader, None)
        for row in reader:
            if len(row) != 3:
                continue
            yield row if raw else (int(row[0]), row[1], float(row[2]))
