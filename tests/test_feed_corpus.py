"""Every file of feedparser's own test corpus through parse_feed: no raise, no markup kept.

The corpus (tests/data/feedparser-tests, BSD licence in its LICENSE) holds well-formed and
ill-formed feeds, hundreds of them hostile HTML under wellformed/sanitize.
"""

from __future__ import annotations

import html
import re
import time
import warnings
from datetime import timedelta
from pathlib import Path

import pytest

from bot.ingest.feeds import parse_feed
from bot.models import ParseResult

CORPUS = Path(__file__).parent / "data" / "feedparser-tests" / "tests"
MARKUP = re.compile(r"<script|<iframe|<object|<embed|<style|onclick=|onerror=", re.IGNORECASE)


@pytest.fixture(scope="module")
def parsed() -> dict[Path, ParseResult]:
    files = sorted(path for path in CORPUS.rglob("*") if path.is_file())
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a feedparser warning would mean a field misread
        results = {path: parse_feed(path.read_bytes(), source=path.name) for path in files}
    elapsed = time.monotonic() - started
    posts = sum(len(result.posts) for result in results.values())
    skips = sum(len(result.skipped) for result in results.values())
    print(f"\nfeed corpus: {len(files)} files, {posts} posts, {skips} skips in {elapsed:.2f} s")
    return results


def test_corpus_is_all_there(parsed: dict[Path, ParseResult]) -> None:
    assert len(parsed) == 1768
    assert sum(1 for path in parsed if "sanitize" in path.parts) == 745
    assert sum(len(result.posts) for result in parsed.values()) > 500


def test_every_ill_formed_file_is_reported(parsed: dict[Path, ParseResult]) -> None:
    ill_formed = {path: result for path, result in parsed.items() if "illformed" in path.parts}

    assert len(ill_formed) == 19
    assert [path.name for path, result in ill_formed.items() if not result.skipped] == []


def test_markup_is_never_kept(parsed: dict[Path, ParseResult]) -> None:
    # The check bites: the corpus is full of exactly these, raw or escaped once.
    raw_hostile = [
        path for path in parsed if MARKUP.search(html.unescape(path.read_text("latin-1")))
    ]
    assert len(raw_hostile) >= 100

    leaks = [
        (path.name, text[:120])
        for path, result in parsed.items()
        for post in result.posts
        for text in (
            post.title,
            post.author or "",
            *(passage.text for passage in post.passages),
            *post.credits,
            *post.categories,
        )
        if MARKUP.search(text)
    ]
    assert leaks == []


def test_dates_are_aware_utc_or_none(parsed: dict[Path, ParseResult]) -> None:
    dates = [post.published for result in parsed.values() for post in result.posts]

    assert any(dates)
    for date in dates:
        assert date is None or date.utcoffset() == timedelta(0)


def test_posts_are_usable(parsed: dict[Path, ParseResult]) -> None:
    for result in parsed.values():
        for post in result.posts:
            assert post.title.strip()
            assert post.identity
            for url in (post.url or "http://", *post.images):
                assert url.lower().startswith(("http://", "https://"))


async def test_the_whole_corpus_loads_through_the_loader(
    tmp_path: Path, parsed: dict[Path, ParseResult]
) -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from bot.polling.loader import load_inputs
    from bot.store import Store

    async with Store.open(tmp_path / "corpus.sqlite3") as store:
        report = await load_inputs(
            store, [str(CORPUS)], tz=ZoneInfo("UTC"), today=date(2026, 11, 28)
        )
        stats = await store.stats()
    assert len(report.inputs) == 1768  # every feed file; the LICENSE is not an input
    # Every parsed entry is accounted for; many test feeds share a title and entry ids,
    # so the same identity in the same source is one post, seen again.
    totals = report.per_source().values()
    handled = sum(s.new + s.updated + s.unchanged + s.skipped for s in totals)
    assert handled == sum(len(result.posts) for result in parsed.values())
    assert stats["posts"] == sum(s.new for s in totals) > 0
    for entry in report.failed:  # what could not be read is named, with a reason
        assert entry.error
    illformed = [e for e in report.inputs if "/illformed/" in e.name]
    assert illformed
    assert all(e.skipped or e.error or e.ignored for e in illformed)
