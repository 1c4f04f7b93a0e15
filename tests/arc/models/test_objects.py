"""The objects model's conv body and its connected-components start, and training it on a mix
of sources."""

import json

import numpy as np
import pytest
import torch

from z2h.arc.models import encode as E
from z2h.arc.models.evaluate import component_sets
from z2h.arc.models.objects_model import (
    LINKS,
    ObjectFinder,
    ObjectFinderConfig,
    link_targets,
    object_f1,
    owner_map,
    visible_objects,
)
from z2h.errors import Z2HError


def loop_link_targets(owners, size):
    """The targets cell by cell, as the definition reads (a reference for the vectorized one)."""
    h, w = owners.shape
    y = np.full((size, size, 5), E.IGNORE, dtype=np.int64)
    y[:h, :w, 0] = owners >= 0
    for j, (dr, dc) in enumerate(LINKS, start=1):
        for r in range(h):
            for c in range(w):
                rr, cc = r + dr, c + dc
                if 0 <= rr < h and 0 <= cc < w and owners[r, c] >= 0 and owners[rr, cc] >= 0:
                    y[r, c, j] = int(owners[r, c] == owners[rr, cc])
    return y.reshape(size * size, 5)


def random_grid(rng, h, w, black=0.5):
    grid = rng.integers(1, 4, size=(h, w)).astype(np.uint8)
    grid[rng.random((h, w)) < black] = 0
    return grid


@pytest.mark.parametrize("shape", [(1, 1), (1, 6), (5, 1), (4, 7), (9, 9)])
def test_link_targets_match_the_definition(shape):
    rng = np.random.default_rng(sum(shape))
    owners = rng.integers(-1, 3, size=shape)
    assert np.array_equal(link_targets(owners, 10), loop_link_targets(owners, 10))


@pytest.mark.parametrize("arch", ["conv", "transformer"])
def test_untrained_model_is_colour_components_on_black(arch):
    """With its head at zero the model is 8-connected one-colour components with black as the
    background, and with no black in the grid every cell belongs to an object."""
    torch.manual_seed(0)
    m = ObjectFinder(ObjectFinderConfig(arch=arch, canvas=12, n_layer=2, n_head=2, n_embd=16))
    rng = np.random.default_rng(0)
    grids = [random_grid(rng, int(rng.integers(1, 12)), int(rng.integers(1, 12)))
             for _ in range(20)] + [random_grid(rng, 5, 6, black=0.0)]  # fmt: skip
    for found, grid in zip(m.find(grids), grids, strict=True):
        assert found == component_sets(grid, 8, False, 0 if (grid == 0).any() else -1)
    assert len(m.find([np.full((3, 3), 4, np.uint8)])[0]) == 1  # one object, no background


def test_conv_reads_a_30x30_grid_and_the_batch_does_not_change_an_answer():
    """The conv body reads any ARC grid whole; a batch is cut to its largest grid, so a small
    grid's logits must not depend on the grids beside it."""
    torch.manual_seed(0)
    m = ObjectFinder(ObjectFinderConfig(n_layer=4, n_embd=16)).eval()
    torch.nn.init.normal_(m.head.weight, std=1.0)  # a trained-looking head, far from the prior
    rng = np.random.default_rng(1)
    small, big = random_grid(rng, 4, 5), random_grid(rng, 30, 30)
    x1, _ = m.collate([m.example(small, None)])
    x2, _ = m.collate([m.example(small, None), m.example(big, None)])
    assert x1.shape[-2:] == (5, 6) and x2.shape[-2:] == (31, 31)
    with torch.no_grad():
        alone = m(x1)[0].view(5, 6, 5)[:4, :5]
        beside = m(x2)[0][0].view(31, 31, 5)[:4, :5]
    torch.testing.assert_close(alone, beside, rtol=1e-5, atol=1e-5)
    assert sum(len(o) for o in m.find([big])[0]) <= 900


def test_told_the_background_the_untrained_model_is_cc8():
    """Given each grid's background, as components are, the untrained model's objects are
    8-connected one-colour components: on the hand-checked grids it scores exactly cc8."""
    from z2h.arc.models.evaluate import hand_grids, object_scores

    grids = hand_grids()[:60]
    assert any(bg != 0 for _, _, bg in grids)
    m = ObjectFinder(ObjectFinderConfig(n_layer=2, n_embd=16))
    scores = object_scores(m, grids)
    assert scores["object_f1_given_bg"] == scores["cc8"]
    # untold, it assumes black, as the like-for-like components do
    assert scores["object_f1"] == scores["cc8_black_bg"] < scores["cc8"]
    assert "object_f1_given_bg" not in object_scores(m, grids, given_bg=False)
    grid = np.array([[5, 5, 2], [5, 2, 5], [3, 5, 5]], np.uint8)
    assert m.find([grid], [5])[0] == {frozenset({2, 4}), frozenset({6})}


def test_overfits_touching_objects_with_the_transformer_body():
    torch.manual_seed(0)
    grid = np.zeros((5, 5), np.uint8)
    grid[0:2, 0:2] = 2
    grid[0:2, 2:4] = 2
    grid[3, 0:3] = [3, 4, 3]
    objects = [np.array([(r, c) for r in range(2) for c in range(a, a + 2)]) for a in (0, 2)]
    owners = owner_map(grid.shape, [*objects, np.array([(3, 0), (3, 1), (3, 2)])])
    cfg = ObjectFinderConfig(arch="transformer", canvas=6, n_layer=2, n_head=2, n_embd=32)
    m = ObjectFinder(cfg)
    x, y = m.collate([m.example(grid, owners)])
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
    for _ in range(150):
        _, loss = m(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    truth = visible_objects(owners)
    found = m.find([grid])[0]
    assert object_f1(found, truth) == (3, 3, 3)


@pytest.mark.parametrize("bad", [{"arch": "cnn"}, {"prior": -1.0}])
def test_bad_settings(bad):
    with pytest.raises(Z2HError):
        ObjectFinderConfig(**bad)


def test_objects_model_trains_on_generators_and_scenes_mixed(arc, tmp_path):
    out = tmp_path / "mixed"
    assert arc(["train", "--out", str(out), "--model", "objects", "--generator", "flip",
                "--scenes", "touching", "--set", "n_layer=1", "--set", "n_embd=16",
                "--batch-size", "4", "--max-steps", "2", "--val-tasks", "2",
                "--threads", "1"]) == 0  # fmt: skip
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["data"] == {
        "mixed": [{"generators": ["flip"], "difficulty": [0.0, 0.3]}, {"scenes": "touching"}]
    }
    assert 0 <= metrics["val"]["object_f1"] <= 1


def test_the_hand_set_command_reads_every_grid(arc, tmp_path, capsys):
    """docs/arc-models.md's issue-27 commands at toy size: a generators run, then the hand set,
    every grid read whole (canvas 31) and scored with and without the labels' background."""
    from z2h.arc.models.evaluate import hand_grids

    out = tmp_path / "gen"
    assert arc(["train", "--model", "objects", "--generator", "flip", "--difficulty", "0,1",
                "--max-steps", "2", "--eval-interval", "1", "--val-tasks", "2", "--threads", "1",
                "--set", "n_layer=1", "--set", "n_embd=16", "--batch-size", "2",
                "--out", str(out)]) == 0  # fmt: skip
    capsys.readouterr()
    assert arc(["eval", "--json", "--run", str(out), "--data", "hand"]) == 0
    hand = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (hand["grids"], hand["skipped"]) == (len(hand_grids()), 0)
    assert 0 <= hand["object_f1"] <= 1 and 0 <= hand["object_f1_given_bg"] <= 1


def test_a_checkpoint_from_before_the_conv_body_still_loads(arc, tmp_path):
    """Runs saved before ``arch`` and ``prior`` existed are the transformer body, no prior."""
    import torch

    from z2h.arc.models.registry import load_run

    out = tmp_path / "old"
    assert arc(["train", "--out", str(out), "--model", "objects", "--scenes", "touching",
                "--set", "arch=transformer", "--set", "prior=0", "--set", "canvas=16",
                "--set", "n_layer=1", "--set", "n_embd=16", "--batch-size", "2",
                "--max-steps", "1", "--val-tasks", "2", "--threads", "1"]) == 0  # fmt: skip
    for name in ("best.pt", "last.pt"):
        ckpt = torch.load(out / name, weights_only=True)
        for key in ("arch", "prior"):
            del ckpt["model_config"][key]
        torch.save(ckpt, out / name)
    model = load_run(out).model
    assert (model.config.arch, model.config.prior, model.config.canvas) == ("transformer", 0, 16)


def test_a_mix_splits_its_held_out_grids_as_asked():
    from z2h.arc.models.train import MixedSource

    class Source:
        generators = ()

        def __init__(self, name):
            self.name = name

        def held_out_grids(self, n):
            return [self.name] * n

    assert MixedSource([Source("a"), Source("b")]).held_out_grids(7) == ["a"] * 4 + ["b"] * 3
