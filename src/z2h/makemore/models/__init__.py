"""makemore's models, one module each; importing this package registers all of them."""

import importlib
import pkgutil


def load_all() -> None:
    """Import every module in this package so its ``register(...)`` calls run."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
