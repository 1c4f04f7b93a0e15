"""Tests that need something the machine may lack say so with a marker, and skip with a reason
(never silently), except under CI, where they must run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]


def _root_conftest(config: pytest.Config):
    for plugin in config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", None) or "/") == TESTS / "conftest.py":
            return plugin
    raise AssertionError("tests/conftest.py is not loaded")


def _calls_torch_compile(fn: ast.FunctionDef) -> bool:
    return any(
        isinstance(n, ast.Attribute) and n.attr == "compile" and ast.unparse(n.value) == "torch"
        for n in ast.walk(fn)
    )


def _marked(fn: ast.FunctionDef, marker: str) -> bool:
    return any(ast.unparse(d).endswith(f"mark.{marker}") for d in fn.decorator_list)


def test_every_test_calling_torch_compile_needs_a_compiler():
    unmarked = []
    for path in sorted(TESTS.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.FunctionDef)
                and node.name.startswith("test")
                and _calls_torch_compile(node)
                and not _marked(node, "needs_compiler")
            ):
                unmarked.append(f"{path.relative_to(TESTS)}::{node.name}")
    assert not unmarked, f"mark these @pytest.mark.needs_compiler: {unmarked}"


def test_the_marker_is_registered(pytestconfig):
    assert any(m.startswith("needs_compiler:") for m in pytestconfig.getini("markers"))


@pytest.mark.parametrize(
    "environ, on_path, runs",
    [
        ({}, {"g++"}, True),
        ({}, set(), False),
        ({"CI": "true"}, set(), True),  # CI: a missing compiler fails the test, never skips it
        ({"CI": "false"}, set(), False),
        ({"CXX": "my-c++"}, {"my-c++"}, True),
        ({"CXX": "my-c++"}, {"g++"}, False),  # torch uses $CXX when it is set
    ],
)
def test_compiler_skip_decision(pytestconfig, environ, on_path, runs):
    reason = _root_conftest(pytestconfig).compiler_skip_reason(
        environ, lambda name: f"/bin/{name}" if name in on_path else None
    )
    assert (reason is None) == runs
    if not runs:
        assert "C++ compiler" in reason
