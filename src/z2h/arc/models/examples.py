"""The base of what an ARC model learns from (``Examples``): held-out examples, training
examples drawn from a source, and scores beyond the loss. ``z2h.arc.models.train`` defines the
kinds for the solvers and the objects model; a model module may add its own (the object
reasoner's), without importing the trainer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from z2h.arc.models.encode import EncodingError

MAX_TOO_BIG = 100  # tasks in a row too big for the model before a batch is an error


class Examples:
    """What one kind of model learns from: its held-out examples, a training example drawn
    from the source, and its scores beyond the loss. Material too big for the model (a larger
    grid than its canvas, a longer task than its context) is drawn past and counted in
    ``too_big``, in training and held out, rather than stopping the run."""

    def __init__(self, model: Any, source: Any, s: Any):
        self.model, self.source, self.s = model, source, s
        self.too_big = {"train": 0, "held_out": 0}
        self.val_examples: list[Any] = []

    def example(self, rng: np.random.Generator) -> Any:
        for _ in range(MAX_TOO_BIG):
            try:
                return self._draw(rng)
            except EncodingError as e:
                self.too_big["train"] += 1
                last = e
        raise EncodingError(f"{MAX_TOO_BIG} tasks in a row are too big: {last}")

    def _draw(self, rng: np.random.Generator) -> Any:
        raise NotImplementedError

    def scores(self, model: torch.nn.Module) -> dict[str, float]:
        raise NotImplementedError
