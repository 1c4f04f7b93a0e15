"""Run plumbing shared by every system: seeding, run directories, atomic files, metrics, progress.

Nothing here imports torch at module level, so commands that do not need it (``z2h bpe``) start
fast; ``seed_everything`` seeds torch only when it is installed.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

from z2h.errors import OutputError, Z2HError

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


def set_threads(threads: int | None, *, who: str = "z2h", quiet: bool = False) -> int:
    """Set torch's intra-op CPU threads and return the number used.

    ``None`` picks torch's default (one per core) less the cores other processes are busy on
    right now, and says so on stderr unless ``quiet`` (``--quiet`` prints errors only): OpenMP
    threads wait for each other at every parallel region, so a thread that has no core of its
    own slows every step (the README's Threads note has the measurements).
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
    if chosen < default and not quiet:
        print(
            f"{who}: using {chosen} torch thread(s) of {default}: other processes keep "
            f"{busy:.1f} CPUs busy (--threads N to choose)",
            file=sys.stderr,
        )
    torch.set_num_threads(chosen)
    return chosen


def check_output_dir(path: str | os.PathLike[str], *, flag: str = "--out") -> Path:
    """Refuse, before any work, a folder that cannot be made or written; leaves nothing behind.

    The probe writes a temporary file in the folder, or where it is missing, in the nearest
    folder above it that exists (the one its creation would write in), so that a read-only
    folder, a path under /proc or a path through a regular file is an ``OutputError`` naming
    ``flag`` now rather than a traceback after training. subtle: it makes no folder of its own,
    so ranks of a data-parallel run can probe the same path at once.
    """
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise OutputError(f"{flag} {path} exists and is not a directory")
    probe_in = path
    while not probe_in.is_dir():
        parent = probe_in.parent
        if probe_in.exists() or os.path.lexists(probe_in):
            raise OutputError(f"{flag} {path}: {probe_in} is a file, not a directory")
        if parent == probe_in:
            break
        probe_in = parent
    _probe(probe_in, f"{flag} {path}")
    return path


def check_output_file(path: str | os.PathLike[str], *, flag: str = "--out") -> Path:
    """Refuse, before any work, a file path that cannot be written (see ``check_output_dir``);
    a path that is a folder is refused too."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise OutputError(f"{flag} {path} is a folder; give a file name")
    check_output_dir(path.parent, flag=flag)
    return path


def _probe(folder: Path, what: str) -> None:
    try:
        fd, name = tempfile.mkstemp(prefix=".z2h-probe-", dir=folder)
        os.close(fd)
        os.unlink(name)
    except OSError as e:
        raise OutputError(f"{what}: cannot write in {folder} ({e.strerror or e})") from e


def make_run_dir(out: str | os.PathLike[str], *, flag: str = "--out") -> Path:
    """Create (if needed) and return the run directory ``out``, refused with an ``OutputError``
    when it cannot be made or written."""
    path = check_output_dir(out, flag=flag)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{flag} {path}: cannot make the folder ({e.strerror or e})") from e
    _probe(path, f"{flag} {path}")
    return path


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[IO[bytes]], None], *, fsync: bool = True
) -> Path:
    """Write a file by calling ``write`` on a temporary file beside it, then renaming it.

    A crash mid-write leaves the old file (if any) intact, never a truncated one.
    ``fsync=False`` skips flushing to disk (milliseconds per file) for callers that write many
    small files and then make them durable at once with ``os.sync()``. A write the system refuses
    (no permission, no space, a path through a file) is an ``OutputError`` naming the file.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise OutputError(f"cannot write {path} ({e.strerror or e})") from e
    try:
        # subtle: mkstemp creates the file 0600; give it the mode a plain open() would have.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp_name, path)
    except OSError as e:
        Path(tmp_name).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path} ({e.strerror or e})") from e
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


def json_safe(obj: Any) -> Any:
    # subtle: json.dumps writes NaN/Infinity, which strict JSON readers reject; store them as null.
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy / torch scalars
        return json_safe(obj.item())
    return obj


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> Path:
    text = json.dumps(json_safe(obj), indent=2, sort_keys=False, allow_nan=False) + "\n"
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

    disable = True if progress_off() else None
    return tqdm(iterable, total=total, desc=desc, disable=disable, dynamic_ncols=True, **kw)


def progress_off() -> bool:
    """Whether the environment asks for no progress output (``Z2H_PROGRESS=0``, e.g. in tests)."""
    return os.environ.get("Z2H_PROGRESS") == "0"


def default_run_dir(system: str, name: str) -> Path:
    """A fresh run folder name, ``runs/SYSTEM/NAME-YYYYmmdd-HHMMSS-XXXXXX`` (not created here).

    subtle: the random suffix keeps two runs started in the same second apart; the timestamp alone
    did not.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path("runs") / system / f"{name}-{stamp}-{secrets.token_hex(3)}"


def format_duration(seconds: float) -> str:
    """``75.2`` -> ``"1:15"``, ``3725`` -> ``"1:02:05"`` (``"?"`` when unknown)."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    s = round(seconds)
    hours, rest = divmod(s, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def format_summary(title: str, rows: Iterable[tuple[str, Any]]) -> str:
    """A short aligned block for the end of a command: a title, then ``name  value`` lines."""
    rows = [(k, v) for k, v in rows if v is not None]
    width = max((len(k) for k, _ in rows), default=0)
    lines = [title] + [f"  {k:<{width}}  {_fmt(v)}" for k, v in rows]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.4f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


class Reporter:
    """What a training run tells the person watching it, printed to stderr.

    Three modes, chosen once: ``"bar"`` on a terminal (one progress bar with step, loss, steps/s
    and time left), ``"lines"`` when stderr is a file or a pipe (a plain line at every evaluation
    and at most every ``line_seconds`` otherwise: no escape codes), ``"off"`` for ``quiet`` or
    ``Z2H_PROGRESS=0``. The training loop calls ``start``, ``step`` after every optimizer step,
    ``evaluated`` after every evaluation and ``close``; systems print their summary themselves.
    """

    def __init__(
        self,
        desc: str = "train",
        *,
        quiet: bool = False,
        stream: IO[str] | None = None,
        mode: str | None = None,
        line_seconds: float = 30.0,
    ):
        self.desc = desc
        self.stream = stream if stream is not None else sys.stderr
        if mode is None and (quiet or progress_off()):
            mode = "off"
        elif mode is None:
            mode = "bar" if _isatty(self.stream) else "lines"
        if mode not in ("bar", "lines", "off"):
            raise Z2HError(f"unknown progress mode {mode!r}: choose bar, lines or off")
        self.mode = mode
        self.line_seconds = line_seconds
        self._bar: Any = None
        self._max_steps: int | None = None
        self._time_budget: float | None = None
        self._step0 = 0
        self._elapsed0 = 0.0
        self._last_line = 0.0
        self._last_postfix = -math.inf
        self.loss = math.nan  # mean training loss over the steps since the last status
        self._loss_sum, self._loss_n = 0.0, 0

    def note(self, text: str) -> None:
        """One line of news (e.g. "resumed from step 400"), unless quiet."""
        if self.mode == "off":
            return
        if self._bar is not None:
            self._bar.write(f"{self.desc}: {text}", file=self.stream)
        else:
            print(f"{self.desc}: {text}", file=self.stream, flush=True)

    def start(
        self, *, step: int, elapsed: float, max_steps: int | None, time_budget: float | None
    ) -> None:
        self._max_steps, self._time_budget = max_steps, time_budget
        self._step0, self._elapsed0, self._last_line = step, elapsed, elapsed
        if self.mode == "bar":
            from tqdm.auto import tqdm

            # the bar counts thousandths of the run, so step- and time-bounded runs look alike
            self._bar = tqdm(
                total=1000,
                desc=self.desc,
                file=self.stream,
                dynamic_ncols=True,
                bar_format="{desc} {percentage:3.0f}%|{bar}| {postfix}",
            )

    def _frac(self, step: int, elapsed: float) -> float:
        fracs = []
        if self._max_steps:
            fracs.append(step / self._max_steps)
        if self._time_budget:
            fracs.append(elapsed / self._time_budget)
        return min(max(fracs, default=0.0), 1.0)

    def rate(self, step: int, elapsed: float) -> float:
        """Optimizer steps per second since this process started training."""
        seconds = elapsed - self._elapsed0
        return (step - self._step0) / seconds if seconds > 0 else math.nan

    def time_left(self, step: int, elapsed: float) -> float:
        left = []
        rate = self.rate(step, elapsed)
        if self._max_steps and rate > 0:
            left.append(max(self._max_steps - step, 0) / rate)
        if self._time_budget:
            left.append(max(self._time_budget - elapsed, 0.0))
        return min(left, default=math.nan)

    def status(self, step: int, elapsed: float) -> str:
        """``step 400/1,000  loss L.LLLL  12.5 steps/s  0:48 left``; the loss is the mean over
        the steps since the last status (one step's loss is too noisy to read)."""
        if self._loss_n:
            self.loss = self._loss_sum / self._loss_n
            self._loss_sum, self._loss_n = 0.0, 0
        total = f"/{self._max_steps:,}" if self._max_steps else ""
        return (
            f"step {step:,}{total}  loss {self.loss:.4f}  {self.rate(step, elapsed):.1f} steps/s"
            f"  {format_duration(self.time_left(step, elapsed))} left"
        )

    def step(self, step: int, elapsed: float, loss: float | None = None) -> None:
        if loss is not None:
            self._loss_sum += loss
            self._loss_n += 1
        if self.mode == "bar" and self._bar is not None:
            done = int(self._frac(step, elapsed) * 1000)
            # subtle: formatting the status costs more than a tiny model's step; do it 5x a second
            if elapsed - self._last_postfix >= 0.2:
                self._bar.set_postfix_str(self.status(step, elapsed), refresh=False)
                self._last_postfix = elapsed
            self._bar.update(done - self._bar.n)
        elif self.mode == "lines" and elapsed - self._last_line >= self.line_seconds:
            self._line(self.status(step, elapsed), elapsed)

    def evaluated(self, step: int, elapsed: float, results: dict[str, float]) -> None:
        if self.mode == "off":
            return
        evals = "  ".join(f"{k} {v:.4f}" for k, v in results.items())
        text = f"{self.status(step, elapsed)}  | eval {evals}"
        if self._bar is not None:
            self._bar.write(f"{self.desc}: {text}", file=self.stream)
        else:
            self._line(text, elapsed)

    def _line(self, text: str, elapsed: float) -> None:
        print(f"{self.desc}: {text}", file=self.stream, flush=True)
        self._last_line = elapsed

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class ScalarLog:
    """Training scalars (``step,name,value`` rows) in a CSV in the run directory.

    Rows are kept in memory and the whole file is rewritten atomically by ``flush`` (the trainer
    flushes at every checkpoint and at the end), so the file is always complete and matches a
    checkpoint: a crash never leaves half a row. ``resume_at`` keeps an existing file's rows up
    to that step (a run resumed from its checkpoint); without it the log starts empty.
    """

    def __init__(self, path: str | os.PathLike[str], resume_at: int | None = None):
        self.path = Path(path)
        self.rows: list[tuple[int, str, str]] = []
        if resume_at is not None and self.path.exists():
            self.rows = [
                (int(r[0]), r[1], r[2])
                for r in read_scalars(self.path, raw=True)
                if int(r[0]) <= resume_at
            ]
        self.flush()

    def log(self, step: int, **scalars: float) -> None:
        for name, value in scalars.items():
            self.rows.append((step, name, f"{float(value):.6g}"))

    def flush(self) -> None:
        def write(f: IO[bytes]) -> None:
            text = io.StringIO()
            # subtle: csv writes "\r\n" by default; one line ending, the same after a resume
            w = csv.writer(text, lineterminator="\n")
            w.writerow(["step", "name", "value"])
            w.writerows(self.rows)
            f.write(text.getvalue().encode("utf-8"))

        atomic_write(self.path, write)

    def close(self) -> None:
        self.flush()

    def __enter__(self) -> ScalarLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_scalars(path: str | os.PathLike[str], raw: bool = False) -> Iterator[Any]:
    """Yield ``(step, name, value)`` rows from a scalars CSV."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader, None)
        for row in reader:
            if len(row) != 3:
                continue
            yield row if raw else (int(row[0]), row[1], float(row[2]))
