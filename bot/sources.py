"""The sources file (TOML), and the rules for adding sources: pure, errors returned as data."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal
from zoneinfo import ZoneInfo

from bot.models import Source
from bot.names import clean_name, lookalike, source_key


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


Verdict = Literal["new", "poll", "unchanged", "url_change", "same_url", "lookalike", "twice"]


@dataclass(frozen=True, slots=True)
class Addition:
    """What adding one source would do, given the sources already there.

    `new`: a source of its own; `poll`: the existing source of that name (not polled yet)
    gets the URL; `unchanged`: already polled there; `url_change`: polled from another
    URL (`other`), changed only when asked; `same_url`: that URL is already polled as
    `other`; `lookalike`: too close to the name `other`; `twice`: listed twice. An
    existing source keeps its own name in `source`.
    """

    source: Source
    verdict: Verdict
    other: str | None = None

    @property
    def applies(self) -> bool:
        """True when it creates a source or gives one its URL."""
        return self.verdict in ("new", "poll")


def plan_additions(wanted: Sequence[Source], existing: Sequence[Source]) -> list[Addition]:
    """The verdict on each wanted source, in order (earlier ones count as existing).

    One rule set behind /addsource, the Telegram OPML import and `sources import`: a name
    equal to an existing one (case aside) is that source; a different name that folds to
    its key, shares its skeleton or is one edit away is refused as a look-alike.
    """
    by_key = {source_key(s.name): s for s in existing}
    by_url = {_same_url(s.url): s for s in existing if s.url}
    planned: dict[str, str] = {}  # keys and URLs of this list met so far: their names
    additions: list[Addition] = []
    for source in wanted:
        key, url = source_key(source.name), _same_url(source.url)
        there = by_key.get(key)
        earlier = planned.get(key)  # a name of this list folding to the same key
        if earlier is not None and earlier.casefold() != source.name.casefold():
            addition = Addition(source, "lookalike", earlier)
        elif earlier is not None:
            addition = Addition(source, "twice")
        elif there is not None and there.name.casefold() == source.name.casefold():
            source = replace(source, name=there.name)  # as the store has it
            if there.url is None:
                addition = Addition(source, "poll")
            elif _same_url(there.url) == url:
                addition = Addition(source, "unchanged")
            else:
                addition = Addition(source, "url_change", there.url)
        elif (other := lookalike(source.name, [s.name for s in by_key.values()])) is not None:
            addition = Addition(source, "lookalike", other)
        elif url in by_url:
            addition = Addition(source, "same_url", by_url[url].name)
        elif url in planned:
            addition = Addition(source, "twice")
        else:
            addition = Addition(source, "new")
        additions.append(addition)
        planned.setdefault(key, source.name)
        planned.setdefault(url, source.name)
        if addition.applies:
            by_key[key] = by_url[url] = replace(there or source, url=source.url)
    return additions


def _same_url(url: str | None) -> str:
    """A feed URL as compared for "already polled": case of scheme and host, and a
    trailing slash, aside."""
    url = (url or "").strip()
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}".rstrip("/")
