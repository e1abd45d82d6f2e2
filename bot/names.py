"""Source names: cleaning, the one comparison key, feed-title trimming, aliases, matching,
look-alikes and close spellings.

Pure functions shared by the store (which source `/subscribe lemonde` means), the search
(`source:lemonde`), the loader (what to call a feed) and the admin commands (look-alikes).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.text import STOP_WORDS, normalize

MAX_NAME_CHARS = 80

# Characters that draw nothing but are not format controls (category Cf is dropped anyway).
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_NOT_KEY = re.compile(r"[\W_]+")


def clean_name(name: str) -> str:
    """A name as shown: NFKC, invisible and control characters removed, spaces collapsed."""
    kept: list[str] = []
    for char in unicodedata.normalize("NFKC", name):
        category = unicodedata.category(char)
        if category.startswith("Z") or char in "\t\n\r\f\v":
            kept.append(" ")
        elif category[0] != "C" and char not in _BLANKS:
            kept.append(char)
    return " ".join("".join(kept).split())


@lru_cache(maxsize=16384)
def source_key(name: str) -> str:
    """How source names compare: `L'Humanité`, `lhumanite` and `L HUMANITE` are one key.

    Case, accents, spaces, punctuation and invisible characters are ignored; letters of
    other scripts are kept, so a name in Cyrillic still has a key of its own.
    """
    return _NOT_KEY.sub("", normalize(clean_name(name)))


# ---------------------------------------------------------------- feed titles

_SEPARATOR = re.compile(r"\s*[|»·]\s*|\s+[-–—/]\s+|\s*:\s+")
_TLDS = "fr|com|net|org|info|eu|be|ch|ca|io|co|me|news|tv|blog"
_BARE_DOMAIN = re.compile(rf"[a-z0-9][a-z0-9.-]*\.(?:{_TLDS})\.?")
_SITE_WITH_TLD = re.compile(rf"(?P<site>.*\S)\.(?:{_TLDS})\.?", re.IGNORECASE)
# « Toute l'actualité sur Le Monde.fr », « Flux RSS de Cultiz »: what follows is the site.
_LEAD_IN = re.compile(
    r"(?:toute l['’]actu(?:alit[ée])?|toutes les actualit[ée]s|l['’]actualit[ée]"
    r"|actualit[ée]s?(?=\s+(?-i:[A-ZÀ-Þ]))"
    r"|les actualit[ée]s|(?:les )?derniers articles|flux rss|flux|fil rss)"
    r"(?:\s+(?:sur|de|du|des)\s+|\s*d['’]\s*|\s+|$)(?P<rest>.*)",
    re.IGNORECASE,
)
# « Site (officiel) de la ville de Serris »: what follows is the site.
_SITE_LEAD = re.compile(
    r"(?:le )?site(?: web)?(?: officiel)? (?:de la |du |de l['’]|des |de )(?P<rest>.+)",
    re.IGNORECASE,
)
# « Developpez.com Développement Web »: a site with its TLD, then a section.
_SITE_THEN_SECTION = re.compile(rf"(?P<site>\S+)\.(?:{_TLDS})\s+(?P<rest>.+)", re.IGNORECASE)
# Segments that only say "this is a feed" or "the news" (folded text): no name in them.
_GENERIC = re.compile(
    r"(?:actualites?|actu|infos?|toute l'actualite|toutes les actualites)\b.*"
    r"|a la une|(?:les )?titres|(?:all )?articles?(?: feed)?|feed|rss|flux|atom|news"
    r"|latest|home|accueil|en continu|le fil|fil info|dernieres? (?:minutes|infos|nouvelles)"
    r"|(?:tous )?les (?:derniers )?articles"
)
# A segment that only says which kind of feed this is (folded text).
_FEED_KIND = re.compile(r"(?:grand |le |mon )?flux(?: (?:personnalise|combine|agrege|rss))?")
_TRAILING_WORDS = re.compile(
    r"(?:\s+(?:aggregated|combined|agrégés?|combinés?|grand|personnalisé))?"
    r"(?:\s+(?:rss|feed|flux|atom))+$",
    re.IGNORECASE,
)


# Hugo's « Accueil on X », « Posts on X »: the site is X.
_HOME_ON = re.compile(
    r"(?:accueil|home|articles?|posts?|billets?|blog|index)\s+on\s+(?P<site>.+)", re.IGNORECASE
)
# A comments feed: « Comments », « Commentaires sur X », « Comments for X ».
_COMMENTS = re.compile(
    r"(?:comments?|commentaires?)(?:\s+(?:on|for|sur|pour|de|du|des)\s*:?\s*(?P<site>.*))?",
    re.IGNORECASE,
)
COMMENTS_SUFFIX = " – commentaires"
# A tagline describes the site (« Le souffle de l’info », « Python, Django, Git et du cul »,
# « Magazine »); a section names a part of it (« International », « Les Décodeurs »).
_DETERMINER = re.compile(
    r"(?:le|la|les|l['’]|un|une|des|du|votre|vos|ton|ta|tes|mon|ma|mes|notre|nos|the|your)\b",
    re.IGNORECASE,
)
_KINDS = frozenset(
    {"magazine", "le magazine", "webzine", "blog", "le blog", "journal", "media", "le media"}
    | {"site", "le site", "site web", "portail", "le portail"}
)
_TAGLINE_MIN_WORDS = 3


def _is_tagline(segment: str) -> bool:
    if _fold(segment) in _KINDS or "," in segment:
        return True
    return _DETERMINER.match(segment) is not None and len(segment.split()) >= _TAGLINE_MIN_WORDS


def _names_host(segment: str, url: str | None) -> bool:
    """Whether a segment is the site an address names (any label of its host)."""
    host = _host(url)
    if host is None:
        return False
    keys = {source_key(segment), source_key(segment.replace("&", " et ")), source_key(
        segment.replace("&", " and "))} - {""}  # fmt: skip
    labels = {source_key(label) for label in host.split(".")} - {"", "www"}
    return any(k.startswith(label) or label.startswith(k) for k in keys for label in labels)


def _fold(segment: str) -> str:
    return normalize(segment).strip(" .,;!-")


def _site_of(segment: str) -> tuple[str | None, str | None]:
    """The site a segment names (`Le Monde.fr`, `Toute l'actualité sur X`), and what
    follows it (`Developpez.com Développement Web`); (None, None) for any other."""
    lead = _LEAD_IN.fullmatch(segment) or _SITE_LEAD.fullmatch(segment)
    if lead is not None:
        segment = lead["rest"].strip()
        if not segment:
            return None, None
        segment = segment[0].upper() + segment[1:]  # « Site de la ville de Serris »
    tld = _SITE_WITH_TLD.fullmatch(segment)
    if tld is not None and (" " in segment or not segment.islower()):
        return tld["site"], None
    then = _SITE_THEN_SECTION.fullmatch(segment)
    if then is not None and not then["site"].islower():
        return then["site"], then["rest"]
    return (segment, None) if lead is not None else (None, None)


def feed_name(title: str | None, url: str | None = None) -> str | None:
    """A source name from a feed's own title, trimmed of site boilerplate.

    `International : Toute l'actualité sur Le Monde.fr.` → `Le Monde – International`,
    `Mediapart - Article Feed` → `Mediapart`. The site comes first, with at most one
    section; `url` (the feed's or one of its posts') tells which part is the site when
    the title does not. A title of boilerplate only gives the address's host; None for
    an empty title.
    """
    cleaned = clean_name(title or "")
    if not cleaned:
        return None
    home = _HOME_ON.fullmatch(cleaned)
    if home is not None:
        cleaned = home["site"].strip()
    comments = _COMMENTS.fullmatch(_TRAILING_WORDS.sub("", cleaned))
    if comments is not None:
        site_name = feed_name(comments["site"], url) if comments["site"] else _host(url)
        return f"{site_name or cleaned}{COMMENTS_SUFFIX}"[:MAX_NAME_CHARS]
    # « Le cercle psy, le magazine de toutes les psychologies »: a comma's tagline only goes
    # when the address says the first part is the site.
    first, comma, after = cleaned.partition(", ")
    if (
        comma
        and len(_SEPARATOR.split(first)) == 1
        and _names_host(first, url)
        and _is_tagline(after)
    ):
        cleaned = first
    site: str | None = None
    domain: str | None = None
    content: list[str] = []
    for index, raw in enumerate(_SEPARATOR.split(cleaned)):
        if _FEED_KIND.fullmatch(_fold(raw.strip(" ."))):
            continue  # « Grand flux », « Flux personnalisé »: before « flux » is cut off
        segment = _TRAILING_WORDS.sub("", raw.strip(" .")).strip()
        if not segment:
            continue
        # What follows the site's name may be its tagline, not a section (no TLD in it:
        # « Toute l'actualité sur Le Monde.fr » says where the site is).
        if index and _is_tagline(segment) and not _SITE_WITH_TLD.search(segment):
            continue
        named, rest = _site_of(segment)
        if named is not None:
            site = site or named
            content += [rest] if rest else []
        elif _BARE_DOMAIN.fullmatch(segment.lower()) and segment.islower():
            domain = domain or segment
        elif not _GENERIC.fullmatch(_fold(segment)):
            content.append(segment)
    if site is None:
        label = _site_label(domain or url)
        site = next((c for c in content if label and source_key(c).startswith(label)), None)
    parts = [site] if site else []
    parts += [c for c in content if site is None or source_key(c) != source_key(site)]
    # Only boilerplate (« Actualités »): the address says more, if there is one.
    name = " – ".join(parts[:2]) if parts else domain or _host(url) or cleaned
    name = name.strip(" .,;:-–—")[:MAX_NAME_CHARS].strip()
    return name or None


# ---------------------------------------------------------------- aliases and matching

# Hosts whose first label is the site (a blog on a platform), and two-level suffixes.
_PLATFORMS = (
    "github.io", "substack.com", "blogspot.com", "wordpress.com", "tumblr.com",
    "over-blog.com", "canalblog.com", "hautetfort.com", "medium.com", "gitlab.io",
)  # fmt: skip
_SUFFIXES_2 = ("gouv.fr", "asso.fr", "co.uk", "org.uk", "ac.uk", "com.au", "qc.ca", "co.jp")
# Hosts that serve other sites' feeds: their names say nothing about the source.
_FEED_HOSTS = ("feedburner.com", "feedproxy.google.com", "feeds.feedburner.com")
_GENERIC_WORDS = frozenset(
    "actualite actualites actu info infos news feed rss flux blog site les une article"
    " articles atom toute toutes".split()
)


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host or host.endswith(_FEED_HOSTS) or host.replace(".", "").isdigit():
        return None
    return host.removeprefix("www.")


def _site_label(url_or_host: str | None) -> str | None:
    """The label naming the site in an address: `lemonde` for https://www.lemonde.fr/rss."""
    host = _host(url_or_host if "://" in (url_or_host or "") else f"http://{url_or_host}")
    if host is None:
        return None
    labels = host.split(".")
    if host.endswith(_PLATFORMS) and len(labels) > 2:
        return source_key(labels[-3])
    suffix = 2 if host.endswith(_SUFFIXES_2) else 1
    return source_key(labels[-suffix - 1]) if len(labels) > suffix else None


_CAMEL = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])")


@lru_cache(maxsize=16384)
def source_aliases(name: str, url: str | None = None) -> frozenset[str]:
    """Keys a user may name a source by: its name, each part of it, each distinctive word
    and its site's domain (`lemonde`, `lemondefr`, `monde` for Le Monde at lemonde.fr)."""
    cleaned = clean_name(name)
    aliases = {source_key(cleaned)}
    aliases.update(source_key(part) for part in _SEPARATOR.split(cleaned))
    spaced = _CAMEL.sub(" ", cleaned)  # `LeVentSeLeve` has words too
    for word in re.split(r"[\W_]+", normalize(spaced)):
        if len(word) >= 3 and word not in STOP_WORDS and word not in _GENERIC_WORDS:
            aliases.add(word)
    host = _host(url)
    if host is not None:
        aliases.add(source_key(host))
        label = _site_label(host)
        if label:
            aliases.add(label)
    aliases.discard("")
    return frozenset(aliases)


Catalogue = Mapping[str, frozenset[str]]


def catalogue(sources: Iterable[tuple[str, str | None]]) -> dict[str, frozenset[str]]:
    """Each source name with its aliases, from (name, url) pairs."""
    return {name: source_aliases(name, url) for name, url in sources}


def named_sources(wanted: str, sources: Catalogue) -> list[str]:
    """The names of the sources a user's word or words name, best tier only, sorted.

    In order: the whole name (`lemonde`, `Le Monde`), then any alias (a distinctive word,
    a part, the domain: `monde`, `lemonde.fr`), then the start of a name or alias
    (`num` for Numerama). Several names in the tier that answers mean the word is
    ambiguous: callers list them rather than pick one.
    """
    key = source_key(wanted)
    if not key:
        return []
    tiers: tuple[Callable[[str, frozenset[str]], bool], ...] = (
        lambda name, aliases: source_key(name) == key,
        lambda name, aliases: key in aliases,
        lambda name, aliases: source_key(name).startswith(key),
        lambda name, aliases: any(alias.startswith(key) for alias in aliases),
    )
    for matches in tiers:
        found = [name for name, aliases in sources.items() if matches(name, aliases)]
        if found:
            return sorted(found, key=source_key)
    return []


# ---------------------------------------------------------------- look-alikes

# Letters that pass for others once drawn (TR39's idea of a skeleton, in a small table).
_CONFUSABLE = str.maketrans(
    {
        "0": "o", "1": "l", "i": "l", "|": "l",
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "l",
        "ј": "j", "ѕ": "s", "һ": "h", "ԁ": "d", "ɡ": "g", "ո": "n", "ν": "v", "ο": "o",
        "α": "a", "ρ": "p", "ι": "l", "κ": "k", "τ": "t", "υ": "u", "ε": "e",
    }
)  # fmt: skip


def _skeleton(key: str) -> str:
    return key.translate(_CONFUSABLE).replace("rn", "m").replace("vv", "w")


def _digits(key: str) -> str:
    return "".join(c for c in key if c.isdigit())


def lookalike(name: str, existing: Iterable[str]) -> str | None:
    """The existing name that `name` could pass for, if any (a different source's name).

    Same key once folded, same skeleton (`Numerarna`, Cyrillic `а`), or one edit away on
    names of five letters or more; names that differ by their numbers (`France 2`,
    `France 3`) are told apart.
    """
    key = source_key(name)
    skeleton = _skeleton(key)
    for other in existing:
        other_key = source_key(other)
        if other_key == key or _skeleton(other_key) == skeleton:
            return other
        if (
            min(len(key), len(other_key)) >= 5
            and _digits(key) == _digits(other_key)
            and Levenshtein.distance(key, other_key, score_cutoff=1) <= 1
        ):
            return other
    return None


class Lookalikes:
    """Names already there, indexed so `find` answers as `lookalike` over them in order
    would, without comparing a new name with each one: by key, by skeleton, and by every
    form of the key with one letter left out (two keys one edit apart share one), so an
    OPML of 6,000 outlines is ruled in a fraction of a second instead of a minute."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names: list[str] = []
        self._by_form: dict[str, list[int]] = {}  # key, skeleton or deletion → positions
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        """One more name, compared after those added before it."""
        position = len(self._names)
        self._names.append(name)
        key = source_key(name)
        forms = {"k" + key, "s" + _skeleton(key)}
        if len(key) >= 5:
            forms.update("d" + key[:i] + key[i + 1 :] for i in range(len(key)))
            forms.add("d" + key)
        for form in forms:
            self._by_form.setdefault(form, []).append(position)

    def find(self, name: str) -> str | None:
        """The first name added that `name` could pass for (as `lookalike`), or None."""
        key = source_key(name)
        forms = ["k" + key, "s" + _skeleton(key)]
        if len(key) >= 5:
            forms += ["d" + key[:i] + key[i + 1 :] for i in range(len(key))]
            forms.append("d" + key)
        candidates = sorted({p for form in forms for p in self._by_form.get(form, ())})
        for position in candidates:  # in the order the names came: the first one wins
            other = self._names[position]
            if lookalike(name, (other,)) is not None:
                return other
        return None


# ---------------------------------------------------------------- close spellings

MAX_CLOSE = 5
MIN_CLOSENESS = 75


def close_names(name: str, names: Sequence[str], limit: int = MAX_CLOSE) -> list[str]:
    """Up to `limit` of `names` spelled like `name` (case, accents and spaces ignored), for
    the hint after an unknown name."""
    wanted = source_key(name)
    if not wanted:
        return []
    found = process.extract(
        wanted,
        {known: source_key(known) for known in names},
        scorer=fuzz.WRatio,
        limit=limit,
        score_cutoff=MIN_CLOSENESS,
    )
    return [known for _, _, known in found]
