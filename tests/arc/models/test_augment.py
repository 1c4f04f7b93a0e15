"""Each of the 8 dihedral transforms and every colour permutation inverts exactly."""

from __future__ import annotations

import numpy as np
import pytest

from z2h.arc.models.augment import (
    Augmentation,
    dihedral,
    inverse_dihedral,
    random_augmentation,
    tta_augmentations,
)
from z2h.errors import Z2HError

G = np.arange(12, dtype=np.uint8).reshape(3, 4) % 10


@pytest.mark.parametrize("k", range(8))
def test_dihedral_inverts(k):
    assert np.array_equal(inverse_dihedral(dihedral(G, k), k), G)


def test_the_eight_transforms_are_distinct_and_known():
    outs = {dihedral(G, k).tobytes() + bytes(dihedral(G, k).shape) for k in range(8)}
    assert len(outs) == 8
    assert np.array_equal(dihedral(G, 1), np.rot90(G))
    assert np.array_equal(dihedral(G, 4), G[:, ::-1])
    assert np.array_equal(dihedral(G, 6), G[::-1, :])  # half turn then mirror: up-down flip
    assert np.array_equal(dihedral(G, 5), G.T[::-1, ::-1])  # the anti-transpose


@pytest.mark.parametrize("seed", range(10))
def test_random_augmentation_inverts(seed):
    aug = random_augmentation(np.random.default_rng(seed))
    g = np.random.default_rng(seed).integers(0, 10, size=(5, 7)).astype(np.uint8)
    out = aug.apply(g)
    assert np.array_equal(aug.invert(out), g)
    assert aug.colours[0] == 0  # the background keeps its colour


def test_colour_map_is_applied_before_geometry():
    aug = Augmentation(1, (0, 2, 1, 3, 4, 5, 6, 7, 8, 9))
    g = np.array([[1, 2]], np.uint8)
    assert aug.apply(g).tolist() == [[1], [2]]  # colours swapped, then a quarter turn


def test_tta_views():
    views = tta_augmentations(8, seed=1)
    assert views[0].is_identity and len(views) == 8
    assert sorted(v.dihedral for v in views) == list(range(8))
    assert tta_augmentations(8, seed=1) == views


@pytest.mark.parametrize(
    "bad", [dict(dihedral=8), dict(colours=(0,) * 10), dict(colours=tuple(range(9)))]
)
def test_bad_augmentations(bad):
    with pytest.raises(Z2HError):
        Augmentation(**bad)
