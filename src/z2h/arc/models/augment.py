"""Symmetries of an ARC task: the 8 rotations / flips of the square and colour permutations.

An ``Augmentation`` applied to every grid of a task gives another task with the same kind of rule
(a rule's direction or colours change consistently in every pair), so in-context models train on
them and test-time augmentation (TTA) asks a model the same question 8 ways, maps each answer back
with the exact inverse and votes. A model that reads no demonstrations cannot use them: its rule is
fixed, and a rotated question has a different answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from z2h.errors import Z2HError

N_DIHEDRAL = 8
IDENTITY_COLOURS = tuple(range(10))


def dihedral(grid: np.ndarray, k: int) -> np.ndarray:
    """Transform ``k`` in 0..7: rotate k % 4 quarter turns counter-clockwise, then (k >= 4) mirror
    left-right."""
    if not 0 <= k < N_DIHEDRAL:
        raise Z2HError(f"dihedral transform must be 0-7, got {k}")
    out = np.rot90(np.asarray(grid), k % 4)
    if k >= 4:
        out = np.fliplr(out)
    return np.ascontiguousarray(out)


def inverse_dihedral(grid: np.ndarray, k: int) -> np.ndarray:
    """Undo ``dihedral(., k)``: mirror back first, then rotate the other way."""
    if not 0 <= k < N_DIHEDRAL:
        raise Z2HError(f"dihedral transform must be 0-7, got {k}")
    out = np.asarray(grid)
    if k >= 4:
        out = np.fliplr(out)
    return np.ascontiguousarray(np.rot90(out, -(k % 4)))


@dataclass(frozen=True)
class Augmentation:
    """One symmetry: a dihedral transform and a colour map (colour c becomes ``colours[c]``)."""

    dihedral: int = 0  # 0..7, see ``dihedral``
    colours: tuple[int, ...] = field(default=IDENTITY_COLOURS)  # a permutation of 0..9

    def __post_init__(self) -> None:
        if sorted(self.colours) != list(range(10)):
            raise Z2HError(f"colours must be a permutation of 0-9, got {self.colours}")
        if not 0 <= self.dihedral < N_DIHEDRAL:
            raise Z2HError(f"dihedral transform must be 0-7, got {self.dihedral}")

    @property
    def is_identity(self) -> bool:
        return self.dihedral == 0 and self.colours == IDENTITY_COLOURS

    def apply(self, grid: np.ndarray) -> np.ndarray:
        perm = np.asarray(self.colours, dtype=np.uint8)
        return dihedral(perm[np.asarray(grid)], self.dihedral)

    def invert(self, grid: np.ndarray) -> np.ndarray:
        inverse = np.argsort(np.asarray(self.colours)).astype(np.uint8)
        return inverse[inverse_dihedral(grid, self.dihedral)]

    def apply_pairs(
        self, pairs: Sequence[tuple[np.ndarray, np.ndarray]]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(self.apply(i), self.apply(o)) for i, o in pairs]


def random_augmentation(
    rng: np.random.Generator, geometry: bool = True, colours: bool = True
) -> Augmentation:
    """A uniformly drawn symmetry; colour 0 (the usual background) keeps its colour."""
    k = int(rng.integers(N_DIHEDRAL)) if geometry else 0
    perm = IDENTITY_COLOURS
    if colours:
        perm = (0, *(int(c) for c in rng.permutation(np.arange(1, 10))))
    return Augmentation(k, perm)


def tta_augmentations(views: int = 8, seed: int = 0, colours: bool = True) -> list[Augmentation]:
    """``views`` symmetries for test-time augmentation: the identity first, then the other
    dihedral transforms in turn, each after the first with a colour permutation (fixed by seed)."""
    if views < 1:
        raise Z2HError(f"--tta-views must be at least 1, got {views}")
    rng = np.random.default_rng(seed)
    out = [Augmentation()]
    for i in range(1, views):
        perm = IDENTITY_COLOURS
        if colours:
            perm = (0, *(int(c) for c in rng.permutation(np.arange(1, 10))))
        out.append(Augmentation(i % N_DIHEDRAL, perm))
    return out
