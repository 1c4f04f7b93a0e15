"""The studio's "What happened" words: every op of the labels vocabulary has its own sentence."""

import re
from pathlib import Path

from z2h.arc.labels import ACTIONS

DESCRIBE = Path(__file__).resolve().parents[3] / "src/z2h/arc/studio/static/describe.js"


def test_every_action_has_words():
    cases = set(re.findall(r'case "([a-z_]+)":', DESCRIBE.read_text(encoding="utf-8")))
    missing = sorted(set(ACTIONS) - cases)
    assert not missing, f"describe.js says nothing of its own for: {', '.join(missing)}"
