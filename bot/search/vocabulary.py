"""Query words against the vocabulary: plural forms, near spellings, and respelled queries.

The index keeps postings by stem (`bot.text.stem`): a word and its plural forms share one
list, and a near spelling brings the forms of its own stem."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Protocol

import numpy as np
import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.search.resolved import Term, join_spellings
from bot.text import STOP_WORDS, normalize_with_offsets, stem, word_spans

MAX_EXPANSIONS = 12  # near spellings kept per query word
# Derived forms (« expire », « expiration ») meet through Snowball's French stemmer, below
# the word's own forms and its plurals.
DERIVED_QUALITY = 0.8
MAX_DERIVED = 8  # derived forms kept per query word
_DERIVED_SCAN = 200  # vocabulary words read after the stem, at most
_MIN_DERIVED = 5  # letters a word needs for its derivations (shorter stems mean little)
_DERIVED_LONGER = 6  # letters a derived form may have beyond the word's
_EMPTY = np.empty(0, dtype=np.intp)
_EMPTY_Q = np.empty(0, dtype=np.float32)
_EMPTY_P = np.empty(0, dtype=np.uint16)


def max_edits(word: str) -> int:
    """Typos forgiven in a query word (optimal string alignment distance: a transposition is
    one edit): none under 4 letters or with digits, one up to 8 letters, two from 9."""
    n = len(word)
    if n < 4 or not word.isalpha():
        return 0
    return 1 if n <= 8 else 2


def _quality(edits: int, length: int) -> float:
    """Weight of a near spelling: 0.62 for one edit in 4 letters, 0.79 in 7, below exact."""
    return max(0.5, min(0.95, 1.0 - 1.5 * edits / length))


_SNOWBALL = Stemmer.Stemmer("french")


@lru_cache(maxsize=65536)
def derivation_key(word: str) -> str:
    """What derived forms of a word share: its Snowball French stem (`expir` for
    « expire », « expiration », « expirer »)."""
    return str(_SNOWBALL.stemWord(word))


def derived_forms(word: str, lexicon: Lexicon) -> list[str]:
    """Known words derived from `word` (its derivation key and its first letters shared),
    its own plural forms left out."""
    if len(word) < _MIN_DERIVED or not word.isalpha():
        return []
    key = derivation_key(word)
    if len(key) < _MIN_DERIVED - 1:
        return []
    own = set(plural_forms(stem(word)))
    longest = len(word) + _DERIVED_LONGER
    found = [
        w
        for w in lexicon.starting(key, _DERIVED_SCAN)
        if len(w) <= longest and w not in own and w not in STOP_WORDS and derivation_key(w) == key
    ]
    return found[:MAX_DERIVED]


def plural_forms(root: str) -> list[str]:
    """The words `bot.text.stem` folds into `root` (its singular and plural spellings), in
    alphabetical order."""
    forms = {root, root + "s", root + "x"}
    if root.endswith("al"):
        forms.add(root[:-2] + "aux")
    return sorted(f for f in forms if stem(f) == root)


class Lexicon(Protocol):
    """What resolving a query word reads of the index."""

    def words_of(self, root: str) -> list[str]:
        """The known words of a stem (`bot.text.stem`), alphabetically."""
        ...

    def uses_of(self, word: str) -> int:
        """How many times a word stood in a passage (0: unknown)."""
        ...

    def near(self, word: str, edits: int) -> list[tuple[str, int]]:
        """Known words within `edits` of `word`, closest first."""
        ...

    def endings(self, word: str, edits: int) -> list[tuple[str, int]]:
        """Known words that `word` begins or that begin with it, within `edits` letters."""
        ...

    def fetch(self, stems: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """stem -> (live slots holding one of its words, where one first stands)."""
        ...

    def starting(self, prefix: str, limit: int) -> list[str]:
        """Up to `limit` known words beginning with `prefix`, alphabetically."""
        ...


class NearSpellings:
    """The vocabulary bucketed by length and letter, to find a word's near spellings fast."""

    def __init__(self) -> None:
        # (length, first letter) and (length, second letter) -> words.
        self._by_first: dict[tuple[int, str], list[str]] = {}
        self._by_second: dict[tuple[int, str], list[str]] = {}
        # Every word in alphabetical order (those added since, apart, until next needed):
        # the words a word begins follow it there.
        self._sorted: list[str] = []
        self._unsorted: list[str] = []

    def add(self, word: str) -> None:
        """File a new vocabulary word where fuzzy expansion will look for it."""
        if len(word) >= 3 and word.isalpha():
            self._by_first.setdefault((len(word), word[0]), []).append(word)
            self._by_second.setdefault((len(word), word[1]), []).append(word)
            self._unsorted.append(word)

    def add_many(self, words: Iterable[str]) -> None:
        """File many new vocabulary words at once (an index opened), as `add` does."""
        by_first, by_second, kept = self._by_first, self._by_second, self._unsorted
        for word in words:
            if len(word) >= 3 and word.isalpha():
                kept.append(word)
                by_first.setdefault((len(word), word[0]), []).append(word)
                by_second.setdefault((len(word), word[1]), []).append(word)

    def near(self, word: str, edits: int) -> list[tuple[str, int]]:
        """Vocabulary words within `edits` of `word` (OSA distance), closest first."""
        n = len(word)
        pool: list[str] = []
        # Words are bucketed by length and letter so a query scans a few thousand words,
        # not the whole vocabulary: the same first letter, or the same second letter (a
        # typo on the first one). A typo on both is not worth a full scan.
        for length in range(max(3, n - edits), n + edits + 1):
            pool += self._by_first.get((length, word[0]), ())
            pool += self._by_second.get((length, word[1]), ())
        if not pool:
            return []
        found = process.extract(
            word, pool, scorer=OSA.distance, score_cutoff=edits, limit=MAX_EXPANSIONS * 2
        )
        best: dict[str, int] = {}
        for candidate, distance, _ in found:
            if candidate != word and candidate not in STOP_WORDS:
                best.setdefault(candidate, int(distance))
        return sorted(best.items(), key=lambda item: item[1])[:MAX_EXPANSIONS]

    def _words(self) -> list[str]:
        """Every word in alphabetical order."""
        if self._unsorted:
            # Two sorted runs: merged in one pass.
            self._sorted += sorted(self._unsorted)
            self._sorted.sort()
            self._unsorted.clear()
        return self._sorted

    def starting(self, prefix: str, limit: int) -> list[str]:
        """Up to `limit` vocabulary words beginning with `prefix`, alphabetically."""
        words = self._words()
        at = bisect.bisect_left(words, prefix)
        found = []
        for other in words[at : at + limit]:
            if not other.startswith(prefix):
                break
            found.append(other)
        return found

    def endings(self, word: str, edits: int) -> list[tuple[str, int]]:
        """Vocabulary words that `word` begins, or that begin with it, at most `edits`
        letters longer or shorter (its feminine, participle or plural endings), closest
        first."""
        words = self._words()
        found = []
        for at in range(bisect.bisect_right(words, word), len(words)):
            other = words[at]
            if not other.startswith(word):
                break
            if len(other) - len(word) <= edits:
                found.append((other, len(other) - len(word)))
        for cut in range(1, edits + 1):
            shorter = word[:-cut]
            at = bisect.bisect_left(words, shorter)
            if len(shorter) >= 3 and at < len(words) and words[at] == shorter:
                found.append((shorter, cut))
        found = [(w, d) for w, d in found if w not in STOP_WORDS]
        found.sort(key=lambda item: (item[1], item[0]))
        return found[:MAX_EXPANSIONS]


def resolve_term(word: str, lexicon: Lexicon, *, fuzzy: bool) -> Term:
    """Resolve one query word: its singular and plural forms, then near spellings (none
    unless `fuzzy`), each with the forms of its own stem."""
    root = stem(word)
    expansions: dict[str, float] = dict.fromkeys(lexicon.words_of(root), 1.0)
    roots: dict[str, float] = {root: 1.0} if expansions else {}
    found = lexicon.fetch(list(roots))
    edits = max_edits(word) if fuzzy else 0
    if edits:
        # A word the corpus already uses is what the user meant: only its longer or
        # shorter endings (feminine, participles) are near, not other words one letter
        # away, and those are found without comparing spellings.
        if len(found.get(root, ((),))[0]) >= 3:
            near = lexicon.endings(word, edits)
        else:
            near = lexicon.near(word, edits)
        near_roots = [stem(candidate) for candidate, _ in near]
        found |= lexicon.fetch([r for r in near_roots if r not in found])
        for (candidate, distance), other in zip(near, near_roots, strict=True):
            if candidate in expansions:
                continue
            quality = _quality(distance, len(word))
            if roots.get(other, 0.0) < quality:
                roots[other] = quality
            for form in lexicon.words_of(other):
                if expansions.get(form, 0.0) < quality:
                    expansions[form] = quality
    if fuzzy:
        derived = [w for w in derived_forms(word, lexicon) if w not in expansions]
        derived_roots = list(dict.fromkeys(stem(w) for w in derived))
        found |= lexicon.fetch([r for r in derived_roots if r not in found])
        for other in derived_roots:
            if roots.get(other, 0.0) < DERIVED_QUALITY:
                roots[other] = DERIVED_QUALITY
            for form in lexicon.words_of(other):
                if expansions.get(form, 0.0) < DERIVED_QUALITY:
                    expansions[form] = DERIVED_QUALITY
    parts = [(*found[r], q) for r, q in roots.items() if r in found and len(found[r][0])]
    if not parts:
        return Term(word, expansions, _EMPTY, _EMPTY_Q, _EMPTY_P)
    if len(parts) == 1:
        slots, pos, q = parts[0]
        return Term(word, expansions, slots, np.full(len(slots), q, dtype=np.float32), pos)
    slots, quality_, pos = join_spellings(parts)
    return Term(word, expansions, slots, quality_, pos)


def closest_word(word: str, lexicon: Lexicon) -> str | None:
    """The known word closest to `word` (the most used among equally close ones), or None
    when `word` (or a plural form) is known, a stop word, or has nothing near."""
    if word in STOP_WORDS or lexicon.words_of(stem(word)):
        return None
    edits = max_edits(word)
    near = lexicon.near(word, edits) if edits else []
    if not near:
        return None
    closest = near[0][1]
    ties = [w for w, d in near if d == closest]
    return max(ties, key=lambda w: (lexicon.uses_of(w), w))


def respell(query: str, closest: Callable[[str], str | None]) -> str | None:
    """`query` with each word replaced by `closest(word)` when that gives one, operators and
    quoted or excluded words left alone; None when nothing would change."""
    changed = False
    out: list[str] = []
    for token in query.split():
        if ":" in token or token.startswith(("-", '"', "«", "“")):
            out.append(token)
            continue
        norm, _ = normalize_with_offsets(token)
        parts: list[str] = []
        last = 0
        for w, a, b in word_spans(norm):
            parts.append(norm[last:a])
            better = closest(w)
            if better is not None:
                changed = True
                parts.append(better)
            else:
                parts.append(w)
            last = b
        parts.append(norm[last:])
        rebuilt = "".join(parts)
        out.append(rebuilt if rebuilt != norm else token)
    return " ".join(out) if changed else None
