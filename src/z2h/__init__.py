"""z2h: Neural Networks: Zero to Hero as a library and a command line.

Systems, one package each, in lecture order: ``z2h.autograd`` (micrograd), ``z2h.makemore``,
``z2h.gpt`` and ``z2h.bpe``. Shared plumbing: ``z2h.data`` (data sets and their cache),
``z2h.run`` (seeding, run directories, metrics, progress) and ``z2h.checkpoint``.
"""

__version__ = "0.1.0"
