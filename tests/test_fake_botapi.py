"""Tests of the fake Bot API: response shapes parse with PTB, both transports, HTML checks."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    CallbackQuery,
    ChatFullInfo,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberUpdated,
    File,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
    User,
    WebhookInfo,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from tests.fakes import (
    FakeBotAPI,
    FakeBotServer,
    FakeRequest,
    blocked,
    check_html,
    migrated,
    not_modified,
    parse_html,
    plain_text,
    retry_after,
    server_error,
)

API = "http://fake.invalid"


@pytest.fixture
def core() -> Iterator[FakeBotAPI]:
    fake = FakeBotAPI()
    yield fake
    assert fake.crashes == []  # the fake itself must never have answered 500 by accident


@pytest.fixture
def bot(core: FakeBotAPI) -> Bot:
    """A bot object for de_json; never initialized, never sends."""
    return Bot(core.token)


def build_app(core: FakeBotAPI, root: str = API, fake: bool = True) -> Application:
    builder = Application.builder().token(core.token).base_url(f"{root}/bot")
    builder = builder.base_file_url(f"{root}/file/bot")
    if fake:
        builder = builder.request(FakeRequest(core)).get_updates_request(FakeRequest(core))
    return builder.build()


@pytest.fixture
async def app(core: FakeBotAPI) -> AsyncIterator[Application]:
    application = build_app(core)
    async with application:
        yield application


async def ok(core: FakeBotAPI, method: str, **params: Any) -> Any:
    status, body = await core.call(core.token, method, params)
    assert status == 200, body
    assert body["ok"] is True
    return body["result"]


# -- response shapes parse with PTB's de_json ------------------------------------------------


async def test_get_me_parses_as_bot_user(core, bot):
    me = User.de_json(await ok(core, "getMe"), bot)
    assert me.id == int(core.token.split(":")[0])
    assert me.is_bot
    assert me.username == "relais_test_bot"
    assert me.first_name == "Relais"
    assert me.supports_inline_queries is True
    assert me.can_read_all_group_messages is False


async def test_sent_and_edited_message_parse(core, bot):
    alice = core.user("Alice")
    markup = {"inline_keyboard": [[{"text": "Suite", "callback_data": "page:2"}]]}
    result = await ok(
        core,
        "sendMessage",
        chat_id=alice.id,
        text="<b>Titre</b> &amp; <a href='https://ex.fr/?a=1&amp;b=2'>lien</a> 🦊 <i>fin</i>",
        parse_mode="HTML",
        reply_markup=markup,
    )
    assert isinstance(result["date"], int)
    message = Message.de_json(result, bot)
    assert message.chat.id == alice.id
    assert message.chat.type == "private"
    assert message.from_user.is_bot
    assert message.from_user.id == core.bot_user.id
    assert message.text == "Titre & lien 🦊 fin"
    assert message.text_html == (
        '<b>Titre</b> &amp; <a href="https://ex.fr/?a=1&b=2">lien</a> 🦊 <i>fin</i>'
    )
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "page:2"

    edited = await ok(
        core,
        "editMessageText",
        chat_id=alice.id,
        message_id=message.message_id,
        text="Nouveau",
    )
    parsed = Message.de_json(edited, bot)
    assert parsed.text == "Nouveau"
    assert parsed.reply_markup is None
    assert parsed.edit_date is not None
    assert core.messages(alice)[-1]["text"] == "Nouveau"


async def test_injected_updates_parse(core, bot):
    alice = core.user("Alice", language_code="en")
    bob = core.user("Bob")
    group = core.group("Club")
    supergroup = core.supergroup("Grand club", username="grandclub")
    channel = core.channel("Actu", username="actu")

    private = Update.de_json(core.command(alice, "/search travail du clic"), bot)
    assert private.message.text == "/search travail du clic"
    assert private.message.entities[0].type == "bot_command"
    assert private.message.entities[0].length == len("/search")
    assert private.effective_user.language_code == "en"

    in_group = Update.de_json(core.command(group, "/help@relais_test_bot", bob), bot)
    assert in_group.effective_chat.id < 0
    assert in_group.effective_chat.type == "group"
    assert in_group.message.entities[0].length == len("/help@relais_test_bot")
    in_super = Update.de_json(core.user_message(supergroup, "salut", bob), bot)
    assert str(in_super.effective_chat.id).startswith("-100")

    sent = await ok(
        core,
        "sendMessage",
        chat_id=alice.id,
        text="page 1",
        reply_markup={"inline_keyboard": [[{"text": ">", "callback_data": "p:2"}]]},
    )
    press = Update.de_json(core.press(sent, "p:2"), bot)
    query = press.callback_query
    assert isinstance(query, CallbackQuery)
    assert query.data == "p:2"
    assert query.from_user.id == alice.id
    assert query.chat_instance
    assert query.message.message_id == sent["message_id"]

    inline = Update.de_json(core.inline_query(alice, "télétravail", offset="10"), bot)
    assert isinstance(inline.inline_query, InlineQuery)
    assert inline.inline_query.query == "télétravail"
    assert inline.inline_query.offset == "10"

    post = Update.de_json(core.channel_post(channel, "Nouvel article"), bot)
    assert post.channel_post.sender_chat.id == channel.id
    assert post.effective_user is None

    added = Update.de_json(core.my_chat_member(group, "left", "member", bob), bot)
    assert isinstance(added.my_chat_member, ChatMemberUpdated)
    assert added.my_chat_member.difference()["status"] == ("left", "member")
    assert added.my_chat_member.new_chat_member.user.id == core.bot_user.id

    doc = Update.de_json(core.document(alice, "abos.opml", b"<opml/>"), bot)
    assert doc.message.document.file_name == "abos.opml"
    assert doc.message.document.file_size == len(b"<opml/>")
    assert doc.message.document.mime_type == "text/x-opml"

    shared = Update.de_json(core.chat_shared(alice, channel, request_id=7), bot)
    assert shared.message.chat_shared.chat_id == channel.id
    assert shared.message.chat_shared.request_id == 7

    new = core.migrate(group)
    service = [u for u in core.pending_updates() if "migrate_to_chat_id" in u.get("message", {})]
    assert Update.de_json(service[0], bot).message.migrate_to_chat_id == new.id


async def test_sent_photo_parses_and_refused_urls_answer_as_telegram(core, bot):
    alice = core.user("Alice")
    result = await ok(
        core,
        "sendPhoto",
        chat_id=alice.id,
        photo="https://example.org/une.jpg",
        caption="<b>Titre</b> 🦊 &amp; <i>légende</i>",
        parse_mode="HTML",
    )
    message = Message.de_json(result, bot)
    assert message.photo
    assert message.photo[-1].width > message.photo[0].width
    assert message.caption == "Titre 🦊 & légende"
    assert message.text is None
    assert message.caption_html == "<b>Titre</b> 🦊 &amp; <i>légende</i>"

    core.refuse_photo("https://example.org/page.html", "wrong type of the web page content")
    status, body = await core.call(
        core.token, "sendPhoto", {"chat_id": alice.id, "photo": "https://example.org/page.html"}
    )
    assert (status, body["description"]) == (400, "Bad Request: wrong type of the web page content")
    # 1,024 UTF-16 code units: 512 emoji fill a caption, one more character is too many.
    params = {"chat_id": alice.id, "photo": "https://example.org/une.jpg", "caption": "🦊" * 512}
    assert (await core.call(core.token, "sendPhoto", params))[0] == 200
    params["caption"] += "!"
    status, body = await core.call(core.token, "sendPhoto", params)
    assert (status, body["description"]) == (400, "Bad Request: message caption is too long")


async def test_chat_member_chat_commands_file_shapes(core, bot):
    alice, bob, carol = core.user("Alice"), core.user("Bob"), core.user("Carol")
    channel = core.channel("Actu", username="actu")
    group = core.supergroup("Club")
    core.set_member(channel, alice, "creator")
    core.set_member(group, bob, "administrator", can_delete_messages=True)
    core.set_member(group, carol, "kicked")
    core.set_member(group, alice, "restricted")

    owner = ChatMember.de_json(
        await ok(core, "getChatMember", chat_id="@actu", user_id=alice.id), bot
    )
    assert owner.status == ChatMember.OWNER
    me = await ok(core, "getChatMember", chat_id=channel.id, user_id=core.bot_user.id)
    admin = ChatMember.de_json(me, bot)
    assert isinstance(admin, ChatMemberAdministrator)
    assert admin.can_post_messages is True
    for user, status in ((bob, "administrator"), (carol, "kicked"), (alice, "restricted")):
        data = await ok(core, "getChatMember", chat_id=group.id, user_id=user.id)
        assert ChatMember.de_json(data, bot).status == status
    left = await ok(core, "getChatMember", chat_id=channel.id, user_id=bob.id)
    assert ChatMember.de_json(left, bot).status == ChatMember.LEFT
    admins = await ok(core, "getChatAdministrators", chat_id=channel.id)
    assert [ChatMember.de_json(a, bot).user.id for a in admins] == [core.bot_user.id, alice.id]

    info = ChatFullInfo.de_json(await ok(core, "getChat", chat_id=channel.id), bot)
    assert info.id == channel.id
    assert info.type == "channel"
    assert info.username == "actu"

    commands = [{"command": "search", "description": "Chercher"}]
    scope = {"type": "all_group_chats"}
    assert await ok(core, "setMyCommands", commands=commands, scope=scope, language_code="fr")
    got = await ok(core, "getMyCommands", scope=scope, language_code="fr")
    assert [BotCommand.de_json(c, bot).command for c in got] == ["search"]
    assert await ok(core, "getMyCommands") == []

    update = core.document(alice, "abos.opml", b"<opml>1</opml>")
    file_id = update["message"]["document"]["file_id"]
    file = File.de_json(await ok(core, "getFile", file_id=file_id), bot)
    assert file.file_size == 14
    assert file.file_path
    assert core.file_content(core.token, file.file_path) == b"<opml>1</opml>"

    hook = WebhookInfo.de_json(await ok(core, "getWebhookInfo"), bot)
    assert hook.url == ""
    assert hook.pending_update_count == 1


async def test_core_errors_tokens_and_methods(core):
    alice = core.user("Alice")
    status, body = await core.call(core.token, "sendCoffee", {})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    status, body = await core.call("42:WRONG", "getMe", {})
    assert status == 401
    assert body["description"] == "Unauthorized"
    status, body = await core.call(core.token, "sendMessage", {"chat_id": 1, "text": "x"})
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    for text, description in (
        ("", "Bad Request: message text is empty"),
        ("x" * 4097, "Bad Request: message is too long"),
        ("<foo>x</foo>", 'Bad Request: can\'t parse entities: Unsupported start tag "foo"'),
    ):
        params = {"chat_id": alice.id, "text": text, "parse_mode": "HTML"}
        status, body = await core.call(core.token, "sendMessage", params)
        assert status == 400
        assert body["description"].startswith(description)
    await ok(core, "sendMessage", chat_id=alice.id, text="x" * 4096)
    long_data = {"inline_keyboard": [[{"text": "b", "callback_data": "é" * 33}]]}
    params = {"chat_id": alice.id, "text": "x", "reply_markup": long_data}
    status, body = await core.call(core.token, "sendMessage", params)
    assert body["description"] == "Bad Request: BUTTON_DATA_INVALID"

    core.fail_next(retry_after(7), chat_id=alice, method="sendMessage", times=2)
    for _ in range(2):
        status, body = await core.call(
            core.token, "sendMessage", {"chat_id": alice.id, "text": "a"}
        )
        assert status == 429
        assert body["parameters"] == {"retry_after": 7}
    await ok(core, "sendMessage", chat_id=alice.id, text="a")
    assert len(core.sent(alice, "sendMessage", include_failed=True)) - len(core.sent(alice)) == 6


async def test_polling_conflict_offsets_allowed_updates_and_failures(core):
    alice = core.user("Alice")
    first = asyncio.create_task(core.call(core.token, "getUpdates", {"timeout": 5}))
    await asyncio.sleep(0.01)
    assert (await core.call(core.token, "getUpdates", {"timeout": 0}))[0] == 200
    status, body = await asyncio.wait_for(first, 1)
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other")

    for text in ("/a", "/b", "/c"):
        core.command(alice, text)
    status, body = await core.call(core.token, "getUpdates", {"offset": -1})
    assert [u["message"]["text"] for u in body["result"]] == ["/c"]
    core.inline_query(alice, "x")
    params = {"allowed_updates": ["message"], "limit": 5}
    status, body = await core.call(core.token, "getUpdates", params)
    assert [u["message"]["text"] for u in body["result"]] == ["/c"]
    assert all("inline_query" not in u for u in core.pending_updates())

    core.fail_next(server_error(), method="getUpdates")
    core.fail_next(server_error())  # aimed at no method in particular: polls are spared
    assert (await core.call(core.token, "getUpdates", {}))[0] == 500
    assert (await core.call(core.token, "getUpdates", {}))[0] == 200
    assert (await core.call(core.token, "getMe", {}))[0] == 500


# -- in-process transport with a real Application ----------------------------------------------


async def test_application_send_edit_and_errors(core, app):
    assert app.bot.username == "relais_test_bot"
    alice = core.user("Alice")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Suite", callback_data="p:2")]])
    sent = await app.bot.send_message(
        alice.id, "<b>Bonjour</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    assert sent.text == "Bonjour"
    assert sent.chat_id == alice.id
    call = core.sent(alice, "sendMessage")[-1]
    assert call.text == "<b>Bonjour</b>"
    assert call.buttons()[0]["callback_data"] == "p:2"

    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_text(
            "<b>Bonjour</b>", alice.id, sent.message_id, parse_mode="HTML", reply_markup=keyboard
        )
    # Same text without the formatting is a real change.
    edited = await app.bot.edit_message_text(
        "Bonjour", alice.id, sent.message_id, reply_markup=keyboard
    )
    assert edited.text == "Bonjour"
    assert not edited.entities
    edited = await app.bot.edit_message_text("Au revoir", alice.id, sent.message_id)
    assert edited.text == "Au revoir"
    assert core.messages(alice)[-1].get("reply_markup") is None

    with pytest.raises(BadRequest, match="Can't parse entities"):
        await app.bot.send_message(alice.id, "a < b", parse_mode="HTML")
    too_long = [[InlineKeyboardButton("x", callback_data="d" * 65)]]
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await app.bot.send_message(alice.id, "x", reply_markup=InlineKeyboardMarkup(too_long))
    with pytest.raises(BadRequest, match="Chat not found"):
        await app.bot.send_message(123, "x")

    core.fail_next(retry_after(5), method="sendMessage")
    # PTB 22.8 warns inside RetryAfter.__init__ unless PTB_TIMEDELTA is set.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        with pytest.raises(RetryAfter):
            await app.bot.send_message(alice.id, "x")
    core.fail_next(blocked(), chat_id=alice, times=None)
    for _ in range(2):
        with pytest.raises(Forbidden, match="blocked by the user"):
            await app.bot.send_message(alice.id, "x")
    core.clear_failures()
    group = core.group("Club")
    core.fail_next(migrated(-1001234), chat_id=group)
    with pytest.raises(ChatMigrated) as migrated_error:
        await app.bot.send_message(group.id, "x")
    assert migrated_error.value.new_chat_id == -1001234
    core.fail_next(not_modified(), method="editMessageText")
    with pytest.raises(BadRequest, match="not modified"):
        await app.bot.edit_message_text("autre", alice.id, sent.message_id)

    core.block(alice)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(alice.id, "x")
    core.unblock(alice)
    await app.bot.send_message(alice.id, "de retour")
    old = core.group("Vieux")
    supergroup = core.migrate(old)
    with pytest.raises(ChatMigrated) as moved:
        await app.bot.send_message(old.id, "x")
    assert moved.value.new_chat_id == supergroup.id
    await app.bot.send_message(supergroup.id, "migré")


async def test_command_handlers_and_queries(core, app):
    alice, bob = core.user("Alice"), core.user("Bob")
    group = core.group("Club")
    seen: list[list[str]] = []

    async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(context.args)
        await update.effective_message.reply_text(f"{len(context.args)} mots")

    async def page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("Page 2")
        await update.callback_query.edit_message_text("page 2")

    async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        result = InlineQueryResultArticle(
            "r1", "Titre", InputTextMessageContent("<b>x</b>", parse_mode="HTML")
        )
        await update.inline_query.answer([result], next_offset="5", cache_time=0)

    app.add_handler(CommandHandler("search", search))
    app.add_handler(CallbackQueryHandler(page, pattern=r"^p:\d+$"))
    app.add_handler(InlineQueryHandler(inline))

    await app.process_update(
        Update.de_json(core.command(group, "/search@relais_test_bot travail du clic", bob), app.bot)
    )
    await app.process_update(
        Update.de_json(core.command(group, "/search@other_bot x", bob), app.bot)
    )
    assert seen == [["travail", "du", "clic"]]
    reply = await core.wait_for(method="sendMessage", chat_id=group, within=1)
    assert reply.text == "3 mots"
    assert reply.params["reply_parameters"]["message_id"] > 0

    menu = await app.bot.send_message(
        alice.id,
        "page 1",
        reply_markup=InlineKeyboardMarkup.from_button(
            InlineKeyboardButton("2", callback_data="p:2")
        ),
    )
    press = core.press(menu.to_dict(), "p:2")
    await app.process_update(Update.de_json(press, app.bot))
    assert core.callback_answer(press["callback_query"]["id"]) == {
        "text": "Page 2",
        "show_alert": False,
        "url": None,
        "cache_time": None,
    }
    assert core.messages(alice)[-1]["text"] == "page 2"

    query = core.inline_query(alice, "travail")
    await app.process_update(Update.de_json(query, app.bot))
    answer = core.inline_answer(query["inline_query"]["id"])
    assert answer["next_offset"] == "5"
    assert answer["results"][0]["id"] == "r1"


async def test_documents_commands_members_through_ptb(core, app):
    alice = core.user("Alice")
    received: list[bytes] = []

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        file = await update.message.document.get_file()
        received.append(bytes(await file.download_as_bytearray()))

    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    await app.process_update(Update.de_json(core.document(alice, "a.opml", b"<opml/>"), app.bot))
    assert received == [b"<opml/>"]

    await app.bot.send_document(alice.id, b"<opml>export</opml>", filename="relais.opml")
    upload = core.sent(alice, "sendDocument")[0].files["document"]
    assert (upload.filename, upload.content) == ("relais.opml", b"<opml>export</opml>")

    await app.bot.set_my_commands(
        [BotCommand("search", "Chercher")], scope=BotCommandScopeAllGroupChats(), language_code="fr"
    )
    assert core.commands({"type": "all_group_chats"}, "fr") == [
        {"command": "search", "description": "Chercher"}
    ]
    mine = await app.bot.get_my_commands(scope=BotCommandScopeAllGroupChats(), language_code="fr")
    assert [c.command for c in mine] == ["search"]
    with pytest.raises(BadRequest):
        await app.bot.set_my_commands([BotCommand("Bad-Name", "x")])

    channel = core.channel("Actu")
    core.set_member(channel, alice, "administrator", can_post_messages=True)
    member = await app.bot.get_chat_member(channel.id, alice.id)
    assert member.status == ChatMember.ADMINISTRATOR
    assert member.can_post_messages
    admins = await app.bot.get_chat_administrators(channel.id)
    assert {a.user.id for a in admins} == {alice.id, core.bot_user.id}
    assert (await app.bot.get_chat(channel.id)).title == "Actu"


async def test_in_process_long_polling_and_timestamps(core, app):
    alice = core.user("Alice")
    # A long poll waits for an update, and wakes on one well before its 60 s timeout.
    polling = asyncio.create_task(app.bot.get_updates(timeout=60))
    await asyncio.sleep(0.05)
    assert not polling.done()
    core.command(alice, "/start")
    updates = await asyncio.wait_for(polling, 30)
    assert updates[0].message.text == "/start"
    # Confirmed by offset: the next poll does not see it again.
    assert await app.bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()

    for n in range(3):
        await app.bot.send_message(alice.id, f"m{n}")
    times = [call.time for call in core.sent(alice, "sendMessage")]
    assert times == sorted(times)
    assert len(times) == 3

    waiter = asyncio.create_task(core.wait_for(lambda c: c.text == "late", since=core.mark()))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await app.bot.send_message(alice.id, "late")
    assert (await asyncio.wait_for(waiter, 1)).text == "late"
    with pytest.raises(TimeoutError):
        await core.wait_for(lambda c: c.text == "never", within=0.05)


async def test_invalid_token_with_fake_request(core):
    wrong = Application.builder().token("42:WRONG").request(FakeRequest(core)).build()
    with pytest.raises(InvalidToken):
        await wrong.initialize()


# -- aiohttp server transport ------------------------------------------------------------------


async def test_server_long_polling_wakes_on_injection(core):
    alice = core.user("Alice")
    async with FakeBotServer(core) as server, aiohttp.ClientSession() as http:
        url = f"{server.url}/bot{core.token}"
        async with http.post(f"{url}/getUpdates", json={"timeout": 0}) as response:
            assert (await response.json()) == {"ok": True, "result": []}

        async def poll() -> Any:
            async with http.post(f"{url}/getUpdates", data={"timeout": "60"}) as response:
                return await response.json()

        # The long poll waits, then wakes on the injection, well before its 60 s timeout.
        polling = asyncio.create_task(poll())
        await asyncio.sleep(0.2)
        assert not polling.done()
        core.command(alice, "/start")
        body = await asyncio.wait_for(polling, 30)
        assert body["result"][0]["message"]["text"] == "/start"

        async with http.get(f"{url}/nope") as response:
            assert response.status == 404
        async with http.get(f"{server.url}/bot1:bad/getMe") as response:
            assert response.status == 401


async def test_server_with_real_ptb_polling(core):
    alice = core.user("Alice")
    async with FakeBotServer(core) as server:
        app = build_app(core, server.url, fake=False)

        async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await update.message.reply_text("<b>Bienvenue</b> &amp; merci", parse_mode="HTML")

        async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            data = await (await update.message.document.get_file()).download_as_bytearray()
            await update.message.reply_document(bytes(data).upper(), filename="echo.opml")

        app.add_handler(CommandHandler("start", start))
        app.add_handler(MessageHandler(filters.Document.ALL, on_document))
        async with app:
            await app.updater.start_polling(poll_interval=0, timeout=5)
            await app.start()
            try:
                assert app.bot.username == "relais_test_bot"
                core.command(alice, "/start")
                reply = await core.wait_for(method="sendMessage", chat_id=alice, within=3)
                assert reply.text == "<b>Bienvenue</b> &amp; merci"
                assert reply.result["text"] == "Bienvenue & merci"
                core.document(alice, "abos.opml", b"<opml/>")
                echo = await core.wait_for(method="sendDocument", within=3)
                assert echo.files["document"].content == b"<OPML/>"
                assert echo.files["document"].filename == "echo.opml"
            finally:
                await app.updater.stop()
                await app.stop()
        assert core.pending_updates() == []


async def test_server_form_values_keep_their_types(core):
    alice = core.user("Alice")
    async with FakeBotServer(core) as server, aiohttp.ClientSession() as http:
        url = f"{server.url}/bot{core.token}/sendMessage"
        form = {
            "chat_id": str(alice.id),
            "text": "123",
            "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "1"}]]}',
        }
        async with http.post(url, data=form) as response:
            result = (await response.json())["result"]
        assert result["text"] == "123"
        assert result["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "1"


async def test_webhook_gets_updates_with_the_secret_and_getupdates_conflicts(core, bot):
    alice = core.user("Alice")
    received: list[tuple[str | None, str, dict[str, Any]]] = []
    answers = [500]  # the first delivery is refused, then retried

    async def hook(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        received.append((secret, request.content_type, await request.json()))
        return web.Response(status=answers.pop(0) if answers else 200)

    receiver = web.Application()
    receiver.router.add_post("/hook", hook)
    runner = web.AppRunner(receiver)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        async with FakeBotServer(core):
            core.command(alice, "/avant")  # queued before the webhook: it is delivered too
            params = {"secret_token": "s3cret_-X", "max_connections": 5}
            assert await ok(core, "setWebhook", url=url, allowed_updates=["message"], **params)
            status, body = await core.call(core.token, "getUpdates", {})
            assert status == 409
            assert "webhook is active" in body["description"]
            core.command(alice, "/apres")
            deadline = time.monotonic() + 5
            while core.pending_updates():
                assert time.monotonic() < deadline, received
                await asyncio.sleep(0.02)
            texts = [update["message"]["text"] for _, _, update in received]
            assert texts == ["/avant", "/avant", "/apres"]
            assert {(secret, kind) for secret, kind, _ in received} == {
                ("s3cret_-X", "application/json")
            }
            for _, _, update in received:
                assert Update.de_json(update, bot).message.text.startswith("/")
            info = WebhookInfo.de_json(await ok(core, "getWebhookInfo"), bot)
            assert (info.url, info.pending_update_count, info.max_connections) == (url, 0, 5)
            assert info.allowed_updates == ("message",)
            assert (
                info.last_error_message
                == "Wrong response from the webhook: 500 Internal Server Error"
            )
            assert info.last_error_date is not None

            status, body = await core.call(
                core.token, "setWebhook", {"url": url, "secret_token": "a:b"}
            )
            assert (status, body["description"]) == (
                400,
                "Bad Request: secret token contains unallowed characters",
            )
            assert await ok(core, "deleteWebhook")
            core.command(alice, "/sans")
            status, body = await core.call(core.token, "getUpdates", {})
            assert status == 200
            assert body["result"][-1]["message"]["text"] == "/sans"
            assert len(received) == 3
            assert WebhookInfo.de_json(await ok(core, "getWebhookInfo"), bot).url == ""
    finally:
        await runner.cleanup()


# -- Telegram HTML validator -------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "plain text",
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>i</ins><s>s</s>"
        "<strike>s</strike><del>d</del>",
        '<span class="tg-spoiler">x</span> <tg-spoiler>y</tg-spoiler>',
        '<a href="https://ex.fr/?a=1&amp;b=2">lien</a> <a href="tg://user?id=1">u</a>',
        '<code>x &lt; y</code> <pre><code class="language-python">print(1)</code></pre>',
        "<blockquote>cite <b>gras</b></blockquote><blockquote expandable>long</blockquote>",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "&lt;&gt;&amp;&quot;&#39;&#x27; <b><i>nested</i></b>",
        "L&#x27;économie <i>« citée »</i>",
    ],
)
def test_html_accepts_valid(html):
    assert check_html(html) == []


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<p>para</p>", 'Unsupported start tag "p"'),
        ("<br>", 'Unsupported start tag "br"'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag"),
        ("a < b", 'Unescaped "<"'),
        ("a > b", 'Unescaped ">"'),
        ("Tom & Jerry", 'unescaped "&"'),
        ("&nbsp;", '"&nbsp;"'),
        ("<blockquote>a<blockquote>b</blockquote></blockquote>", "can't be nested"),
        ("<code><b>x</b></code>", "can't be nested inside"),
        ("<span>x</span>", "tg-spoiler"),
        ("<b>", "Can't find end tag"),
        ("<b> </b>", "empty"),
        ("x" * 4097, "too long"),
        ("<b>" + "x" * 4097 + "</b>", "too long"),
    ],
)
def test_html_rejects_invalid(html, problem):
    problems = check_html(html)
    assert any(problem in p for p in problems), problems


def test_html_plain_text_and_entities():
    assert plain_text("<b>a &amp; b</b> &lt;3 &#128512;") == "a & b <3 😀"
    assert check_html("&amp;" * 4096) == []
    parsed = parse_html(
        '😀 <b>x</b> <a href="https://e.fr">l</a> <pre><code class="language-py">c</code></pre>'
    )
    assert [(e["type"], e["offset"], e["length"]) for e in parsed.entities] == [
        ("bold", 3, 1),
        ("text_link", 5, 1),
        ("pre", 7, 1),
    ]
    assert parsed.entities[2]["language"] == "py"
    assert "at byte offset 4" in check_html("😀<x>")[0]
