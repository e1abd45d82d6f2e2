"""The rules of dependency, read from the imports, and every command documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.i18n import ADMIN_COMMANDS, COMMANDS, TEXTS
from tests.conftest import ROOT

BOT = ROOT / "bot"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules() -> dict[str, set[str]]:
    return {
        str(path.relative_to(ROOT)): _imports(path)
        for path in BOT.rglob("*.py")
        if "__pycache__" not in path.parts
    }


def test_only_bot_telegram_imports_telegram() -> None:
    for name, imports in _modules().items():
        uses = any(i == "telegram" or i.startswith("telegram.") for i in imports)
        assert not uses or name.startswith("bot/telegram/"), name


def test_only_the_store_imports_database_drivers() -> None:
    for driver in ("aiosqlite", "asyncpg"):
        users = [name for name, imports in _modules().items() if driver in imports]
        assert users, driver
        assert all(name.startswith("bot/store/") for name in users), driver


def test_only_config_reads_the_environment() -> None:
    for path in BOT.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ|os\.getenv|dotenv", source):
            assert path.name == "config.py", path


def test_ingest_never_imports_the_store_or_upper_layers() -> None:
    upper = (
        "bot.store",
        "bot.search",
        "bot.searcher",
        "bot.loader",
        "bot.render",
        "bot.delivery.planning",
    )
    for name, imports in _modules().items():
        if name.startswith("bot/ingest/"):
            assert not [i for i in imports if i.startswith(upper)], name


def test_lower_layers_never_import_upper_ones() -> None:
    lower = (
        "bot/text.py", "bot/models.py", "bot/config.py", "bot/migrations.py",
        "bot/migrations_pg.py",
    )  # fmt: skip
    for name, imports in _modules().items():
        if name in lower:
            assert not [i for i in imports if i.startswith("bot.") and i != "bot.models"], name


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    main = (BOT / "__main__.py").read_text(encoding="utf-8")
    commands = re.findall(r'add_parser\(\s*"(\w+)"', main)
    commands += re.findall(r'\(\s*"(search|quote)",', main)
    assert {"run", "load", "stats", "search", "quote"} <= set(commands)
    for command in set(commands):
        assert f"### `{command}" in readme, command
    for action in re.findall(r'\(\s*"(import|export)",', main):
        assert f"`sources {action}" in readme, action


def test_every_bot_command_is_in_help_readme_and_both_menus() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    app = (BOT / "telegram" / "app.py").read_text(encoding="utf-8")
    registered = set(
        re.findall(
            r'^\s*"(\w+)": (?:handlers|subscriptions|chat_settings|channels|admin)\.', app, re.M
        )
    )
    assert {"start", "help", "search", "quote", "sources", "subscribe", "addsource"} <= registered
    for lang in ("fr", "en"):
        assert {name for name, _ in COMMANDS[lang]} == registered - set(ADMIN_COMMANDS)
        for name in registered:
            assert f"/{name}" in TEXTS[lang]["help"], (lang, name)
    for name in registered:
        assert f"`/{name}" in readme, name
