"""makemore: character-level language models on word lists (lectures 2-6).

Every model honours one contract, ``forward(idx, targets=None) -> (logits, loss)``, and is chosen
by name from ``z2h.makemore.registry``; one data layer, trainer, evaluator and sampler serve them
all.
"""
