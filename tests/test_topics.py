"""Forum topics in process against the fake Bot API: commands in a topic apply to it, its
pushes go there, a closed topic is paused (admins told once) and resumed when reopened;
and the fake's topic shapes parse with PTB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from telegram import Bot, ForumTopic, Message, Update
from telegram.ext import Application

from bot.config import Settings
from bot.models import Passage, Post
from bot.polling.poller import store_and_plan
from bot.telegram.services import services_of
from tests.conftest import known, running
from tests.fakes import FakeBotAPI, plain_words
from tests.fakes.demo import prepare_database
from tests.fakes.objects import FakeChat, FakeTopic, FakeUser

ADMIN = 4242


@pytest.fixture
async def app(core: FakeBotAPI, tmp_path: Path) -> AsyncIterator[Application]:
    database = tmp_path / "relais.sqlite3"
    await prepare_database(database)
    settings = Settings(
        bot_token=core.token,
        database_path=database,
        telegram_api_url="http://fake.invalid",
        admin_ids=frozenset({ADMIN}),
        sources_file=tmp_path / "none.toml",
    )
    async with running(settings, core) as application:
        yield application


def _forum(core: FakeBotAPI) -> tuple[FakeUser, FakeChat]:
    """A forum « Rédaction » and its creator, Camille."""
    owner = core.user("Camille")
    forum = core.forum("Rédaction")
    core.set_member(forum, owner, "creator")
    return owner, forum


async def in_topic(app: Application, core: FakeBotAPI, forum, thread: int, text: str, user):
    """Send `text` in a topic; the bot's replies to the forum, as plain words."""
    mark = core.mark()
    await app.process_update(Update.de_json(core.topic_command(forum, thread, text, user), app.bot))
    sent = [c for c in core.sent(forum, "sendMessage") if c.seq > mark]
    assert all(c.params.get("message_thread_id") == thread for c in sent), sent
    return "\n".join(plain_words(c.text) for c in sent)


async def _new_post(app: Application, n: int) -> None:
    store = services_of(app).store
    source = await store.source_by_name("Numerama")
    assert source is not None
    post = Post(
        "Numerama", f"Article du sujet {n}", (Passage("paragraph", "Texte."),), guid=f"t{n}"
    )
    await store_and_plan(store, source.id, [post])
    services_of(app).sender.wake.set()


async def test_commands_in_a_topic_apply_to_it_and_its_pushes_go_there(core, app) -> None:
    owner, forum = _forum(core)
    tech = core.open_topic(forum, "Tech", owner)
    revue = core.open_topic(forum, "Revue", owner)
    await app.process_update(Update.de_json(core.command(forum, "/subscribe all", owner), app.bot))
    answer = await in_topic(app, core, forum, tech, "/subscribe numerama", owner)
    assert "Abonnement à Numerama enregistré" in answer
    listing = await in_topic(app, core, forum, tech, "/subscriptions", owner)
    assert "Rédaction › Tech" in listing
    assert "Numerama" in listing
    assert "toutes les sources" not in listing  # the General topic's, not this one's
    assert "Aucun abonnement" in await in_topic(app, core, forum, revue, "/subscriptions", owner)
    assert "Ce sujet" in await in_topic(app, core, forum, tech, "/status", owner)
    await in_topic(app, core, forum, revue, "/subscribe tout", owner)
    await in_topic(app, core, forum, revue, "/digest quotidien 8h", owner)
    store = services_of(app).store
    chat = await store.chat(forum.id)
    assert chat is not None
    assert chat.digest is None
    assert known(await store.topic(chat, revue)).digest == "daily 08:00"
    mark = core.mark()
    await _new_post(app, 1)
    push = await core.wait_for(
        lambda c: "Article du sujet 1" in c.text and c.params.get("message_thread_id") == tech,
        chat_id=forum,
        since=mark,
    )
    assert push.result["is_topic_message"] is True
    general = await core.wait_for(
        lambda c: "Article du sujet 1" in c.text and not c.params.get("message_thread_id"),
        chat_id=forum,
        since=mark,
    )
    assert "message_thread_id" not in general.result
    # The digest topic got nothing: its row waits for its digest.
    in_revue = [c.text for c in core.sent(forum) if c.params.get("message_thread_id") == revue]
    assert in_revue
    assert not [t for t in in_revue if "Article du sujet" in t]
    owed = await store._db.fetchall(
        "SELECT kind FROM outbox WHERE chat_id = ? AND thread_id = ?", (forum.id, revue)
    )
    assert [row["kind"] for row in owed] == ["digest"]
    # Its digest, when asked for, goes to the topic too.
    mark = core.mark()
    await in_topic(app, core, forum, revue, "/digest maintenant", owner)
    digest = await core.wait_for(lambda c: "Article du sujet 1" in c.text, since=mark)
    assert digest.params.get("message_thread_id") == revue


async def test_a_closed_topic_is_paused_admins_told_once_and_reopening_resumes(core, app) -> None:
    owner = core.user("Camille")
    admin = core.user("Opérateur", user_id=ADMIN)
    await app.process_update(Update.de_json(core.command(admin, "/start"), app.bot))
    forum = core.forum("Rédaction")
    core.set_member(forum, owner, "creator")
    tech = core.open_topic(forum, "Tech", owner)
    await app.process_update(Update.de_json(_last_update(core), app.bot))  # topic created
    await in_topic(app, core, forum, tech, "/subscribe numerama", owner)
    core.close_topic(forum, tech, owner, announce=False)  # the bot learns it from sendMessage
    mark = core.mark()
    await _new_post(app, 1)
    refused = await core.wait_for(chat_id=forum, since=mark, include_failed=True)
    assert refused.response["description"] == "Bad Request: TOPIC_CLOSED"
    note = await core.wait_for(chat_id=admin, since=mark)
    assert "Tech" in plain_words(note.text)
    assert "Rédaction" in plain_words(note.text)
    store = services_of(app).store
    chat = known(await store.chat(forum.id))
    topic = await store.topic(chat, tech)
    assert topic is not None
    assert topic.paused_at is not None
    assert len(await store.subscriptions(forum.id, tech)) == 1  # kept
    # A second post: not tried, and the admins are not told again.
    mark = core.mark()
    await _new_post(app, 2)
    await services_of(app).sender.drain_once()
    await services_of(app).sender.wait_idle()
    assert [c for c in core.sent(include_failed=True) if c.seq > mark] == []
    # Reopened: the next post goes to the topic.
    mark = core.mark()
    await app.process_update(Update.de_json(core.reopen_topic(forum, tech, owner), app.bot))
    resumed = await core.wait_for(method="sendMessage", chat_id=forum, since=mark)
    assert "reçoit de nouveau ses abonnements" in plain_words(resumed.text)
    assert resumed.params.get("message_thread_id") == tech
    mark = core.mark()
    await _new_post(app, 3)
    push = await core.wait_for(chat_id=forum, since=mark)
    assert push.params.get("message_thread_id") == tech
    assert "Article du sujet 3" in push.text
    assert len([c for c in core.sent(admin) if "Tech" in c.text]) == 1


async def test_a_deleted_topic_is_paused_and_a_command_in_it_resumes(core, app) -> None:
    owner, forum = _forum(core)
    admin = core.user("Opérateur", user_id=ADMIN)
    tech = core.open_topic(forum, "Tech", owner)
    await in_topic(app, core, forum, tech, "/subscribe numerama", owner)
    core.delete_topic(forum, tech)
    mark = core.mark()
    await _new_post(app, 1)
    refused = await core.wait_for(lambda c: not c.ok, chat_id=forum, include_failed=True)
    assert refused.response["description"] == "Bad Request: message thread not found"
    await core.wait_for(method="sendMessage", chat_id=admin, since=mark)
    store = services_of(app).store
    chat = await store.chat(forum.id)
    assert chat is not None
    assert known(await store.topic(chat, tech)).paused_at is not None
    # Telegram has no service message for a deleted topic; a command sent under the same
    # thread id (a client that still shows it) resumes it, as any command in a topic does.
    core.forum_topics[forum.id][tech] = FakeTopic(tech, "Tech")
    await in_topic(app, core, forum, tech, "/status", owner)
    assert known(await store.topic(chat, tech)).paused_at is None


async def test_a_topic_closed_in_sight_of_the_bot_is_paused_before_any_send(core, app) -> None:
    owner, forum = _forum(core)
    admin = core.user("Opérateur", user_id=ADMIN)
    tech = core.open_topic(forum, "Tech", owner)
    await in_topic(app, core, forum, tech, "/subscribe numerama", owner)
    mark = core.mark()
    core.close_topic(forum, tech, owner)
    await app.process_update(Update.de_json(_last_update(core), app.bot))
    await app.process_update(Update.de_json(_last_update(core), app.bot))  # seen twice
    await _new_post(app, 1)
    await services_of(app).sender.drain_once()
    await services_of(app).sender.wait_idle()
    tried = [c for c in core.sent(include_failed=True) if c.seq > mark]
    assert [c.chat_id for c in tried] == [admin.id]  # told once; nothing sent to the topic
    assert "Tech" in plain_words(tried[0].text)


async def test_topics_of_a_private_chat_work_the_same(core, app) -> None:
    # Bot API 9.3 (python-telegram-bot 22.8 reads it): a private chat with the bot may have
    # topics; a message in one is a topic message of that chat.
    alice = core.user("Alice")
    veille = core.open_topic(alice, "Veille", alice)
    answer = await in_topic(app, core, alice, veille, "/subscribe numerama", alice)
    assert "Abonnement à Numerama enregistré" in answer
    store = services_of(app).store
    assert await store.subscriptions(alice.id) == []
    assert [s.thread_id for s in await store.subscriptions(alice.id, veille)] == [veille]
    mark = core.mark()
    await _new_post(app, 1)
    push = await core.wait_for(lambda c: "Article du sujet 1" in c.text, since=mark)
    assert push.chat_id == alice.id
    assert push.params.get("message_thread_id") == veille


async def test_fake_topic_shapes_parse_with_ptb(core) -> None:
    bot = Bot(core.token)
    owner = core.user("Camille")
    forum = core.forum("Rédaction")
    status, body = await core.call(core.token, "getChat", {"chat_id": forum.id})
    assert status == 200
    assert body["result"]["is_forum"] is True
    status, body = await core.call(
        core.token, "createForumTopic", {"chat_id": forum.id, "name": "Annonces"}
    )
    assert status == 200, body
    topic = ForumTopic.de_json(body["result"], bot)
    assert topic.name == "Annonces"
    assert topic.message_thread_id > 0
    other = core.open_topic(forum, "Tech", owner)
    update = Update.de_json(_last_update(core), bot)
    assert known(known(update.message).forum_topic_created).name == "Tech"
    assert known(update.message).is_topic_message
    assert known(update.message).message_thread_id == other
    assert known(update.message).chat.is_forum
    said = Update.de_json(core.topic_command(forum, other, "/status", owner), bot)
    assert known(said.message).message_thread_id == other
    assert known(said.message).text == "/status"
    status, body = await core.call(
        core.token,
        "sendMessage",
        {"chat_id": forum.id, "text": "dans le sujet", "message_thread_id": other},
    )
    sent = Message.de_json(body["result"], bot)
    assert sent.is_topic_message
    assert sent.message_thread_id == other
    status, body = await core.call(
        core.token, "sendMessage", {"chat_id": forum.id, "text": "x", "message_thread_id": 999}
    )
    assert (status, body["description"]) == (400, "Bad Request: message thread not found")
    core.close_topic(forum, other, owner)
    closed = Update.de_json(_last_update(core), bot)
    assert known(closed.message).forum_topic_closed is not None
    status, body = await core.call(
        core.token,
        "sendPhoto",
        {"chat_id": forum.id, "photo": "https://img.example/a.jpg", "message_thread_id": other},
    )
    assert (status, body["description"]) == (400, "Bad Request: TOPIC_CLOSED")
    reopened = Update.de_json(core.reopen_topic(forum, other, owner), bot)
    assert known(reopened.message).forum_topic_reopened is not None
    core.delete_topic(forum, other)
    status, body = await core.call(
        core.token, "sendMessage", {"chat_id": forum.id, "text": "x", "message_thread_id": other}
    )
    assert body["description"] == "Bad Request: message thread not found"


def _last_update(core: FakeBotAPI) -> dict:
    return core._state().updates[-1]


async def test_help_in_a_forum_says_commands_apply_to_their_topic(core, app) -> None:
    owner, forum = _forum(core)
    tech = core.open_topic(forum, "Tech", owner)
    answer = await in_topic(app, core, forum, tech, "/help", owner)
    assert "chaque commande vaut pour le sujet où elle est écrite" in answer
    assert "arrivent dans ce sujet" in answer
    group = core.supergroup("Sans sujets")
    core.set_member(group, owner, "creator")
    mark = core.mark()
    await app.process_update(Update.de_json(core.command(group, "/help", owner), app.bot))
    plain = " ".join(plain_words(c.text) for c in core.sent(group, "sendMessage") if c.seq > mark)
    assert "arrivent dans ce groupe" in plain
    assert "sujet" not in plain


async def test_a_topics_quiet_hours_hold_its_pushes_only(core, app) -> None:
    owner, forum = _forum(core)
    tech = core.open_topic(forum, "Tech", owner)
    calme = core.open_topic(forum, "Calme", owner)
    await in_topic(app, core, forum, tech, "/subscribe numerama", owner)
    await in_topic(app, core, forum, calme, "/subscribe numerama", owner)
    # Quiet from an hour ago to an hour from now, in the group's zone (the default).
    local = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris"))
    window = f"{local - timedelta(hours=1):%H:%M}-{local + timedelta(hours=1):%H:%M}"
    assert "calmes" in await in_topic(app, core, forum, calme, f"/quiet {window}", owner)
    mark = core.mark()
    await _new_post(app, 7)
    await core.wait_for(
        lambda c: "Article du sujet 7" in c.text and c.params.get("message_thread_id") == tech,
        chat_id=forum,
        since=mark,
    )
    store = services_of(app).store
    owed = await store._db.fetchall(
        "SELECT state FROM outbox WHERE chat_id = ? AND thread_id = ?", (forum.id, calme)
    )
    assert [row["state"] for row in owed] == ["pending"]  # held, not sent
    assert not [c for c in core.sent(forum) if "Article du sujet 7" in c.text and
                c.params.get("message_thread_id") == calme]  # fmt: skip
    # Its quiet hours lifted, what it was owed goes to it.
    mark = core.mark()
    await in_topic(app, core, forum, calme, "/quiet non", owner)
    services_of(app).sender.wake.set()
    await core.wait_for(
        lambda c: "Article du sujet 7" in c.text and c.params.get("message_thread_id") == calme,
        chat_id=forum,
        since=mark,
    )
