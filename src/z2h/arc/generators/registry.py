"""The generator registry: a name -> its generator.

A generator module registers its classes with the ``@register`` decorator; ``load_all`` imports
every module of ``z2h.arc.generators`` (so a new module needs no import line anywhere).
"""

from __future__ import annotations

import importlib
import pkgutil

from z2h.arc.generators.base import Generator
from z2h.errors import Z2HError

_REGISTRY: dict[str, Generator] = {}
_SKIP = {"base", "registry"}  # modules with no generators in them


def register(cls: type[Generator]) -> type[Generator]:
    """Class decorator: register one instance of ``cls`` under ``cls.name``."""
    for attr in ("name", "concepts", "description"):
        if not getattr(cls, attr, None):
            raise TypeError(f"generator {cls.__name__} has no {attr}")
    existing = _REGISTRY.get(cls.name)
    if existing is not None and type(existing).__qualname__ != cls.__qualname__:
        raise TypeError(f"generator name {cls.name!r} is registered twice")
    _REGISTRY[cls.name] = cls()
    return cls


def load_all() -> None:
    """Import every generator module so its ``@register`` decorators run."""
    import z2h.arc.generators as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in _SKIP and not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")


def names() -> list[str]:
    load_all()
    return sorted(_REGISTRY)


def all_generators() -> list[Generator]:
    return [_REGISTRY[n] for n in names()]


# generators in use by this process besides the registered ones (a sketch being made into a
# set), by name: make_set's forked workers find them here as they find registered ones
_IN_USE: dict[str, Generator] = {}


def use(gen: Generator) -> None:
    """Make ``gen`` known by name to ``generator_named`` until ``release``."""
    _IN_USE[gen.name] = gen


def release(name: str) -> None:
    _IN_USE.pop(name, None)


def generator_named(name: str) -> Generator:
    """A generator in use (``use``) called ``name``, else the registered one."""
    return _IN_USE.get(name) or get_generator(name)


def find_generator(name: str) -> Generator | None:
    """The generator called ``name``, or None when there is none."""
    load_all()
    return _REGISTRY.get(name)


def get_generator(name: str) -> Generator:
    """The generator called ``name``; an unknown name raises an error listing the valid ones."""
    valid = names()
    if name not in _REGISTRY:
        raise Z2HError(f"unknown generator {name!r}; choose one of: {', '.join(valid)}")
    return _REGISTRY[name]


def resolve(spec: str) -> list[Generator]:
    """``"all"`` or a comma-separated list of names -> generators (in the order given)."""
    if spec.strip() == "all":
        return all_generators()
    names_ = [s.strip() for s in spec.split(",") if s.strip()]
    if not names_:
        raise Z2HError("--generator needs a name, a comma-separated list of names, or 'all'")
    return [get_generator(n) for n in dict.fromkeys(names_)]
