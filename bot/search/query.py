"""The search query syntax: words, "exact phrases", -exclusions, source:, since:, until:.

Parsing never raises: whatever cannot be used is reported as a `QueryWarning` and ignored,
so a typo in an operator still leaves the rest of the query searchable.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from bot import i18n
from bot.names import source_key
from bot.text import (
    STOP_WORDS,
    normalize,
    normalize_with_offsets,
    remove_tag_like,
    word_spans,
    words,
)

MAX_QUERY_CHARS = 256

# After normalize(), every kind of quote is '"' and every dash is '-'.
_TOKEN = re.compile(
    r'(?P<opneg>-)?(?P<opname>source|since|until):"(?P<opval>[^"]*)"?'
    r'|(?P<neg>-)?"(?P<phrase>[^"]*)(?P<close>"?)'
    r'|(?P<tok>[^\s"]+)'
)
_OPERATOR = re.compile(r"(?P<name>source|since|until):(?P<value>.*)", re.DOTALL)
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_FR_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


class QueryWarning(str):
    """Something in a query that was cut, ignored or cannot match.

    It is the French sentence itself (a str, ready for the default language), with a stable
    `code` and the offending `value` for other languages: `message("en")`.
    """

    code: str
    value: str

    def __new__(cls, code: str, value: str = "") -> QueryWarning:
        warning = super().__new__(cls, _message(code, value, "fr"))
        warning.code = code
        warning.value = value
        return warning

    def message(self, lang: str = "fr") -> str:
        """The warning as a sentence in `lang` ("fr" or "en"); plain text, not escaped."""
        return _message(self.code, self.value, lang)

    def __repr__(self) -> str:
        return f"QueryWarning({self.code!r}, {self.value!r})"

    def __reduce__(self) -> tuple[type[QueryWarning], tuple[str, str]]:
        return QueryWarning, (self.code, self.value)


def _message(code: str, value: str, lang: str) -> str:
    return i18n.message(lang, f"query.{code}", value=value)


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query taken apart. Words are normalized; `terms` are the non-stop words, unique;
    words of the request itself (`FILLER`) are left out of both unless there is nothing
    else."""

    text: str
    words: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    excluded_words: tuple[str, ...] = ()
    excluded_phrases: tuple[tuple[str, ...], ...] = ()
    sources: tuple[str, ...] = ()
    excluded_sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    warnings: tuple[QueryWarning, ...] = field(default=())
    truncated: bool = False
    sentence: bool = False  # written as a request or question (it held `FILLER` or a ?)

    @property
    def empty(self) -> bool:
        """True when there is nothing to search for (no words, no phrases), filters aside."""
        return not self.words and not self.phrases

    @property
    def has_filters(self) -> bool:
        """True when a source, date or exclusion narrows the results."""
        return bool(
            self.sources
            or self.excluded_sources
            or self.since
            or self.until
            or self.excluded_words
            or self.excluded_phrases
        )


# Words of a request or a question (« tu peux me trouver », « je cherche », « un article
# sur », « c'est quoi », « il y avait un truc sur »), courtesies, vague nouns and those
# naming the kind of post asked for (« un article sur », « l'interview de »): they say how
# people ask, not what they look for, and are left out of the query's words unless
# nothing else is left.
FILLER = frozenset(
    """
    cherche cherches cherchais cherchait chercher recherche recherchais rechercher trouver
    trouve trouves trouvez retrouver retrouve peux peut pouvez pourrais pourriez pourrait
    voudrais voulais veux aimerais montrer montre montrez donner donne donnez envoyer envoie
    article articles papier interview interviews truc trucs machin chose choses quelque quoi
    comment pourquoi quand combien quel quelle quels quelles lequel laquelle avait ya parle
    concernant selon svp stp plait merci bonjour salut bonsoir coucou hello sais savoir
    connais existe exister as avez ai va vont faire
    """.split()
)


def content_words(ws: tuple[str, ...] | list[str]) -> list[str]:
    """The words that can carry a match (not stop words), unique, in order."""
    seen: dict[str, None] = {}
    for w in ws:
        if w not in STOP_WORDS:
            seen.setdefault(w)
    return list(seen)


def typed_words(query: str) -> dict[str, str]:
    """Each normalized word of `query` -> the word as typed (« dématérialisé »)."""
    norm, offsets = normalize_with_offsets(query)
    return {w: query[offsets[a] : offsets[b - 1] + 1] for w, a, b in reversed(word_spans(norm))}


def parse_query(query: str, *, max_chars: int = MAX_QUERY_CHARS) -> ParsedQuery:
    """Parse a search query; never raises, reports problems in `warnings`."""
    warnings: list[QueryWarning] = []
    # Markup pasted or typed into a query (`<b>travail</b>`) is no word to look for.
    text = " ".join(remove_tag_like(query, " ").split())
    truncated = len(text) > max_chars
    if truncated:
        cut = text[:max_chars]
        # Prefer not to leave half a word at the end, unless the query has no spaces at all.
        space = cut.rfind(" ")
        text = (cut[:space] if space > max_chars // 2 else cut).rstrip()
        warnings.append(QueryWarning("truncated", str(max_chars)))

    norm = normalize(text)
    free: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded_words: list[str] = []
    excluded_phrases: list[tuple[str, ...]] = []
    sources: list[str] = []
    excluded_sources: list[str] = []
    since: date | None = None
    until: date | None = None

    for m in _TOKEN.finditer(norm):
        if m["opname"] is not None:
            # `source:"Le Vent Se Lève"`: a quoted operator value may hold spaces.
            token = f"{m['opname']}:{m['opval'].strip()}"
            negated = m["opneg"] is not None
        elif m["tok"] is None:
            phrase = tuple(words(m["phrase"]))
            if not m["close"]:
                warnings.append(QueryWarning("unclosed_quote", m["phrase"].strip()))
            if not phrase:
                continue
            if not content_words(phrase):
                warnings.append(QueryWarning("stop_words_phrase", " ".join(phrase)))
                continue
            (excluded_phrases if m["neg"] else phrases).append(phrase)
            continue
        else:
            token = m["tok"]
            negated = token.startswith("-") and len(token) > 1
            if negated:
                token = token.lstrip("-")
        op = _OPERATOR.fullmatch(token)
        if op is None:
            ws = words(token)
            if negated:
                excluded_words.extend(w for w in ws if w not in STOP_WORDS)
            else:
                free.extend(ws)
            continue
        name, value = op["name"], op["value"]
        if not value:
            warnings.append(QueryWarning("empty_operator", name + ":"))
            continue
        if name == "source":
            key = source_key(value)
            if not key:
                warnings.append(QueryWarning("empty_operator", token))
            else:
                (excluded_sources if negated else sources).append(key)
            continue
        day = parse_day(value, end=name == "until")
        if day is None:
            warnings.append(QueryWarning("bad_date", value))
        elif name == "since":
            since = day
        else:
            until = day

    terms = content_words(free)
    sentence = text.rstrip().endswith("?") or any(w in FILLER for w in terms)
    if any(w not in FILLER for w in terms):
        free = [w for w in free if w not in FILLER]
        terms = [w for w in terms if w not in FILLER]
    if free and not terms and not phrases:
        warnings.append(QueryWarning("stop_words_only", " ".join(dict.fromkeys(free))))
    if since and until and since > until:
        warnings.append(QueryWarning("date_range", f"{since.isoformat()} > {until.isoformat()}"))
    return ParsedQuery(
        text=text,
        words=tuple(free),
        terms=tuple(terms),
        phrases=tuple(dict.fromkeys(phrases)),
        excluded_words=tuple(dict.fromkeys(excluded_words)),
        excluded_phrases=tuple(dict.fromkeys(excluded_phrases)),
        sources=tuple(dict.fromkeys(sources)),
        excluded_sources=tuple(dict.fromkeys(excluded_sources)),
        since=since,
        until=until,
        warnings=tuple(warnings),
        truncated=truncated,
        sentence=sentence,
    )


def parse_day(value: str, *, end: bool = False) -> date | None:
    """A day from `2023-05-01`, `2023-05`, `2023` or `01/05/2023`; a period gives its first
    day, or its last when `end` (so `until:2023` means until 31 December 2023 inclusive)."""
    try:
        m = _ISO_DATE.fullmatch(value)
        if m:
            year = int(m[1])
            if m[3]:
                return date(year, int(m[2]), int(m[3]))
            if m[2]:
                month = int(m[2])
                last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 1
                return date(year, month, last if end else 1)
            return date(year, 12, 31) if end else date(year, 1, 1)
        m = _FR_DATE.fullmatch(value)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    return None
