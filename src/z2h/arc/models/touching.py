"""Scenes of touching, multi-coloured objects: where connected components cannot find objects.

Objects are rectangles, either framed (a one-cell frame of one colour around a fill of another:
colour components split it in two) or solid. They are placed so that each touches an object placed
before it (colour components that ignore colour merge them); two objects whose outer colours agree
touch only when both are framed (their two frame lines show the boundary), so every object stays
recognisable from the grid alone. Built with
``z2h.arc.scene`` and labelled with ``z2h.arc.labels.grid_labels``, as the generators' scenes are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from z2h.arc.labels import grid_labels
from z2h.arc.models.objects_model import owner_map
from z2h.arc.scene import Obj, Scene

SCENE_SOURCES = ("touching",)  # --scenes names: object scenes for the objects model


@dataclass
class SceneSpec:
    min_side: int = 8  # canvas height and width are drawn from [min_side, max_side]
    max_side: int = 14
    min_objects: int = 3  # objects per scene (fewer when the canvas fills up)
    max_objects: int = 6
    max_rect: int = 5  # rectangles are 1..max_rect cells each way (framed ones at least 3)


def _rectangle(rng: np.random.Generator, spec: SceneSpec, k: int, palette: list[int]) -> Obj:
    framed = rng.random() < 0.5
    lo = 3 if framed else 1
    h, w = (int(v) for v in rng.integers(lo, spec.max_rect + 1, size=2))
    if framed:
        frame, fill = (int(c) for c in rng.choice(palette, size=2, replace=False))
        colors = np.full((h, w), frame, np.uint8)
        colors[1:-1, 1:-1] = fill
        tags: tuple[str, ...] = ("rectangle", "framed")
    else:
        colors = np.full((h, w), int(rng.choice(palette)), np.uint8)
        tags = ("rectangle",)
    return Obj(k, np.ones((h, w), bool), colors, (0, 0), 0, tags)


def _touching_positions(box: tuple[int, int, int, int], h: int, w: int) -> list[tuple[int, int]]:
    """Top-left corners where an h x w rectangle shares a side with ``box`` (top, left, bh, bw)."""
    top, left, bh, bw = box
    out = []
    for r in range(top - h + 1, top + bh):  # left and right sides
        out += [(r, left - w), (r, left + bw)]
    for c in range(left - w + 1, left + bw):  # above and below
        out += [(top - h, c), (top + bh, c)]
    return out


def touching_scene(rng: np.random.Generator, spec: SceneSpec | None = None):
    """(grid, owner map, background colour) of one scene; see the module docstring."""
    spec = spec or SceneSpec()
    while True:
        H, W = (int(v) for v in rng.integers(spec.min_side, spec.max_side + 1, size=2))
        palette = [int(c) for c in rng.choice(np.arange(1, 10), size=3, replace=False)]
        want = int(rng.integers(spec.min_objects, spec.max_objects + 1))
        outer = np.full((H, W), -1)  # the outer colour of the object at each cell (-1: none)
        is_framed = np.zeros((H, W), bool)
        taken = np.zeros((H, W), bool)
        objects: list[Obj] = []
        for _ in range(want * 10):
            if len(objects) == want:
                break
            obj = _rectangle(rng, spec, len(objects), palette)
            h, w = obj.shape
            if objects:
                anchor = objects[int(rng.integers(len(objects)))]
                spots = _touching_positions(anchor.box(), h, w)
            else:
                spots = [(int(rng.integers(0, H - h + 1)), int(rng.integers(0, W - w + 1)))]
            r, c = spots[int(rng.integers(len(spots)))]
            if r < 0 or c < 0 or r + h > H or c + w > W or taken[r : r + h, c : c + w].any():
                continue
            # only two framed objects may touch where their outer colours agree
            framed = "framed" in obj.tags
            around = (slice(max(r - 1, 0), r + h + 1), slice(max(c - 1, 0), c + w + 1))
            clash = (outer[around] == obj.colors[0, 0]) & ~(is_framed[around] & framed)
            if clash.any():
                continue
            outer[r : r + h, c : c + w] = obj.colors[0, 0]
            is_framed[r : r + h, c : c + w] = framed
            taken[r : r + h, c : c + w] = True
            objects.append(obj.at(r, c))
        if len(objects) >= 2:
            break
    scene = Scene(H, W, 0, objects)
    labels = grid_labels(scene)
    grid = scene.render()
    return grid, owner_map(grid.shape, [o.cells for o in labels.objects]), 0
