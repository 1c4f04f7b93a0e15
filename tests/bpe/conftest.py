"""Make the helper modules of this folder (reference trainer, sample texts) importable under
pytest's importlib import mode."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
