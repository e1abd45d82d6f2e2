"""Testimonies: one witness's words « recueillis par » a journalist, quoted paragraph by paragraph.

A testimony asks no questions, so interviews.py never sees it: Ouest-France's « TÉMOIGNAGE. À
Gaza, les nuits terrifiantes… » names its witness in the lede (« Zakaria Shehab, 37 ans, est
professeur… »), credits « Recueilli par Patrick ANGEVIN » and then gives his words, each
paragraph opened by « . Those paragraphs become the witness's answers, so /quote can name him.

A false witness is worse than none: it takes the genre said outright (a title opened by
« Témoignage », or a short « Recueilli par X » credit line), a lede that opens with a full name
and a comma, and quoted paragraphs making at least half of the body's paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.ingest.html_text import Block
from bot.models import Passage

_NAME_WORD = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*)"
_PARTICLE = r"(?:de|du|des|d['’]|van|von|der|la|le|ben|al|el)"
_FULL_NAME = rf"{_NAME_WORD}(?:[ \u00a0]+(?:{_PARTICLE}[ \u00a0]+)?{_NAME_WORD}){{1,3}}"
# « TÉMOIGNAGE. À Gaza, … », « Témoignage : … »; never the plural, a report of many voices.
_TITLE = re.compile(r"^[\W_]*(?i:t[ée]moignage)[ \u00a0]*[.:–—-]", re.IGNORECASE)
# « Ouest-France Recueilli par Patrick ANGEVIN. », « Propos recueillis par … ».
_COLLECTED = re.compile(rf"(?i:\brecueilli(?:e|s|es)?[ \u00a0]+par)[ \u00a0]+{_NAME_WORD}")
_COLLECTED_MAX_CHARS = 80
# « Zakaria Shehab, 37 ans, est professeur… »: the witness opens the lede; « À Mayotte, … »,
# « En Haute-Loire, … » open with a place.
_NOT_FIRST = (
    "à au aux chez dans depuis en entre le la les l un une ce cette ces pour par selon sur sous"
    " après avant lors pendant vers avec sans comme mais et ou si quand alors ici là"
)
_LEDE = re.compile(rf"^(?!(?i:{'|'.join(_NOT_FIRST.split())})\b)(?P<name>{_FULL_NAME}),")
_LEDE_BLOCKS = 4
_MIN_QUOTED = 3


def testimony(blocks: Sequence[Block], title: str | None) -> tuple[Passage, ...] | None:
    """Passages of a testimony (the witness's quoted paragraphs as answers), or None."""
    paragraphs = [i for i, block in enumerate(blocks) if block.kind == "paragraph"]
    quoted = [i for i in paragraphs if blocks[i].text.lstrip().startswith("«")]
    if len(quoted) < _MIN_QUOTED or 2 * len(quoted) < len(paragraphs):
        return None  # most articles end here
    said = bool(title and _TITLE.match(title)) or any(
        len(blocks[i].text) <= _COLLECTED_MAX_CHARS and _COLLECTED.search(blocks[i].text)
        for i in paragraphs
    )
    if not said:
        return None
    witness = next(
        (m["name"] for i in paragraphs[:_LEDE_BLOCKS] if (m := _LEDE.match(blocks[i].text))),
        None,
    )
    if witness is None:
        return None
    words = set(quoted)
    return tuple(
        Passage("answer", block.text, witness) if i in words else Passage("paragraph", block.text)
        for i, block in enumerate(blocks)
    )
