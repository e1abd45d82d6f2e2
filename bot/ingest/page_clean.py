"""The article of a whole page: the container holding its prose, without the page's chrome.

A page is mostly not its article: menus, teasers of other articles, share bars, bylines,
comment counts, newsletter boxes. The article is the element whose text is most made of
paragraphs (text in a `<p>` long enough to be prose, not a link): each element scores its
paragraph characters minus a share of its other characters, counted bottom up in one walk, and
the best one wins, so a container that adds a sidebar or a list of links to the article loses
to the article itself. Inside it, the page's furniture goes: boxes the CMS names as such
(`correlatedLink`, `bloc-recommande`, `toolbar`), blocks made of links (« Lire aussi »
lists, related teasers), and short lines that only frame the article (« Publié le … »,
« 0 commentaire », « Temps de lecture : 4 min », « Articles liés »).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from selectolax.lexbor import LexborNode

# Never article text, wherever they are.
NEVER = (
    "script, style, noscript, template, iframe, object, embed, svg, form, button, select, "
    "textarea, input, nav, aside, footer, dialog, menu, [role=navigation], [role=complementary], "
    "[role=contentinfo], [role=banner], [role=dialog], [aria-hidden=true], [hidden]"
)
# A paragraph shorter than this is a caption, a label or a byline rather than prose.
_PROSE_CHARS = 60
# What other text (menus, labels, links) costs an element, per character, against its prose.
_OTHER_COST = 0.6
# Far deeper than any real page's markup (a hostile page nests 20,000 <div>).
_MAX_DEPTH = 512
_PROSE_TAGS = frozenset({"p", "blockquote", "pre"})
_LINKY = 0.6
_MOST_OF_TEXT = 0.5
# Class and id words (split at `-`, `_`, spaces and camelCase) of the page's chrome.
_CHROME_WORDS = frozenset(
    {"related", "correlated", "recommande", "recommended", "recommendations", "suggestions"}
    | {"mostread", "popular", "trending", "toolbar", "share", "sharing", "social", "tags"}
    | {"keywords", "breadcrumb", "breadcrumbs", "byline", "signature", "comments", "comment"}
    | {"commentaires", "reactions", "contributions", "newsletter", "subscribe", "promo"}
    | {"carousel", "widget", "sidebar", "outbrain", "taboola", "catcher", "notification"}
    | {"cookie", "cookies", "consent", "popup", "modal", "overlay", "login", "partager"}
    | {"advert", "advertisement", "ads", "sponsor", "sponsored", "notice"}
    | {"disclaimer", "alert", "navigation", "forum", "sponso"}
)
_CHROME_PAIRS = (("lire", "aussi"), ("plus", "lus"), ("same", "topic"), ("read", "more"))
_JUDGED = frozenset(
    {"div", "section", "p", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "table", "figure"}
    | {"header", "q", "blockquote", "dl", "details", "span", "time", "address"}
)
_NO_TEXT_SHARE = frozenset({"span", "time", "q", "address"})
_LISTS = frozenset({"ul", "ol", "div", "section"})
_CARDS = frozenset({"li", "div", "article", "section", "p", "figure"})
_MIN_TEASERS = 3
_ALIKE_SHARE = 0.7
# Characters other than spaces, as counted.
_TEASER_MAX_CHARS = 500
_TEASER_LINKS = 0.15
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_LINE_MAX_CHARS = 90
# Lines that frame an article: dates, counters, reading times, share and print links, labels.
_FURNITURE = re.compile(
    r"^(?:(?:publié|mis à jour|mise à jour|modifié|créé)\b.{0,60}\d.{0,60}"
    r"|(?:le\s+)?\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?:\s+à\s+\d{1,2}[h:]\d{2})?"
    r"|temps de lecture\s*:?.{0,20}|lecture\s*:?\s*\d+\s*min\.?|\d+\s*min(?:utes)?(?: de lecture)?"
    r"|(?:\d+\s+(?:commentaires?|réactions?|partages?)\s*)+"
    r"|(?:vos\s+)?réactions\s*(?:\(\d+\))?|commenter|partager(?: cet article| l['’]article)?"
    r"|(?:en\s+)?vidéos?\s*[,.:–-].*|version imprimable|envoyer par (?:e-?)?mail|imprimer"
    r"|ajouter à mes favoris.*"
    r"|l['’]article a été ajouté à vos favoris.*|sauvegarder l['’]article|google news"
    r"|(?:tags?|mots[- ]clés|thèmes?)\s*:.*"
    r"|par\s+(?:[A-ZÀ-Ý][\w'’.-]*\s*){1,4}(?:\s*(?:[,|/–-]|et)\s*.{0,50})?"
    r"|(?:articles?\s+liés|les\s+plus\s+lus|(?:articles|vidéos)\s+les\s+plus\s+(?:lus|vues)"
    r"|du\s+même\s+auteur|la\s+rédaction\s+vous\s+conseille\s*|l['’]auteur\s+vous\s+recommande"
    r"|à\s+découvrir(?:\s+aussi)?|les\s+dernières\s+diffusions|nos\s+vidéos|à\s+la\s+une"
    r"|sur\s+le\s+même\s+sujet|(?:à\s+)?lire\s+aussi(?:\s+sur\s+.{1,30})?|lire\s+le\s+journal"
    r"|voir\s+aussi|dans\s+la\s+même\s+rubrique|en\s+continu)\s*:?)$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(slots=True)
class _Count:
    """Characters under one element: all of them, the linked ones and the prose ones."""

    chars: int = 0
    linked: int = 0
    prose: int = 0


Counts = dict[int, "_Count"]


class TooDeep(ValueError):
    """A page nested deeper than any real page (a hostile one): not worth reading."""


def article_root(body: LexborNode) -> tuple[LexborNode | None, Counts]:
    """The element whose text is most made of prose paragraphs (None without any), and the
    counts of every element, which `clean_root` reuses."""
    counts = _count(body)
    best: LexborNode | None = None
    best_score = 0.0
    # Children come before their parents: on a tie the container wins (it holds the pictures).
    for node, count in counts:
        score = count.prose - _OTHER_COST * (count.chars - count.prose)
        if count.prose and score >= best_score:
            best, best_score = node, score
    return best, {node.mem_id: count for node, count in counts}


def _count(body: LexborNode) -> list[tuple[LexborNode, _Count]]:
    """Every element's counts, walked once without recursion (children before parents)."""
    out: list[tuple[LexborNode, _Count]] = []
    stack: list[tuple[LexborNode, _Count, _Count | None, int]] = [(body, _Count(), None, 0)]
    while stack:
        node, count, parent, depth = stack.pop()
        if depth < 0:
            _settle(node, count)
            out.append((node, count))
            if parent is not None:
                parent.chars += count.chars
                parent.linked += count.linked
                parent.prose += count.prose
            continue
        if depth > _MAX_DEPTH:
            raise TooDeep(f"elements nested more than {_MAX_DEPTH} deep")
        # A negative depth marks the second visit, once the children are counted.
        stack.append((node, count, parent, -1))
        child = node.last_child
        while child is not None:
            tag = child.tag or ""
            if tag == "-text":
                chars = len("".join((child.text_content or "").split()))
                count.chars += chars
                # Prose written straight into a container (`<div>text<br><br>text</div>`).
                if chars >= _PROSE_CHARS:
                    count.prose += chars
            elif not tag.startswith("-"):
                stack.append((child, _Count(), count, depth + 1))
            child = child.prev
    return out


def _settle(node: LexborNode, count: _Count) -> None:
    """Close an element's counts: a link's text is linked, a long paragraph's is prose."""
    if node.tag == "a":
        count.linked = count.chars
        count.prose = 0
    elif node.tag in _PROSE_TAGS and count.chars >= _PROSE_CHARS:
        count.prose = count.chars - count.linked if count.linked < _LINKY * count.chars else 0


def clean_root(root: LexborNode, counts: Counts) -> None:
    """Remove the page's chrome from the article's element (never the element itself)."""
    total = counts[root.mem_id].chars if root.mem_id in counts else 0
    doomed: list[LexborNode] = []
    node = root.child
    ancestors: list[LexborNode] = []
    while node is not None:
        if _is_chrome(node, counts, total):
            doomed.append(node)
        elif node.child is not None:
            ancestors.append(node)
            node = node.child
            continue
        while node.next is None and ancestors:
            node = ancestors.pop()
        node = node.next
    for item in doomed:
        item.decompose()


def _is_chrome(node: LexborNode, counts: Counts, total: int) -> bool:
    # Counts, not texts: a text per element would cost the square of a deep page's size.
    tag = node.tag or "-"
    count = counts.get(node.mem_id)
    if tag not in _JUDGED or count is None or not count.chars:
        return False
    if count.chars <= _LINE_MAX_CHARS:
        text = " ".join(node.text(separator=" ").split())
        if len(text) <= _LINE_MAX_CHARS and _FURNITURE.match(text):
            return True
    if _named_chrome(node) and (tag in _NO_TEXT_SHARE or count.chars < _MOST_OF_TEXT * total):
        return True
    if tag in _NO_TEXT_SHARE:
        return False
    return count.linked >= _LINKY * count.chars or _is_teaser_list(node, counts)


def _is_teaser_list(node: LexborNode, counts: Counts) -> bool:
    """Cards of other articles: three or more alike children, each a link and a short text."""
    if node.tag not in _LISTS:
        return False
    children = [child for child in node.iter() if child.tag in _CARDS]
    if len(children) < _MIN_TEASERS:
        return False
    shapes = Counter((child.tag, child.attributes.get("class") or "") for child in children)
    shape, alike = shapes.most_common(1)[0]
    if alike < _MIN_TEASERS or alike < _ALIKE_SHARE * len(children):
        return False
    cards = 0
    for child in children:
        count = counts.get(child.mem_id)
        if count is None or (child.tag, child.attributes.get("class") or "") != shape:
            continue
        cards += count.chars <= _TEASER_MAX_CHARS and count.linked >= _TEASER_LINKS * count.chars
    return cards >= _MIN_TEASERS and cards >= _ALIKE_SHARE * alike


def _named_chrome(node: LexborNode) -> bool:
    attributes = node.attributes
    names = f"{attributes.get('class') or ''} {attributes.get('id') or ''}"
    words = {word.lower() for word in re.split(r"[\s_-]+", _CAMEL.sub(" ", names)) if word}
    if words & _CHROME_WORDS:
        return True
    return any(a in words and b in words for a, b in _CHROME_PAIRS)
