"""The dependency order, read from every import in bot/, and every command documented."""

from __future__ import annotations

import argparse
import ast
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from telegram.ext import CommandHandler

from bot.__main__ import build_parser
from bot.i18n import ADMIN_COMMANDS, COMMAND_ALIASES, COMMANDS, TEXTS
from bot.ratelimit import FloodGate
from bot.telegram.app import build_application
from tests.conftest import ROOT, app_settings_on
from tests.fakes import FakeBotAPI, FakeRequest

BOT = ROOT / "bot"

# The dependency order the README states, bottom layer first. A module imports only
# modules of its own layer or of layers below it, and no chain of imports inside bot/
# comes back to where it started. A pattern ending in `.*` covers a package's modules.
LAYERS: Sequence[tuple[str, Sequence[str]]] = (
    (
        "foundation",
        ("bot", "bot.config", "bot.models", "bot.text", "bot.typography", "bot.i18n",
         "bot.redaction", "bot.log_noise", "bot.ratelimit", "bot.errors"),
    ),
    (
        "pure rules and ingestion",
        ("bot.times", "bot.names", "bot.filters", "bot.ingest", "bot.ingest.*",
         "bot.sourcelist", "bot.sourcelist.*"),
    ),
    ("storage and search", ("bot.store", "bot.store.*", "bot.search", "bot.search.*")),
    (
        "the core",
        ("bot.render", "bot.leader", "bot.outages", "bot.polling", "bot.polling.*",
         "bot.delivery", "bot.delivery.*"),
    ),
    ("telegram", ("bot.telegram", "bot.telegram.*")),
    ("command line", ("bot.__main__",)),
)  # fmt: skip


def module_name(path: Path, root: Path) -> str:
    """`bot.store` for bot/store/__init__.py, `bot.store.posts` for bot/store/posts.py."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def read_imports(root: Path) -> dict[str, set[str]]:
    """Each module of the `bot` package under `root`, with the modules of bot/ it imports
    anywhere in its text (functions and TYPE_CHECKING blocks included)."""
    paths = {
        module_name(path, root): path
        for path in (root / "bot").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = (
                    ".".join([*base, *([node.module] if node.module else [])])
                    if node.level
                    else node.module or ""
                )
                for alias in node.names:
                    # `from bot import render` imports the module bot.render.
                    inner = f"{module}.{alias.name}"
                    found.add(inner if inner in paths else module)
        graph[name] = {i for i in found if i == "bot" or i.startswith("bot.")}
    return graph


def layer_of(module: str, layers: Sequence[tuple[str, Sequence[str]]]) -> int | None:
    """The index of the layer holding `module` (exact names before `.*` patterns)."""
    for number, (_, patterns) in enumerate(layers):
        if module in patterns:
            return number
    for number, (_, patterns) in enumerate(layers):
        if any(p.endswith(".*") and module.startswith(p[:-1]) for p in patterns):
            return number
    return None


def order_problems(
    graph: Mapping[str, set[str]], layers: Sequence[tuple[str, Sequence[str]]]
) -> list[str]:
    """What breaks the order: modules no layer holds, imports of a higher layer, cycles."""
    problems: list[str] = []
    for module in sorted(graph):
        mine = layer_of(module, layers)
        if mine is None:
            problems.append(f"{module} is in no layer")
            continue
        for imported in sorted(graph[module]):
            theirs = layer_of(imported, layers)
            if theirs is not None and theirs > mine:
                problems.append(
                    f"{module} ({layers[mine][0]}) imports {imported} ({layers[theirs][0]})"
                )
    problems += [f"import cycle among {', '.join(group)}" for group in _cycles(graph)]
    return problems


def _cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Each group of modules that import one another in a circle (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in sorted(graph.get(module, ())):
            if imported not in graph:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group: list[str] = []
            while not group or group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1 or module in graph.get(module, ()):
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


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


def test_every_import_in_bot_follows_the_dependency_order() -> None:
    graph = read_imports(ROOT)
    assert len(graph) > 70
    assert order_problems(graph, LAYERS) == []


def test_the_order_check_sees_an_upward_import_a_cycle_and_a_module_out_of_the_table() -> None:
    graph = {
        "bot.models": set(),
        "bot.store.posts": {"bot.models", "bot.delivery.planning"},  # the store calling push
        "bot.delivery.planning": {"bot.models"},
        "bot.search.a": {"bot.search.b"},
        "bot.search.b": {"bot.search.a"},
        "bot.stray": {"bot.models"},
    }
    assert order_problems(graph, LAYERS) == [
        "bot.store.posts (storage and search) imports bot.delivery.planning (the core)",
        "bot.stray is in no layer",
        "import cycle among bot.search.a, bot.search.b",
    ]


def test_the_import_reader_finds_imports_in_functions_and_from_packages(tmp_path: Path) -> None:
    # A module written into a copy of the tree: its upward import is found and reported.
    (tmp_path / "bot" / "store").mkdir(parents=True)
    (tmp_path / "bot" / "telegram").mkdir()
    (tmp_path / "bot" / "__init__.py").write_text("")
    (tmp_path / "bot" / "store" / "__init__.py").write_text("from .sneaky import x\n")
    (tmp_path / "bot" / "telegram" / "app.py").write_text("import bot.store\n")
    (tmp_path / "bot" / "store" / "sneaky.py").write_text(
        "def x():\n    from bot.telegram import app\n    return app\n"
    )
    graph = read_imports(tmp_path)
    assert graph == {
        "bot": set(),
        "bot.store": {"bot.store.sneaky"},
        "bot.store.sneaky": {"bot.telegram.app"},
        "bot.telegram.app": {"bot.store"},
    }
    assert order_problems(graph, LAYERS) == [
        "bot.store.sneaky (storage and search) imports bot.telegram.app (telegram)",
        "import cycle among bot.store, bot.store.sneaky, bot.telegram.app",
    ]


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
        "bot.polling.loader",
        "bot.render",
        "bot.delivery.planning",
    )
    for name, imports in _modules().items():
        if name.startswith("bot/ingest/"):
            assert not [i for i in imports if i.startswith(upper)], name


def test_lower_layers_never_import_upper_ones() -> None:
    lower = (
        "bot/text.py", "bot/models.py", "bot/config.py", "bot/store/migrations.py",
        "bot/store/migrations_pg.py",
    )  # fmt: skip
    for name, imports in _modules().items():
        if name in lower:
            assert not [i for i in imports if i.startswith("bot.") and i != "bot.models"], name


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommands `parser` takes, by name (argparse keeps them in its subparsers action)."""
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = _subcommands(build_parser())
    assert {"run", "load", "stats", "search", "quote"} <= set(commands)
    for command in commands:
        assert f"### `{command}" in readme, command
    actions = set(_subcommands(commands["sources"]))
    assert {"import", "export"} <= actions
    for action in actions:
        assert f"`sources {action}" in readme, action


def _registered_commands(core: FakeBotAPI, tmp_path: Path) -> set[str]:
    """The commands the built bot answers (its CommandHandlers), aliases left out."""
    settings = app_settings_on(core, tmp_path / "relais.sqlite3")
    app = build_application(settings, request=FakeRequest(core), gate=FloodGate())
    names = {
        name
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }
    return names - set(COMMAND_ALIASES)


def test_every_bot_command_is_in_help_readme_and_both_menus(
    core: FakeBotAPI, tmp_path: Path
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    handled = _registered_commands(core, tmp_path)
    # /id answers in private only, for the set-up (README « Mettre Relais en service »).
    assert "id" in handled
    registered = handled - {"id"}
    assert {"start", "help", "search", "quote", "sources", "subscribe", "addsource"} <= registered
    for lang in ("fr", "en"):
        menu = {COMMAND_ALIASES.get(name, name) for name, _ in COMMANDS[lang]}
        assert menu == registered - set(ADMIN_COMMANDS)
        # /help is put together from its parts (the admin one for admins, /channel in private).
        help_parts = "".join(t for key, t in TEXTS[lang].items() if key.startswith("help"))
        for name in registered:
            names = [name, *(alias for alias, of in COMMAND_ALIASES.items() if of == name)]
            assert any(f"/{n}" in help_parts for n in names), (lang, name)
    for name in handled:
        assert f"`/{name}" in readme, name


def test_the_readme_map_names_every_module_under_its_layer() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout\n", 1)[1].split("\n## ", 1)[0]
    block = layout.split("```\n", 2)[1]
    headings = [
        line.split(" (")[0]
        for line in block.splitlines()
        if line and not line.startswith((" ", "tests/", "benchmarks/", "tools/"))
    ]
    assert headings == [name for name, _ in LAYERS]
    # Each module sits under the heading of its own layer.
    current = None
    placed: dict[str, str] = {}
    for line in block.splitlines():
        if line and not line.startswith(" "):
            current = line.split(" (")[0]
        elif line.strip().startswith("bot/"):
            placed[line.split()[0]] = current or ""
    for path in sorted(BOT.rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if "__pycache__" in path.parts or (path.name == "__init__.py" and path.parent != BOT):
            continue
        package = str(path.parent.relative_to(ROOT)) + "/"
        if relative in placed:
            heading = placed[relative]
        else:
            assert package in placed, f"{relative} is not in the README's map"
            assert path.name in block, f"{relative} is not in the README's map"
            heading = placed[package]
        layer = layer_of(module_name(path, ROOT), LAYERS)
        assert layer is not None
        assert heading == LAYERS[layer][0], (relative, heading)
