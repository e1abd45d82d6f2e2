"""Issue 18, through the door a user uses: `python -m bot run` against the fake Bot API,
written to as people write (courtesies, sentences, abbreviations), one chat each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes import FakeBotAPI, FakeBotServer, plain_words
from tests.fakes.demo import prepare_database
from tests.test_e2e_bot import start_bot

pytestmark = pytest.mark.e2e


@pytest.fixture
async def ask(core: FakeBotAPI, tmp_path: Path) -> AsyncIterator:
    """`await ask(words)`: the bot's answer, as plain text, to words (or a command)
    written in a new private chat."""
    database = tmp_path / "relais.sqlite3"
    await prepare_database(database)
    async with FakeBotServer(core) as server:
        process = await start_bot(server, core, database, tmp_path)
        chats = iter(range(1_000))

        async def asked(words: str) -> str:
            user = core.user(f"U{next(chats)}")
            if words.startswith("/"):
                core.command(user, words)
            else:
                core.user_message(user, words)
            try:
                reply = await core.wait_for(method="sendMessage", chat_id=user, within=60)
            except TimeoutError as exc:
                _, log = await process.stop()
                raise AssertionError(f"{exc}\n--- bot log ---\n{log}") from exc
            return plain_words(reply.text)

        try:
            yield asked
        finally:
            if not process.exited:
                code, log = await process.stop()
                assert code == 0, log
                assert "Traceback" not in log, log


async def test_courtesies_are_answered_as_such(ask) -> None:
    # Before: « Bonjour ! » answered with 3 articles, « merci » with 6.
    for words in ("Bonjour !", "salut", "bonsoir", "bonne soirée"):
        answer = await ask(words)
        assert answer.startswith("Bonjour"), (words, answer)
        assert "Résultats" not in answer
        assert "/help" in answer
    for words in ("merci", "Merci beaucoup !"):
        answer = await ask(words)
        assert "Avec plaisir" in answer, (words, answer)
        assert "Résultats" not in answer
    for words in ("ok", "👍"):
        answer = await ask(words)
        assert "Pour chercher" in answer, (words, answer)
        assert "Résultats" not in answer
    for words in ("comment ça marche ?", "aide"):
        answer = await ask(words)
        assert "Chercher" in answer, (words, answer)  # the help
        assert "/quote" in answer
        assert "/subscribe" in answer
    # Words with a greeting are still a search.
    assert "Arcom" in await ask("bonjour, l'Arcom")


@pytest.mark.parametrize(
    ("words", "title"),
    [
        ("je cherche l'interview de Casilli sur le travail du clic", "grand remplacement"),
        ("Tu peux me trouver l'article sur l'Arcom ?", "L’Arcom recommande"),
        ("il y avait un truc sur les mercenaires russes de Wagner", "mercenaires russes"),
        ("le jeu video dematerialise c'est dangereux ?", "Le format dématérialisé"),
        # « IA » for « intelligence artificielle »; « expire » for « expiration ».
        ("l'IA va-t-elle faire disparaitre le travail", "L’intelligence artificielle ne fera"),
        ("avant qu'elle expire", "renouveler votre carte d’identité"),
    ],
)
async def test_a_sentence_finds_its_post(ask, words: str, title: str) -> None:
    # Before: « Aucun résultat » for each (every word had to be in the post).
    answer = await ask(words)
    assert answer.startswith("Résultats"), answer
    first = answer.split("\n2. ")[0]
    assert title in first, answer


async def test_a_result_lacking_words_says_which(ask) -> None:
    answer = await ask("le jeu vidéo dématérialisé c'est dangereux ?")
    first = answer.split("\n2. ")[0]
    assert "sans : dangereux" in first, answer
    # A result holding every word says nothing of the kind.
    assert "sans :" not in await ask("jeu vidéo dématérialisé")


async def test_a_suggestion_that_finds_nothing_is_not_offered(ask) -> None:
    answer = await ask("/search remaniemnet gouvernemental")
    assert answer.startswith("Aucun résultat"), answer
    assert "Vouliez-vous" not in answer  # « remaniement gouvernement » finds nothing either
    assert "Vouliez-vous dire « arcom netflix »" in await ask("/search arocm netflx")
