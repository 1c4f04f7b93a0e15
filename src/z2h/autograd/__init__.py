"""micrograd (lecture 1): scalar reverse-mode autograd and a tiny neural-net library on top.

- ``engine``: the readable ``Value`` (one closure per op) and its iterative topological sort;
- ``fast``: the same graph traced once into a ``Tape`` and replayed as generated Python;
- ``nn``: ``Neuron``, ``Layer``, ``MLP``; ``optim``: SGD with momentum, Adam;
  ``losses``: MSE, hinge, binary cross-entropy;
- ``draw``: a picture of any ``Value``'s graph as DOT text or SVG (no graphviz needed);
- ``demo``: the lecture's two-moons classifier.
"""

from z2h.autograd.engine import Value

__all__ = ["Value"]
