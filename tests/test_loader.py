"""Loading inputs into a real store: the seed's exact figures, idempotence, failures."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.ingest.inputs import NotPosts, parse_input
from bot.models import ParseResult
from bot.polling.loader import load_inputs
from bot.store import Store
from tests.conftest import DATA, SEED, known, make_rss
from tests.fakes.feed_server import FeedServer

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 28)


async def _load(store: Store, *inputs: str):
    return await load_inputs(store, list(inputs), tz=PARIS, today=TODAY)


async def test_seed_dump_loads_with_exact_figures(store: Store) -> None:
    report = await _load(store, str(SEED))
    assert not report.failed
    stats = await store.stats()
    # 8 posts: the two paragraphs after the Mediapart public link have no header of
    # their own, so they are reported as skipped, not glued onto the Mediapart post.
    assert stats["posts"] == 8
    assert stats["sources"]["JournalDuGeek"] == 3
    assert stats["sources"]["Numerama"] == 2
    assert stats["passages"]["question"] == 10
    assert stats["passages"]["answer"] == 10
    assert stats["passages"]["pullquote"] == 7
    [entry] = report.inputs
    assert entry.kind == "movim"
    assert any("no header" in skip.reason for skip in entry.skipped)

    _, posts = await store.index_changes(0)
    carte = next(p for p in posts if "carte d’identité" in p.title)
    remaniement = next(p for p in posts if p.title.startswith("Remaniement"))
    wagner = next(p for p in posts if "Wagner" in p.title)
    assert known(carte.published).astimezone(PARIS).strftime("%Y-%m-%d %H:%M") == "2024-04-02 09:37"
    assert (
        known(remaniement.published).astimezone(PARIS).strftime("%Y-%m-%d %H:%M")
        == "2024-02-08 21:03"
    )
    assert (
        known(wagner.published).astimezone(PARIS).strftime("%Y-%m-%d %H:%M") == "2023-02-26 14:52"
    )
    mediapart = next(p for p in posts if p.source == "Mediapart")
    assert mediapart.url == (
        "https://www.mediapart.fr/journal/economie-et-social/040423/"
        "l-intelligence-artificielle-va-operer-une-nouvelle-degradation-du-travail-mais-ne-le-fera-pas"
    )


async def test_loading_twice_adds_nothing(store: Store) -> None:
    await _load(store, str(SEED))
    again = await _load(store, str(SEED))
    totals = again.per_source()
    assert sum(s.new for s in totals.values()) == 0
    assert sum(s.unchanged for s in totals.values()) == 8
    assert await store.count_posts() == 8


async def test_edited_dump_updates_in_place(store: Store, tmp_path: Path) -> None:
    await _load(store, str(SEED))
    edited = tmp_path / "edited.txt"
    edited.write_text(
        SEED.read_text(encoding="utf-8").replace("Marina Ferrari, députée", "Marina Ferrari, élue"),
        encoding="utf-8",
    )
    report = await _load(store, str(edited))
    assert report.per_source()["Numerama"].updated == 1
    assert await store.count_posts() == 8


async def test_folders_recurse_and_bad_inputs_are_named(store: Store, tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "seed.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "a" / "rss.xml").write_bytes((DATA / "feeds" / "rss2.xml").read_bytes())
    (tmp_path / "a" / "junk.txt").write_text("bonjour, ceci n'est pas un flux")
    (tmp_path / "a" / "sources.toml").write_text("[[source]]\n")  # not an input: ignored
    report = await _load(store, str(tmp_path / "a"), str(tmp_path / "missing.xml"))
    failed = {Path(r.name).name: r.error for r in report.failed}
    assert set(failed) == {"missing.xml"}
    # Found in a folder, a file that is no dump and no feed is skipped, not a failure.
    [ignored] = report.ignored
    assert Path(ignored.name).name == "junk.txt"
    assert "neither" in ignored.ignored
    assert report.read == 2
    assert await store.count_posts() > 8  # everything good is stored
    named = await _load(store, str(tmp_path / "a" / "junk.txt"))
    assert [Path(r.name).name for r in named.failed] == ["junk.txt"]  # named: a failure


async def test_urls_are_fetched_from_a_local_server(store: Store) -> None:
    async with FeedServer() as server:
        server.set("/rss.xml", (DATA / "feeds" / "rss2.xml").read_bytes())
        server.set("/gone.xml", b"", status=500)
        report = await _load(store, server.url("/rss.xml"), server.url("/gone.xml"))
    assert [r.error for r in report.failed] == ["HTTP 500"]
    assert report.new_post_ids


async def test_real_feeds_load_with_titles_zoned_dates_and_reported_repairs(
    store: Store,
) -> None:
    real = DATA / "real"
    report = await _load(store, str(real / "lemonde-une-2014.rss"), str(real / "maliki-2013.xml"))

    assert not report.failed
    _, posts = await store.index_changes(0)
    assert not [p.title for p in posts if p.title.startswith("http")]
    strip = next(p for p in posts if p.title == "strip : Rétro gamines 2")
    # `Wed, 27 Nov 2013 20:17:55` has no zone: read in the loader's zone (Europe/Paris).
    assert known(strip.published).astimezone(PARIS).strftime("%Y-%m-%d %H:%M") == "2013-11-27 20:17"
    reasons = [skip.reason for entry in report.inputs for skip in entry.skipped]
    assert any(reason.startswith("ill-formed feed") for reason in reasons)


async def test_a_feed_is_named_after_its_trimmed_title_or_as_told(
    store: Store, tmp_path: Path
) -> None:
    feed = tmp_path / "monde.xml"
    items = [{"title": "Un article", "link": "https://www.lemonde.fr/a", "guid": "a"}]
    feed.write_bytes(make_rss("International : Toute l'actualité sur Le Monde.fr.", items))
    report = await _load(store, str(feed))
    assert list(report.per_source()) == ["Le Monde – International"]
    named = await load_inputs(store, [str(feed)], tz=PARIS, today=TODAY, source="Mon Monde")
    assert list(named.per_source()) == ["Mon Monde"]
    assert sorted(await store.source_names()) == ["Le Monde – International", "Mon Monde"]


async def test_load_source_reads_dates_in_that_sources_time_zone(
    store: Store, tmp_path: Path
) -> None:
    await store.configure_source(
        "Le Devoir", "https://example.org/devoir", kind="movim", timezone="America/Montreal"
    )
    await load_inputs(store, [str(SEED)], tz=PARIS, today=TODAY, source="le devoir")
    _, posts = await store.index_changes(0)
    wagner = next(p for p in posts if "Wagner" in p.title)
    assert wagner.source == "Le Devoir"
    # « Sunday, 26 February - 14:52 » read in Montreal, not in Paris (13:52 UTC).
    assert known(wagner.published).astimezone(ZoneInfo("UTC")).hour == 19


async def test_a_sources_time_zone_reads_a_real_feeds_zone_less_dates(store: Store) -> None:
    # Maliki's pubDates have no zone (`Wed, 27 Nov 2013 20:17:55`): read in its source's own.
    await store.configure_source("Maliki", "https://maliki.com/rss", timezone="America/Montreal")
    real = DATA / "real" / "maliki-2013.xml"
    await load_inputs(store, [str(real)], tz=PARIS, today=TODAY, source="maliki")
    _, posts = await store.index_changes(0)
    strip = next(p for p in posts if p.title == "strip : Rétro gamines 2")
    assert strip.source == "Maliki"
    local = known(strip.published).astimezone(ZoneInfo("America/Montreal"))
    assert local.strftime("%Y-%m-%d %H:%M") == "2013-11-27 20:17"


def test_an_input_is_told_by_its_content_and_a_non_input_says_why() -> None:
    def kind(data: bytes) -> str:
        parsed = parse_input(data, tz=PARIS, today=TODAY)
        return parsed.kind if isinstance(parsed, (NotPosts, ParseResult)) else "?"

    assert kind(make_rss("Flux", [{"title": "Un", "guid": "1"}])) == "feed"
    assert kind(SEED.read_bytes()) == "movim"
    assert kind(b"  \n") == "empty"
    assert kind(b'<?xml version="1.0"?><opml version="2.0"><body/></opml>') == "opml"
    assert kind(b"# Notes\nnothing to load here\n") == "unknown"
    assert "sources import" in NotPosts("opml").reason
