"""Task generators, one module per group of ARC priors; every module here is found and imported
by ``registry.load_all`` (no import line needed)."""

from z2h.arc.generators.base import CannotSolve, Example, Generator, Rand, Reject
from z2h.arc.generators.registry import all_generators, get_generator, names, register

__all__ = [
    "CannotSolve",
    "Example",
    "Generator",
    "Rand",
    "Reject",
    "all_generators",
    "get_generator",
    "names",
    "register",
]
