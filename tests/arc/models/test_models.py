"""The models: a tiny one overfits one task; cached, batched decoding equals the plain forward."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from z2h.arc.models import encode as E
from z2h.arc.models import registry
from z2h.arc.models.gridgpt import GridGPT, GridGPTConfig
from z2h.arc.models.gridvit import GridViT, GridViTConfig
from z2h.arc.models.objects_model import (
    ObjectFinder,
    ObjectFinderConfig,
    f1_score,
    object_f1,
    owner_map,
    visible_objects,
)
from z2h.errors import Z2HError


def flip_task(seed: int, n: int = 3, shape=(3, 3)):
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(n):
        g = rng.integers(0, 10, size=shape).astype(np.uint8)
        pairs.append((g, g[:, ::-1].copy()))
    return pairs[:-1], pairs[-1][0], pairs[-1][1]


def overfit(model, example, steps=150, lr=3e-3):
    torch.manual_seed(0)
    x, y = model.collate([example])
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    for _ in range(steps):
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


@pytest.mark.parametrize("object_ids", [False, True])
def test_grid_gpt_overfits_one_task(object_ids):
    torch.manual_seed(0)
    demos, q, a = flip_task(0)
    ids = (lambda g: (g > 4).astype(np.int64)) if object_ids else None
    m = GridGPT(GridGPTConfig(block_size=96, n_layer=2, n_head=2, n_embd=32, object_ids=object_ids))
    loss = overfit(m, m.example(demos, q, a, ids, "t"))
    assert loss < 0.05
    (best, score), *rest = m.candidates([(demos, q, "t")], ids)[0]
    assert np.array_equal(best, a) and score > -0.5
    assert len(rest) == 1 and not np.array_equal(rest[0][0], a) and rest[0][1] < score


@pytest.mark.parametrize("copy", [False, True])
def test_grid_vit_overfits_one_task(copy):
    torch.manual_seed(0)
    demos, q, a = flip_task(1)
    m = GridViT(GridViTConfig(canvas=5, demos=1, n_layer=2, n_head=2, n_embd=32, copy=copy))
    assert overfit(m, m.example(demos, q, a, None, "t")) < 0.05
    (best, score), (second, score2) = m.candidates([(demos, q, "t")], None)[0]
    assert np.array_equal(best, a) and score > score2 and not np.array_equal(second, a)


def test_grid_vit_copy_head_mixes_distributions_and_copies_what_it_points_at():
    torch.manual_seed(0)
    m = GridViT(GridViTConfig(canvas=5, demos=0, n_layer=1, n_head=2, n_embd=16, copy=True))
    q = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)
    x, _ = m.collate([m.example([], q, None, None, "t")])
    cells, _, _ = m.heads(x)
    assert torch.allclose(cells.exp().sum(-1), torch.ones(1, 25), atol=1e-5)
    # a gate fully open and a pointer that picks each cell itself: the answer is the input
    h = torch.eye(16)[torch.arange(25) % 16][None] * 50  # each cell its own direction
    source = x[:, 0, -25:]
    with torch.no_grad():
        m.copy_query.weight.copy_(torch.eye(16))
        m.copy_key.weight.copy_(torch.eye(16))
        m.copy_gate.bias.fill_(50.0)
        m.copy_gate.weight.zero_()
    painted = torch.full((1, 25, 10), -np.log(10.0))
    mixed = m._with_copy(h[:, :25], source, painted).argmax(-1).view(5, 5)
    assert mixed[:2, :3].tolist() == q.tolist()


def full_logprob(model: GridGPT, prompt: np.ndarray, grid: np.ndarray) -> float:
    """log p(grid | prompt) from the plain (uncached, unpadded) forward pass."""
    tokens, rows, cols = E.grid_tokens(grid)
    n = len(tokens)
    grid_index, none, zero = np.full(n, prompt[3, -1]), np.full(n, E.NO_EDGE), np.zeros(n, int)
    answer = np.stack([tokens, rows, cols, grid_index, zero, none, none]).astype(np.int64)
    x = torch.from_numpy(np.concatenate([prompt, answer], axis=1))[None]
    logits, _ = model(x)
    logp = F.log_softmax(logits.detach()[0, prompt.shape[1] - 1 : -1].float(), -1)
    return float(logp[torch.arange(n), torch.from_numpy(tokens)].sum())


def test_cached_batched_beam_scores_equal_the_plain_forward():
    torch.manual_seed(0)
    m = GridGPT(GridGPTConfig(block_size=200, n_layer=2, n_head=2, n_embd=32))
    m.eval()
    short = flip_task(2, 2, (2, 2))
    long = flip_task(3, 3, (4, 3))
    prompts = [m.example(d, q, None, None, "t")[0] for d, q, _ in (short, long)]
    assert prompts[0].shape[1] != prompts[1].shape[1]  # so the batch is left-padded
    results = m.decode(prompts, beam=3)
    for prompt, found in zip(prompts, results, strict=True):
        assert 1 <= len(found) <= 3
        for grid, score in found:
            assert score == pytest.approx(full_logprob(m, prompt, grid), abs=1e-4)
        assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


def test_decoding_writes_only_well_formed_grids():
    torch.manual_seed(1)
    m = GridGPT(GridGPTConfig(block_size=400, n_layer=1, n_head=2, n_embd=16))
    d, q, _ = flip_task(4)
    for grid, _ in m.candidates([(d, q, "t")], None)[0]:
        assert grid.ndim == 2 and min(grid.shape) >= 1 and max(grid.shape) <= 30


def test_object_finder_separates_touching_objects():
    torch.manual_seed(0)
    # two touching red rectangles and a two-coloured bar: colour components get both wrong
    grid = np.zeros((6, 6), np.uint8)
    grid[0:2, 0:2] = 2
    grid[0:2, 2:4] = 2
    grid[4, 1:5] = [3, 4, 3, 4]
    objects = [
        np.array([(r, c) for r in range(2) for c in range(2)]),
        np.array([(r, c) for r in range(2) for c in range(2, 4)]),
        np.array([(4, c) for c in range(1, 5)]),
    ]
    owners = owner_map(grid.shape, objects)
    m = ObjectFinder(ObjectFinderConfig(canvas=7, n_layer=2, n_head=2, n_embd=32))
    assert overfit(m, m.example(grid, owners), steps=200) < 0.02
    truth = visible_objects(owners)
    (found,) = m.find([grid])
    assert found == truth and f1_score([object_f1(found, truth)]) == 1.0


def test_owner_map_later_objects_cover_earlier():
    a = np.array([(0, 0), (0, 1)])
    b = np.array([(0, 1), (1, 1)])
    owners = owner_map((2, 2), [a, b])
    assert owners.tolist() == [[0, 1], [-1, 1]]
    assert visible_objects(owners) == {frozenset({0}), frozenset({1, 3})}
    assert object_f1({frozenset({0})}, visible_objects(owners)) == (1, 1, 2)
    from z2h.arc.models.objects_model import link_targets

    y = link_targets(owners, 3).reshape(3, 3, 5)
    assert y[0, 0].tolist() == [1, 0, -1, 0, -1]  # right, down-right: the other object
    assert y[1, 0].tolist() == [0, -1, -1, -1, -1]  # a background cell links to nothing
    assert (y[2] == -1).all() and (y[:, 2] == -1).all()  # off the 2x2 grid


def test_registry_and_typed_settings():
    assert registry.names() == ["grid-gpt", "grid-vit", "objects", "object-reasoner"]
    cfg = registry.make_config("grid-vit", canvas=8, demos=0)
    assert cfg.canvas == 8 and registry.build("grid-vit", cfg).reads_demos is False
    with pytest.raises(Z2HError, match="unknown model 'vit'; choose one of: grid-gpt"):
        registry.get_entry("vit")
    with pytest.raises(Z2HError, match=r"no setting.*canvass"):
        registry.make_config("grid-vit", canvass=8)
    with pytest.raises(Z2HError, match="expected True or False"):
        registry.make_config("grid-gpt", object_ids="yes")
    with pytest.raises(Z2HError, match="divisible"):
        registry.make_config("grid-gpt", n_embd=30, n_head=4)


def test_object_ids_come_from_connected_components():
    from z2h.arc.models.evaluate import object_id_map

    grid = np.array([[0, 1, 1], [0, 0, 2], [3, 0, 2]], np.uint8)
    assert object_id_map(grid).tolist() == [[0, 1, 1], [0, 0, 2], [3, 0, 2]]


def test_grid_vit_reads_object_ids():
    from z2h.arc.models.evaluate import object_id_map

    torch.manual_seed(0)
    demos, q, a = flip_task(5)
    m = GridViT(GridViTConfig(canvas=5, n_layer=1, n_head=2, n_embd=16, object_ids=True))
    x, y = m.collate([m.example(demos, q, a, object_id_map, "t")])
    assert x[0, 1].max() > 0  # object ids reach the input
    _, loss = m(x, y)
    loss.backward()
    assert m.encoder.obj_emb.weight.grad.abs().sum() > 0


def test_edge_positions_count_from_the_far_edges():
    m = GridViT(GridViTConfig(canvas=5, demos=0, n_layer=1, n_head=2, n_embd=16))
    grid = np.zeros((2, 3), np.uint8)
    x, _ = m.collate([m.example([], grid, None, None, "t")])
    below, right = m.encoder._from_edges(x[:, 0])
    below, right = below.view(5, 5), right.view(5, 5)
    assert below[:2, :3].tolist() == [[1, 1, 1], [0, 0, 0]]
    assert right[:2, :3].tolist() == [[2, 1, 0], [2, 1, 0]]
    assert (below[2:] == 5).all() and (right[:, 3:] == 5).all()  # off the grid


def test_local_neighbourhood_values():
    from z2h.arc.models.base import NEIGHBOURS

    cfg = ObjectFinderConfig(arch="transformer", canvas=3, n_layer=1, n_head=2, n_embd=16)
    m = ObjectFinder(cfg)
    x, _ = m.collate([m.example(np.array([[1, 2], [3, 4]], np.uint8), None)])
    around = dict(zip(NEIGHBOURS, m.encoder._neighbours(x[:, 0].reshape(1, 9)), strict=True))
    assert around[(0, 1)].view(3, 3)[0].tolist() == [2, E.BORDER, E.EMPTY]  # right of row 0
    assert around[(-1, 0)].view(3, 3)[0].tolist() == [E.EMPTY] * 3  # above the canvas
    assert around[(1, 1)].view(3, 3)[0, 0].item() == 4


def test_grid_vit_with_every_option_trains_on_a_batch():
    from z2h.arc.models.evaluate import object_id_map

    torch.manual_seed(0)
    cfg = GridViTConfig(canvas=5, demos=2, n_layer=1, n_head=2, n_embd=16, local=True,
                        object_ids=True)  # fmt: skip
    m = GridViT(cfg)
    examples = [m.example(*flip_task(s, 4)[:2], flip_task(s, 4)[2], object_id_map, "t")
                for s in range(3)]  # fmt: skip
    x, y = m.collate(examples)
    _, loss = m(x, y)
    loss.backward()
    assert torch.isfinite(loss) and len(m.candidates([(*flip_task(0, 4)[:2], "t")], None)) == 1


def test_grid_gpt_reads_the_generator_description_first():
    from z2h.arc.generators.registry import get_generator
    from z2h.arc.models.gridgpt import task_description

    torch.manual_seed(0)
    cfg = GridGPTConfig(block_size=160, n_layer=1, n_head=2, n_embd=16, describe=True, max_text=40)
    m = GridGPT(cfg)
    demos, q, a = flip_task(2)
    x, y = m.example(demos, q, a, None, "flip-7-3")
    text = get_generator("flip").description
    assert task_description("flip-7-3") == text and task_description("007bbfb7") == ""
    n = len(m.description_tokens("flip-7-3"))
    assert 0 < n <= 40 and n < len(text.encode())  # the merges write it in fewer tokens
    assert m.tokenizer().decode(x[0, :n] - E.VOCAB_SIZE) == m.tokenizer().decode(
        m.tokenizer().encode_ordinary(text)[:n]
    )
    assert (x[3, :n] == cfg.max_grids).all() and (y[:n] == E.IGNORE).all()
    assert x[0, n] == E.INPUT  # then the task as without a description
    plain, _ = m.example(demos, q, a, None, "007bbfb7")  # a real task: no description
    assert np.array_equal(plain, x[:, n:])
    assert overfit(m, (x, y)) < 0.05
    (best, _), *_ = m.candidates([(demos, q, "flip-7-3")], None)[0]
    assert np.array_equal(best, a)


def test_grid_gpt_description_settings_are_checked_only_when_used():
    GridGPTConfig(block_size=64, max_text=48)  # no description read: max_text is unused
    with pytest.raises(Z2HError, match="max_text"):
        GridGPTConfig(block_size=64, max_text=48, describe=True)
    with pytest.raises(Z2HError, match="text_vocab"):
        GridGPTConfig(text_vocab=100, describe=True)


def test_grid_gpt_description_tokenizer_travels_in_the_checkpoint():
    cfg = GridGPTConfig(block_size=160, n_layer=1, n_head=2, n_embd=16, describe=True)
    m = GridGPT(cfg)
    want = m.description_tokens("gravity-1-2")
    other = GridGPT(cfg)
    with torch.no_grad():
        other.text_merges.fill_(-1)  # no merges: one token per byte
    assert len(other.description_tokens("gravity-1-2")) > len(want)
    other.load_state_dict(m.state_dict())
    assert other.description_tokens("gravity-1-2") == want
