"""Sources in the store: keys recomputed on upgrade, lookup by name, word or domain."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from bot.models import Passage, Post
from bot.search import Searcher
from bot.store import Store
from bot.store.migrations import MIGRATIONS

# The store under these tests runs on both engines.
BACKENDS = ("sqlite", "postgres")

NOW = "2024-01-01T00:00:00+00:00"


def _schema_3_database(path: Path) -> None:
    """A database as Relais left it at schema 3, keys made by the old store-side function
    (which kept apostrophes: « L'Humanité » was `l'humanite`, « LHumanite » `lhumanite`)."""
    with sqlite3.connect(path) as db:
        for number, script in enumerate(MIGRATIONS[:3], start=1):
            db.executescript(f"{script}\nPRAGMA user_version = {number};")
        db.executemany(
            "INSERT INTO sources (id, name, key, url, created_at) VALUES (?, ?, ?, ?, ?)",
            [
                (1, "L'Humanité", "l'humanite", None, NOW),
                (2, "LHumanite", "lhumanite", "https://www.humanite.fr/rss", NOW),
                (3, "Numerama", "numerama", None, NOW),
            ],
        )
        posts = [
            (10, 1, "guid:a", "Grève"),
            (11, 2, "guid:b", "Salaires"),
            (12, 2, "guid:a", "Doublon"),
        ]
        db.executemany(
            "INSERT INTO posts (id, source_id, identity, content_hash, title, title_norm,"
            " first_seen, updated_at, seq) VALUES (?, ?, ?, 'h', ?, lower(?), ?, ?, 1)",
            [(i, s, ident, title, title, NOW, NOW) for i, s, ident, title in posts],
        )
        db.execute("UPDATE counters SET value = 1 WHERE name = 'post_seq'")
        db.execute("INSERT INTO chats (id, type, created_at) VALUES (7, 'private', ?)", (NOW,))
        db.execute(
            "INSERT INTO subscriptions (chat_id, source_id, created_at) VALUES (7, 2, ?)", (NOW,)
        )


async def test_upgrade_recomputes_keys_and_merges_sources_that_now_share_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    _schema_3_database(path)
    async with Store.open(path) as store:
        assert await store.schema_version() == len(MIGRATIONS)
        humanite = await store.source_by_name("lhumanite")
        assert humanite is not None
        assert humanite.id == 1
        assert humanite.name == "L'Humanité"
        # The newer twin merged into it: its URL (so it is still polled), its post, its
        # subscriber; its post whose identity the keeper already had went with it.
        assert humanite.url == "https://www.humanite.fr/rss"
        assert [s.name for s in await store.all_sources()] == ["L'Humanité", "Numerama"]
        assert [s.source for s in await store.subscriptions(7)] == ["L'Humanité"]
        searcher = Searcher(store)
        await searcher.start()
        hits = (await searcher.search("salaires source:lhumanite")).hits
        assert [(h.title, h.source) for h in hits] == [("Salaires", "L'Humanité")]
        assert (await searcher.search("doublon")).hits == []
    with sqlite3.connect(path) as raw:
        keys = dict(raw.execute("SELECT name, key FROM sources"))
    assert keys == {"L'Humanité": "lhumanite", "Numerama": "numerama"}
    async with Store.open(path) as store:  # done once: a second start changes nothing
        assert [s.id for s in await store.all_sources()] == [1, 3]


async def test_find_sources_by_name_word_or_domain(store: Store) -> None:
    await store.configure_source("Le Monde", "https://www.lemonde.fr/rss/une.xml")
    await store.configure_source("Le Monde diplomatique", "https://www.monde-diplomatique.fr/rss/")
    await store.ensure_source("L'Humanité")

    async def names(wanted: str) -> list[str]:
        return [s.name for s in await store.find_sources(wanted)]

    assert await names("lemonde") == ["Le Monde"]
    assert await names("LE MONDE") == ["Le Monde"]
    assert await names("lemonde.fr") == ["Le Monde"]
    assert await names("diplo") == ["Le Monde diplomatique"]
    assert await names("monde") == ["Le Monde", "Le Monde diplomatique"]
    assert await names("lhumanite") == await names("L’Humanité") == ["L'Humanité"]
    assert await names("figaro") == []


async def test_a_source_loaded_from_a_file_is_named_by_its_sites_domain(store: Store) -> None:
    # A feed loaded from a file has no polled URL; its posts link to its site.
    monde = await store.ensure_source("Le Monde")
    post = _post("Le Monde", "Élections", "m")
    url = "https://www.lemonde.fr/politique/article/2024/01/18/elections_1.html"
    await store.upsert_posts(monde, [replace(post, url=url)])
    await store.ensure_source("Mediapart")
    assert [s.name for s in await store.find_sources("lemonde.fr")] == ["Le Monde"]
    assert (await store.source_urls())["Le Monde"] == url
    assert (await store.source_urls())["Mediapart"] is None


@pytest.mark.backends("sqlite")
async def test_the_sources_addresses_are_read_by_an_index_not_a_scan_of_posts(
    store: Store,
) -> None:
    # Issue 18: read on every query, the newest post of each source was found by a scan of
    # all posts (about 150 ms at 1M passages).
    await store.upsert_posts(await store.ensure_source("Le Monde"), [_post("Le Monde", "É", "m")])
    assert store.path is not None
    with sqlite3.connect(store.path) as db:
        sql = (
            "SELECT s.name, coalesce(s.url, (SELECT q.url FROM posts q WHERE q.source_id = s.id"
            " AND q.url IS NOT NULL ORDER BY q.id DESC LIMIT 1)) FROM sources s"
        )
        plan = " ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert "USING INDEX posts_source_url" in plan, plan


async def test_a_new_posts_site_names_its_source_in_a_running_search(store: Store) -> None:
    searcher = Searcher(store)
    await searcher.start()
    monde = await store.ensure_source("Le Monde")
    url = "https://www.lemonde.fr/politique/article/2024/01/18/elections_1.html"
    await store.upsert_posts(monde, [replace(_post("Le Monde", "Élections", "m"), url=url)])
    hits = (await searcher.search("élections source:lemonde.fr")).hits
    assert [h.source for h in hits] == ["Le Monde"]


async def test_search_source_filter_reads_names_words_and_domains(store: Store) -> None:
    monde = await store.configure_source("Le Monde – International", "https://www.lemonde.fr/x")
    mediapart = await store.ensure_source("Mediapart")
    await store.upsert_posts(monde, [_post("Le Monde – International", "Élections", "m")])
    await store.upsert_posts(mediapart, [_post("Mediapart", "Élections", "p")])
    searcher = Searcher(store)
    await searcher.start()

    async def sources(query: str) -> list[str]:
        return sorted(h.source for h in (await searcher.search(query)).hits)

    assert await sources("élections") == ["Le Monde – International", "Mediapart"]
    for query in ("source:lemonde", "source:lemonde.fr", 'source:"le monde"', "source:monde"):
        assert await sources(f"élections {query}") == ["Le Monde – International"], query
    assert await sources("élections -source:lemonde") == ["Mediapart"]
    response = await searcher.search("élections source:figaro")
    assert response.hits == []
    assert [w.code for w in response.warnings] == ["unknown_source"]


async def test_an_ambiguous_source_filter_keeps_all_and_says_so(store: Store) -> None:
    for name in ("Le Monde", "Le Monde diplomatique"):
        source = await store.ensure_source(name)
        await store.upsert_posts(source, [_post(name, "Élections", name)])
    await store.upsert_posts(await store.ensure_source("Mediapart"), [_post("M", "Élections", "x")])
    searcher = Searcher(store)
    await searcher.start()
    response = await searcher.search("élections source:monde")
    assert sorted(h.source for h in response.hits) == ["Le Monde", "Le Monde diplomatique"]
    [warning] = response.warnings
    assert warning.code == "ambiguous_source"
    assert "Le Monde, Le Monde diplomatique" in warning.message("en")


def _post(source: str, text: str, guid: str) -> Post:
    return Post(source, f"{text} ({guid})", (Passage("paragraph", text),), guid=guid)
