"""The index follows the store: new, updated and deleted posts, persistence, another db."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from bot.models import Passage, Post
from bot.searcher import Searcher
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
        await searcher.save()
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
    assert index_file.exists()
    stamp = index_file.stat().st_mtime_ns
    async with Store.open(path) as store:
        await store.upsert_posts(source, [_post("La loutre", "Une nageuse.", "b")])
        again = Searcher.beside(store)
        await again.start()
        assert (await again.search("castor")).hits and (await again.search("loutre")).hits
    assert index_file.stat().st_mtime_ns >= stamp


async def test_an_index_of_another_database_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    await _saved_index(path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
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


async def test_a_corrupt_position_file_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    await _saved_index(path)
    position = tmp_path / "r.sqlite3.index.seq"
    for garbage in (b"x:1", b"1:y", b"", b"\xff\xfe:1", b"1:2:3"):
        position.write_bytes(garbage)
        async with Store.open(path) as store:
            rebuilt = Searcher.beside(store)
            await rebuilt.start()
            assert (await rebuilt.search("castor")).hits, garbage


async def test_the_position_file_is_replaced_whole(tmp_path: Path) -> None:
    """A reader racing the saves always sees a whole position, never an empty file."""
    path = tmp_path / "r.sqlite3"
    await _saved_index(path)
    position = tmp_path / "r.sqlite3.index.seq"
    seen: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.append(position.read_text())

    async with Store.open(path) as store:
        searcher = Searcher.beside(store)
        await searcher.start()
        reader = threading.Thread(target=read)
        reader.start()
        try:
            for _ in range(300):
                await searcher.save()
        finally:
            stop.set()
            reader.join()
    assert seen and all(re.fullmatch(r"\d+:\d+", text) for text in seen), set(seen) - {seen[0]}
    assert not list(tmp_path.glob("*.tmp"))
