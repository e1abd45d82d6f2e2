"""Settings: defaults, parsing, and one clear line for each bad value."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from bot.config import SETTINGS, ConfigError, Setting, Settings, is_database_url
from tests.conftest import ROOT, SETTINGS_VARIABLES


def test_defaults_when_nothing_is_set() -> None:
    settings = Settings.from_env({}, env_file=None)
    assert settings.bot_token is None
    assert settings.database_path == Path("data/relais.sqlite3")
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.sources_file == Path("data/sources.toml")
    assert settings.poll_interval == 300
    assert settings.admin_ids == frozenset()
    assert settings.timezone == "Europe/Paris"
    assert settings.log_level == "INFO"
    assert settings.allow_private_sources is False


def test_values_are_parsed(tmp_path: Path) -> None:
    env = {
        "BOT_TOKEN": "123:abc",
        "DATABASE_PATH": str(tmp_path / "x.db"),
        "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
        "POLL_INTERVAL": "5",
        "ADMIN_IDS": "1, 22 ,333",
        "TIMEZONE": "UTC",
        "LOG_LEVEL": "debug",
        "ALLOW_PRIVATE_SOURCES": "Yes",
    }
    settings = Settings.from_env(env, env_file=None)
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.admin_ids == {1, 22, 333}
    assert settings.poll_interval == 5
    assert settings.log_level == "DEBUG"
    assert settings.allow_private_sources is True
    assert settings.with_database("other.db").database_path == Path("other.db")


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("POLL_INTERVAL=42\nTIMEZONE=UTC\n")
    settings = Settings.from_env({"TIMEZONE": "Europe/Berlin"}, env_file=env_file)
    assert settings.poll_interval == 42
    assert settings.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_TOKEN", "no-colon"),
        ("TELEGRAM_API_URL", "ftp://x"),
        ("POLL_INTERVAL", "soon"),
        ("POLL_INTERVAL", "0"),
        ("ADMIN_IDS", "12,bob"),
        ("TIMEZONE", "Mars/Olympus"),
        ("LOG_LEVEL", "LOUD"),
        ("ALLOW_PRIVATE_SOURCES", "maybe"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value}, env_file=None)


def test_database_url_selects_postgresql_and_moves_the_index() -> None:
    sqlite = Settings.from_env({"DATABASE_PATH": "var/r.sqlite3"}, env_file=None)
    assert sqlite.database == Path("var/r.sqlite3")
    assert sqlite.index_path == Path("var/r.sqlite3.index")
    url = "postgresql://relais:secret@db.example/relais"
    postgres = Settings.from_env({"DATABASE_URL": url}, env_file=None)
    assert postgres.database == url
    assert postgres.index_path == Path("data/relais.postgres.index")
    moved = Settings.from_env({"DATABASE_URL": url, "INDEX_DIR": "/srv/idx"}, env_file=None)
    assert moved.index_path == Path("/srv/idx/relais.postgres.index")
    # --db takes either: a URL switches to PostgreSQL, a file back to SQLite.
    assert sqlite.with_database(url).database == url
    assert postgres.with_database("other.db").database == Path("other.db")


def test_a_database_url_that_is_not_postgresql_is_refused() -> None:
    for value in ("mysql://x/y", "relais.sqlite3", "postgresql://"):
        with pytest.raises(ConfigError, match="DATABASE_URL"):
            Settings.from_env({"DATABASE_URL": value}, env_file=None)


WEBHOOK = {
    "BOT_TOKEN": "123:abc",
    "WEBHOOK_URL": "https://relais.example.org",
    "WEBHOOK_SECRET": "s3cret-s3cret_s3cret",
}


def test_webhook_settings_switch_the_mode_and_derive_a_path() -> None:
    polling = Settings.from_env({"PORT": "5000"}, env_file=None)
    assert polling.webhook_url is None
    assert polling.port == 5000
    settings = Settings.from_env({**WEBHOOK, "PORT": "8443"}, env_file=None)
    assert settings.webhook_url == "https://relais.example.org"
    assert (settings.port, settings.webhook_listen) == (8443, "0.0.0.0")
    path = settings.webhook_path
    # Not guessable: 128 bits from the token and the secret, neither of which it shows.
    assert len(path) == len("/relais-") + 32
    assert path.startswith("/relais-")
    assert "abc" not in path
    assert "s3cret" not in path
    assert settings.webhook_target == "https://relais.example.org" + path
    other = Settings.from_env({**WEBHOOK, "WEBHOOK_SECRET": "another-secret-0001"}, env_file=None)
    assert other.webhook_path != path
    # A path given in WEBHOOK_URL is the operator's choice and is kept.
    given = Settings.from_env({**WEBHOOK, "WEBHOOK_URL": "https://h.example:88/t/x9"}, None)
    assert (given.webhook_path, given.webhook_target) == ("/t/x9", "https://h.example:88/t/x9")
    assert settings.polling().webhook_url is None


def test_a_self_hosted_bot_api_may_post_to_plain_http() -> None:
    env = {**WEBHOOK, "WEBHOOK_URL": "http://127.0.0.1:9000", "WEBHOOK_LISTEN": "127.0.0.1"}
    with pytest.raises(ConfigError, match="WEBHOOK_URL must be the public https://"):
        Settings.from_env(env, env_file=None)
    local = Settings.from_env({**env, "TELEGRAM_API_URL": "http://127.0.0.1:8081"}, None)
    assert local.webhook_target.startswith("http://127.0.0.1:9000/relais-")
    assert local.webhook_listen == "127.0.0.1"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"WEBHOOK_SECRET": ""}, "WEBHOOK_SECRET must be set with WEBHOOK_URL"),
        ({"WEBHOOK_SECRET": "short"}, "WEBHOOK_SECRET must be set with WEBHOOK_URL"),
        ({"WEBHOOK_SECRET": "with spaces in the secret"}, "WEBHOOK_SECRET must be set"),
        ({"WEBHOOK_URL": ""}, "WEBHOOK_SECRET is set but WEBHOOK_URL is not"),
        ({"WEBHOOK_URL": "relais.example.org"}, "WEBHOOK_URL must be the public https://"),
        ({"WEBHOOK_URL": "https://h.example:8080"}, "WEBHOOK_URL's port must be 443, 80, 88"),
        ({"WEBHOOK_URL": "https://h.example:99999"}, "WEBHOOK_URL has an invalid port"),
        ({"WEBHOOK_URL": "https://h.example/?a=1"}, "WEBHOOK_URL must not have a query"),
        ({"PORT": "http"}, "PORT must be a TCP port number"),
        ({"PORT": "70000"}, "PORT must be a TCP port number"),
        ({"WEBHOOK_LISTEN": "localhost"}, "WEBHOOK_LISTEN must be an IP address"),
    ],
)
def test_bad_webhook_settings_get_one_line(changes: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        Settings.from_env({**WEBHOOK, **changes}, env_file=None)
    assert "\n" not in str(caught.value)


def test_tests_run_without_a_developers_settings_or_env_file() -> None:
    # clean_environment (conftest.py): no BOT_TOKEN, DATABASE_PATH… from the shell that
    # started pytest, and no .env in the working directory, which is not the repository.
    assert not Path(".env").exists()
    assert Path.cwd() != ROOT
    assert Settings.from_env() == Settings()


# The settings table (config.SETTINGS) is the one statement of every variable: the
# dataclass, the README, .env.example and the tests' clean environment follow it.


def readme_rows(setting: Setting) -> str:
    """The README table's row for one setting, as written from the table."""
    default = f"`{setting.default}`" if setting.default else "(none)"
    return f"| `{setting.name}` | {default} | {setting.doc} |"


def test_settings_fields_and_defaults_are_the_table() -> None:
    assert [f.name for f in fields(Settings)] == [s.field for s in SETTINGS]
    assert Settings() == Settings.from_env({}, env_file=None)
    # Unset and blank read the same; the table's defaults are what .env.example writes.
    defaults = {s.name: s.default or "" for s in SETTINGS}
    assert Settings.from_env(defaults, env_file=None) == Settings()
    assert Settings.from_env(dict.fromkeys(defaults, "  "), env_file=None) == Settings()


def test_the_readme_table_is_the_settings_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| variable | default | meaning |\n|---|---|---|\n", 1)[1]
    rows = table.split("\n\n", 1)[0].splitlines()
    assert rows == [readme_rows(setting) for setting in SETTINGS]


def test_env_example_sets_every_setting_to_its_default() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    assigned = dict(
        line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    assert assigned == {s.name: s.default or "" for s in SETTINGS}


def test_the_tests_clear_every_setting() -> None:
    assert {s.name for s in SETTINGS} <= set(SETTINGS_VARIABLES)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("postgresql://relais@db/relais", True),
        ("postgres://db/x", True),
        ("postgresql://", False),
        ("postgresql:relais", False),
        ("mysql://db/x", False),
        ("data/relais.sqlite3", False),
        (Path("postgresql://db/x"), False),
    ],
)
def test_one_database_url_rule_for_the_settings_and_the_store(
    target: str | Path, expected: bool
) -> None:
    assert is_database_url(target) is expected
