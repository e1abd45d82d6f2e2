"""French-aware normalization and tokenization, shared by search, quotes and filters.

Normalization works one source character at a time so that every normalized
character can be traced back to the original text (for bolding a match).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

_APOSTROPHES = "'’‘ʼ`´′"
_QUOTES = '«»“”„‟"‹›'
_SPACES = "\u00a0\u202f\u2007\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\u205f\u3000\t\r\n\f\v"
_DASHES = "‐‑‒–—―−"
_LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss", "ﬁ": "fi", "ﬂ": "fl"}

STOP_WORDS = frozenset(
    """
    a au aux avec c ce ces cet cette d dans de des du elle en et est il ils j je l la le les
    leur leurs lui m ma mais me mes n ne nos notre nous on ou par pas pour qu que qui s sa se
    ses son sur t ta te tes toi ton tu un une vos votre vous y the of and or to in
    """.split()
)

_WORD = re.compile(r"[0-9a-z]+")
# Markup left in text (escaped `&lt;script&gt;` decoded, tags typed into a query). Any letter
# counts: `<ß href=...>` is text to a browser but still reads as a tag; `<3` is no tag. So does
# a replaced bad byte (`<\ufffd href=...>`): decoding keeps the rest of the text as it was.
_TAG_LIKE = re.compile(r"<(?:[/!?\ufffd]|[^\W\d_])[^<>]*(?:>|\Z)")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """The normalized form of one character (possibly empty or several characters)."""
    out = []
    for c in unicodedata.normalize("NFKC", char).casefold():
        if c in _APOSTROPHES:
            out.append("'")
        elif c in _QUOTES:
            out.append('"')
        elif c in _SPACES or c.isspace():
            out.append(" ")
        elif c in _DASHES:
            out.append("-")
        elif c in _LIGATURES:
            out.append(_LIGATURES[c])
        else:
            decomposed = unicodedata.normalize("NFD", c)
            out.append("".join(d for d in decomposed if not unicodedata.combining(d)))
    # lower() after casefold() keeps this in step with the fast path's final lower().
    return "".join(out).lower()


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=65536)
def _fold_run(run: str) -> str:
    return "".join(_fold_char(c) for c in run)


def _fold_match(match: re.Match[str]) -> str:
    return _fold_run(match.group())


def _latin1_table() -> tuple[bytes, re.Pattern[bytes]]:
    """A byte table folding Latin-1 characters, and a pattern of the bytes it cannot fold."""
    table = bytearray(range(256))
    awkward = []
    for byte in range(256):
        folded = _fold_char(chr(byte))
        if len(folded) == 1 and ord(folded) < 256:
            table[byte] = ord(folded)
        else:
            awkward.append(re.escape(bytes([byte])))
    return bytes(table), re.compile(b"[" + b"".join(awkward) + b"]")


# The characters of French text that the byte table cannot fold, replaced beforehand.
_COMMON = (
    *((c, "'") for c in "’‘"),
    *((c, '"') for c in "“”"),
    *((c, "-") for c in "–—"),
    ("œ", "oe"),
    ("Œ", "oe"),
    ("æ", "ae"),
    ("Æ", "ae"),
    ("ß", "ss"),
    ("\u202f", " "),
    ("…", "..."),
)
_LATIN1, _AWKWARD = _latin1_table()


def normalize(text: str) -> str:
    """Fold text for matching: NFKC, accents, ligatures, apostrophes, quotes, spaces, case.

    The fast path used at write time: French text, once its few characters outside
    Latin-1 are replaced, folds through a byte table at C speed; anything else folds run
    by run. `normalize_with_offsets` gives the same string (a test holds them together)
    plus the way back to the original characters.
    """
    for char, folded in _COMMON:
        if char in text:
            text = text.replace(char, folded)
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        pass
    else:
        if not _AWKWARD.search(data):
            return b" ".join(data.translate(_LATIN1).split()).decode("latin-1")
    folded = _NON_ASCII.sub(_fold_match, text).lower()
    if "`" in folded:
        folded = folded.replace("`", "'")
    return " ".join(folded.split())


def normalize_many(texts: Sequence[str]) -> list[str]:
    """`normalize` of each text, in one pass over them all (the store's bulk path).

    Texts are joined around NUL, which normalization leaves alone, so the per-call cost
    is paid once per post instead of once per passage.
    """
    if len(texts) < 2 or any("\x00" in text for text in texts):
        return [normalize(text) for text in texts]
    return [part.strip() for part in normalize("\x00".join(texts)).split("\x00")]


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Normalize, and give for each normalized character the index of its source character.

    Runs of white space become one space; leading and trailing space is dropped.
    """
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        folded = char if char.isascii() and char.isalnum() and char.islower() else _fold_char(char)
        for c in folded:
            if c == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(c)
            offsets.append(index)
    if chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    return "".join(chars), offsets


def words(normalized: str) -> list[str]:
    """The words of an already normalized text (apostrophes and hyphens split words)."""
    return _WORD.findall(normalized)


def word_spans(normalized: str) -> list[tuple[str, int, int]]:
    """Words of a normalized text with their start and end offsets."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(normalized)]


def tokenize(text: str) -> list[str]:
    """Normalize then split into words."""
    return words(normalize(text))


def stem(word: str) -> str:
    """A light French stem: plural and feminine endings dropped so forms of a word meet.

    Deliberately small: `travailleurs` → `travailleur`, `taches` → `tache`, `robots` → `robot`,
    `journaux` → `journal`, but `réseaux` → `reseau` (-eaux and -yaux only lose their x).
    """
    if len(word) > 4 and word.endswith("aux") and word[-4] not in "ey":
        return word[:-3] + "al"
    if len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
        return word[:-1]
    return word


def remove_tag_like(text: str, replacement: str = "") -> str:
    """Text without what looks like a tag, each replaced by `replacement` (nesting such as
    `<<b>script>` takes rounds)."""
    while "<" in text:
        cleaned = _TAG_LIKE.sub(replacement, text)
        if cleaned == text:
            return text
        text = cleaned
    return text
