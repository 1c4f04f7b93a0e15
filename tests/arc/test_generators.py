"""Every registered generator, at several seeds and difficulties."""

import ast
import json
from pathlib import Path

import numpy as np
import pytest

import z2h.arc.generators as generators_package
from z2h.arc.checks import EVERY_COLOR_MOVES, color_permutation_failures, task_problems
from z2h.arc.generate import make_task
from z2h.arc.generators import all_generators, get_generator, names
from z2h.arc.generators.base import CannotSolve, Example, Generator
from z2h.arc.labels import ACTIONS, check_labels
from z2h.arc.scene import Obj, Scene, transform
from z2h.arc.task import Pair, Task, dumps_task
from z2h.errors import Z2HError

GENERATORS = [g.name for g in all_generators()]
CASES = [(0, (0.0, 0.0)), (1, (0.0, 0.5)), (2, (0.5, 1.0)), (3, (1.0, 1.0))]


@pytest.fixture(scope="module", params=GENERATORS)
def made(request):
    gen = get_generator(request.param)
    return gen, [make_task(gen, seed, 0, diff) for seed, diff in CASES]


def test_pairs_verified_and_labels_consistent(made):
    gen, tasks = made
    for t in tasks:
        assert check_labels(t.task, t.labels) == []
        assert len(t.task.test) == gen.test_pairs
        assert gen.train_pairs[0] <= len(t.task.train) <= gen.train_pairs[1]
        for _, _, pair in t.task.pairs():
            assert (
                not np.array_equal(pair.input, pair.output) or pair.input.shape != pair.output.shape
            )
        keys = [p.input.tobytes() + bytes(p.input.shape) for _, _, p in t.task.pairs()]
        assert len(set(keys)) == len(keys)
        for p in t.labels.train + t.labels.test:
            for m in p.correspondence:
                assert m.change in ("kept", "created", "deleted")


def test_every_action_is_in_the_vocabulary(made):
    # labels.ACTIONS documents the actions a label may carry: each op a generator emits, on the
    # grid or on an object, must be there, and each of its fields named in it ("field:")
    gen, tasks = made
    for t in tasks:
        for p in t.labels.train + t.labels.test:
            for a in [*p.actions, *(x for m in p.correspondence for x in m.actions)]:
                op = a["op"]
                assert op in ACTIONS, f"{gen.name} emits op {op!r}, not in labels.ACTIONS"
                for name in a.keys() - {"op"}:
                    assert f"{name}:" in ACTIONS[op], f"{gen.name}: {op}'s field {name!r}"


def test_same_seed_same_bytes(made):
    gen, tasks = made
    for (seed, diff), t in zip(CASES, tasks, strict=True):
        again = make_task(gen, seed, 0, diff)
        assert dumps_task(again.task) == dumps_task(t.task)
        assert json.dumps(again.labels.to_json()) == json.dumps(t.labels.to_json())
    assert dumps_task(make_task(gen, 99, 0).task) != dumps_task(tasks[0].task)


def shift(grid: np.ndarray) -> np.ndarray:
    """Every colour c as c + 1 (9 as 0)."""
    return ((grid.astype(np.int16) + 1) % 10).astype(np.uint8)


# ways to corrupt a demonstration's output, each hitting what some solvers read: its colours,
# the colour it writes, its orientation, its shape, that it changes anything at all
CORRUPTIONS = {
    "colours shifted": lambda p: shift(p.output),
    "changed cells recoloured": lambda p: (
        np.where(p.output != p.input, shift(p.output), p.output)
        if p.output.shape == p.input.shape
        else shift(p.output)
    ),
    "turned half a turn": lambda p: transform(p.output, "rotate", 2),
    "transposed": lambda p: np.ascontiguousarray(p.output.T),
    "left unchanged": lambda p: p.input.copy(),
}


def answer(gen, grid: np.ndarray, demos) -> np.ndarray | None:
    """The solver's answer (None: it cannot solve). Any other exception fails the test."""
    try:
        return gen.solve(grid, demos)
    except CannotSolve:
        return None


def corruptions_that_change_the_answer(gen, task) -> list[tuple[int, str]]:
    """The (demonstration, corruption) pairs that change the solver's answer to the test pair."""
    pair, demos = task.test[0], task.train
    want = answer(gen, pair.input, demos)
    assert want is not None and np.array_equal(want, pair.output)
    found = []
    for i, demo in enumerate(demos):
        for name, corrupt in CORRUPTIONS.items():
            bad = Pair(demo.input, corrupt(demo))
            got = answer(gen, pair.input, [*demos[:i], bad, *demos[i + 1 :]])
            if got is None or got.shape != want.shape or not np.array_equal(got, want):
                found.append((i, name))
    return found


@pytest.mark.parametrize("name", GENERATORS)
def test_corrupting_a_demonstration_changes_the_answer(name):
    # a solver that learns its rule from the demonstrations answers otherwise (or not at all)
    # when one of them shows another rule; one that hard-codes the rule answers the same
    gen = get_generator(name)
    for seed, diff in CASES:
        task = make_task(gen, seed, 0, diff).task
        assert corruptions_that_change_the_answer(gen, task), f"{name}, seed {seed}"


def test_colour_permutation_claim(made):
    gen, tasks = made
    if not gen.color_invariant:
        pytest.skip(f"{gen.name} does not claim colour invariance")
    perm = [3, 7, 1, 9, 0, 2, 8, 5, 4, 6]
    for t in tasks:
        assert color_permutation_failures(gen, t.task, perm) == []


def test_registry():
    assert names() == sorted(GENERATORS)
    for g in all_generators():
        assert g.name and g.concepts and g.description
    with pytest.raises(Z2HError, match=r"unknown generator 'nope'; choose one of: .*flip"):
        get_generator("nope")


# what a generator module may import from its own package: the base, the solver toolkit and the
# registry (shared pieces belong there or in z2h.arc.scene, not in a sibling generator)
SHARED = {"base", "_solve", "registry"}


def imported_generator_modules(path: Path) -> set[str]:
    """The modules of z2h.arc.generators that the module at ``path`` imports (at any depth)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # a relative import: from . import x, from .x import y
                names = [module] if module else [a.name for a in node.names]
                found.update(n.split(".")[0] for n in names)
            elif module == generators_package.__name__:
                found.update(a.name for a in node.names)
            elif module.startswith(generators_package.__name__ + "."):
                found.add(module.split(".")[3])
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith(generators_package.__name__ + "."):
                    found.add(a.name.split(".")[3])
    return found


def test_generator_modules_import_no_other_generator_module():
    folder = Path(generators_package.__file__).parent
    modules = [p for p in folder.glob("*.py") if p.stem not in SHARED | {"__init__"}]
    assert len(modules) > 10  # the glob found the generator modules
    for path in modules:
        others = imported_generator_modules(path) - SHARED
        assert not others, f"{path.name} imports generator module(s) {sorted(others)}"


def test_the_import_check_sees_every_form(tmp_path):
    # the check above can fail: each way of importing a sibling is caught
    for line in [
        "from z2h.arc.generators.fill import box_ring",
        "from z2h.arc.generators import fill",
        "import z2h.arc.generators.fill",
        "from .fill import box_ring",
        "from . import fill",
        "def f():\n    from z2h.arc.generators.fill import box_ring",
    ]:
        path = tmp_path / "m.py"
        path.write_text(line + "\n")
        assert imported_generator_modules(path) == {"fill"}, line


class PaintsFive(Generator):
    """A solver that writes colour 5 whatever the demonstrations show: it claims colour
    invariance falsely, which only a permutation moving 5 can expose."""

    name = "paints_five"
    concepts = ("recolor",)
    description = "every cell becomes 5"
    color_invariant = True

    def solve(self, grid, demos):
        return np.full_like(grid, 5)


def test_validation_permutation_moves_every_colour():
    assert all(EVERY_COLOR_MOVES[c] != c for c in range(10))
    assert sorted(EVERY_COLOR_MOVES) == list(range(10))
    grids = [np.full((2, 2), c, np.uint8) for c in (1, 2, 3)]
    five = np.full((2, 2), 5, np.uint8)
    task = Task("t", [Pair(g, five) for g in grids[:2]], [Pair(grids[2], five)])
    problems = task_problems(task, None, PaintsFive())
    assert len(problems) == 3 and all("claims colour invariance" in p for p in problems)


class DrawsABadObject(Generator):
    """A generator with a bug: an object whose colours are not a 2-D array."""

    name = "draws_a_bad_object"
    concepts = ("recolor",)
    description = "a bug"

    def make_pair(self, r, params):
        bad = Obj(0, np.ones((2, 2), bool), np.ones(4, np.uint8))
        return Example(Scene(3, 3, 0, [bad]), Scene(3, 3, 0, []))


def test_a_rendering_bug_propagates_not_counted_as_a_rejection():
    # only Reject is a rejection: a generator's bug must surface, not hide among the reasons
    with pytest.raises(IndexError):  # numpy's, not a GenerationError after 200 rejections
        make_task(DrawsABadObject(), 0, 0)
