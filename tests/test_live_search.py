"""The index follows the store: new, updated and deleted posts, persistence, another db."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from bot.models import Passage, Post
from bot.search import Searcher, live
from bot.store import Store


def _post(title: str, text: str, guid: str) -> Post:
    return Post("Numerama", title, (Passage("paragraph", text),), guid=guid)


async def _saved_index(path: Path) -> int:
    """A database holding one post, and its index saved beside it; the source id."""
    async with Store.open(path) as store:
        source = await store.ensure_source("Numerama")
        await store.upsert_posts(source, [_post("Le castor", "Un rongeur.", "a")])
        searcher = Searcher.beside(store)
        await searcher.start()
        await searcher.close()
    return source


async def test_new_updated_and_deleted_posts_are_searchable_at_once(store: Store) -> None:
    searcher = Searcher.beside(store)
    await searcher.start()
    assert (await searcher.search("ornithorynque")).hits == []
    source = await store.ensure_source("Numerama")
    await store.upsert_posts(source, [_post("L’ornithorynque", "Un animal étrange.", "a")])
    assert [h.title for h in (await searcher.search("ornithorynque")).hits] == ["L’ornithorynque"]
    await store.upsert_posts(source, [_post("Le castor", "Un rongeur.", "a")])
    assert (await searcher.search("ornithorynque")).hits == []
    assert (await searcher.search("castor")).hits
    await store._db.execute("DELETE FROM posts")
    assert (await searcher.search("castor")).hits == []


async def test_the_index_is_persisted_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    source = await _saved_index(path)
    index_file = tmp_path / "r.sqlite3.index"
    # A row a rebuild would not write: still there afterwards means the file was reused.
    with sqlite3.connect(index_file) as db:
        db.execute("INSERT INTO meta VALUES ('planted by the test', 'kept')")
    db.close()
    async with Store.open(path) as store:
        await store.upsert_posts(source, [_post("La loutre", "Une nageuse.", "b")])
        again = Searcher.beside(store)
        await again.start()
        assert [h.title for h in (await again.search("castor")).hits] == ["Le castor"]
        assert [h.title for h in (await again.search("loutre")).hits] == ["La loutre"]
        await again.close()
    with sqlite3.connect(index_file) as db:
        planted = db.execute("SELECT value FROM meta WHERE key = 'planted by the test'")
        assert planted.fetchall() == [("kept",)]
    db.close()


async def test_an_index_of_another_database_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    await _saved_index(path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240 (nothing else runs)
    async with Store.open(path) as store:  # a new database at the same path
        searcher = Searcher.beside(store)
        await searcher.start()
        assert (await searcher.search("castor")).hits == []


async def test_a_corrupt_index_file_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    await _saved_index(path)
    (tmp_path / "r.sqlite3.index").write_bytes(b"\x00garbage")
    async with Store.open(path) as store:
        rebuilt = Searcher.beside(store)
        await rebuilt.start()
        assert (await rebuilt.search("castor")).hits


async def test_an_index_without_a_readable_position_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    await _saved_index(path)
    index_file = tmp_path / "r.sqlite3.index"
    for garbage in ("x:1", "1:y", "", "1:2:3"):
        db = sqlite3.connect(index_file)
        db.execute("UPDATE meta SET value = ? WHERE key = 'stamp'", (garbage,))
        db.commit()
        db.close()
        async with Store.open(path) as store:
            rebuilt = Searcher.beside(store)
            await rebuilt.start()
            assert (await rebuilt.search("castor")).hits, garbage
            await rebuilt.close()


async def test_two_processes_writing_one_index_file_stay_consistent(tmp_path: Path) -> None:
    """The bot and a CLI search on the same database both keep the index file up to date."""
    path = tmp_path / "r.sqlite3"
    source = await _saved_index(path)
    async with Store.open(path) as store:
        bot = Searcher.beside(store)
        await bot.start()
        async with Store.open(path) as other_store:
            cli = Searcher.beside(other_store)
            await cli.start()
            await other_store.upsert_posts(source, [_post("La loutre", "Une nageuse.", "b")])
            assert (await cli.search("loutre")).hits
            await cli.close()
        await store.upsert_posts(source, [_post("Le blaireau", "Un fouisseur.", "c")])
        for title in ("Le castor", "La loutre", "Le blaireau"):
            word = title.split()[1]
            assert [h.title for h in (await bot.search(word)).hits] == [title]
        await bot.close()
    async with Store.open(path) as store:
        again = Searcher.beside(store)
        await again.start()
        for word in ("castor", "loutre", "blaireau"):
            assert len((await again.search(word)).hits) == 1, word
        await again.close()


async def test_an_index_of_the_older_format_is_replaced(tmp_path: Path) -> None:
    """The index was one marshal file with its position in `.index.seq` beside it."""
    path = tmp_path / "r.sqlite3"
    source = await _saved_index(path)
    (tmp_path / "r.sqlite3.index").write_bytes(b"relais-search-index\n" + b"\x00" * 64)
    (tmp_path / "r.sqlite3.index.seq").write_text(f"1:{source}")
    async with Store.open(path) as store:
        searcher = Searcher.beside(store)
        await searcher.start()
        assert (await searcher.search("castor")).hits
        await searcher.close()
    assert not (tmp_path / "r.sqlite3.index.seq").exists()


async def _backlog(store: Store) -> list[str]:
    """Nine changes: seven posts, one of them updated and one deleted; their names."""
    source = await store.ensure_source("Numerama")
    names = ["castor", "loutre", "blaireau", "hermine", "belette", "putois", "martre"]
    for i, name in enumerate(names):  # one change each
        await store.upsert_posts(source, [_post(f"Le {name}", "Un animal.", str(i))])
    await store.upsert_posts(source, [_post("Le castor", "Un rongeur.", "0")])  # updated
    await store._db.execute("DELETE FROM posts WHERE title = 'Le loutre'")
    return names


async def _finds_the_backlog(searcher: Searcher, names: list[str]) -> None:
    for name in names:
        hits = (await searcher.search(name)).hits
        assert len(hits) == (0 if name == "loutre" else 1), name
    assert [h.title for h in (await searcher.search("rongeur")).hits] == ["Le castor"]


async def test_a_first_build_reads_the_store_in_pieces_and_is_stamped(
    tmp_path: Path, monkeypatch
) -> None:
    import bot.search.live

    monkeypatch.setattr(bot.search.live, "CHANGES_AT_ONCE", 2)
    path = tmp_path / "r.sqlite3"
    async with Store.open(path) as store:
        names = await _backlog(store)
        searcher = Searcher.beside(store)
        await searcher.start()  # no index yet: built from about 9 changes, 2 at a time
        await _finds_the_backlog(searcher, names)
        # Written as SearchIndex.build writes (what the benchmark times), then stamped: not
        # one transaction per piece read.
        built = searcher.index._c.generation
        assert built == 2
        await searcher.close()
        again = Searcher.beside(store)
        await again.start()  # the same file, at the position it was stamped with
        assert again.index._c.generation == built
        await _finds_the_backlog(again, names)
        await again.close()


async def test_a_large_backlog_is_indexed_in_pieces(tmp_path: Path, monkeypatch) -> None:
    import bot.search.live

    path = tmp_path / "r.sqlite3"
    async with Store.open(path) as store:
        first = Searcher.beside(store)
        await first.start()  # an index of the empty database, saved
        built = first.index._c.generation
        await first.close()
        names = await _backlog(store)
        monkeypatch.setattr(bot.search.live, "CHANGES_AT_ONCE", 2)
        searcher = Searcher.beside(store)
        await searcher.start()
        # Each piece is one transaction of the index file: about 9 changes, 2 at a time.
        assert searcher.index._c.generation >= built + 4
        await _finds_the_backlog(searcher, names)
        await searcher.close()


async def test_a_build_logs_its_progress_every_so_many_posts(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # At scale: a line every 100,000 posts, read 5,000 at a time; here the same rule on
    # eleven posts, read three at a time, a line every four.
    assert (live.BUILD_LOG_EVERY, live.CHANGES_AT_ONCE) == (100_000, 5000)
    monkeypatch.setattr(live, "BUILD_LOG_EVERY", 4)
    monkeypatch.setattr(live, "CHANGES_AT_ONCE", 3)
    source = await store.ensure_source("Numerama")
    for n in range(11):  # one write each: a store position each
        await store.upsert_posts(source, [_post(f"Titre {n}", f"Le texte numéro {n}.", f"g{n}")])
    caplog.set_level(logging.INFO, logger="bot.search.live")
    searcher = Searcher.beside(store)
    await searcher.start()
    try:
        lines = [r.getMessage() for r in caplog.records if r.name == "bot.search.live"]
        # Read 3, 6, 9, 11: the 4th and the 8th post are passed at 6 and at 9.
        assert lines == [
            "building the search index: 6 posts so far",
            "building the search index: 9 posts so far",
            "search index built: 11 posts, 11 passages",
        ]
    finally:
        await searcher.close()
