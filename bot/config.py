"""Settings read from the environment and an optional .env file: the only reader of either."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

DEFAULT_API_URL = "https://api.telegram.org"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_FLAGS = {"1": True, "true": True, "yes": True, "on": True}
_FLAGS |= {"0": False, "false": False, "no": False, "off": False}


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
    sources_file: Path = Path("seeds/sources.toml")
    seeds_dir: Path = Path("seeds")
    poll_interval: int = 300
    admin_ids: frozenset[int] = frozenset()
    timezone: str = "Europe/Paris"
    log_level: str = "INFO"
    allow_private_sources: bool = False

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

        return cls(
            bot_token=token,
            database_path=Path(get("DATABASE_PATH") or "data/relais.sqlite3"),
            database_url=database_url,
            index_dir=Path(index_dir) if index_dir else None,
            telegram_api_url=api_url,
            sources_file=Path(get("SOURCES_FILE") or "seeds/sources.toml"),
            poll_interval=int(interval),
            admin_ids=frozenset(admins),
            timezone=timezone,
            log_level=level,
            allow_private_sources=_FLAGS[allow_private],
        )
