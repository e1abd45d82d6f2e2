"""Subscription filters: `+word -word "a phrase" -"a phrase"`, parsed once, matched on word sets.

No user text ever becomes a regular expression: a filter is a few tuples of stemmed words,
and matching is set membership plus a short scan for phrases.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from bot import i18n
from bot.text import STOP_WORDS, normalize, stem, words

MAX_FILTER_CHARS = 300
MAX_TERMS = 20

# A filter term: the roots of one word, or of each word of a quoted phrase.
FilterTerm = tuple[str, ...]


class FilterError(ValueError):
    """A filter that cannot be used; `code` is stable, `message(lang)` is for the user."""

    def __init__(self, code: str, value: str = "") -> None:
        self.code = code
        self.value = value
        super().__init__(self.message("fr"))

    def message(self, lang: str = "fr") -> str:
        """The error as a sentence in `lang` ("fr" or "en"); plain text, not escaped."""
        return i18n.message(lang, f"filter.{self.code}", value=self.value)


@lru_cache(maxsize=65536)
def _root(word: str) -> str:
    """`stem` applied until it settles, so a stem stemmed again stays put (describe round-trips)."""
    while (shorter := stem(word)) != word:
        word = shorter
    return word


# `-abonnés` (or `-paywall`) is no word to look for: it leaves out posts whose page is for
# subscribers (a paywall, shown 🔒). To leave out posts that say « abonnés », quote it:
# `-"abonnés"`.
SUBSCRIBERS_WORDS = frozenset({"abonnes", "abonne", "paywall"})
SUBSCRIBERS_FILTER = "-abonnés"


@dataclass(frozen=True)
class Document:
    """A post as filters see it: its stemmed words in order, and as a set; `paywalled` when
    its page is for subscribers."""

    words: tuple[str, ...]
    word_set: frozenset[str]
    paywalled: bool = False

    @cached_property
    def _starts(self) -> dict[str, list[int]]:
        # Built on the first phrase lookup only: most filters are single words.
        starts: dict[str, list[int]] = {}
        for index, word in enumerate(self.words):
            starts.setdefault(word, []).append(index)
        return starts

    def contains(self, term: FilterTerm) -> bool:
        """True when the word, or the phrase as consecutive words, occurs in the document."""
        if len(term) == 1:
            return term[0] in self.word_set
        if not self.word_set.issuperset(term):
            return False
        size = len(term)
        return any(self.words[i : i + size] == term for i in self._starts.get(term[0], ()))


def document(title: str, text: str, *, paywalled: bool = False) -> Document:
    """Build the matching form of a post once; it is then cheap to test against many filters."""
    head = [_root(w) for w in words(normalize(title))]
    body = [_root(w) for w in words(normalize(text))]
    # An empty word between title and text keeps a phrase from spanning the two.
    all_words = (*head, "", *body) if head and body else (*head, *body)
    return Document(all_words, frozenset(all_words), paywalled)


@dataclass(frozen=True)
class Filter:
    """Terms that must all appear and terms none of which may appear (each a word or a phrase)."""

    required: tuple[FilterTerm, ...] = ()
    excluded: tuple[FilterTerm, ...] = ()
    free_only: bool = False  # `-abonnés`: no post whose page is for subscribers

    @property
    def is_empty(self) -> bool:
        """True for a filter with no terms, which lets every post through."""
        return not self.required and not self.excluded and not self.free_only

    def matches(self, doc: Document) -> bool:
        """True when every required term and no excluded term occurs in the document (and,
        with `-abonnés`, the post is not for subscribers)."""
        if self.free_only and doc.paywalled:
            return False
        # map() rather than generators: this runs once per subscription per post.
        contains = doc.contains
        return all(map(contains, self.required)) and not any(map(contains, self.excluded))

    def describe(self) -> str:
        """The canonical text of the filter, required terms first; parse_filter reads it back."""
        parts = [_show(term, "+") for term in self.required]
        parts += [_show(term, "-") for term in self.excluded]
        if self.free_only:
            parts.append(SUBSCRIBERS_FILTER)
        return " ".join(parts)


def _show(term: FilterTerm, sign: str) -> str:
    if len(term) == 1:
        return sign + term[0]
    phrase = '"' + " ".join(term) + '"'
    return phrase if sign == "+" else sign + phrase


def _token_term(token: str) -> FilterTerm:
    """The words of an unquoted token; elisions like l' or qu' in front are dropped."""
    while "'" in token:
        head, rest = token.split("'", 1)
        if head not in STOP_WORDS and not head.endswith("qu"):
            break
        if not words(rest):
            break
        token = rest
    return tuple(_root(w) for w in words(token))


@lru_cache(maxsize=65536)
def parse_filter(text: str) -> Filter:
    """Parse a filter such as `+ia -bitcoin "intelligence artificielle"`; raises FilterError."""
    if len(text) > MAX_FILTER_CHARS:
        raise FilterError("too_long", str(MAX_FILTER_CHARS))
    # After normalize() every quote is '"', every dash '-', and spaces are single.
    norm = normalize(text)
    required: list[FilterTerm] = []
    excluded: list[FilterTerm] = []
    free_only = False
    count = 0
    i, n = 0, len(norm)
    while i < n:
        if norm[i] == " ":
            i += 1
            continue
        start = i
        sign = norm[i] if norm[i] in "+-" else ""
        i += len(sign)
        if i < n and norm[i] == '"':
            end = norm.find('"', i + 1)
            if end < 0:
                raise FilterError("unbalanced_quote", norm[start:])
            term = tuple(_root(w) for w in words(norm[i + 1 : end]))
            i = end + 1
            if not term:
                raise FilterError("empty_phrase", norm[start:i])
        else:
            end = i
            while end < n and norm[end] not in ' "':
                end += 1
            token, i = norm[start + len(sign) : end], end
            if sign and (not token or token[0] in "+-"):
                raise FilterError("lone_sign", sign)
            if sign == "-" and token in SUBSCRIBERS_WORDS:
                free_only = True
                count += 1
                continue
            term = _token_term(token)
            if not term:
                raise FilterError("no_word", norm[start:end])
        count += 1
        if count > MAX_TERMS:
            raise FilterError("too_many_terms", str(MAX_TERMS))
        bucket = excluded if sign == "-" else required
        if term not in bucket:
            bucket.append(term)
    for term in required:
        if term in excluded:
            raise FilterError("contradiction", " ".join(term))
    return Filter(tuple(required), tuple(excluded), free_only)
