"""pyproject.toml promises what the code needs: its torch range admits no version that lacks an
API the package calls."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import z2h

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path(z2h.__file__).resolve().parent

# torch APIs the package calls -> the first torch release that has them
TORCH_API_SINCE = {
    "F.rms_norm": (2, 4),
    "sdpa_kernel": (2, 3),
    "torch.compiler.is_compiling": (2, 3),
    "torch.func": (2, 0),
}


def torch_lower_bound() -> tuple[int, ...]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    spec = next(d for d in deps if re.match(r"torch\b", d))
    found = re.search(r">=\s*(\d+(?:\.\d+)*)", spec)
    assert found, f"the torch requirement {spec!r} names no lower bound"
    return tuple(int(x) for x in found.group(1).split("."))


def test_torch_range_starts_where_every_called_api_exists():
    code = "\n".join(p.read_text(encoding="utf-8") for p in SOURCE.rglob("*.py"))
    used = {api: since for api, since in TORCH_API_SINCE.items() if api in code}
    assert "F.rms_norm" in used  # the check below must see the API that set the bound
    lower = torch_lower_bound()
    too_new = {api: since for api, since in used.items() if since > lower}
    assert not too_new, f"torch>={'.'.join(map(str, lower))} admits versions without {too_new}"
