"""Issue 18: which private messages are conversation rather than words to search."""

from __future__ import annotations

import pytest

from bot.search import small_talk


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Bonjour !", "greeting"),
        ("salut", "greeting"),
        ("bonne soirée", "greeting"),
        ("bon week-end", "greeting"),
        ("merci", "thanks"),
        ("Merci, bonne journée !", "thanks"),
        ("super merci !", "thanks"),
        ("ok", "courtesy"),
        ("👍", "courtesy"),
        ("à plus", "courtesy"),
        ("comment ça marche ?", "help"),
        ("tu sers à quoi", "help"),
        ("aide", "help"),
        ("salut, aide s'il te plaît", "help"),
    ],
)
def test_conversation_is_told_apart(message: str, kind: str) -> None:
    assert small_talk(message) == kind


@pytest.mark.parametrize(
    "message",
    [
        "",
        "bonjour, l'Arcom",
        "travail du clic",
        "nuit",
        "Tu peux me trouver l'article sur l'Arcom ?",
        "merci de me trouver un article sur les mercenaires russes de Wagner",
    ],
)
def test_words_to_search_are_no_conversation(message: str) -> None:
    assert small_talk(message) is None
