"""The sources file (TOML) and OPML export/import: pure, errors returned as data."""

from __future__ import annotations

import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.models import Source
from bot.names import clean_name, source_key

MAX_OPML_BYTES = 1_000_000


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
        elif source_key(name) in seen:
            errors.append(f"{where} ({name}): listed twice")
        else:
            seen.add(source_key(name))
            sources.append(Source(clean_name(name), url, kind, interval, timezone))
    return sources, errors


def _is_zone(name: object) -> bool:
    try:
        ZoneInfo(name)  # type: ignore[arg-type]
    except (TypeError, ValueError, KeyError, OSError):
        return False
    return True


def to_opml(sources: Sequence[Source], *, title: str = "Relais sources") -> bytes:
    """The sources as an OPML 2.0 document."""
    root = ET.Element("opml", version="2.0")
    ET.SubElement(ET.SubElement(root, "head"), "title").text = title
    body = ET.SubElement(root, "body")
    for source in sources:
        ET.SubElement(
            body,
            "outline",
            type="rss",
            text=source.name,
            title=source.name,
            xmlUrl=source.url or "",
        )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def from_opml(data: bytes) -> tuple[list[Source], list[str]]:
    """Sources from an OPML document (nested outlines included), and what was left out."""
    if len(data) > MAX_OPML_BYTES:
        return [], [f"file larger than {MAX_OPML_BYTES // 1000} kB"]
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return [], [f"not valid OPML: {exc}"]
    sources: list[Source] = []
    errors: list[str] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        name = (outline.get("title") or outline.get("text") or "").strip()
        if not url:
            continue  # a folder outline
        if not url.startswith(("http://", "https://")) or not name:
            errors.append(f"outline {name or url!r}: needs a title and an http(s) xmlUrl")
            continue
        sources.append(Source(name=name, url=url))
    if not sources and not errors:
        errors.append("no feed outlines found")
    return sources, errors
