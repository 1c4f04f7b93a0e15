"""The object reasoner: its action space and renderer on hand-made scenes (hand-derived grids),
every generated pair of the object-action generators explained and rendered exactly, explain and
solve overfit on one hand-made two-pair task, distinct beam attempts, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from z2h.arc.generate import make_task
from z2h.arc.generators.registry import get_generator
from z2h.arc.labels import GridLabels, Match, ObjectLabel, PairLabels, TaskLabels
from z2h.arc.models import reasoner_data as D
from z2h.arc.models import registry
from z2h.arc.models.encode import EncodingError
from z2h.arc.models.reasoner import N_RELATIONS, ObjectReasoner
from z2h.arc.models.reasoner_actions import (
    MAX_SHIFT,
    OBJECT_GENERATORS,
    OPS,
    Explanation,
    ObjectAction,
    explain_pair,
    render_actions,
)
from z2h.errors import Z2HError


def obj(id: int, cells: list[tuple[int, int, int]]) -> ObjectLabel:
    rows, cols = [r for r, _, _ in cells], [c for _, c, _ in cells]
    box = [min(rows), min(cols), max(rows) - min(rows) + 1, max(cols) - min(cols) + 1]
    return ObjectLabel(id, [list(c) for c in cells], sorted({k for _, _, k in cells}), box)


def scene(h: int, w: int, *objects: ObjectLabel) -> GridLabels:
    return GridLabels(h, w, 0, list(objects), [])


def grid(h: int, w: int, cells: list[tuple[int, int, int]]) -> np.ndarray:
    g = np.zeros((h, w), np.uint8)
    for r, c, k in cells:
        g[r, c] = k
    return g


# -- the renderer on hand-made scenes, one per action ----------------------------------------
FRAME_3X5 = [(r, c, 1) for r in range(3) for c in range(5) if r != 1 or c in (0, 4)]
RENDER_CASES = {
    # two cells fall down a column: the lower lands on the floor, the upper on it
    "gravity stack": (
        scene(6, 3, obj(0, [(0, 1, 1)]), obj(1, [(2, 1, 2)])),
        [ObjectAction("move_until_contact", direction="down")] * 2,
        grid(6, 3, [(4, 1, 1), (5, 1, 2)]),
    ),
    # the pusher stops against the block where it stood; the block flies on to the wall
    "push": (
        scene(1, 8, obj(0, [(0, 3, 4)]), obj(1, [(0, 6, 3)])),
        [ObjectAction("pushed_until_contact", direction="left"),
         ObjectAction("move_until_contact", direction="left")],
        grid(1, 8, [(0, 0, 4), (0, 4, 3)]),
    ),
    "ray until contact": (
        scene(1, 6, obj(0, [(0, 0, 5)]), obj(1, [(0, 4, 6)])),
        [ObjectAction("grow_until_contact", direction="right"), ObjectAction()],
        grid(1, 6, [(0, 0, 5), (0, 1, 5), (0, 2, 5), (0, 3, 5), (0, 4, 6)]),
    ),
    "recolor and delete": (
        scene(2, 3, obj(0, [(0, 0, 1), (0, 1, 1)]), obj(1, [(1, 2, 3)])),
        [ObjectAction("recolor", color=2), ObjectAction("delete")],
        grid(2, 3, [(0, 0, 2), (0, 1, 2)]),
    ),
    # the colour of what touches it: the left cell is beside a 4, the right one beside nothing
    "recolor as touching": (
        scene(1, 5, obj(0, [(0, 0, 4)]), obj(1, [(0, 1, 1)]), obj(2, [(0, 4, 1)])),
        [ObjectAction(), ObjectAction("recolor_as_touching"), ObjectAction("recolor_as_touching")],
        grid(1, 5, [(0, 0, 4), (0, 1, 4), (0, 4, 1)]),
    ),
    # the colour of the frame around it; the cell outside the frame keeps its colour
    "recolor as container": (
        scene(3, 4, obj(0, [(r, c, 8) for r in range(3) for c in range(3) if (r, c) != (1, 1)]),
              obj(1, [(1, 1, 2)]), obj(2, [(0, 3, 2)])),
        [ObjectAction(), ObjectAction("recolor_as_container"),
         ObjectAction("recolor_as_container")],
        grid(3, 4, [(r, c, 8) for r in range(3) for c in range(3)] + [(0, 3, 2)]),
    ),
    "raise": (
        scene(1, 3, obj(0, [(0, 0, 1), (0, 1, 1)]), obj(1, [(0, 1, 2), (0, 2, 2)])),
        [ObjectAction("raise"), ObjectAction()],
        grid(1, 3, [(0, 0, 1), (0, 1, 1), (0, 2, 2)]),
    ),
    "move by": (
        scene(3, 3, obj(0, [(0, 2, 7)])),
        [ObjectAction("move_by", by=(2, -2))],
        grid(3, 3, [(2, 0, 7)]),
    ),
    "outline": (
        scene(3, 4, obj(0, [(1, 1, 1)])),
        [ObjectAction(spawn="outline", spawn_color=4)],
        grid(3, 4, [(r, c, 4) for r in range(3) for c in range(3) if (r, c) != (1, 1)]
             + [(1, 1, 1)]),
    ),
    "outline in its own colour": (
        scene(3, 3, obj(0, [(1, 1, 6)])),
        [ObjectAction(spawn="outline_own")],
        grid(3, 3, [(r, c, 6) for r in range(3) for c in range(3)]),
    ),
    "fill": (
        scene(3, 3, obj(0, [(r, c, 1) for r in range(3) for c in range(3) if (r, c) != (1, 1)])),
        [ObjectAction(spawn="fill", spawn_color=7)],
        grid(3, 3, [(r, c, 1) for r in range(3) for c in range(3) if (r, c) != (1, 1)]
             + [(1, 1, 7)]),
    ),
    # the centre of a 3x5 frame's box: row 1, column 2
    "center": (
        scene(3, 6, obj(0, FRAME_3X5)),
        [ObjectAction(spawn="center", spawn_color=3)],
        grid(3, 6, [*FRAME_3X5, (1, 2, 3)]),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(RENDER_CASES))
def test_render_hand_made_scenes(case):
    gl, actions, want = RENDER_CASES[case]
    np.testing.assert_array_equal(render_actions(gl, actions), want)


def test_other_is_not_rendered():
    gl = scene(2, 2, obj(0, [(0, 0, 1)]))
    assert render_actions(gl, [ObjectAction("other")]) is None


def test_action_targets_round_trip():
    actions = [
        ObjectAction(),
        ObjectAction("recolor", color=3),
        ObjectAction("move_by", by=(-29, 29)),
        ObjectAction("grow_until_contact", direction="up", spawn="fill", spawn_color=0),
    ]
    for a in actions:
        assert D.action_of(D.action_targets(a)) == a


@pytest.mark.parametrize("name", OBJECT_GENERATORS)
def test_explanations_of_generated_pairs_render_their_outputs(name):
    """The generators' labels, read as semantic actions and rendered, give every output."""
    for index in range(3):
        made = make_task(get_generator(name), 11, index, (0.0, 0.5))
        for pl, pair in zip(made.labels.train + made.labels.test,
                            made.task.train + made.task.test, strict=True):  # fmt: skip
            ex = explain_pair(pl)
            assert ex.representable(), (made.task.id, ex.actions)
            np.testing.assert_array_equal(render_actions(pl.input, ex.actions), pair.output)


# -- explain and solve, overfit on one hand-made task -------------------------------------------
def recolour_pair(blues: list[tuple[int, int]], greys: list[tuple[int, int]]) -> PairLabels:
    """Blue cells turn red, grey cells vanish, on a 5x5 grid (hand-made labels)."""
    ins = [obj(i, [(r, c, 1)]) for i, (r, c) in enumerate(blues)]
    ins += [obj(len(blues) + i, [(r, c, 5)]) for i, (r, c) in enumerate(greys)]
    outs = [obj(i, [(r, c, 2)]) for i, (r, c) in enumerate(blues)]
    rows = [Match(i, i, [{"op": "recolor", "from": 1, "to": 2}]) for i in range(len(blues))]
    rows += [Match(len(blues) + i, None, [{"op": "delete"}]) for i in range(len(greys))]
    return PairLabels(scene(5, 5, *ins), scene(5, 5, *outs), rows)


def hand_task() -> TaskLabels:
    train = [recolour_pair([(0, 0), (2, 3)], [(4, 4)]), recolour_pair([(1, 1)], [(0, 4), (3, 0)])]
    test = [recolour_pair([(4, 0), (0, 2)], [(2, 2)])]
    return TaskLabels("hand", None, None, None, None, {}, train, test, provenance="human")


@pytest.fixture(scope="module")
def overfit():
    torch.manual_seed(0)
    cfg = registry.make_config("object-reasoner", n_layer=1, n_head=2, n_embd=32, max_tokens=16)
    model = registry.build("object-reasoner", cfg)
    labels = hand_task()
    rng = np.random.default_rng(0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(60):
        x, y = model.collate([model.labelled_example(labels, rng) for _ in range(8)])
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval(), labels, loss.item()


def test_overfit_explains_every_pair(overfit):
    model, labels, loss = overfit
    assert loss < 0.5  # the exact checks below are the test; this only says it trained
    pairs = labels.train + labels.test
    for inferred, pl in zip(model.explain(pairs), pairs, strict=True):
        truth = explain_pair(pl)
        assert inferred.actions == truth.actions
        assert inferred.matches == truth.matches


def test_overfit_solves_the_test_with_two_distinct_attempts(overfit):
    model, labels, _ = overfit
    demos = [(pl.input, explain_pair(pl)) for pl in labels.train]
    attempts = model.answer(demos, labels.test[0].input)
    want = grid(5, 5, [(4, 0, 2), (0, 2, 2)])
    assert len(attempts) == 2
    np.testing.assert_array_equal(attempts[0][0], want)
    assert not np.array_equal(attempts[0][0], attempts[1][0])
    assert attempts[0][1] >= attempts[1][1]
    # inferred explanations of the demonstrations give the same answer
    inferred = model.explain(labels.train)
    again = model.answer([(pl.input, e) for pl, e in zip(labels.train, inferred, strict=True)],
                         labels.test[0].input)  # fmt: skip
    np.testing.assert_array_equal(again[0][0], want)


def test_beam_assignments_are_distinct_and_ranked(overfit):
    model, labels, _ = overfit
    demos = [(pl.input, explain_pair(pl)) for pl in labels.train]
    beams = model.assignments(demos, labels.test[0].input)
    assert len(beams) == model.config.beam
    assert len({tuple(a) for a, _ in beams}) == len(beams)
    scores = [s for _, s in beams]
    assert scores == sorted(scores, reverse=True)


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "overrides",
    [{"explanations": "guessed"}, {"beam": 1}, {"explain_frac": 1.5}, {"max_tokens": 1},
     {"n_embd": 30, "n_head": 4}],
)  # fmt: skip
def test_bad_config_is_refused(overrides):
    with pytest.raises(Z2HError):
        registry.make_config("object-reasoner", **overrides)


def test_too_many_objects_is_an_encoding_error():
    many = scene(5, 5, *[obj(i, [(i, 0, 1)]) for i in range(5)])
    with pytest.raises(EncodingError, match="max_tokens"):
        D.solve_example([], many, None, 4)


def test_grid_example_without_labels_cannot_train():
    cfg = registry.make_config("object-reasoner", n_embd=16, n_head=2, n_layer=1)
    model = registry.build("object-reasoner", cfg)
    g = np.zeros((3, 3), np.uint8)
    with pytest.raises(EncodingError, match="learns from labels"):
        model.example([(g, g)], g, g, None, "t")
    # without an answer: the components' tokens, demonstration actions unknown (0)
    g[0, 0], g[2, 2] = 1, 2
    x, y = model.example([(g, g)], g, None, None, "t")
    roles = x[:, D.FEATURES.index("role")]
    assert list(roles[:5]) == [D.ROLES.index("demo_in")] * 2 + [D.ROLES.index("test_in")] * 2 + [0]
    assert (x[:4, len(D.FEATURES) : len(D.FEATURES) + len(D.ACTION_COLS)] == 0).all()
    assert (y == -1).all()


def test_explains_demonstrations_of_object_and_grid_rules():
    from z2h.arc.models.reasoner_run import explains_demonstrations

    gravity = make_task(get_generator("gravity"), 3, 0, (0.0, 0.3))
    flip = make_task(get_generator("flip"), 3, 0, (0.0, 0.3))
    assert explains_demonstrations(gravity.task, gravity.labels)
    assert not explains_demonstrations(flip.task, flip.labels)  # a whole-grid rule: "other"


def test_real_tasks_are_labelled_without_their_answers(monkeypatch, overfit):
    """An unlabelled task goes to the heuristic labeller with its test outputs withheld."""
    import z2h.arc.correspond as correspond
    from z2h.arc.models.reasoner_run import solve_labelled

    made = make_task(get_generator("gravity"), 3, 1, (0.0, 0.3))
    seen = []
    real = correspond.heuristic_labels

    def spy(task, *a, **kw):
        seen.append(task)
        return real(task, *a, **kw)

    monkeypatch.setattr(correspond, "heuristic_labels", spy)
    model = overfit[0]
    model.config.max_tokens = 64  # gravity scenes have more objects than the hand-made task
    try:
        done = solve_labelled(model, [made.task], [None])
    finally:
        model.config.max_tokens = 16
    assert [p.output for p in seen[0].test] == [None] and seen[0].train == made.task.train
    assert made.task.id in done.predictions and done.counts[made.task.id].get("pairs", 0) == 0


# -- solve copies from the demonstrations (the pointer-generator) -------------------------------
def colour_pair(colour: int, at: list[tuple[int, int]]) -> PairLabels:
    """Blue cells turn ``colour`` on a 5x5 grid (hand-made labels)."""
    ins = [obj(i, [(r, c, 1)]) for i, (r, c) in enumerate(at)]
    outs = [obj(i, [(r, c, colour)]) for i, (r, c) in enumerate(at)]
    rows = [Match(i, i, [{"op": "recolor", "from": 1, "to": colour}]) for i in range(len(at))]
    return PairLabels(scene(5, 5, *ins), scene(5, 5, *outs), rows)


def small_reasoner(**overrides):
    torch.manual_seed(0)
    settings = {"n_layer": 1, "n_head": 2, "n_embd": 32, "max_tokens": 16, **overrides}
    cfg = registry.make_config("object-reasoner", **settings)
    return registry.build("object-reasoner", cfg)


def test_copy_gate_open_takes_the_pointed_demonstrations_action():
    """With the gate forced open and the pointer forced onto the demonstration object of the same
    shape, the test object's heads are exactly that object's action: a colour the heads never
    learnt is one pointer away."""
    model = small_reasoner()
    with torch.no_grad():
        model.copy_gate.weight.zero_()
        model.copy_gate.bias.fill_(50.0)
        model.copy_q.weight.zero_()
        model.copy_k.weight.zero_()
        same_shape = torch.tensor([(c >> 6) & 1 for c in range(N_RELATIONS)], dtype=torch.float)
        model.copy_rel.weight[:, 0] = 50.0 * same_shape
    demo_in = scene(5, 5, obj(0, [(0, 0, 1), (0, 1, 1)]), obj(1, [(3, 3, 1)]))
    demo_ex = Explanation([ObjectAction("recolor", color=7), ObjectAction("delete")], [0, None])
    query = scene(5, 5, obj(0, [(4, 0, 3)]), obj(1, [(2, 2, 4), (2, 3, 4)]))
    x, _ = D.solve_example([(demo_in, demo_ex)], query, None, 16)
    logits, _ = model(model.collate([(x, x[:, :8] * 0)])[0])
    top = {k: logits[k][0, 2:4].argmax(-1).tolist() for k in ("op", "color")}
    assert top["op"] == [OPS.index("delete"), OPS.index("recolor")]
    assert top["color"][1] == 7
    assert logits["color"][0, 3].exp().sum().item() == pytest.approx(1.0, abs=1e-4)
    # the demonstration's own tokens keep the heads' logits
    plain = small_reasoner(copy=False)
    keep = plain.state_dict().keys()
    plain.load_state_dict({k: v for k, v in model.state_dict().items() if k in keep})
    theirs, _ = plain(model.collate([(x, x[:, :8] * 0)])[0])
    torch.testing.assert_close(logits["op"][0, :2], theirs["op"][0, :2])


def fit(model, make_task, rng, max_tokens: int = 8, steps: int = 150):
    """Train ``model`` on batches of 8 training examples of fresh tasks (AdamW, lr 1e-2)."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(steps):
        batch = [D.training_example(make_task(), rng, 0.0, max_tokens) for _ in range(8)]
        _, loss = model(*model.collate(batch))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def test_copy_solves_a_colour_never_seen_in_training():
    """Trained on tasks whose blue cells turn 2..6, the reasoner solves a task whose blue cells
    turn 9 (a colour no training target had): it copies the demonstrations' colour."""
    model = small_reasoner()
    rng = np.random.default_rng(0)

    def task(colour: int) -> TaskLabels:
        spots = [(int(r), int(c)) for r, c in rng.integers(0, 5, (3, 2))]
        pairs = [colour_pair(colour, [spots[i]]) for i in range(3)]
        return TaskLabels("c", None, None, None, None, {}, pairs[:2], pairs[2:], provenance="human")

    fit(model, lambda: task(int(rng.integers(2, 7))), rng, max_tokens=16)
    new = task(9)
    demos = [(pl.input, explain_pair(pl)) for pl in new.train]
    attempts = model.answer(demos, new.test[0].input)
    r, c, _ = new.test[0].input.objects[0].cells[0]
    np.testing.assert_array_equal(attempts[0][0], grid(5, 5, [(r, c, 9)]))


def test_relation_codes_and_ranks_of_a_frame_and_its_contents():
    """Hand-derived bits: a 3x3 frame (colour 8) around one cell (2), a cell (2) outside it."""
    frame = obj(0, [(r, c, 8) for r in range(3) for c in range(3) if (r, c) != (1, 1)])
    x, _ = D.solve_example([], scene(3, 5, frame, obj(1, [(1, 1, 2)]), obj(2, [(1, 4, 2)])),
                           None, 4)  # fmt: skip
    code = ObjectReasoner.relation_codes(torch.from_numpy(x)[None])[0]
    grid_, touch, rows, cols, colour, size, shape, inside, around = (1, 2, 4, 8, 16, 32, 64,
                                                                     128, 256)  # fmt: skip
    assert code[1, 0].item() == grid_ + touch + rows + cols + inside  # the cell inside the frame
    assert code[0, 1].item() == grid_ + touch + rows + cols + around
    assert code[1, 2].item() == grid_ + rows + colour + size + shape  # two lone cells, one row
    assert code[0, 0].item() == grid_ + touch + rows + cols + colour + size + shape
    # ranks in the grid (above, below, left, right, larger, smaller), hand-counted
    ranks = ObjectReasoner.ranks(torch.from_numpy(x)[None])[0, :3].tolist()
    assert ranks == [[0, 0, 0, 1, 0, 2], [0, 0, 0, 1, 1, 0], [0, 0, 2, 0, 1, 0]]


def marker_pair(rng: np.random.Generator) -> PairLabels:
    """A 3-cell marker on the left edge of a 9x6 grid; a cell at column 4 slides up or down
    until it lines up with the marker's top (hand-made labels)."""
    top, row = (int(v) for v in rng.choice(7, 2, replace=False))
    marker = obj(0, [(top + i, 0, 5) for i in range(3)])
    rows = [Match(0, 0, []), Match(1, 1, [{"op": "move", "by": [top - row, 0]}])]
    return PairLabels(scene(9, 6, marker, obj(1, [(row, 4, 3)])),
                      scene(9, 6, marker, obj(1, [(top, 4, 3)])), rows)  # fmt: skip


def test_align_copy_solves_moves_that_differ_object_by_object():
    """Each pair's shift is its own (the marker's top minus the cell's row), so no demonstration
    holds the test's value: the alignment pointer offers it. Solved on new tasks, exactly."""
    model = small_reasoner(max_tokens=8)
    rng = np.random.default_rng(0)

    def task() -> TaskLabels:
        pairs = [marker_pair(rng) for _ in range(3)]
        return TaskLabels("m", None, None, None, None, {}, pairs[:2], pairs[2:], provenance="human")

    fit(model, task, rng)
    solved = 0
    for _ in range(10):
        new = task()
        demos = [(pl.input, explain_pair(pl)) for pl in new.train]
        attempts = model.answer(demos, new.test[0].input)
        out = new.test[0].output
        want = render_actions(new.test[0].input, explain_pair(new.test[0]).actions)
        assert out is not None
        solved += np.array_equal(attempts[0][0], want)
    assert solved == 10


def test_explain_copy_reads_colour_and_shift_off_the_output():
    """Untrained, gates forced open: explaining a pair whose one object moves by (2, -1) and
    turns 6, the colour head reads the output object's colour and the offset heads its shift."""
    model = small_reasoner()
    with torch.no_grad():
        model.copy_gate.weight.zero_()
        model.copy_gate.bias.fill_(50.0)
    pair = PairLabels(scene(5, 5, obj(0, [(0, 3, 1), (1, 3, 1)])),
                      scene(5, 5, obj(0, [(2, 2, 6), (3, 2, 6)])), [])  # fmt: skip
    x, _ = D.explain_example(pair, None, 16)
    logits, _ = model(model.collate([(x, x[:, :8] * 0)])[0])
    top = {k: int(logits[k][0, 0].argmax()) for k in ("color", "spawn_color", "dr", "dc")}
    assert top == {"color": 6, "spawn_color": 6, "dr": 2 + MAX_SHIFT, "dc": -1 + MAX_SHIFT}


def marker_colour_pair(rng: np.random.Generator) -> PairLabels:
    """A marker cell (its colour the pair's own) in the corner of a 5x5 grid; a blue cell
    elsewhere takes the marker's colour (hand-made labels)."""
    colour = int(rng.integers(2, 10))
    r, c = (int(v) for v in rng.integers(1, 5, 2))
    marker = obj(0, [(0, 0, colour)])
    rows = [Match(0, 0, []), Match(1, 1, [{"op": "recolor", "from": 1, "to": colour}])]
    return PairLabels(scene(5, 5, marker, obj(1, [(r, c, 1)])),
                      scene(5, 5, marker, obj(1, [(r, c, colour)])), rows)  # fmt: skip


def test_mate_colours_solve_a_colour_that_differs_pair_by_pair():
    """Each pair's colour is its marker's, so no demonstration holds the test's colour: the test
    grid's other objects offer it. Solved on new tasks, exactly."""
    model = small_reasoner(max_tokens=8, mate_colours=True)
    rng = np.random.default_rng(0)

    def task() -> TaskLabels:
        pairs = [marker_colour_pair(rng) for _ in range(3)]
        return TaskLabels("k", None, None, None, None, {}, pairs[:2], pairs[2:], provenance="human")

    fit(model, task, rng)
    solved = 0
    for _ in range(10):
        new = task()
        demos = [(pl.input, explain_pair(pl)) for pl in new.train]
        want = render_actions(new.test[0].input, explain_pair(new.test[0]).actions)
        solved += np.array_equal(model.answer(demos, new.test[0].input)[0][0], want)
    assert solved == 10


def test_an_explained_outline_is_own_exactly_when_its_colour_is_the_objects():
    from z2h.arc.models.reasoner import _own_outline

    one, two = obj(0, [(1, 1, 4)]), obj(1, [(1, 1, 4), (1, 2, 5)])
    ring = ObjectAction(spawn="outline", spawn_color=7)
    assert _own_outline(ring, one, 4) == ObjectAction(spawn="outline_own")
    assert _own_outline(ObjectAction(spawn="outline_own"), one, 7) == ring
    assert _own_outline(ring, two, 4) == ObjectAction(spawn="outline", spawn_color=4)
    fill = ObjectAction(spawn="fill", spawn_color=4)
    assert _own_outline(fill, one, 4) == fill
