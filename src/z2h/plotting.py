"""matplotlib for every system: the headless backend, and figures saved atomically.

matplotlib is imported only when a picture is drawn, so commands that draw nothing start fast.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from z2h.run import write_bytes_atomic


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: str | os.PathLike[str], **savefig_kw: Any) -> Path:
    """Render ``fig`` to ``path`` (format from the suffix) via a temporary file, then close it."""
    path = Path(path)
    buf = io.BytesIO()
    fmt = path.suffix.lstrip(".") or "png"
    fig.savefig(buf, format=fmt, **savefig_kw)
    pyplot().close(fig)
    return write_bytes_atomic(path, buf.getvalue())
