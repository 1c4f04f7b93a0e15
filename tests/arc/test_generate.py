import pytest

from z2h.arc.generate import (
    GenerationError,
    check_difficulty,
    chunk_size,
    make_task,
)
from z2h.arc.generators.base import Example, Generator, Reject
from z2h.arc.generators.geometry import Flip
from z2h.arc.grid import ArcError


class Hopeless(Generator):
    name = "hopeless"
    concepts = ("test",)
    description = "never makes a pair"

    def make_pair(self, r, params) -> Example:
        raise Reject("no_room")


class LyingSolver(Flip):
    name = "lying"

    def solve(self, grid, demos):
        return grid  # never the flipped grid


def test_generator_that_cannot_make_a_pair_is_named():
    with pytest.raises(
        GenerationError,
        match=r"generator hopeless made no valid task "
        r"hopeless-0-000000 in 10 attempts from each of 3 random streams \(rejected pairs: "
        r"generator:no_room 30\)",
    ):
        make_task(Hopeless(), 0, 0, max_attempts=10)


def test_pairs_the_solver_misses_are_rejected():
    with pytest.raises(GenerationError, match="solver"):
        make_task(LyingSolver(), 0, 0, max_attempts=30)


class FirstStreamHopeless(Flip):
    """Flip, but the first task parameters it draws make no pair."""

    name = "first_hopeless"
    drawn = 0

    def params(self, r):
        self.drawn += 1
        return {**super().params(r), "first": self.drawn == 1}

    def make_pair(self, r, params):
        if params["first"]:
            raise Reject("no_room")
        return super().make_pair(r, params)


def test_a_task_no_draw_of_which_verifies_is_drawn_from_a_second_stream():
    made = make_task(FirstStreamHopeless(), 0, 0, max_attempts=10)
    assert made.task.id == "first_hopeless-0-000000" and made.labels.params["first"] is False
    assert made.rejected["generator:no_room"] == 10  # the first stream's draws still count
    # a real case: this task's two demonstrations alone never told its rule in the first stream
    from z2h.arc.generators.registry import get_generator

    gen = get_generator("recolor_same")
    made = make_task(gen, 1, 89, (0.0, 0.3))
    assert made.task.id == "recolor_same-1-000089" and len(made.task.train) >= 2


@pytest.mark.parametrize("bad", [(-0.1, 0.5), (0.2, 1.5), (0.8, 0.2)])
def test_bad_difficulty(bad):
    with pytest.raises(ArcError, match="difficulty"):
        check_difficulty(bad)


def test_chunk_size():
    assert chunk_size(10, 2) == 1
    assert chunk_size(340, 2) == 8 and chunk_size(100_000, 2) == 8  # never big chunks
    assert chunk_size(200, 4) == 3
