"""Looking inside training (lectures 3-5): hooks and statistics, plots, LR finder, embeddings,
initialisation reports, BatchNorm folding and backprop by hand.

Import the submodules directly; this package imports nothing heavy so the CLI stays fast.
"""
