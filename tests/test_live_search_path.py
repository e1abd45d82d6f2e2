"""The reply path (issue 18): a query reads the store's change counter, not its changes,
when nothing changed; a change still being written is not passed by; the first query after
a restart computes nothing the warm-up computed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import bot.search.index
from bot.models import Passage, Post
from bot.search import Searcher
from bot.store import Store


def _post(title: str, text: str, guid: str) -> Post:
    return Post("Numerama", title, (Passage("paragraph", text),), guid=guid)


def _counted(calls: list[str], name: str, method: Callable[..., Awaitable[Any]]) -> Any:
    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return await method(*args, **kwargs)

    return counting


@pytest.mark.backends("sqlite", "postgres")
async def test_a_query_reads_no_changes_while_the_store_has_none(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = await store.ensure_source("Numerama")
    await store.upsert_posts(source, [_post("Le castor", "Un rongeur.", "a")])
    searcher = Searcher(store, tmp_path / "search.index")
    await searcher.start()
    calls: list[str] = []
    for name in ("index_changes", "source_urls", "store_id"):
        monkeypatch.setattr(store, name, _counted(calls, name, getattr(store, name)))
    for _ in range(3):
        assert (await searcher.search("castor")).hits
    assert (await searcher.quote("rongeur")).hits
    assert calls == []  # one read of the change counter each, nothing else
    await store.upsert_posts(source, [_post("La loutre", "Une nageuse.", "b")])
    assert [h.title for h in (await searcher.search("loutre")).hits] == ["La loutre"]
    assert "index_changes" in calls
    assert "source_urls" in calls
    calls.clear()
    assert (await searcher.search("castor")).hits
    assert calls == []
    await searcher.close()


@pytest.mark.backends("sqlite", "postgres")
async def test_a_change_being_written_meanwhile_is_indexed_once_committed(
    store: Store, tmp_path: Path
) -> None:
    source = await store.ensure_source("Numerama")
    await store.upsert_posts(source, [_post("Le castor", "Un rongeur.", "a")])
    searcher = Searcher(store, tmp_path / "search.index")
    await searcher.start()
    post_id = (await store.index_changes())[1][0].post_id
    # Another coroutine's write transaction, on the connection every coroutine shares: its
    # change counter has moved, its post is not readable elsewhere until it commits.
    async with store._transaction() as tx:
        await tx.execute("UPDATE counters SET value = value + 1 WHERE name = 'post_seq'")
        await tx.execute(
            "UPDATE posts SET title = 'Le tatou', title_norm = 'le tatou',"
            " seq = (SELECT value FROM counters WHERE name = 'post_seq') WHERE id = ?",
            (post_id,),
        )
        assert (await searcher.search("tatou")).hits == []
    assert [h.title for h in (await searcher.search("tatou")).hits] == ["Le tatou"]
    await searcher.close()


async def test_the_first_query_after_a_restart_computes_nothing_the_warm_up_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.sqlite3"
    async with Store.open(path) as store:
        source = await store.ensure_source("Numerama", url="https://www.numerama.com/feed/")
        await store.upsert_posts(source, [_post("Le castor", "Un rongeur des rivières.", "a")])
        first = Searcher.beside(store)
        await first.start()
        await first.close()
    built: list[str] = []

    def counting(name: str) -> Callable[..., Any]:
        original = getattr(bot.search.index, name)

        def made(*args: Any, **kwargs: Any) -> Any:
            built.append(name)
            return original(*args, **kwargs)

        return made

    for name in ("catalogue", "ShortlistView"):
        monkeypatch.setattr(bot.search.index, name, counting(name))
    async with Store.open(path) as store:
        searcher = Searcher.beside(store)  # the index file is there: opened, not built
        await searcher.start()
        assert sorted(built) == ["ShortlistView", "catalogue"]  # by the warm-up
        contents = searcher.index._c
        live, weights = contents.live_slots(), contents.slot_weights_
        built.clear()
        # A source by its domain, a misspelt word (near spellings), a plural.
        for query in ("castro source:numerama.com", "rivière"):
            assert [h.title for h in (await searcher.search(query)).hits] == ["Le castor"]
        assert built == []
        assert contents.live_slots() is live
        assert contents.slot_weights_ is weights
        assert contents.spellings._unsorted == []  # the vocabulary was sorted before
        await searcher.close()


async def test_a_reopened_index_knows_the_vocabulary_it_wrote(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    async with Store.open(path) as store:
        source = await store.ensure_source("Numerama")
        texts = ["Les castors bâtissent des barrages.", "Un barrage de 2024 sur la Loire."]
        await store.upsert_posts(source, [_post(f"T{n}", t, f"g{n}") for n, t in enumerate(texts)])
        writer = Searcher.beside(store)
        await writer.start()
        wrote = writer.index._c
        uses, parts, words = dict(wrote.uses), dict(wrote.parts), list(wrote.spellings._words())
        await writer.close()
        reader = Searcher.beside(store)
        await reader.start()
        read = reader.index._c
        assert read.uses == uses
        assert read.uses["barrage"] == 1
        assert read.parts == parts
        assert read.spellings._words() == words
        assert "2024" in read.uses
        assert "2024" not in words  # digits: never a near spelling
        await reader.close()
