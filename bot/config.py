"""Settings read from the environment and an optional .env file: the only reader of either.

SETTINGS is the one table of them: each variable's name, its value when unset, how it is
read and its line of documentation. It drives the parse and the Settings defaults, and the
README's table, .env.example and the tests' clean environment are held to it
(tests/test_config.py).
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

DEFAULT_API_URL = "https://api.telegram.org"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_FLAGS = {"1": True, "true": True, "yes": True, "on": True}
_FLAGS |= {"0": False, "false": False, "no": False, "off": False}
# Telegram's own rule for secret_token is 1 to 256 of these; shorter than 16 is guessable.
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{16,256}")
# The only ports api.telegram.org delivers webhooks to (a self-hosted Bot API server: any).
_TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)


def is_database_url(target: str | Path) -> bool:
    """True for a PostgreSQL URL (`postgresql://…` or `postgres://…` with something after
    the scheme), False for a SQLite file path: the one test, the store's and the settings'."""
    if not isinstance(target, str):
        return False
    scheme, separator, rest = target.partition("://")
    return scheme in ("postgresql", "postgres") and bool(separator) and bool(rest)


class ConfigError(ValueError):
    """A setting has a value Relais cannot use; the message names the variable."""


def _token(value: str) -> str:
    if ":" not in value or any(c.isspace() for c in value):
        raise ConfigError("BOT_TOKEN must look like 123456:ABC-DEF (as given by @BotFather)")
    return value


def _database_url(value: str) -> str:
    if not is_database_url(value):
        raise ConfigError(
            "DATABASE_URL must be a PostgreSQL URL such as"
            " postgresql://relais:secret@localhost/relais (unset it to use DATABASE_PATH)"
        )
    return value


def _api_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ConfigError("TELEGRAM_API_URL must be an http(s) URL, e.g. https://api.telegram.org")
    return value.rstrip("/")


def _poll_interval(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ConfigError("POLL_INTERVAL must be a whole number of seconds, at least 1")
    return int(value)


def _admin_ids(value: str) -> frozenset[int]:
    admins: set[int] = set()
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError("ADMIN_IDS must be comma-separated Telegram user ids, e.g. 1234,5678")
        admins.add(int(part))
    return frozenset(admins)


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("TIMEZONE must be an IANA zone name such as Europe/Paris") from None
    return value


def _log_level(value: str) -> str:
    if value.upper() not in _LOG_LEVELS:
        raise ConfigError("LOG_LEVEL must be one of " + ", ".join(_LOG_LEVELS))
    return value.upper()


def _flag(name: str) -> Callable[[str], bool]:
    def parse(value: str) -> bool:
        if value.lower() not in _FLAGS:
            raise ConfigError(f"{name} must be 1 or 0 (true/false, yes/no, on/off)")
        return _FLAGS[value.lower()]

    return parse


def _sources(name: str) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not value.isdigit():
            raise ConfigError(f"{name} must be a whole number of sources (0: none)")
        return int(value)

    return parse


def _seconds(name: str) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds <= 3600:
            raise ConfigError(f"{name} must be a number of seconds from 0 to 3600, e.g. 5")
        return seconds

    return parse


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ConfigError("PORT must be a TCP port number, 1 to 65535")
    return int(value)


def _listen(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ConfigError(
            "WEBHOOK_LISTEN must be an IP address to listen on, e.g. 0.0.0.0 or 127.0.0.1"
        ) from None
    return value


@dataclass(frozen=True, slots=True)
class Setting:
    """One variable: its name, its value when unset as .env would hold it (None: no value),
    how a value is read (raising ConfigError), and its line in the README's table."""

    name: str
    default: str | None
    parse: Callable[[str], Any]
    doc: str

    @property
    def field(self) -> str:
        """The Settings attribute it fills."""
        return self.name.lower()

    def read(self, value: str | None) -> Any:
        """The value given (None: unset), or the default, parsed."""
        value = value or self.default
        return None if value is None else self.parse(value)


SETTINGS: tuple[Setting, ...] = (
    Setting("BOT_TOKEN", None, _token,
            "the bot's token from [@BotFather](https://t.me/BotFather); needed by `run`"),
    Setting("DATABASE_PATH", "data/relais.sqlite3", Path, "the SQLite file; its folder is created"),
    Setting("DATABASE_URL", None, _database_url,
            "`postgresql://user:password@host:5432/dbname`: PostgreSQL instead of the SQLite"
            " file (see [PostgreSQL](#postgresql))"),
    Setting("INDEX_DIR", None, Path,
            "folder of the search index file; by default beside the SQLite file, or `data/`"
            " with PostgreSQL"),
    Setting("TELEGRAM_API_URL", DEFAULT_API_URL, _api_url,
            "Bot API root; requests go to `{root}/bot{token}/{method}`"),
    Setting("SOURCES_FILE", "data/sources.toml", Path,
            "the sources to poll (none when missing); `seeds/sources.toml` is an example"),
    Setting("POLL_INTERVAL", "300", _poll_interval,
            "seconds between polls of a source without its own interval"),
    Setting("ADMIN_IDS", "", _admin_ids,
            "comma-separated Telegram user ids allowed admin commands (`/id` in private tells"
            " yours)"),
    Setting("TIMEZONE", "Europe/Paris", _timezone,
            "dates shown to users, the times in Movim dumps, and feed dates written without a"
            " zone"),
    Setting("LOG_LEVEL", "INFO", _log_level, "`DEBUG`, `INFO`, `WARNING`, `ERROR` or `CRITICAL`"),
    Setting("ALLOW_PRIVATE_SOURCES", "0", _flag("ALLOW_PRIVATE_SOURCES"),
            "`1` lets sources added from Telegram reach loopback and private addresses (feeds"
            " on your own network); see [Fetching](#fetching)"),
    Setting("PAGE_GAP", "5", _seconds("PAGE_GAP"),
            "seconds between two article pages fetched from one host (see [Full"
            " articles](#full-articles))"),
    Setting("PAGE_WAIT", "10", _seconds("PAGE_WAIT"),
            "seconds a push waits for its post's page before it goes with the feed's teaser"),
    Setting("OPEN_SOURCES", "0", _flag("OPEN_SOURCES"),
            "`1` lets any reader add a feed with `/subscribe URL` (see [Readers bring"
            " feeds](#readers-bring-feeds))"),
    Setting("OPEN_SOURCES_PER_USER", "20", _sources("OPEN_SOURCES_PER_USER"),
            "sources one reader may bring that way"),
    Setting("OPEN_SOURCES_MAX", "500", _sources("OPEN_SOURCES_MAX"),
            "sources all readers together may bring"),
    Setting("WEBHOOK_URL", None, str,
            "webhook mode: the public `https://` address Telegram posts updates to (plain"
            " `http` and any port only with a self-hosted Bot API server); see"
            " [Scale-out](#scale-out-webhook-mode-and-replicas)"),
    Setting("WEBHOOK_SECRET", None, str,
            "needed with `WEBHOOK_URL`: 16 to 256 letters, digits, `_` or `-` (`openssl rand"
            " -hex 32`); Telegram sends it with every update"),
    Setting("PORT", "8080", _port, "webhook mode: the port the bot listens on"),
    Setting("WEBHOOK_LISTEN", "0.0.0.0", _listen, "webhook mode: the address it listens on"),
)  # fmt: skip
_BY_NAME = {setting.name: setting for setting in SETTINGS}


def _default(name: str) -> Any:
    """A Settings field's default: what the table's setting reads when unset."""
    return _BY_NAME[name].read(None)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything Relais needs to know about its surroundings, passed explicitly; each field
    is one of SETTINGS, its default that setting's."""

    bot_token: str | None = _default("BOT_TOKEN")
    database_path: Path = _default("DATABASE_PATH")
    database_url: str | None = _default("DATABASE_URL")
    index_dir: Path | None = _default("INDEX_DIR")
    telegram_api_url: str = _default("TELEGRAM_API_URL")
    sources_file: Path = _default("SOURCES_FILE")
    poll_interval: int = _default("POLL_INTERVAL")
    admin_ids: frozenset[int] = _default("ADMIN_IDS")
    timezone: str = _default("TIMEZONE")
    log_level: str = _default("LOG_LEVEL")
    allow_private_sources: bool = _default("ALLOW_PRIVATE_SOURCES")
    # Full articles of teasers: seconds between two pages of one host, and how long a push
    # waits for its post's page before it goes with the teaser.
    page_gap: float = _default("PAGE_GAP")
    page_wait: float = _default("PAGE_WAIT")
    # /subscribe URL from any reader adds the feed (OPEN_SOURCES=1), within these limits.
    open_sources: bool = _default("OPEN_SOURCES")
    open_sources_per_user: int = _default("OPEN_SOURCES_PER_USER")
    open_sources_max: int = _default("OPEN_SOURCES_MAX")
    # Webhook mode (WEBHOOK_URL set): Telegram posts updates there; the bot listens on
    # webhook_listen:port, behind whatever terminates TLS.
    webhook_url: str | None = _default("WEBHOOK_URL")
    webhook_secret: str | None = _default("WEBHOOK_SECRET")
    port: int = _default("PORT")
    webhook_listen: str = _default("WEBHOOK_LISTEN")

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    @property
    def database(self) -> str | Path:
        """What the store opens: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url or self.database_path

    @property
    def index_path(self) -> Path:
        """The search index's file: beside the SQLite file by default; with PostgreSQL,
        under data/ (INDEX_DIR moves either)."""
        if self.database_url is None:
            name = self.database_path.name + ".index"
            folder = self.index_dir or self.database_path.parent
        else:
            database = urlsplit(self.database_url).path.strip("/") or "postgres"
            name = f"{database}.postgres.index"
            folder = self.index_dir or Path("data")
        return folder / name

    def with_database(self, target: str | Path | None) -> Settings:
        """A copy with another database (the `--db` option: a file or a postgresql:// URL),
        or self when None."""
        if target is None:
            return self
        if is_database_url(str(target)):
            return replace(self, database_url=str(target))
        return replace(self, database_path=Path(target), database_url=None)

    def polling(self) -> Settings:
        """A copy that runs by long polling whatever the webhook settings say (`run --polling`)."""
        return replace(self, webhook_url=None, webhook_secret=None)

    @property
    def webhook_path(self) -> str:
        """The path Telegram posts to: WEBHOOK_URL's own, else one derived from the token and
        the secret (not guessable without both, the same for every replica)."""
        if self.webhook_url is None:
            raise ValueError("not in webhook mode")
        path = urlsplit(self.webhook_url).path
        if path.strip("/"):
            return path
        seed = f"{self.bot_token}\n{self.webhook_secret}".encode()
        return "/relais-" + hashlib.sha256(seed).hexdigest()[:32]

    @property
    def webhook_target(self) -> str:
        """The full URL given to Telegram's setWebhook."""
        if self.webhook_url is None:
            raise ValueError("not in webhook mode")
        parts = urlsplit(self.webhook_url)
        return f"{parts.scheme}://{parts.netloc}{self.webhook_path}"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
    ) -> Settings:
        """Read settings from `environ` (default os.environ), over values from `env_file`."""
        values: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls._parse(values)

    @classmethod
    def _parse(cls, env: Mapping[str, str]) -> Settings:
        """Each of SETTINGS read from `env` (a blank value counts as unset), then the webhook
        settings checked together."""
        values = {s.field: s.read(env.get(s.name, "").strip() or None) for s in SETTINGS}
        _check_webhook(values["webhook_url"], values["webhook_secret"], values["telegram_api_url"])
        return cls(**values)


def _check_webhook(url: str | None, secret: str | None, api_url: str) -> None:
    """WEBHOOK_URL and WEBHOOK_SECRET: both or neither, and a URL Telegram will post to."""
    if url is None:
        if secret is not None:
            raise ConfigError(
                "WEBHOOK_SECRET is set but WEBHOOK_URL is not: set both for webhook mode, "
                "or neither for long polling"
            )
        return
    official = api_url == DEFAULT_API_URL
    parts = urlsplit(url)
    try:
        url_port = parts.port
    except ValueError:
        raise ConfigError("WEBHOOK_URL has an invalid port") from None
    # A self-hosted Bot API server may post to plain http on any port; Telegram's may not.
    schemes = ("https",) if official else ("https", "http")
    if parts.scheme not in schemes or not parts.hostname:
        raise ConfigError(
            "WEBHOOK_URL must be the public https:// URL Telegram posts updates to, "
            "e.g. https://relais.example.org"
        )
    if parts.query or parts.fragment:
        raise ConfigError("WEBHOOK_URL must not have a query (?...) or a fragment (#...)")
    if official and url_port is not None and url_port not in _TELEGRAM_WEBHOOK_PORTS:
        raise ConfigError("WEBHOOK_URL's port must be 443, 80, 88 or 8443 (Telegram's rule)")
    if secret is None or not _SECRET_RE.fullmatch(secret):
        raise ConfigError(
            "WEBHOOK_SECRET must be set with WEBHOOK_URL: 16 to 256 letters, digits, _ or -"
            " (e.g. the output of `openssl rand -hex 32`)"
        )
