"""Forum topics in the store, on both engines: subscriptions per topic, a post owed once per
(chat, topic), a topic's own digest, and a paused topic owed and sent nothing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery.sender import Sender
from bot.models import Passage, Post
from bot.polling.poller import store_and_plan
from bot.ratelimit import FloodGate
from bot.store import Store
from bot.telegram.send import make_send
from tests.conftest import gated_bot, known

BACKENDS = ("sqlite", "postgres")

FORUM = -1009000
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _post(n: int, source: str = "Numerama") -> Post:
    return Post(
        source=source,
        title=f"Article {n}",
        passages=(Passage("paragraph", f"Texte {n}"),),
        guid=f"{source}{n}",
        url=f"https://{source.lower()}.example/{n}",
        published=START + timedelta(minutes=n),
    )


async def _owed(store: Store) -> list[tuple[int, int, str, str]]:
    rows = await store._db.fetchall(
        "SELECT o.chat_id, o.thread_id, p.title, o.kind FROM outbox o"
        " JOIN posts p ON p.id = o.post_id ORDER BY o.chat_id, o.thread_id, p.title"
    )
    return [(int(r["chat_id"]), int(r["thread_id"]), r["title"], r["kind"]) for r in rows]


async def test_a_chat_follows_a_source_in_two_topics_and_the_general_one(store: Store) -> None:
    numerama = await store.configure_source("Numerama", "https://numerama.invalid/feed")
    forum = await store.upsert_chat(FORUM, type="supergroup", title="Forum")
    await store.open_topic(forum, 7, "Tech")
    await store.open_topic(forum, 9, "Revue")
    assert await store.subscribe(FORUM, numerama, "+ia", thread_id=7) is True
    assert await store.subscribe(FORUM, numerama, "", thread_id=9) is True
    assert await store.subscribe(FORUM, numerama) is True  # the General topic: the chat's own
    assert await store.subscribe(FORUM, numerama, "+robot", thread_id=7) is False  # updated
    assert [s.filters for s in await store.subscriptions(FORUM, 7)] == ["+robot"]
    assert [s.thread_id for s in await store.subscriptions(FORUM, 9)] == [9]
    assert [s.thread_id for s in await store.subscriptions(FORUM)] == [0]
    assert await store.unsubscribe(FORUM, numerama, thread_id=9) == 1
    assert await store.subscriptions(FORUM, 9) == []
    assert len(await store.subscriptions(FORUM, 7)) == 1
    assert await store.unsubscribe(FORUM, None, every=True, thread_id=7) == 1
    assert [s.thread_id for s in await store.subscriptions(FORUM)] == [0]


async def test_a_post_is_owed_once_per_chat_and_topic_each_with_its_own_digest(
    store: Store,
) -> None:
    numerama = await store.configure_source("Numerama", "https://numerama.invalid/feed")
    forum = await store.upsert_chat(FORUM, type="supergroup", title="Forum")
    tech = await store.open_topic(forum, 7, "Tech")
    revue = await store.open_topic(forum, 9, "Revue")
    await store.subscribe(FORUM, numerama, thread_id=7)
    await store.subscribe(FORUM, None, thread_id=7)  # two subscriptions in one topic: one row
    await store.subscribe(FORUM, numerama, thread_id=9)
    await store.subscribe(FORUM, numerama)
    await store.update_settings(revue, digest="daily 08:00")
    await store.update_settings(tech, link_previews=1)
    assert await store.topic(forum, 7) == dataclasses.replace(tech, link_previews=True)
    assert known(await store.chat(FORUM)).link_previews is False  # the chat's own is untouched
    await store_and_plan(store, numerama, [_post(1)])
    assert await _owed(store) == [
        (FORUM, 0, "Article 1", "push"),
        (FORUM, 7, "Article 1", "push"),
        (FORUM, 9, "Article 1", "digest"),
    ]
    # Several posts a poll: the cap and the digest per topic too.
    await store_and_plan(store, numerama, [_post(2), _post(3)])
    kinds = {(thread, kind) for _, thread, _, kind in await _owed(store)}
    assert kinds == {(0, "push"), (7, "push"), (9, "digest")}
    pending = await store.pending(now=datetime.now(UTC) + timedelta(seconds=1))
    assert sorted({(d.chat_id, d.thread_id) for d in pending}) == [(FORUM, 0), (FORUM, 7)]
    digests = await store.topics_with_digest()
    assert [(t.id, t.thread_id, t.digest) for t in digests] == [(FORUM, 9, "daily 08:00")]
    assert await store.release_digest(FORUM, datetime.now(UTC), thread_id=9) == 3
    owed = await store.digest_owed(FORUM, datetime.now(UTC) + timedelta(seconds=1), thread_id=9)
    assert [d.title for d in owed] == ["Article 1", "Article 2", "Article 3"]
    assert await store.digest_owed(FORUM, thread_id=7) == []
    assert known(await store.topic(forum, 9)).last_digest_at is not None
    assert known(await store.chat(FORUM)).last_digest_at is None


async def test_a_paused_topic_is_owed_nothing_and_resumes(store: Store) -> None:
    numerama = await store.configure_source("Numerama", "https://numerama.invalid/feed")
    forum = await store.upsert_chat(FORUM, type="supergroup", title="Forum")
    await store.open_topic(forum, 7, "Tech")
    await store.subscribe(FORUM, numerama, thread_id=7)
    await store.subscribe(FORUM, numerama)
    await store_and_plan(store, numerama, [_post(1)])
    assert await store.pause_topic(FORUM, 7, "Bad Request: TOPIC_CLOSED") is True
    assert await store.pause_topic(FORUM, 7, "Bad Request: TOPIC_CLOSED") is False  # once
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert [(d.thread_id, d.title) for d in await store.pending(now=later)] == [(0, "Article 1")]
    counts = await store.outbox_counts(FORUM)
    assert counts["failed"] == 1  # what it was owed is dropped, not retried
    await store_and_plan(store, numerama, [_post(2)])
    assert [(t, title) for _, t, title, _ in await _owed(store)] == [
        (0, "Article 1"),
        (0, "Article 2"),
        (7, "Article 1"),
    ]
    assert len(await store.subscriptions(FORUM, 7)) == 1  # kept
    assert known(await store.topic(forum, 7)).paused_at is not None
    assert await store.resume_topic(FORUM, 7) is True
    assert await store.resume_topic(FORUM, 7) is False
    await store_and_plan(store, numerama, [_post(3)])
    assert (FORUM, 7, "Article 3", "push") in await _owed(store)
    # A command sent in the topic resumes it too.
    await store.pause_topic(FORUM, 7, "Bad Request: message thread not found")
    assert (await store.open_topic(forum, 7)).paused_at is None


async def test_a_migrated_group_takes_its_topics(store: Store) -> None:
    numerama = await store.configure_source("Numerama", "https://numerama.invalid/feed")
    old = await store.upsert_chat(-42, type="group", title="Groupe")
    await store.open_topic(old, 3, "Sujet")
    await store.subscribe(-42, numerama, thread_id=3)
    await store.upsert_chat(FORUM, type="supergroup")
    await store.migrate_chat(-42, FORUM)
    forum = await store.chat(FORUM)
    assert forum is not None
    assert known(await store.topic(forum, 3)).topic_title == "Sujet"
    assert [s.thread_id for s in await store.subscriptions(FORUM, 3)] == [3]


async def test_an_article_owed_through_another_source_is_skipped_per_topic(store: Store) -> None:
    numerama = await store.configure_source("Numerama", "https://numerama.invalid/feed")
    presse = await store.configure_source("Presse", "https://presse.invalid/feed")
    forum = await store.upsert_chat(FORUM, type="supergroup", title="Forum")
    await store.open_topic(forum, 7, "Tech")
    await store.subscribe(FORUM, presse, thread_id=7)
    await store.subscribe(FORUM, numerama, thread_id=7)
    await store.subscribe(FORUM, numerama, thread_id=9)
    shared = dataclasses.replace(_post(1, "Presse"), url="https://press.example/shared")
    await store_and_plan(store, presse, [shared])
    again = dataclasses.replace(_post(2), url="https://press.example/shared")
    await store_and_plan(store, numerama, [again])
    # Topic 7 had it through Presse; topic 9, which follows only Numerama, gets it.
    assert [(t, title) for _, t, title, _ in await _owed(store)] == [
        (7, "Article 1"),
        (9, "Article 2"),
    ]


async def test_rows_of_a_topic_never_recorded_are_still_sent_there(store: Store, core) -> None:
    numerama = await store.configure_source("Numerama", "https://numerama.invalid/feed")
    owner = core.user("Camille")
    forum = core.forum("Forum")
    thread = core.open_topic(forum, "Tech", owner)
    await store.upsert_chat(forum.id, type="supergroup", title="Forum")
    await store.subscribe(forum.id, numerama, thread_id=thread)  # no topics row
    await store_and_plan(store, numerama, [_post(1)])
    bot = gated_bot(core, FloodGate(per_chat_interval=0.0))
    async with bot:
        sender = Sender(store, make_send(bot), tz=ZoneInfo("Europe/Paris"))
        await sender.drain_once()
        await sender.wait_idle()
    sent = core.sent(forum, "sendMessage")
    assert [c.params.get("message_thread_id") for c in sent] == [thread]
    assert "Article 1" in sent[0].text
