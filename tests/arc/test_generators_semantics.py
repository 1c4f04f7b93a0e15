"""Label rows that say what happened (issue 27 item 4): push's hit, copy_sprite's replaced
markers, bring_color_to_front's hidden objects; every row replayed against the grids."""

import pytest

from z2h.arc.generate import make_task
from z2h.arc.generators import get_generator, names

SEEDS = [(s, d) for s in range(4) for d in ((0.0, 0.5), (0.5, 1.0))]


def _tasks(name):
    return [make_task(get_generator(name), seed, 0, diff) for seed, diff in SEEDS]


def _rows(t):
    for pl in t.labels.train + t.labels.test:
        for m in pl.correspondence:
            yield pl, m


@pytest.mark.parametrize("name", ["push", "copy_sprite", "bring_color_to_front"])
def test_rows_replay_against_the_grids(name, replay):
    for t in _tasks(name):
        assert replay(t.labels) == []


def test_push_says_the_pusher_hit_and_the_pushed_names_its_pusher():
    for t in _tasks("push"):
        for pl, m in _rows(t):
            ops = [a["op"] for a in m.actions]
            assert "stop_at_contact" not in ops or m.input_id != 0
            if m.input_id == 0:
                assert m.actions[-1] == {"op": "hit", "with": 1}
                # the pusher ends touching the cells the pushed object held before
                was = {(r, c) for r, c, _ in pl.input.objects[_index(pl.input, 1)].cells}
                now = {(r, c) for r, c, _ in pl.output.objects[_index(pl.output, 0)].cells}
                near = {(r + dr, c + dc) for r, c in now for dr, dc in _SIDES}
                assert near & was
            if m.input_id == 1:
                assert m.actions[0]["op"] == "push" and m.actions[0]["with"] == 0


_SIDES = ((1, 0), (-1, 0), (0, 1), (0, -1))


def _index(gl, obj_id):
    return [o.id for o in gl.objects].index(obj_id)


def test_copy_sprite_markers_are_replaced_by_the_sprite_copy():
    markers = 0
    for t in _tasks("copy_sprite"):
        for _pl, m in _rows(t):
            if m.output_id is None:
                assert m.actions == [{"op": "replaced", "by": 0}]
                markers += 1
    assert markers > 10


def test_bring_color_to_front_hides_wholly_covered_objects():
    hidden = 0
    for t in [
        make_task(get_generator("bring_color_to_front"), s, 0, (0.8, 1.0)) for s in range(12)
    ]:
        for pl, m in _rows(t):
            ops = [a["op"] for a in m.actions]
            out = pl.output.objects[_index(pl.output, m.output_id)]
            # hidden exactly when no cell of it shows in the output
            assert ("hidden" in ops) == (len(out.covered) == len(out.cells))
            hidden += "hidden" in ops
    assert hidden > 0


# ops whose rows say something the replay checker does not compute (a slide to a marker, a
# pattern carried on, a count drawn as a bar, hidden cells shown): their rows are not replayed
NOT_REPLAYED = {"align", "continue", "count", "reveal"}


@pytest.mark.parametrize("name", names())
def test_every_generator_rows_replay(name, replay):
    gen = get_generator(name)
    for seed, diff in ((0, (0.0, 0.5)), (1, (0.5, 1.0))):
        problems = replay(make_task(gen, seed, 0, diff).labels)
        real = [p for p in problems if not any(f"op '{op}' is not" in p for op in NOT_REPLAYED)]
        assert real == []


def test_the_replay_checker_catches_false_rows(replay):
    t = make_task(get_generator("gravity"), 4, 0, (0.3, 0.5))
    row = next(m for pl in t.labels.train for m in pl.correspondence if m.actions)
    row.actions[0]["by"] = [row.actions[0]["by"][0] + 1, 0]  # one row too far
    assert len(replay(t.labels)) == 1
    t = make_task(get_generator("copy_sprite"), 0, 0)
    marker = next(m for pl in t.labels.train for m in pl.correspondence if m.output_id is None)
    marker.actions[0]["by"] = 99  # no copy of object 99 covers it
    assert len(replay(t.labels)) == 1


def test_the_docs_gravity_example_is_what_make_task_gives():
    import json
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "arc.md").read_text()
    start = text.index("```json\n", text.index("A real example, the first pair of a gravity task"))
    shown = json.loads(text[start + len("```json\n") : text.index("```", start + 8)])
    made = make_task(get_generator("gravity"), 42, 0, (0.2, 0.4))
    assert shown == made.labels.train[0].to_json()


@pytest.mark.parametrize("name", names())
def test_every_generator_passes_the_label_checker(name):
    # z2h.arc.checklabels, the labels' own replay checker (the fixture above is a second,
    # independent one): no structural problem and no false row
    from z2h.arc.checklabels import check_task

    gen = get_generator(name)
    for seed, diff in ((0, (0.0, 0.5)), (1, (0.5, 1.0))):
        made = make_task(gen, seed, 0, diff)
        problems, false = check_task(made.task, made.labels)
        assert problems == [] and [str(f) for f in false] == []
