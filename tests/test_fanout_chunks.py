"""A poll's deliveries written in chunks by chat id after its transaction: a crash between
chunks resumes where it stopped, and every rule of planning holds chunk by chunk."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from bot.models import Passage, Post
from bot.polling.poller import Poller, record_poll, store_and_plan
from bot.store import Store

# The store under these tests runs on both engines.
BACKENDS = ("sqlite", "postgres")

# Groups first (negative ids), then people; chat 5 follows the source twice (itself and
# "all"), 3 filters out bitcoin, 4 reads digests, 6 blocked the bot, 7 and 8 also follow
# another source that already brought one of the articles (and 5, through "all").
CHATS = (-1001234, -1000007, 1, 2, 3, 4, 5, 6, 7, 8)
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _posts(count: int) -> list[Post]:
    posts = []
    for n in range(count):
        title = f"Article {n}" + (" sur le bitcoin" if n == 4 else "")
        url = "https://press.example/shared" if n == 7 else f"https://numerama.example/{n}"
        posts.append(
            Post(
                source="Numerama",
                title=title,
                passages=(Passage("paragraph", f"Texte {n}"),),
                guid=f"n{n}",
                url=url,
                published=START + timedelta(minutes=n),
            )
        )
    return posts


async def _followers(store: Store) -> int:
    """The chats above, and a post of the other source already owed to chats 7 and 8."""
    numerama = await store.configure_source("Numerama", "https://numerama.invalid/feed")
    other = await store.configure_source("Presse", "https://presse.invalid/feed")
    for chat in CHATS:
        await store.upsert_chat(chat, type="supergroup" if chat < 0 else "private")
        await store.subscribe(chat, numerama, "-bitcoin" if chat == 3 else "")
    await store.subscribe(5, None, "")
    await store.update_chat(4, digest="daily 08:00")
    await store.update_chat(6, active=0)
    for chat in (7, 8):
        await store.subscribe(chat, other, "")
    shared = Post(
        "Presse", "Le même article ailleurs", guid="p", url="https://press.example/shared"
    )
    await store_and_plan(store, other, [shared])
    return numerama


async def _owed(store: Store) -> Counter[tuple[int, str, str]]:
    """(chat, title, kind) of every delivery of Numerama's posts."""
    rows = await store._db.fetchall(
        "SELECT o.chat_id, p.title, o.kind FROM outbox o JOIN posts p ON p.id = o.post_id"
        " JOIN sources s ON s.id = p.source_id WHERE s.name = 'Numerama'"
    )
    return Counter((row["chat_id"], row["title"], row["kind"]) for row in rows)


def _expected() -> Counter[tuple[int, str, str]]:
    """What the rules owe each chat for the 12 posts of one poll."""
    titles = [post.title for post in _posts(12)]
    owed: Counter[tuple[int, str, str]] = Counter()
    for chat in CHATS:
        if chat == 6:
            continue  # blocked the bot
        mine = [t for t in titles if not (chat == 3 and "bitcoin" in t)]
        if chat in (5, 7, 8):
            mine.remove("Article 7")  # already owed through the other source ("all" for 5)
        if chat == 4:
            owed.update((chat, t, "digest") for t in mine)
            continue
        newest = mine[::-1]
        owed.update((chat, t, "push") for t in newest[:10])
        owed.update((chat, t, "more") for t in newest[10:])
    return owed


async def test_the_poll_transaction_writes_no_outbox_row_and_chunks_write_them(
    store: Store,
) -> None:
    numerama = await _followers(store)
    summary, fanout = await record_poll(store, numerama, _posts(12))
    assert summary.new == 12
    assert fanout is not None
    # Committed: the posts and the fan-out, not one delivery yet.
    assert await _owed(store) == Counter()
    assert await store.fanouts_waiting() == 1
    written = []
    while await store.fanouts_waiting():
        written.append(await store.expand_fanouts(chunk=3, chunks=1))
    # 11 subscriptions in chunks of 3 or 4 (a chat's two subscriptions stay together).
    assert len(written) == 4
    assert await _owed(store) == _expected()
    assert sum(written) == sum(_expected().values())


async def test_a_crash_between_chunks_resumes_and_owes_each_post_once(
    database: str | Path,
) -> None:
    async with Store.open(database) as store:
        numerama = await _followers(store)
        await record_poll(store, numerama, _posts(12))
        assert await store.expand_fanouts(chunk=3, chunks=2) > 0
        partial = await _owed(store)
        # The process dies here: two chunks written, the rest still owed by the fan-out.
    assert 0 < sum(partial.values()) < sum(_expected().values())
    async with Store.open(database) as store:
        assert await store.fanouts_waiting() == 1
        await store.expand_fanouts(chunk=3)
        assert await store.fanouts_waiting() == 0
        owed = await _owed(store)
    assert owed == _expected()
    assert max(owed.values()) == 1


async def test_a_chunk_written_again_writes_nothing_twice(store: Store) -> None:
    numerama = await _followers(store)
    await record_poll(store, numerama, _posts(12))
    await store.expand_fanouts(chunk=3, chunks=2)
    # As if the cursor's move had been lost with a chunk it covered: written again.
    await store._db.execute("UPDATE fanouts SET next_chat = ?", (-(2**63),))
    await store.expand_fanouts(chunk=3)
    assert await _owed(store) == _expected()


async def test_the_whole_fan_out_in_one_chunk_owes_the_same(store: Store) -> None:
    numerama = await _followers(store)
    summary = await store_and_plan(store, numerama, _posts(12))
    assert await _owed(store) == _expected()
    assert summary.planned == sum(_expected().values())


async def test_the_poller_writes_what_a_crash_left_at_start(database: str | Path) -> None:
    async with Store.open(database) as store:
        numerama = await _followers(store)
        await record_poll(store, numerama, _posts(12))
        await store.expand_fanouts(chunk=3, chunks=1)
    woken = asyncio.Event()
    async with Store.open(database) as store, httpx.AsyncClient() as client:
        # No source is polled: only the unfinished fan-out is work.
        for source in await store.polled_sources():
            await store.stop_polling(source.id)
        poller = Poller(
            store, client, tz=ZoneInfo("Europe/Paris"), default_interval=300, on_new=woken.set
        )
        task = asyncio.create_task(poller.run())
        try:
            await asyncio.wait_for(woken.wait(), 60)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert await store.fanouts_waiting() == 0
        assert await _owed(store) == _expected()
