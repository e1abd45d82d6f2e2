"""Load inputs (files, folders, URLs) into the store: read, parse (ingest.inputs), upsert."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx

from bot.ingest.fetch import fetch, make_client
from bot.ingest.inputs import NotPosts, parse_input
from bot.models import LoadSummary, Post, Skip, SourceState
from bot.names import clean_name, feed_name
from bot.store import Store

# In folders, only files that can hold posts: a sources.toml or a README is not an input.
INPUT_SUFFIXES = (".txt", ".xml", ".rss", ".rdf", ".atom", ".json", ".feed")
Progress = Callable[[int, int, str], None]


@dataclass(slots=True)
class InputReport:
    """What became of one input: its per-source counts, or why it failed."""

    name: str
    error: str | None = None
    ignored: str | None = None  # why a file found in a folder is not an input after all
    in_folder: bool = False
    kind: str | None = None
    skipped: list[Skip] = field(default_factory=list)
    sources: dict[str, LoadSummary] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the input was read (even if some of its entries were skipped)."""
        return self.error is None and self.ignored is None


@dataclass(slots=True)
class LoadReport:
    """What a whole `load` did."""

    inputs: list[InputReport] = field(default_factory=list)

    @property
    def failed(self) -> list[InputReport]:
        """Inputs that could not be read at all."""
        return [report for report in self.inputs if report.error is not None]

    @property
    def ignored(self) -> list[InputReport]:
        """Files found in a folder that hold neither a dump nor a feed: skipped, not failed."""
        return [report for report in self.inputs if report.ignored is not None]

    @property
    def read(self) -> int:
        """How many inputs were read."""
        return sum(report.ok for report in self.inputs)

    def per_source(self) -> dict[str, LoadSummary]:
        """Counts summed over inputs, per source name."""
        total: dict[str, LoadSummary] = {}
        for report in self.inputs:
            _add_counts(total, report.sources)
        return total

    @property
    def new_post_ids(self) -> list[int]:
        """Ids of every post this load added."""
        return [i for s in self.per_source().values() for i in s.new_post_ids]


def _expand(inputs: Sequence[str]) -> list[tuple[str, bool]]:
    """Each input, and whether it was found in a folder rather than named."""
    expanded: list[tuple[str, bool]] = []
    for item in inputs:
        path = Path(item)
        if item.startswith(("http://", "https://")) or not path.is_dir():
            expanded.append((item, False))
            continue
        expanded.extend(
            (str(p), True)
            for p in sorted(path.rglob("*"))
            if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES and not p.name.startswith(".")
        )
    return expanded


async def store_posts(
    store: Store,
    posts: Sequence[Post],
    *,
    kind: str,
    url: str | None = None,
    name: str | None = None,
) -> dict[str, LoadSummary]:
    """Upsert posts grouped by source (all under `name` when given); the counts per name."""
    by_source: dict[str, list[Post]] = {}
    for post in posts:
        by_source.setdefault(name or post.source, []).append(post)
    summaries: dict[str, LoadSummary] = {}
    for group, grouped in by_source.items():
        source_id = await store.ensure_source(
            group, url=url if kind == "feed" else None, kind="movim" if kind == "movim" else "feed"
        )
        summaries[group] = await store.upsert_posts(source_id, grouped)
    return summaries


async def load_inputs(
    store: Store,
    inputs: Sequence[str],
    *,
    tz: ZoneInfo,
    today: date,
    progress: Progress | None = None,
    operation_timeout: float = 15.0,
    source: str | None = None,
) -> LoadReport:
    """Load every input; one bad input is reported and never stops the others.

    `source` names the source of every post loaded (`load --source NAME`); otherwise a
    URL already polled keeps its source's name, a feed is named after its own title
    (trimmed, see names.feed_name) and a Movim dump's posts after their own lines.
    """
    items = await asyncio.to_thread(_expand, inputs)  # folders walked off the loop
    report = LoadReport()
    async with make_client(timeout=operation_timeout) as client:
        for done, (item, in_folder) in enumerate(items, start=1):
            entry = InputReport(item, in_folder=in_folder)
            report.inputs.append(entry)
            await _load_one(store, client, entry, tz=tz, today=today, source=source)
            if progress is not None:
                progress(done, len(items), item)
    return report


async def _known_source(store: Store, item: str, source: str | None) -> SourceState | None:
    """The stored source an input is for: the one named, or the one polling that URL."""
    if source is not None:
        return await store.source_by_name(source)
    if "://" in item:
        return next((s for s in await store.polled_sources() if s.url == item), None)
    return None


async def _load_one(
    store: Store,
    client: httpx.AsyncClient,
    entry: InputReport,
    *,
    tz: ZoneInfo,
    today: date,
    source: str | None,
) -> None:
    item, content_type, remote = entry.name, None, "://" in entry.name
    known = await _known_source(store, item, source)
    name = clean_name(source) if source else known.name if known else None
    # The source's own zone reads the dates its input gives without one.
    tz = known.zone(tz) if known is not None else tz
    if remote:
        fetched = await fetch(client, item)
        if fetched.status != "ok":
            entry.error = fetched.error or fetched.status
            return
        data, content_type = fetched.body, fetched.content_type
    else:
        try:
            data = await asyncio.to_thread(Path(item).read_bytes)
        except OSError as exc:
            entry.error = exc.strerror or str(exc)
            return
    base_url = item if remote else None
    parsed = parse_input(data, tz=tz, today=today, content_type=content_type, base_url=base_url)
    if isinstance(parsed, NotPosts):
        # A README.txt beside the dumps of a folder is not an input; a file named is one.
        if entry.in_folder:
            entry.ignored = parsed.reason
        else:
            entry.error = parsed.reason
        return
    entry.kind = parsed.kind
    entry.skipped = list(parsed.skipped)
    if name is None and parsed.kind == "feed":
        # A feed is one source: named after its title, the input's URL or a post's URL
        # telling which part of the title is the site.
        hint = base_url or next((p.url for p in parsed.posts if p.url), None)
        name = feed_name(parsed.feed_title, hint) or _input_label(item)
    entry.sources = await store_posts(
        store, parsed.posts, kind=parsed.kind, url=base_url, name=name
    )


def _add_counts(into: dict[str, LoadSummary], more: dict[str, LoadSummary]) -> None:
    for name, summary in more.items():
        total = into.setdefault(name, LoadSummary())
        total.new += summary.new
        total.updated += summary.updated
        total.unchanged += summary.unchanged
        total.skipped += summary.skipped
        for reason, count in summary.skip_reasons.items():
            total.skip_reasons[reason] = total.skip_reasons.get(reason, 0) + count
        total.new_post_ids.extend(summary.new_post_ids)


def _input_label(item: str) -> str:
    """A name for a feed with no title: its host, or its file's name."""
    return urlsplit(item).hostname or item if "://" in item else Path(item).stem
