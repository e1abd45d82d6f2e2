"""Subscriber walls on article pages: told by their wording, cut out with what follows them."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.ingest.page_meta import node_text

# What a wall says, whatever the outlet: « Article réservé à nos abonnés », « La suite est
# réservée aux abonnés », « Il vous reste 74 % de cet article à lire », « Déjà abonné ? ».
_WALL = re.compile(
    r"(?:article|contenu|la suite(?: de cet article)?|cet article|ce contenu|lecture)"
    r"\s+(?:est\s+)?(?:réservée?s?|accessible)\s+(?:aux|à nos|à\s+nos|pour les)\s+abonné"
    r"|il vous reste \d+[\s\u00a0\u202f]*%[\s\u00a0\u202f]*de cet article"
    r"|déjà abonnée?\s*\?"
    r"|pour lire la suite|abonnez-vous pour lire|accédez à (?:l['’]intégralité|tous nos articles)"
    r"|réservée? aux abonnés",
    re.IGNORECASE,
)
_WALL_MAX_CHARS = 400
_WALL_BLOCKS = "p, div, section, aside, span, h2, h3, h4, strong, li"


def is_wall_page(doc: LexborHTMLParser) -> bool:
    """Whether a page shows a subscriber wall anywhere (a short block in its wording)."""
    body = doc.body
    return body is not None and _find_wall(body) is not None


def cut_wall(root: LexborNode) -> bool:
    """Remove a wall and everything after it from the article; True when there was one."""
    wall = _find_wall(root)
    if wall is None:
        return False
    node: LexborNode | None = wall
    doomed = []
    while node is not None and node.mem_id != root.mem_id:
        sibling = node.next
        while sibling is not None:
            doomed.append(sibling)
            sibling = sibling.next
        node = node.parent
    doomed.append(wall)
    for item in doomed:
        item.decompose()
    return True


def _find_wall(root: LexborNode) -> LexborNode | None:
    """The outermost short block that reads like a wall, or None."""
    for node in root.css(_WALL_BLOCKS):
        text = node_text(node)
        if len(text) <= _WALL_MAX_CHARS and _WALL.search(text):
            return node
    return None
