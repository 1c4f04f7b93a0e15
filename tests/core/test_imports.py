"""The import structure of the package, read from the source with ``ast`` (nothing is imported).

Library modules never import a command-line module: a ``cli`` module parses arguments and calls
the library, so an import the other way round makes a circle (makemore's pipeline once took its
defaults from ``makemore/cli.py``, which imports the diagnostics, which imported the pipeline).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import z2h

PACKAGE_DIR = Path(z2h.__file__).resolve().parent
ENTRY_POINTS = {"cli", "__main__"}  # modules that parse the command line


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def imported_modules(name: str, source: str, top_level_only: bool = False) -> set[str]:
    """Every module ``source`` (module ``name``) imports, anywhere in it, as absolute names;
    ``from pkg import x`` counts as importing ``pkg.x`` when that is a module of the package."""
    tree = ast.parse(source)
    is_package = MODULES.get(name, Path()).name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(
                f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES
            )
    return found


def is_cli(module: str) -> bool:
    return module.rpartition(".")[2] in ENTRY_POINTS


def test_the_walk_finds_the_packages():
    assert {"z2h.cli", "z2h.makemore.cli", "z2h.makemore.training", "z2h.train"} <= set(MODULES)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from z2h.makemore.cli import DEFAULT_MODEL", True),
        ("from z2h.makemore import cli", True),
        ("import z2h.gpt.cli as c", True),
        ("def f():\n    from .cli import configure", True),  # inside a function counts too
        ("from . import cli", True),
        ("from z2h.makemore import training", False),
        ("from z2h.makemore.defaults import DEFAULT_MODEL", False),
    ],
)
def test_the_check_sees_every_way_to_import_a_cli(source, expected):
    found = imported_modules("z2h.makemore.runs", source)
    assert any(is_cli(m) for m in found) == expected, found


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not is_cli(n)))
def test_library_modules_never_import_a_cli_module(name):
    found = imported_modules(name, MODULES[name].read_text(encoding="utf-8"))
    offending = sorted(m for m in found if m.startswith("z2h") and is_cli(m))
    assert not offending, (
        f"{name} imports {', '.join(offending)}: shared defaults belong in a library module "
        "(e.g. z2h.defaults, z2h.makemore.defaults), which the CLI imports"
    )


@pytest.mark.parametrize("top_level_only", [True, False], ids=["module-level", "any-import"])
def test_no_import_circle(top_level_only):
    """No module leads back to itself, following the imports run when a module loads, and
    also those inside functions (a circle hidden in a function is still a circle: two modules
    that need each other are one module's worth of code in the wrong places)."""
    graph = {
        name: {
            m
            for m in imported_modules(name, path.read_text(encoding="utf-8"), top_level_only)
            if m in MODULES and m != name
        }
        for name, path in MODULES.items()
    }
    # a package's __init__ is imported before its submodules: that edge is not a circle
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}

    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circle = [*path[path.index(nxt) :], nxt]
                pytest.fail("import circle: " + " -> ".join(circle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
