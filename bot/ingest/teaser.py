"""Is a feed entry a teaser of its page? Pure rules on the entry's text and its feed's."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from statistics import median

from bot.ingest.html_text import Block
from bot.models import FullText, Post

# Below this many characters of text (title excluded), an entry is taken for a teaser:
# 75 % of 1,032 items of 51 real French feeds carry less than 600.
TEASER_CHARS = 600
# A feed cuts its entries at one length when most of its longer entries end within this
# fraction of their median length (WordPress's 55 words, SPIP's « introduction »).
_SAME_LENGTH = 0.15
_CUT_SHARE = 0.8
_CUT_MIN_ENTRIES = 3
_CUT_MAX_CHARS = 2000

# The last words of a cut text: an ellipsis in brackets or alone, or a « read on » link.
_CUT_END = re.compile(
    r"(?:\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\)|\s(?:…|\.\.\.))\s*[»\]]?\s*$"
    r"|(?:lire la suite|voir la suite|lire \+|continuer la lecture|la suite|read more"
    r"|continue reading)\b[^\w]{0,8}$",
    re.IGNORECASE,
)
# A whole trailer line that says the article is elsewhere.
_CUT_LINE = re.compile(
    r"^(?:(?:lire|voir) la suite|continuer (?:la|à) lire|la suite (?:ici|sur|→)|read more"
    r"|continue reading)\b"
    r"|^the post .{1,300} appeared first on "
    r"|^(?:l[’']article|cet article|le billet) .{1,300} (?:est apparu en premier|a été publié"
    r" (?:en premier|initialement)) sur ",
    re.IGNORECASE | re.DOTALL,
)


def ends_cut(blocks: Sequence[Block]) -> bool:
    """True when a feed text's last blocks say it goes on elsewhere (before trailers are cut)."""
    for block in reversed(blocks[-3:]):
        text = block.text.strip()
        if _CUT_LINE.match(text) or _CUT_END.search(text):
            return True
    return False


def uncut(text: str) -> str:
    """A teaser's text without the ellipsis or « read on » words it was cut with."""
    return _CUT_END.sub("", text).rstrip()


def text_chars(post: Post) -> int:
    """Characters of a post's text, its passages only."""
    return sum(len(passage.text) for passage in post.passages)


def is_teaser(post: Post) -> bool:
    """True for an entry that does not carry its article: short, or cut with a trailer."""
    if post.cut or text_chars(post) < TEASER_CHARS:
        return True
    return bool(post.passages) and _CUT_END.search(post.passages[-1].text) is not None


def consistently_cut(posts: Iterable[Post]) -> bool:
    """True for a feed whose entries all stop at about one length (a cut, not articles)."""
    lengths = [text_chars(post) for post in posts]
    lengths = [size for size in lengths if size > 0]
    if len(lengths) < _CUT_MIN_ENTRIES:
        return False
    middle = median(lengths)
    if middle > _CUT_MAX_CHARS:
        return False
    close = sum(abs(size - middle) <= _SAME_LENGTH * middle for size in lengths)
    return close >= _CUT_SHARE * len(lengths)


def wants_page(post: Post, mode: FullText, *, feed_cut: bool = False) -> bool:
    """Whether a new entry's page is fetched: `always`, `never`, or `auto` for teasers."""
    if mode == "never" or not post.url:
        return False
    return mode == "always" or feed_cut or is_teaser(post)
