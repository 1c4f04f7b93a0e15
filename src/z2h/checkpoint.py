"""Versioned checkpoints: written atomically, loaded safely with ``weights_only=True``.

A checkpoint is a plain dict of tensors, numbers, strings, lists and dicts, so it loads without
unpickling arbitrary objects. Every checkpoint carries ``format`` (the z2h checkpoint version) and
``kind`` (which system wrote it, e.g. ``"makemore"`` or ``"gpt"``) so a command can refuse a file
from another system with a clear message.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from z2h.errors import CheckpointError
from z2h.run import write_bytes_atomic

FORMAT_VERSION = 1


def save_checkpoint(path: str | os.PathLike[str], payload: dict[str, Any], *, kind: str) -> Path:
    """Save ``payload`` (plus format and kind) to ``path`` via a temporary file and a rename."""
    import torch

    buf = io.BytesIO()
    torch.save({"format": FORMAT_VERSION, "kind": kind, **payload}, buf)
    return write_bytes_atomic(path, buf.getvalue())


def load_checkpoint(path: str | os.PathLike[str], *, kind: str | None = None) -> dict[str, Any]:
    """Load a checkpoint written by ``save_checkpoint``; check its format and (optionally) kind."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises several types for truncated or foreign files
        raise CheckpointError(
            f"{path} is not a readable z2h checkpoint (corrupted, truncated or not made by z2h): "
            f"{_load_failure(e)}"
        ) from e
    if not isinstance(ckpt, dict) or "format" not in ckpt or "kind" not in ckpt:
        raise CheckpointError(f"{path} is not a z2h checkpoint (no format/kind fields)")
    if ckpt["format"] != FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format {ckpt['format']}, this z2h reads {FORMAT_VERSION}"
        )
    if kind is not None and ckpt["kind"] != kind:
        raise CheckpointError(
            f"{path} is a checkpoint of kind '{ckpt['kind']}'; this command needs one of kind "
            f"'{kind}'"
        )
    return ckpt


def _load_failure(e: Exception) -> str:
    """The part of torch's load error that describes the file.

    subtle: torch's message for a refused file advises loading it with ``weights_only=False``,
    which would run whatever code the file holds; only its diagnosis is kept.
    """
    text = str(e).strip()
    marker = "WeightsUnpickler error:"
    if marker in text:
        text = text.split(marker, 1)[1].strip()
    first = text.splitlines()[0].split(". ")[0].strip() if text else ""
    if not first or "weights_only" in first or "torch.load" in first:
        return type(e).__name__
    return first
