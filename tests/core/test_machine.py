"""z2h.machine: what every benchmark prints and saves about the machine it ran on."""

from __future__ import annotations

import json
import subprocess
import sys

import torch

from z2h import machine as m


def test_machine_with_torch():
    info = m.machine()
    assert info["torch"] == torch.__version__
    assert info["torch_cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert info["cpu"] and info["logical_cpus"] >= 1
    assert set(info["cpu_flags"]) <= set(m.FLAGS)
    json.dumps(info)  # saved with results: JSON values only
    line = m.describe(info)
    assert line.startswith(f"machine: {info['cpu']}, ")
    assert f"CPU kernels {info['torch_cpu_capability']}" in line


def test_flags_and_model_from_cpuinfo(monkeypatch):
    fake = {"model name": "Some CPU 9000", "flags": "fpu sse avx2 avx512f amx_tile avx512_bf16"}
    monkeypatch.setattr(m, "_cpuinfo", lambda: fake)
    assert m.cpu_model() == "Some CPU 9000"
    assert m.cpu_flags() == ["avx2", "avx512f", "avx512_bf16", "amx_tile"]  # in FLAGS' order
    info = m.machine(torch_used=False)
    assert m.describe(info).endswith("(avx2, avx512f, avx512_bf16, amx_tile); torch not used")


def test_without_torch_the_process_stays_torch_free():
    # arc_generate's benchmark must not import torch: machine(torch_used=False) keeps it out
    code = (
        "import sys, z2h.machine as m; m.machine(torch_used=False); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
