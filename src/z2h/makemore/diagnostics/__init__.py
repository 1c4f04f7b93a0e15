"""Looking inside training (lectures 3-4): hooks and statistics, plots, LR finder, embeddings,
initialisation reports and BatchNorm folding.

Import the submodules directly; this package imports nothing heavy so the CLI stays fast.
"""
