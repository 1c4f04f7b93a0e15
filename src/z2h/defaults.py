"""Defaults every system shares, written once so that a run is reproducible by the same numbers."""

DEFAULT_SEED = 1337  # seeds data splits, initial weights and batches unless --seed says otherwise
