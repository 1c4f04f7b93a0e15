"""Data-parallel plumbing for ``torchrun``: process group, device, and a settings check.

``torchrun`` starts one process per rank with ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
``MASTER_ADDR`` and ``MASTER_PORT`` in the environment; ``init_from_env`` joins them into a
process group (gloo on CPU, nccl on CUDA). The gradient all-reduce itself is DDP's, inside
``z2h.train.Trainer``.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import torch
import torch.distributed as dist

from z2h.errors import Z2HError


def env_world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def pick_device(requested: str = "auto") -> torch.device:
    """The device of this rank: ``cuda:LOCAL_RANK`` when CUDA is asked for (or auto and present)."""
    if requested not in ("auto", "cpu", "cuda"):
        raise Z2HError(f"unknown device {requested!r}: choose auto, cpu or cuda")
    use_cuda = requested == "cuda" or (requested == "auto" and torch.cuda.is_available())
    if not use_cuda:
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise Z2HError("--device cuda was asked for, but this torch build sees no CUDA device")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if local >= torch.cuda.device_count():
        raise Z2HError(
            f"LOCAL_RANK {local} has no GPU ({torch.cuda.device_count()} visible); "
            "start at most one process per GPU (--nproc_per_node)"
        )
    torch.cuda.set_device(local)
    return torch.device("cuda", local)


def init_from_env(device: torch.device) -> bool:
    """Join the process group described by torchrun's env vars; False when WORLD_SIZE is 1."""
    if env_world_size() <= 1 or (dist.is_available() and dist.is_initialized()):
        return False
    if not dist.is_available():
        raise Z2HError("WORLD_SIZE > 1 but this torch build has no torch.distributed")
    missing = [v for v in ("RANK", "MASTER_ADDR", "MASTER_PORT") if v not in os.environ]
    if missing:
        raise Z2HError(
            f"WORLD_SIZE > 1 but {', '.join(missing)} not set: start with torchrun "
            "(torchrun --nproc_per_node N -m z2h gpt train ...)"
        )
    backend = "nccl" if device.type == "cuda" else "gloo"
    kwargs: dict[str, Any] = {"device_id": device} if device.type == "cuda" else {}
    dist.init_process_group(backend=backend, **kwargs)
    return True


def shutdown(finished: bool = False) -> None:
    """Leave the process group. ``finished``: every rank got here the same way, so they first
    meet at a barrier (gloo aborts a rank that tears its pairs down while a peer is still
    using them); after an error a rank leaves at once, since the others may never arrive."""
    if dist.is_available() and dist.is_initialized():
        if finished:
            dist.barrier()
        dist.destroy_process_group()


def settings_digest(settings: dict[str, Any]) -> str:
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_same_settings(settings: dict[str, Any]) -> None:
    """Raise on every rank if any rank's settings differ (a torchrun launched with mixed configs).

    Each rank all-gathers the digest of its settings; on a mismatch the ranks also gather the
    settings themselves so the message names the keys that differ.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return
    world = dist.get_world_size()
    digests: list[Any] = [None] * world
    dist.all_gather_object(digests, settings_digest(settings))
    if len(set(digests)) == 1:
        return
    everything: list[Any] = [None] * world
    dist.all_gather_object(everything, settings)
    keys = sorted({k for s in everything for k in s})
    differ = [k for k in keys if len({json.dumps(s.get(k), default=str) for s in everything}) > 1]
    detail = "; ".join(f"{k}: " + ", ".join(repr(s.get(k)) for s in everything) for k in differ)
    raise Z2HError(
        f"ranks were started with different settings ({detail}); every rank must run the same "
        "command on the same data"
    )
