"""Subscription, channel and admin commands in process against the fake Bot API."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import Update
from telegram.constants import ChatID
from telegram.ext import Application

from bot.config import Settings
from bot.telegram.services import services_of
from tests.conftest import ADMIN, app_settings_on, known
from tests.fakes import FakeBotAPI, plain_words


@pytest.fixture
def app_settings(core: FakeBotAPI, app_database: Path) -> Settings:
    return app_settings_on(
        core,
        app_database,
        admin_ids=frozenset({ADMIN}),
        # The address rule has tests of its own (test_source_addresses.py): here the URLs of
        # /addsource and OPML need no DNS.
        allow_private_sources=True,
    )


def after(core: FakeBotAPI, mark: int, method: str = "sendMessage") -> list:
    """Calls of `method` recorded since core.mark() returned `mark`."""
    return [c for c in core.sent(method=method) if c.seq > mark]


async def say(app: Application, core: FakeBotAPI, chat, text: str, user=None) -> str:
    mark = core.mark()
    await app.process_update(Update.de_json(core.command(chat, text, user), app.bot))
    sent = [c for c in after(core, mark) if c.chat_id == getattr(chat, "id", chat)]
    return "\n".join(plain_words(c.text) for c in sent)


async def test_subscribe_list_and_remove_with_a_button(core, app) -> None:
    alice = core.user("Alice")
    unknown = await say(app, core, alice, "/subscribe Nulle Part")
    assert "Source inconnue" in unknown
    assert "/sources" in unknown
    assert "Numerama" not in unknown
    assert "Vouliez-vous dire : Numerama ?" in await say(app, core, alice, "/subscribe numerma")
    answer = await say(app, core, alice, "/subscribe numerama +ia -bitcoin")
    assert "Abonnement à Numerama enregistré" in answer
    assert "+ia -bitcoin" in answer
    assert "mis à jour" in await say(app, core, alice, "/subscribe NUMERAMA +twitter")
    await say(app, core, alice, "/subscribe all")
    listing = await say(app, core, alice, "/subscriptions")
    assert "Numerama (filtres : +twitter)" in listing
    assert "toutes les sources" in listing
    message = core.sent(chat_id=alice, method="sendMessage")[-1]
    button = next(b for b in message.buttons() if "Numerama" in b["text"])
    await app.process_update(
        Update.de_json(core.press(message, button["callback_data"], alice), app.bot)
    )
    store = services_of(app).store
    assert [s.source for s in await store.subscriptions(alice.id)] == [None]
    assert "Retirer 1 abonnement ici ?" in await say(app, core, alice, "/unsubscribe all")
    await press(app, core, alice, "Oui")
    assert await store.subscriptions(alice.id) == []


async def press(app: Application, core: FakeBotAPI, user, label: str) -> str:
    """Press the button whose text starts with `label` under the last message to `user`."""
    message = core.sent(chat_id=user, method="sendMessage")[-1]
    button = next(b for b in message.buttons() if b["text"].startswith(label))
    mark = core.mark()
    await app.process_update(
        Update.de_json(core.press(message, button["callback_data"], user), app.bot)
    )
    edits = after(core, mark, "editMessageText")
    return plain_words(edits[-1].text) if edits else ""


async def test_unsubscribe_all_asks_first(core, app) -> None:
    alice = core.user("Alice")
    store = services_of(app).store
    await say(app, core, alice, "/subscribe Numerama")
    await say(app, core, alice, "/subscribe Exemple")
    asked = await say(app, core, alice, "/unsubscribe tout")
    assert "Retirer 2 abonnements ici ? Rien ne sera plus envoyé." in asked
    assert len(await store.subscriptions(alice.id)) == 2
    assert "Rien n’a été retiré." in await press(app, core, alice, "Non")
    assert len(await store.subscriptions(alice.id)) == 2
    await say(app, core, alice, "/unsubscribe tout")
    assert "2 abonnements retirés ici." in await press(app, core, alice, "Oui")
    assert await store.subscriptions(alice.id) == []


async def test_filters_are_echoed_as_written_and_matched_normalised(core, app) -> None:
    alice = core.user("Alice")
    answer = await say(app, core, alice, '/subscribe Numerama "réforme des retraites" -Bitcoin')
    assert "(filtres : « réforme des retraites » -Bitcoin)" in answer
    listing = await say(app, core, alice, "/subscriptions")
    assert "Numerama (filtres : « réforme des retraites » -Bitcoin)" in listing
    [subscription] = await services_of(app).store.subscriptions(alice.id)
    assert subscription.filters != subscription.shown  # matching reads the normalised form
    assert "retraite" in subscription.filters


async def test_bad_filters_and_usage_lines(core, app) -> None:
    alice = core.user("Alice")
    assert "Filtre refusé" in await say(app, core, alice, '/subscribe Numerama "pas fermé')
    assert "Filtre refusé" in await say(app, core, alice, "/subscribe Numerama +ia -ia")
    # Punctuation after a name is a filter to refuse, not part of the name to ignore.
    assert "aucun mot dans « (( »" in await say(app, core, alice, "/subscribe Numerama ((")
    assert "Aucun abonnement" in await say(app, core, alice, "/subscriptions")
    assert (await say(app, core, alice, "/subscribe")).startswith("Syntaxe :")
    assert (await say(app, core, alice, "/quiet demain")).startswith("Syntaxe :")
    assert (await say(app, core, alice, "/digest hourly")).startswith("Programme illisible")
    assert "Fuseau inconnu" in await say(app, core, alice, "/timezone Mars/Olympus")
    assert "Europe/Berlin" in await say(app, core, alice, "/timezone Europe/Berlin")


async def test_filter_test_shows_what_would_pass(core, app) -> None:
    alice = core.user("Alice")
    answer = await say(app, core, alice, "/filter test Numerama +twitter")
    assert "Sur les 2 derniers articles de Numerama, 1 passe" in answer
    assert "✅ La France menace" in answer
    assert "❌ Remaniement" in answer


async def test_group_changes_are_for_admins(core, app) -> None:
    group = core.supergroup("Lecteurs")
    member, boss = core.user("Membre"), core.user("Cheffe")
    core.set_member(group, member, "member")
    core.set_member(group, boss, "administrator")
    assert "administrateurs" in await say(app, core, group, "/subscribe Numerama", member)
    assert "Abonnement à Numerama" in await say(app, core, group, "/subscribe Numerama", boss)
    anonymous = core.user("Groupe", user_id=ChatID.ANONYMOUS_ADMIN)
    update = core.command(group, "/unsubscribe Numerama", anonymous)
    update["message"]["sender_chat"] = {"id": group.id, "type": "supergroup", "title": "Lecteurs"}
    mark = core.mark()
    await app.process_update(Update.de_json(update, app.bot))
    assert "retiré" in plain_words(after(core, mark)[-1].text)


async def test_groups_get_a_welcome_and_members_may_read(core, app) -> None:
    group = core.supergroup("Lecteurs")
    member, boss = core.user("Membre"), core.user("Cheffe")
    core.set_member(group, member, "member")
    core.set_member(group, boss, "administrator")
    mark = core.mark()
    await app.process_update(
        Update.de_json(core.my_chat_member(group, "left", "member", boss), app.bot)
    )
    [welcome] = [plain_words(c.text) for c in after(core, mark) if c.chat_id == group.id]
    assert "Les administrateurs du groupe peuvent" in welcome
    assert "/subscribe Numerama" in welcome
    await say(app, core, group, "/subscribe Numerama", boss)
    listing = await say(app, core, group, "/subscriptions", member)
    assert "Numerama" in listing
    assert "administrateurs" not in listing
    assert "1 abonnement" in await say(app, core, group, "/status", member)
    help_text = await say(app, core, group, "/help", member)
    assert "Écrivez-moi simplement" not in help_text
    assert "/channel" not in help_text
    assert "arrivent dans ce groupe" in help_text
    channel = await say(app, core, group, "/channel", boss)
    assert "en privé" in channel
    assert "bouton" not in channel
    # A promotion is no new arrival: no second welcome.
    mark = core.mark()
    await app.process_update(
        Update.de_json(core.my_chat_member(group, "member", "administrator", boss), app.bot)
    )
    assert after(core, mark) == []


async def test_channel_set_up_from_a_private_chat(core, app) -> None:
    alice, mallory = core.user("Alice"), core.user("Mallory")
    channel = core.channel("Veille", username="veille_canal")
    core.set_member(channel, alice, "administrator")
    assert "Choisissez" in await say(app, core, alice, "/channel")
    assert "administrateur" in await say(app, core, mallory, "/channel @veille_canal")
    assert "Veille" in await say(app, core, alice, "/channel @veille_canal")
    await say(app, core, alice, "/subscribe Numerama")
    store = services_of(app).store
    assert [s.source for s in await store.subscriptions(channel.id)] == ["Numerama"]
    assert await store.subscriptions(alice.id) == []
    await say(app, core, alice, "/channel off")
    await say(app, core, alice, "/subscribe Exemple")
    assert [s.source for s in await store.subscriptions(alice.id)] == ["Exemple"]


async def test_replies_in_channel_mode_name_the_channel(core, app) -> None:
    alice = core.user("Alice")
    channel = core.channel("Veille", username="veille_canal")
    core.set_member(channel, alice, "administrator")
    await say(app, core, alice, "/channel @veille_canal")
    subscribed = await say(app, core, alice, "/subscribe tout")
    assert "arriveront dans le canal Veille." in subscribed
    digest = await say(app, core, alice, "/digest quotidien 8h")
    assert "Plus d’envois instantanés dans le canal Veille." in digest
    assert "dans le canal Veille" in await say(app, core, alice, "/previews oui")
    status = await say(app, core, alice, "/status")
    assert "Le canal Veille : 1 abonnement" in status
    assert "Cette conversation" not in status
    for reply in (subscribed, digest):
        assert " ici" not in reply
    await say(app, core, alice, "/channel fin")
    assert "arriveront ici." in await say(app, core, alice, "/subscribe Numerama")
    assert "Cette conversation : 1 abonnement" in await say(app, core, alice, "/status")


async def test_channel_where_the_bot_cannot_post_is_refused(core, app) -> None:
    alice = core.user("Alice")
    channel = core.channel("Muet", username="muet", bot_status="member")
    core.set_member(channel, alice, "creator")
    assert "droit de publier" in await say(app, core, alice, "/channel @muet")


async def test_quiet_digest_and_status(core, app) -> None:
    alice = core.user("Alice")
    assert "22h–7h" in await say(app, core, alice, "/quiet 22:00-07:00")
    assert "désactivées" in await say(app, core, alice, "/quiet off")
    await say(app, core, alice, "/subscribe Numerama")
    assert "quotidien 8h" in await say(app, core, alice, "/digest daily 08:00")
    assert "Rien de nouveau" in await say(app, core, alice, "/digest now")
    status = await say(app, core, alice, "/status")
    assert "1 abonnement," in status
    assert "un par un" in await say(app, core, alice, "/digest off")


async def test_admin_commands_are_for_admins(core, app, tmp_path) -> None:
    alice = core.user("Alice")
    admin = core.user("Admin", user_id=ADMIN)
    assert "réservée" in await say(app, core, alice, "/addsource Test https://example.org/f")
    assert "Source ajoutée" in await say(
        app, core, admin, "/addsource Mon Blog https://example.org/f"
    )
    mark = core.mark()
    await app.process_update(Update.de_json(core.command(admin, "/export"), app.bot))
    [document] = after(core, mark, "sendDocument")
    assert b"https://example.org/f" in document.files["document"].content
    opml = (
        document.files["document"]
        .content.replace(b"Mon Blog", b"Autre")
        .replace(b"example.org/f", b"example.org/g")
    )
    mark = core.mark()
    await app.process_update(Update.de_json(core.document(admin, "s.opml", opml), app.bot))
    assert "importée" in plain_words(after(core, mark)[-1].text)
    assert "retirée" in await say(app, core, admin, "/removesource mon blog")
    names = [s.name for s in await services_of(app).store.polled_sources()]
    assert names == ["Autre"]


async def test_blocked_chat_resumes_on_start(core, app) -> None:
    alice = core.user("Alice")
    await say(app, core, alice, "/subscribe Numerama")
    store = services_of(app).store
    await store.update_chat(alice.id, active=0)
    assert "Vous revoilà" in await say(app, core, alice, "/start")
    assert known(await store.chat(alice.id)).active


async def test_digest_mode_collects_posts_and_sends_them_together(core, app) -> None:
    from bot.models import Passage, Post
    from bot.polling.poller import store_and_plan

    alice = core.user("Alice")
    await say(app, core, alice, "/subscribe Numerama")
    await say(app, core, alice, "/digest daily 08:00")
    store = services_of(app).store
    source = known(await store.source_by_name("Numerama")).id
    posts = [
        Post("Numerama", f"Nouvel article {n}", (Passage("paragraph", "Texte."),), guid=f"d{n}")
        for n in range(3)
    ]
    summary = await store_and_plan(store, source, posts)
    assert summary.planned == 3
    assert await store.pending() == []  # digest mode: no instant pushes
    # The sender delivers it, as it delivers pushes.
    mark = core.mark()
    await say(app, core, alice, "/digest now")
    call = await core.wait_for(lambda c: "résumé" in c.text, chat_id=alice, since=mark)
    digest = plain_words(call.text)
    assert "Votre résumé (3 articles)" in digest
    assert "Numerama" in digest
    assert "Nouvel article 2" in digest
    assert "Rien de nouveau" in await say(app, core, alice, "/digest now")


async def test_channel_picked_with_the_button_or_a_forward(core, app) -> None:
    alice = core.user("Alice")
    picked = core.channel("Choisi")
    forwarded = core.channel("Transféré")
    for channel in (picked, forwarded):
        core.set_member(channel, alice, "administrator")
    mark = core.mark()
    await app.process_update(Update.de_json(core.chat_shared(alice, picked), app.bot))
    assert "Choisi" in plain_words(after(core, mark)[-1].text)
    store = services_of(app).store
    assert known(await store.chat(alice.id)).manages == picked.id

    update = core.user_message(alice, "un message transféré")
    update["message"]["forward_origin"] = {
        "type": "channel",
        "chat": forwarded.to_json(),
        "message_id": 12,
        "date": update["message"]["date"],
    }
    mark = core.mark()
    await app.process_update(Update.de_json(update, app.bot))
    assert "Transféré" in plain_words(after(core, mark)[-1].text)
    assert known(await store.chat(alice.id)).manages == forwarded.id


async def test_previews_follow_the_chat_setting(core, app) -> None:
    alice = core.user("Alice")
    assert (await say(app, core, alice, "/previews")).startswith("Syntaxe :")
    assert "montreront" in await say(app, core, alice, "/previews on")
    store = services_of(app).store
    assert known(await store.chat(alice.id)).link_previews
    await say(app, core, alice, "/previews off")
    assert not known(await store.chat(alice.id)).link_previews


async def test_long_answers_are_split_between_lines(core, app) -> None:
    from bot.models import Passage, Post

    store = services_of(app).store
    source = await store.ensure_source("Bavard")
    # Cut at 200 characters, of which some are emoji: two UTF-16 units each, as Telegram
    # counts them (the links' addresses do not count at all).
    title = "Un titre 😀 très long qui ne s’arrête pas " * 5
    posts = [
        Post(
            "Bavard",
            f"{n} {title}",
            (Passage("paragraph", "mot"),),
            guid=str(n),
            url=f"https://example.org/{'x' * 150}/{n}",
        )
        for n in range(20)
    ]
    await store.upsert_posts(source, posts)
    alice = core.user("Alice")
    mark = core.mark()
    await app.process_update(
        Update.de_json(core.command(alice, "/filter test Bavard +mot"), app.bot)
    )
    sent = after(core, mark)
    assert len(sent) >= 2  # one message would pass Telegram's limit (4,096 units)
    assert all(call.ok for call in sent)
    assert sum(plain_words(call.text).count("✅") for call in sent) == 20


async def test_admins_hear_once_when_a_source_keeps_failing(core, app) -> None:
    admin = core.user("Admin", user_id=ADMIN)
    services = services_of(app)
    await services.store.configure_source("Cassé", "http://127.0.0.1:9/feed.xml", interval=1)
    for _ in range(5):
        state = known(await services.store.source_by_name("Cassé"))
        assert (await services.poller.poll(state)).status == "error"
    # Alerts are gathered for a moment (sources failing together arrive in one message).
    await core.wait_for(method="sendMessage", chat_id=admin, within=30)
    alerts = [plain_words(c.text) for c in core.sent(chat_id=admin, method="sendMessage")]
    assert len(alerts) == 1
    assert "Cassé" in alerts[0]
    assert "échoue sans cesse" in alerts[0]
    status = await say(app, core, admin, "/status")
    assert "Cassé" in status
    assert "5 erreurs" in status
    assert "en échec" in status


async def test_numbers_from_buttons_and_offsets_are_bounded(core, app, caplog) -> None:
    alice = core.user("Alice")
    await say(app, core, alice, "/subscribe Numerama")
    await say(app, core, alice, "/subscriptions")
    message = core.sent(chat_id=alice, method="sendMessage")[-1]
    huge = "9" * 59
    for data in (f"u:{huge}", f"u:{2**63}", f"q:{'A' * 16}:{huge}", f"s:{huge}:{huge}"):
        mark = core.mark()
        press = core.press(message, data, alice)
        await app.process_update(Update.de_json(press, app.bot))
        assert "expiré" in core.callback_answer(press["callback_query"]["id"])["text"], data
        assert after(core, mark) == [], data  # no apology, no new message
    for offset in (huge, "²"):
        query = core.inline_query(alice, "travail du clic", offset=offset)
        await app.process_update(Update.de_json(query, app.bot))
        assert core.inline_answer(query["inline_query"]["id"]) is not None, offset
    store = services_of(app).store
    assert [s.source for s in await store.subscriptions(alice.id)] == ["Numerama"]
    assert "Traceback" not in caplog.text
    assert "error while handling" not in caplog.text


async def test_racing_subscribes_in_one_chat_leave_one_row(core, app, caplog) -> None:
    import asyncio

    alice = core.user("Alice")
    commands = [f"/subscribe Numerama +mot{n}" for n in range(20)] + ["/subscribe all"] * 5
    updates = [Update.de_json(core.command(alice, command), app.bot) for command in commands]
    await asyncio.gather(*(app.process_update(update) for update in updates))
    answers = [plain_words(c.text) for c in core.sent(alice, "sendMessage")]
    assert len(answers) == len(commands)
    assert not any("Désolé" in answer for answer in answers)
    assert sum(a.startswith("Abonnement à Numerama enregistré") for a in answers) == 1
    assert sum(a.startswith("Abonnement à toutes les sources enregistré") for a in answers) == 1
    store = services_of(app).store
    subscriptions = await store.subscriptions(alice.id)
    assert sorted(str(s.source) for s in subscriptions) == ["None", "Numerama"]
    assert "error while handling" not in caplog.text


async def test_errors_and_alerts_speak_the_readers_language(core, app) -> None:
    alice, bob = core.user("Alice"), core.user("Bob", language_code="en")
    french = await say(app, core, alice, "/digest weekly someday 08:00")
    assert (
        french == "Programme illisible : jour inconnu « someday » : lundi, mardi, mercredi, jeudi, "
        "vendredi, samedi ou dimanche"
    )
    assert "écrivez quotidien HEURE" in await say(app, core, alice, "/digest hourly")
    assert "« 25h » n’est pas une heure" in await say(app, core, alice, "/digest daily 25h")
    english = await say(app, core, bob, "/digest weekly someday 08:00")
    assert (
        english
        == "Unreadable schedule: unknown day “someday”: use mon, tue, wed, thu, fri, sat or sun"
    )
    admin = core.user("Admin", user_id=ADMIN, language_code="en")
    await say(app, core, admin, "/start")
    big = b"<opml>" + b" " * 1_100_000 + b"</opml>"
    mark = core.mark()
    await app.process_update(Update.de_json(core.document(admin, "big.opml", big), app.bot))
    assert plain_words(after(core, mark)[-1].text) == "File skipped: it is larger than 1 MB."
    services = services_of(app)
    await services.store.configure_source("Cassé", "http://127.0.0.1:9/feed.xml", interval=1)
    mark = core.mark()
    for _ in range(3):
        await services.poller.poll(known(await services.store.source_by_name("Cassé")))
    sent = await core.wait_for(method="sendMessage", chat_id=admin, since=mark, within=30)
    alert = plain_words(sent.text)
    assert alert.startswith("⚠️ Cassé keeps failing, retrying with backoff:")
