"""Every library bot/ imports is declared in pyproject.toml, and the dev tools are pinned."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT
from tools.pin_tools import TOOLS, repinned

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def third_party_imports(root: Path) -> set[str]:
    """The top-level modules imported anywhere under `root` that are neither the standard
    library nor bot itself."""
    found: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.partition(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name != "bot"}


def undeclared(modules: set[str], requirements: list[str]) -> set[str]:
    """The modules whose distribution (as installed) no requirement names."""
    declared = {canonicalize_name(Requirement(line).name) for line in requirements}
    providers = packages_distributions()
    return {
        module
        for module in modules
        if not {canonicalize_name(dist) for dist in providers.get(module, [module])} & declared
    }


def test_every_library_bot_imports_is_a_declared_dependency() -> None:
    modules = third_party_imports(ROOT / "bot")
    # Both are imported by name (ingest/fetch.py, telegram/webhook_server.py), not only
    # reached through httpx and python-telegram-bot's extras.
    assert {"httpcore", "tornado", "telegram", "Stemmer"} <= modules
    assert undeclared(modules, PYPROJECT["project"]["dependencies"]) == set()


def test_an_undeclared_import_is_found(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import httpcore\nfrom dotenv import load_dotenv\nimport os\n")
    modules = third_party_imports(tmp_path)
    assert modules == {"httpcore", "dotenv"}
    # python-dotenv provides `dotenv`: found by its distribution's name, not the module's.
    assert undeclared(modules, ["python-dotenv>=1", "httpx"]) == {"httpcore"}


def test_the_dev_tools_are_pinned_exactly_at_the_installed_versions() -> None:
    pins = {
        canonicalize_name(req.name): req.specifier
        for req in map(Requirement, PYPROJECT["project"]["optional-dependencies"]["dev"])
    }
    for tool in TOOLS:
        (spec,) = pins[canonicalize_name(tool)]
        assert spec.operator == "==", tool
        # `make .venv/.installed` reinstalls when pyproject.toml changes: the tools that run
        # are the ones pinned.
        assert spec.version == version(tool), tool


def test_unused_extras_are_not_installed() -> None:
    (telegram,) = [
        Requirement(line)
        for line in PYPROJECT["project"]["dependencies"]
        if line.startswith("python-telegram-bot")
    ]
    # No AIORateLimiter: telegram/limiter.py puts PTB's hook on our own FloodGate.
    assert telegram.extras == {"job-queue", "webhooks"}
    assert "AIORateLimiter" not in "".join(p.read_text() for p in (ROOT / "bot").rglob("*.py"))


def test_bumping_rewrites_only_the_pins() -> None:
    text = '[x]\ndev = [\n    "ruff==0.1.0",\n    "ruff-lsp>=1",\n    "mypy==1.0",\n]\n'
    assert repinned(text, {"ruff": "0.17.6"}) == text.replace("0.1.0", "0.17.6")
