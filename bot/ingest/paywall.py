"""Subscriber walls on article pages: told by their wording and place, cut out with what follows.

A wall says that the rest of the article is for subscribers (« Il vous reste 74 % de cet
article à lire », « Lisez la suite : 83 % de ce contenu reste à découvrir », « Pour lire la
suite […] créez votre compte », « Seuls nos abonnés peuvent lire l'intégralité de cet
article », « Cet article est réservé aux abonnés »). The same words stand elsewhere on free
pages, so a block only counts as the wall when it is short, is not a link (the « Article réservé
à nos abonnés » label of a teaser), is not in a comments box (« L'espace des contributions est
réservé aux abonnés »), and no article prose follows it: a wall ends what the page shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from selectolax.lexbor import LexborNode

_WALL = re.compile(
    r"il vous reste\s+[\d.,]+\s*%"
    r"|[\d.,]+\s*%\s*de\s+(?:ce contenu|cet article|l['’]article)\s+reste"
    r"|(?:lire|découvrir|consulter|accéder à)\s+(?:la suite|l['’]intégralité|l['’]article"
    r"|cet article)\b.{0,80}\b(?:abonn|inscri|compte|connect|identifi)"
    r"|abonnés?\b.{0,60}\b(?:lire|accéder à|consulter)\s+(?:la suite|l['’]intégralité)"
    r"|(?:article|contenu|la suite|cet article|ce contenu)\s+(?:est\s+|vous est\s+)?"
    r"réservée?s?\s+(?:aux|à nos)\s+(?:abonnés|inscrits|membres)"
    r"|^\W*(?:article\s+|contenu\s+)?réservée?s?\s+(?:aux|à nos)\s+(?:abonnés|inscrits)\W*$",
    re.IGNORECASE | re.DOTALL,
)
_WALL_MAX_CHARS = 400
# Boxes whose subscriber notices are not about the article.
_ELSEWHERE_WORDS = frozenset(
    {"comment", "comments", "commentaires", "reactions", "contributions", "popup", "modal"}
    | {"newsletter", "menu", "header", "login"}
)
_PROSE_CHARS = 60
# Prose after a candidate wall: more than this and the words were a label, not the wall.
_PROSE_AFTER_WALL = 300
_LINKY = 0.6


def find_wall(body: LexborNode) -> LexborNode | None:
    """The page's subscriber wall: the first short wall-worded block no prose follows."""
    if not _WALL.search(body.text(separator=" ")):
        return None
    order: dict[int, int] = {}
    prose: list[tuple[int, int]] = []
    candidates: list[LexborNode] = []
    for index, node in enumerate(_preorder(body)):
        order[node.mem_id] = index
        tag = node.tag
        if tag == "p" and len(text := _text(node)) >= _PROSE_CHARS and _is_prose(node, text):
            prose.append((index, len(text)))
        if tag == "a" or tag is None or tag.startswith("-"):
            continue
        text = _text(node)
        if text and len(text) <= _WALL_MAX_CHARS and _is_wall_text(node, text):
            candidates.append(node)
    # The innermost blocks hold the wall's words; the box around them is the wall.
    outer = {parent.mem_id for node in candidates for parent in _ancestors(node)}
    for node in candidates:
        if node.mem_id in outer:
            continue
        start = order[node.mem_id]
        after = sum(length for index, length in prose if index > start) - len(_text(node))
        if after <= _PROSE_AFTER_WALL:
            return _box(node, body)
    return None


def _box(node: LexborNode, body: LexborNode) -> LexborNode:
    """The largest block around the wall's words that holds no prose of its own."""
    box = node
    parent = box.parent
    while parent is not None and parent.mem_id != body.mem_id:
        text = _text(parent)
        if len(text) > _WALL_MAX_CHARS or any(
            len(t := _text(p)) >= _PROSE_CHARS and not _WALL.search(t) for p in parent.css("p")
        ):
            break
        box, parent = parent, parent.parent
    return box


def _ancestors(node: LexborNode) -> Iterator[LexborNode]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def cut_wall(root: LexborNode, wall: LexborNode) -> bool:
    """Remove the wall and everything after it from the article; False when it is elsewhere."""
    if any(item.mem_id == wall.mem_id for item in [root, *_ancestors(root)]):
        return False
    chain: list[LexborNode] = []
    node: LexborNode | None = wall
    while node is not None and node.mem_id != root.mem_id:
        chain.append(node)
        node = node.parent
    if node is None:
        return False
    doomed = [wall]
    for item in chain:
        sibling = item.next
        while sibling is not None:
            doomed.append(sibling)
            sibling = sibling.next
    for item in doomed:
        item.decompose()
    return True


def _preorder(root: LexborNode) -> Iterator[LexborNode]:
    """Elements under `root` (itself first) in document order, without recursion."""
    node: LexborNode | None = root
    ancestors: list[LexborNode] = []
    while node is not None:
        if node.tag and not node.tag.startswith("-"):
            yield node
            if node.child is not None:
                ancestors.append(node)
                node = node.child
                continue
        while node.next is None and ancestors:
            node = ancestors.pop()
        node = node.next if ancestors else None
    return


def _about_article(node: LexborNode) -> bool:
    """Not a link's text nor a notice of the comments, a menu or a pop-up."""
    current: LexborNode | None = node
    while current is not None:
        if current.tag == "a":
            return False
        attributes = current.attributes
        names = f"{attributes.get('class') or ''} {attributes.get('id') or ''}".lower()
        if set(re.split(r"[\s_-]+", names)) & _ELSEWHERE_WORDS:
            return False
        current = current.parent
    return True


def _is_wall_text(node: LexborNode, text: str) -> bool:
    return _WALL.search(_unlinked(node, text)) is not None and _about_article(node)


def _unlinked(node: LexborNode, text: str) -> str:
    """A block's text without its links' (a teaser's « Article réservé à nos abonnés »)."""
    for link in node.css("a"):
        linked = _text(link)
        if linked:
            text = text.replace(linked, " ", 1)
    return text


def _is_prose(node: LexborNode, text: str) -> bool:
    return _link_share(node, text) < _LINKY


def _text(node: LexborNode) -> str:
    return " ".join(node.text(separator=" ").split())


def _link_share(node: LexborNode, text: str) -> float:
    linked = sum(len(" ".join(link.text(separator=" ").split())) for link in node.css("a"))
    return linked / max(len(text), 1)
