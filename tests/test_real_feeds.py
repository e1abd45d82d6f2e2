"""Real French feeds (tests/data/real, see PROVENANCE.md) read as a reader would want them.

Each feed has a sibling `*.expect.json` written by hand from the file: counts, titles, dates,
lead images, credits, passage kinds and speakers, boilerplate that must be gone and article
sentences that must stay. The same invariants hold for every feed: no title is an address, no
passage is boilerplate or a copy of its title, no double space.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.ingest.feeds import parse_feed
from bot.models import ParseResult, Post
from bot.names import feed_name

REAL = Path(__file__).parent / "data" / "real"
EXPECTATIONS = sorted(REAL.glob("*.expect.json"))
PARIS = ZoneInfo("Europe/Paris")
# The corpus is read as of this moment, so its far-future fixture stays in the future.
NOW = datetime(2026, 12, 1, tzinfo=UTC)
# Lines no article of any outlet may keep as a passage. « Pour aller plus loin » heads a box;
# inside a sentence (« pour aller plus loin ensemble ! », L'avertY) it is the article's.
BOILERPLATE = re.compile(
    r"découvrir l['’]offre|^pour aller plus loin|appeared first on|est apparu en premier sur"
    r"|lire la suite|^lire \+$|^(?:à|a) lire\s*:|flattr this"
    r"|articles en rapport|^article original de|^lire l['’]article\W*$|partagez-la",
    re.IGNORECASE | re.MULTILINE,
)


def read(name: str) -> ParseResult:
    return parse_feed((REAL / name).read_bytes(), tz=PARIS, now=NOW)


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[ParseResult, dict]]:
    out = {}
    for path in EXPECTATIONS:
        name = path.name.removesuffix(".expect.json")
        out[name] = (read(name), json.loads(path.read_text(encoding="utf-8")))
    return out


def texts(post: Post) -> list[str]:
    return [passage.text for passage in post.passages]


def test_the_corpus_is_described() -> None:
    feeds = {p.name for p in REAL.iterdir() if p.suffix in (".xml", ".rss", ".atom", ".rdf")}
    assert {p.name.removesuffix(".expect.json") for p in EXPECTATIONS} == feeds
    assert len(feeds) >= 30
    provenance = (REAL / "PROVENANCE.md").read_text(encoding="utf-8")
    for name in [*feeds, *(p.name for p in REAL.glob("*.opml"))]:
        assert f"`{name}`" in provenance
    # The table's repository column: feeds drawn from at least 15 public repositories.
    rows = [line.split("|") for line in provenance.splitlines() if line.startswith("| `")]
    repositories = {row[6].strip() for row in rows if row[1].strip(" `") in feeds}
    assert len(repositories) >= 15, repositories


@pytest.mark.parametrize("name", [p.name.removesuffix(".expect.json") for p in EXPECTATIONS])
def test_feed_reads_as_expected(corpus: dict[str, tuple[ParseResult, dict]], name: str) -> None:
    result, expect = corpus[name]
    posts = result.posts

    assert result.feed_title == expect["feed_title"]
    if "name" in expect:
        # What the loader names the source: the title trimmed, a post's address helping.
        hint = next((post.url for post in posts if post.url), None)
        assert feed_name(result.feed_title, hint) == expect["name"]
    assert len(posts) == expect["posts"]
    assert sum(post.published is None for post in posts) == expect["undated"]
    interviews = sum(any(p.kind == "question" for p in post.passages) for post in posts)
    assert interviews == expect["interviews"]
    reasons = [skip.reason for skip in result.skipped]
    for wanted in expect.get("skips", []):
        assert any(reason.startswith(wanted) for reason in reasons), (wanted, reasons)
    everything = "\n".join(text for post in posts for text in texts(post))
    for gone in expect.get("absent", []):
        assert gone not in everything
    for kept in expect.get("present", []):
        assert kept in texts_of(posts)
    for line in expect.get("absent_passages", []):
        assert all(line not in texts(post) for post in posts)
    for index, wanted in expect.get("entries", {}).items():
        check_entry(posts[int(index)], wanted)


def texts_of(posts: tuple[Post, ...]) -> list[str]:
    return [text for post in posts for text in texts(post)]


def check_entry(post: Post, wanted: dict) -> None:
    kinds = Counter(passage.kind for passage in post.passages)
    body = "\n".join(texts(post))
    if "title" in wanted:
        assert post.title == wanted["title"]
    if "url" in wanted:
        assert post.url == wanted["url"]
    if "published" in wanted:
        assert post.published == datetime.fromisoformat(wanted["published"])
    if "first" in wanted:
        assert post.passages[0].text == wanted["first"]
    if "last" in wanted:
        assert post.passages[-1].text == wanted["last"]
    if "images" in wanted:
        assert list(post.images[: len(wanted["images"]) or None]) == wanted["images"]
    for credit in wanted.get("credits", []):
        assert credit in post.credits
    for text in wanted.get("passages_include", []):
        assert text in texts(post)
    for word in wanted.get("contains", []):
        assert word in body
    if "kinds" in wanted:
        assert dict(kinds) == wanted["kinds"]
    if "kinds_only" in wanted:
        assert set(kinds) == set(wanted["kinds_only"])
    if "speakers" in wanted:
        answers = [p for p in post.passages if p.kind in ("answer", "pullquote")]
        assert {p.speaker for p in answers} == set(wanted["speakers"])
    for text in wanted.get("answer_contains", []):
        assert any(p.kind == "answer" and text in p.text for p in post.passages)


def test_no_title_is_an_address_and_no_passage_repeats_it(
    corpus: dict[str, tuple[ParseResult, dict]],
) -> None:
    for result, _ in corpus.values():
        for post in result.posts:
            assert post.title
            assert not re.match(r"(?:https?://|www\.)", post.title)
            assert all(text.casefold() != post.title.casefold() for text in texts(post))


def test_no_boilerplate_line_and_no_double_space(
    corpus: dict[str, tuple[ParseResult, dict]],
) -> None:
    for name, (result, _) in corpus.items():
        for post in result.posts:
            for text in texts(post):
                assert not BOILERPLATE.search(text), (name, post.title, text)
                assert not re.search(r"[ \u00a0\u202f]{2}", text), (name, text)


def test_ill_formed_le_monde_keeps_every_title() -> None:
    """23 of 25 entries lost title_detail: the recovered title is used, never the link."""
    result = read("lemonde-une-2014.rss")

    assert [post.title for post in result.posts[2:5]] == [
        "Un Italien enlevé en mars en Libye a été libéré",
        "Suivez en direct le « Grand Rendez-Vous » avec Bernard Cazeneuve",
        "Mondial 2022 : le Qatar promet de nouveau de changer sa loi sur le travail",
    ]
    # Entry 2's description lost its `<` (the mismatched tag) and entry 21's holds only
    # tracking pixels: every other entry has its text.
    assert [i for i, post in enumerate(result.posts) if not post.passages] == [1, 20]


def test_zone_less_dates_are_read_in_the_source_zone() -> None:
    paris = read("maliki-2013.xml").posts[0]
    utc = parse_feed((REAL / "maliki-2013.xml").read_bytes(), now=NOW).posts[0]

    assert paris.published == datetime(2013, 11, 27, 19, 17, 55, tzinfo=UTC)
    assert utc.published == datetime(2013, 11, 27, 20, 17, 55, tzinfo=UTC)


def test_a_far_future_date_is_dropped_and_reported() -> None:
    then = datetime(2033, 3, 24, tzinfo=UTC)

    (kept,) = read("sismics-future-date.xml").posts
    (later,) = parse_feed((REAL / "sismics-future-date.xml").read_bytes(), now=then).posts

    assert kept.published is None
    assert later.published == datetime(2033, 3, 24, 7, 3, 43, tzinfo=UTC)
