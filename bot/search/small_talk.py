"""What a private message is when it is no search: a greeting, thanks, a courtesy or a
question about the bot (a pure function of its text)."""

from __future__ import annotations

from typing import Literal

from bot.text import STOP_WORDS, tokenize

SmallTalk = Literal["greeting", "thanks", "courtesy", "help"]

_GREETINGS = frozenset(
    "bonjour bonsoir salut coucou hello hi hey yo bjr bsr slt re rebonjour bienvenue".split()
)
_THANKS = frozenset("merci thanks thank thx mercii merciii remerciements".split())
_COURTESIES = frozenset(
    """
    ok okay oki okey dac daccord accord super top parfait genial cool bien nickel oui ouais
    non bravo excellent chouette entendu compris bye ciao revoir plus tard bisous
    """.split()
)
# Words that may stand beside those without making a search (« merci beaucoup »,
# « bonjour Relais », « bonne soirée »).
_BESIDE = frozenset(
    """
    beaucoup bcp bien tres trop infiniment encore mille fois vraiment bon bonne bonnes
    relais week end journee soiree nuit matinee apres midi bot robot toi vous tous tout monde
    madame monsieur cher chere ami amis sir again much so lot
    """.split()
)
_TIMES = frozenset("journee soiree nuit matinee apres midi week end".split())
_HELP_WORDS = frozenset("aide help aidez aider".split())
# A question about the bot, as its normalized words.
_HELP_QUESTIONS = (
    ("comment", "ca", "marche"),
    ("comment", "ca", "fonctionne"),
    ("comment", "tu", "marches"),
    ("comment", "tu", "fonctionnes"),
    ("comment", "t", "utiliser"),
    ("comment", "vous", "utiliser"),
    ("comment", "on", "fait"),
    ("comment", "faire"),
    ("tu", "sers", "a", "quoi"),
    ("ca", "sert", "a", "quoi"),
    ("que", "sais", "tu", "faire"),
    ("qu", "est", "ce", "que", "tu", "fais"),
    ("qu", "est", "ce", "que", "tu", "sais", "faire"),
    ("tu", "fais", "quoi"),
    ("mode", "d", "emploi"),
    ("how", "does", "it", "work"),
    ("what", "can", "you", "do"),
)
_KIND_OF: dict[str, SmallTalk] = {
    **dict.fromkeys(_COURTESIES, "courtesy"),
    **dict.fromkeys(_GREETINGS, "greeting"),
    **dict.fromkeys(_THANKS, "thanks"),
    **dict.fromkeys(_HELP_WORDS, "help"),
}
# « bonjour, merci » thanks; « salut, aide » asks for help.
_PRECEDENCE: tuple[SmallTalk, ...] = ("help", "thanks", "greeting", "courtesy")
_FILLER = frozenset("s il te vous plait plaît svp stp please".split())
_MAX_WORDS = 6


def small_talk(message: str) -> SmallTalk | None:
    """The kind of a message that is conversation, not words to search: None for a search.

    Only short messages made of nothing else qualify: « Bonjour ! », « merci beaucoup »,
    « ok », « 👍 », « comment ça marche ? », « aide ». « bonjour, l'Arcom » is a search.
    """
    words = tokenize(message)
    if not words:
        # Nothing but emoji or punctuation (a sticker-like answer): a courtesy; an empty
        # message is nothing at all.
        return "courtesy" if message.strip() else None
    if len(words) > _MAX_WORDS:
        return None
    wanted = tuple(w for w in words if w not in _FILLER)
    for question in _HELP_QUESTIONS:
        if _holds(wanted, question) and len(wanted) <= len(question) + 2:
            return "help"
    kinds: set[SmallTalk] = set()
    for word in wanted:
        kind = _KIND_OF.get(word)
        if kind is not None:
            kinds.add(kind)
        elif word not in _BESIDE and word not in STOP_WORDS:
            return None
    if not kinds and {"bon", "bonne", "bonnes"} & set(wanted) and _TIMES & set(wanted):
        kinds.add("greeting")  # « bonne soirée », « bon après-midi »
    return next((kind for kind in _PRECEDENCE if kind in kinds), None)


def _holds(words: tuple[str, ...], run: tuple[str, ...]) -> bool:
    """True when `run` stands in `words` word after word."""
    n = len(run)
    return any(words[i : i + n] == run for i in range(len(words) - n + 1))
