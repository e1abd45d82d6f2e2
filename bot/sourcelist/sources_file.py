"""SOURCES_FILE, the TOML list of sources to poll: read into sources and lines left out."""

from __future__ import annotations

import tomllib
from zoneinfo import ZoneInfo

from bot.models import FULL_TEXT_MODES, Source
from bot.names import clean_name, source_key


def parse_sources(text: str, *, default_interval: int) -> tuple[list[Source], list[str]]:
    """Sources from the TOML text of SOURCES_FILE, and a line for each entry left out."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [], [f"not valid TOML: {exc}"]
    sources: list[Source] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, entry in enumerate(data.get("source", []), start=1):
        where = f"[[source]] #{number}"
        if not isinstance(entry, dict):
            errors.append(f"{where}: not a table")
            continue
        name, url = str(entry.get("name", "")).strip(), str(entry.get("url", "")).strip()
        kind = entry.get("kind", "feed")
        interval = entry.get("interval", default_interval)
        timezone = entry.get("timezone")
        full_text = entry.get("full_text", "auto")
        if not name:
            errors.append(f"{where}: missing name")
        elif not url.startswith(("http://", "https://")):
            errors.append(f"{where} ({name}): url must be http(s)")
        elif kind not in ("feed", "movim"):
            errors.append(f"{where} ({name}): kind must be feed or movim")
        elif not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
            errors.append(f"{where} ({name}): interval must be whole seconds, at least 1")
        elif timezone is not None and not _is_zone(timezone):
            errors.append(f"{where} ({name}): timezone must be an IANA name like Europe/Paris")
        elif full_text not in FULL_TEXT_MODES:
            errors.append(f"{where} ({name}): full_text must be auto, always or never")
        elif source_key(name) in seen:
            errors.append(f"{where} ({name}): listed twice")
        else:
            seen.add(source_key(name))
            sources.append(Source(clean_name(name), url, kind, interval, timezone, full_text))
    return sources, errors


def _is_zone(name: object) -> bool:
    try:
        ZoneInfo(name)  # type: ignore[arg-type]
    except (TypeError, ValueError, KeyError, OSError):
        return False
    return True
