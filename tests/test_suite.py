"""The suite's own rules: every module that starts the bot as a process is marked e2e (so
`make test-fast` leaves it out and `make test-e2e` runs it), and starts it one way only."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def _imported(path: Path) -> set[str]:
    """The tests.* modules `path` imports from."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("tests.")}


def bot_starting_modules() -> set[str]:
    """Test modules that start `python -m bot run`: through tests.bot_process, or through a
    test module that does."""
    imports = {f"tests.{path.stem}": _imported(path) for path in TESTS.glob("test_*.py")}
    starting = {"tests.bot_process"}
    while True:
        more = {name for name, used in imports.items() if used & starting} - starting
        if not more:
            return starting - {"tests.bot_process"}
        starting |= more


def _marks(module_name: str) -> set[str]:
    marks = getattr(importlib.import_module(module_name), "pytestmark", [])
    if isinstance(marks, pytest.MarkDecorator):
        marks = [marks]
    return {mark.name for mark in marks}


def test_every_module_starting_the_bot_is_marked_e2e() -> None:
    starting = bot_starting_modules()
    assert {"tests.test_e2e_bot", "tests.test_setup_path", "tests.test_e2e_outage"} <= starting
    assert [name for name in sorted(starting) if "e2e" not in _marks(name)] == []


def test_the_bot_process_is_started_in_one_place() -> None:
    starter = '"bot", ' + '"run"'  # written apart, not to find this file itself
    spawning = [
        path.name for path in TESTS.glob("test_*.py") if starter in path.read_text(encoding="utf-8")
    ]
    assert spawning == []  # tests/bot_process.py starts it


def test_modules_marked_e2e_start_the_bot() -> None:
    """The other way round: `make test-fast` leaves out no test that could run in it."""
    marked = {f"tests.{path.stem}" for path in TESTS.glob("test_*.py")}
    marked = {name for name in marked if "e2e" in _marks(name)}
    assert marked == bot_starting_modules()
