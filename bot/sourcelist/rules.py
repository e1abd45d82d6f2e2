"""The one rule set for adding sources (/addsource, OPML, `sources import`): pure verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from bot.models import Source
from bot.names import Lookalikes, source_key

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


def rule_on_additions(wanted: Sequence[Source], existing: Sequence[Source]) -> list[Addition]:
    """The verdict on each wanted source, in order (earlier ones count as existing).

    One rule set behind /addsource, the Telegram OPML import and `sources import`: a name
    equal to an existing one (case aside) is that source; a different name that folds to
    its key, shares its skeleton or is one edit away is refused as a look-alike. Names are
    looked up in indexes (names.Lookalikes), not compared one by one: the time grows with
    the list, not with its square.
    """
    by_key = {source_key(s.name): s for s in existing}
    names = Lookalikes(s.name for s in by_key.values())
    by_url = {_same_url(s.url): s for s in existing if s.url}
    met: dict[str, str] = {}  # keys and URLs of this list met so far: their names
    additions: list[Addition] = []
    for source in wanted:
        key, url = source_key(source.name), _same_url(source.url)
        there = by_key.get(key)
        earlier = met.get(key)  # a name of this list folding to the same key
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
        elif (other := names.find(source.name)) is not None:
            addition = Addition(source, "lookalike", other)
        elif url in by_url:
            addition = Addition(source, "same_url", by_url[url].name)
        elif url in met:
            addition = Addition(source, "twice")
        else:
            addition = Addition(source, "new")
        additions.append(addition)
        met.setdefault(key, source.name)
        met.setdefault(url, source.name)
        if addition.applies:
            if there is None:
                names.add(source.name)
            by_key[key] = by_url[url] = replace(there or source, url=source.url)
    return additions


def _same_url(url: str | None) -> str:
    """A feed URL as compared for "already polled": case of scheme and host, and a
    trailing slash, aside."""
    url = (url or "").strip()
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}".rstrip("/")
