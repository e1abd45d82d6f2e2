"""Settings read from the environment and an optional .env file: the only reader of either."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
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
DEFAULT_PORT = 8080


def _is_database_url(value: str) -> bool:
    return value.startswith(("postgresql://", "postgres://")) and len(value) > 13


class ConfigError(ValueError):
    """A setting has a value Relais cannot use; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything Relais needs to know about its surroundings, passed explicitly."""

    bot_token: str | None = None
    database_path: Path = Path("data/relais.sqlite3")
    database_url: str | None = None  # postgresql://…: PostgreSQL instead of the SQLite file
    index_dir: Path | None = None
    telegram_api_url: str = DEFAULT_API_URL
    sources_file: Path = Path("data/sources.toml")  # seeds/sources.toml is an example
    poll_interval: int = 300
    admin_ids: frozenset[int] = frozenset()
    timezone: str = "Europe/Paris"
    log_level: str = "INFO"
    allow_private_sources: bool = False
    # /subscribe URL from any reader adds the feed (OPEN_SOURCES=1), within these limits.
    open_sources: bool = False
    open_sources_per_user: int = 20
    open_sources_max: int = 500
    # Webhook mode (WEBHOOK_URL set): Telegram posts updates there; the bot listens on
    # webhook_listen:port, behind whatever terminates TLS.
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = DEFAULT_PORT
    webhook_listen: str = "0.0.0.0"
    # Full articles of teasers: seconds between two pages of one host, and how long a push
    # waits for its post's page before it goes with the teaser.
    page_gap: float = 5.0
    page_wait: float = 10.0

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
        if _is_database_url(str(target)):
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
        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        token = get("BOT_TOKEN")
        if token is not None and (":" not in token or any(c.isspace() for c in token)):
            raise ConfigError("BOT_TOKEN must look like 123456:ABC-DEF (as given by @BotFather)")

        api_url = (get("TELEGRAM_API_URL") or DEFAULT_API_URL).rstrip("/")
        if not api_url.startswith(("http://", "https://")):
            raise ConfigError(
                "TELEGRAM_API_URL must be an http(s) URL, e.g. https://api.telegram.org"
            )

        interval = get("POLL_INTERVAL") or "300"
        if not interval.isdigit() or int(interval) < 1:
            raise ConfigError("POLL_INTERVAL must be a whole number of seconds, at least 1")

        admins: set[int] = set()
        for part in (get("ADMIN_IDS") or "").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.lstrip("-").isdigit():
                raise ConfigError(
                    "ADMIN_IDS must be comma-separated Telegram user ids, e.g. 1234,5678"
                )
            admins.add(int(part))

        timezone = get("TIMEZONE") or "Europe/Paris"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError("TIMEZONE must be an IANA zone name such as Europe/Paris") from None

        level = (get("LOG_LEVEL") or "INFO").upper()
        if level not in _LOG_LEVELS:
            raise ConfigError("LOG_LEVEL must be one of " + ", ".join(_LOG_LEVELS))

        database_url = get("DATABASE_URL")
        if database_url is not None and not _is_database_url(database_url):
            raise ConfigError(
                "DATABASE_URL must be a PostgreSQL URL such as"
                " postgresql://relais:secret@localhost/relais (unset it to use DATABASE_PATH)"
            )
        index_dir = get("INDEX_DIR")

        allow_private = (get("ALLOW_PRIVATE_SOURCES") or "0").lower()
        if allow_private not in _FLAGS:
            raise ConfigError("ALLOW_PRIVATE_SOURCES must be 1 or 0 (true/false, yes/no, on/off)")

        open_sources = (get("OPEN_SOURCES") or "0").lower()
        if open_sources not in _FLAGS:
            raise ConfigError("OPEN_SOURCES must be 1 or 0 (true/false, yes/no, on/off)")
        limits = []
        for name, default in (("OPEN_SOURCES_PER_USER", "20"), ("OPEN_SOURCES_MAX", "500")):
            value = get(name) or default
            if not value.isdigit():
                raise ConfigError(f"{name} must be a whole number of sources (0: none)")
            limits.append(int(value))

        webhook_url, secret, port, listen = _webhook(get, api_url)
        page_gap = _seconds(get("PAGE_GAP"), "PAGE_GAP", 5.0)
        page_wait = _seconds(get("PAGE_WAIT"), "PAGE_WAIT", 10.0)

        return cls(
            bot_token=token,
            database_path=Path(get("DATABASE_PATH") or "data/relais.sqlite3"),
            database_url=database_url,
            index_dir=Path(index_dir) if index_dir else None,
            telegram_api_url=api_url,
            sources_file=Path(get("SOURCES_FILE") or "data/sources.toml"),
            poll_interval=int(interval),
            admin_ids=frozenset(admins),
            timezone=timezone,
            log_level=level,
            allow_private_sources=_FLAGS[allow_private],
            open_sources=_FLAGS[open_sources],
            open_sources_per_user=limits[0],
            open_sources_max=limits[1],
            webhook_url=webhook_url,
            webhook_secret=secret,
            port=port,
            webhook_listen=listen,
            page_gap=page_gap,
            page_wait=page_wait,
        )


def _seconds(value: str | None, name: str, default: float) -> float:
    """A number of seconds, 0 or more (decimals allowed), or `default` when unset."""
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise ConfigError(f"{name} must be a number of seconds from 0 to 3600, e.g. 5")
    return seconds


def _webhook(
    get: Callable[[str], str | None], api_url: str
) -> tuple[str | None, str | None, int, str]:
    """WEBHOOK_URL, WEBHOOK_SECRET, PORT and WEBHOOK_LISTEN, checked together."""
    port_text = get("PORT") or str(DEFAULT_PORT)
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ConfigError("PORT must be a TCP port number, 1 to 65535")
    listen = get("WEBHOOK_LISTEN") or "0.0.0.0"
    try:
        ipaddress.ip_address(listen)
    except ValueError:
        raise ConfigError(
            "WEBHOOK_LISTEN must be an IP address to listen on, e.g. 0.0.0.0 or 127.0.0.1"
        ) from None
    url, secret = get("WEBHOOK_URL"), get("WEBHOOK_SECRET")
    if url is None:
        if secret is not None:
            raise ConfigError(
                "WEBHOOK_SECRET is set but WEBHOOK_URL is not: set both for webhook mode, "
                "or neither for long polling"
            )
        return None, None, int(port_text), listen
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
    return url, secret, int(port_text), listen
