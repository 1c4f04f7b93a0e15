"""The worked example of docs/arc.md ("How to write a generator") runs as documented."""

import re
from pathlib import Path

import numpy as np
import pytest

from z2h.arc.checks import color_permutation_failures
from z2h.arc.generate import make_task
from z2h.arc.generators.base import CannotSolve
from z2h.arc.labels import ACTIONS, check_labels
from z2h.arc.task import Pair

DOC = Path(__file__).resolve().parents[2] / "docs" / "arc.md"


def example_source() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## How to write a generator") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_worked_example_makes_verified_tasks():
    # run it without @register, so the registry the other tests see stays as shipped
    namespace: dict = {}
    exec(example_source().replace("@register\n", ""), namespace)
    gen = namespace["PaintAll"]()
    for seed in range(3):
        made = make_task(gen, seed, 0, (0.0, 0.6))
        # the solver learns the colour: one demonstration painted in another colour leaves
        # the demonstrations showing two, and it refuses to answer
        pair, demos = made.task.test[0], made.task.train
        assert np.array_equal(gen.solve(pair.input, demos), pair.output)
        bad = demos[0].output.copy()
        bad[bad != 0] = bad[bad != 0] % 9 + 1
        with pytest.raises(CannotSolve):
            gen.solve(pair.input, [Pair(demos[0].input, bad), *demos[1:]])
        assert check_labels(made.task, made.labels) == []
        assert color_permutation_failures(gen, made.task, [5, 3, 1, 0, 9, 8, 2, 4, 7, 6]) == []


def test_labels_section_lists_every_action():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Labels") : text.index("## Verification")]
    table = [line for line in section.splitlines() if line.startswith("| `")]
    listed = {op for line in table for op in re.findall(r"`([a-z_]+)`", line.split("|")[1])}
    assert listed == set(ACTIONS)
