"""The machine a measurement ran on: CPU model, the instruction sets that decide torch's kernels,
and the kernels torch picked. Every script in ``benchmarks/`` prints it and saves it with its
results, since a timing means little without the machine (machines differ from run to run).
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

# CPU flags (as /proc/cpuinfo names them) that change which kernels torch runs: vector width,
# native bf16 (what ``--autocast auto`` looks for) and AMX tiles
FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")


def _cpuinfo() -> dict[str, str]:
    """The first processor's ``key: value`` lines of /proc/cpuinfo ({} where there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return fields


def cpu_model() -> str:
    info = _cpuinfo()
    return info.get("model name") or platform.processor() or platform.machine() or "unknown CPU"


def cpu_flags() -> list[str]:
    """Those of ``FLAGS`` the CPU has (empty where the OS does not say)."""
    have = set(_cpuinfo().get("flags", "").split())
    return [f for f in FLAGS if f in have]


def machine(torch_used: bool = True) -> dict[str, Any]:
    """The machine as a JSON-ready dict. ``torch_used``: the benchmark runs torch, so its version
    and CPU kernel capability (``torch.backends.cpu.get_cpu_capability()``: the ISA of the
    kernels it dispatches to, e.g. AVX2 or AVX512) belong to the result; False keeps torch out
    of a process that must not import it."""
    info: dict[str, Any] = {
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "cpu_flags": cpu_flags(),
        "python": platform.python_version(),
        "torch": None,
        "torch_cpu_capability": None,
    }
    if torch_used:
        import torch

        info["torch"] = torch.__version__
        info["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    return info


def describe(info: dict[str, Any]) -> str:
    """One line for a benchmark's text output, e.g. ``machine: AMD EPYC, 2 logical CPUs (avx2);
    torch 2.13.0 CPU kernels AVX2``."""
    flags = ", ".join(info["cpu_flags"]) or "flags unknown"
    kernels = (
        f"torch {info['torch']} CPU kernels {info['torch_cpu_capability']}"
        if info["torch"]
        else "torch not used"
    )
    return f"machine: {info['cpu']}, {info['logical_cpus']} logical CPUs ({flags}); {kernels}"
