"""What is not the article: related links, shopping widgets, share lines, captions, trailers.

Two passes. On the parsed HTML, before any text is cut into passages: containers named
like boilerplate by the CMS (`see-more`, `prices-list`, `sharedaddy`…), captions (kept as
the image's credit), and blocks that open with a cue such as « Pour aller plus loin » and
are mostly links. On the text blocks: trailer lines (« Lire la suite », « Source : … »,
« The post … appeared first on … ») and share or newsletter calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from selectolax.lexbor import LexborNode

from bot.ingest.html_text import Block

# Class or id words (split at `-`/`_`) that CMS and plugins give to non-article boxes.
_BOILER_WORDS = frozenset(
    {"related", "relatedposts", "seemore", "share", "sharing", "sharedaddy", "social"}
    | {"newsletter", "subscribe", "subscription", "abonnement", "prices", "price", "product"}
    | {"affiliate", "affiliation", "advert", "advertisement", "ads", "ad", "sponsor", "promo"}
    | {"yarpp", "crp", "addtoany", "a2a", "outbrain", "taboola", "readmore", "embedded"}
    | {"donate", "paywall", "comments", "comment", "tweet", "instagram"}
)
# Word pairs that only mean boilerplate together (`see-more`, `read-more`, `lire-aussi`).
_BOILER_PAIRS = (("see", "more"), ("read", "more"), ("lire", "aussi"), ("voir", "aussi"))
_CAPTION_WORDS = frozenset({"caption", "legende", "credit", "credits", "copyright"})
_CAPTION_CLASSES = re.compile(r"(?:^|[-_])(?:caption-text|wp-caption-dd|image-caption|legende)$")
# Only blocks are judged: an inline <span class="product-title"> is a sentence's middle.
_CONTAINERS = frozenset(
    {"p", "div", "section", "aside", "li", "ul", "ol", "h2", "h3", "h4", "h5", "h6", "table"}
    | {"figure", "header", "footer", "dl", "blockquote"}
)

# A block that opens with one of these and is mostly links points to other articles.
_CUE = re.compile(
    r"^\W*(?:pour aller plus loin|(?:à|a) lire(?: aussi| également|\s*:)|lire aussi|lire également"
    r"|voir aussi|(?:à|a) (?:voir|regarder|écouter) aussi|sur le même (?:sujet|thème)"
    r"|dans la même rubrique|articles? (?:en rapport|liés|associés)|(?:à|a) lire sur le même sujet"
    r"|retrouvez tous nos|retrouvez toutes nos|nos articles sur|articles? similaires?"
    r"|(?:à|a) découvrir aussi|related|see also|read also"
    r"|où acheter\b.*\bmeilleur prix)",
    re.IGNORECASE,
)
# Shopping widgets: an offer button next to a price.
_OFFER = re.compile(
    r"(?:découvrir|voir) l['’]offre|au meilleur prix|télécharger .{1,80} gratuitement", re.I
)
_PRICE = re.compile(r"\d[\d\s\u00a0\u202f.,]*\s?€")
_LINKY_SHARE = 0.5
_MOST_OF_TEXT = 0.5
# Affiliate links (marked by rel, or going through an affiliate network): a box made of them
# is a shopping widget, whatever its words.
_AFFILIATE_HREF = re.compile(
    r"awin1\.com|amzn\.to|[?&]tag=[\w-]+-21\b|effiliation|tradedoubler|kelkoo|bestengine"
    r"|/track/\d|clk\.|go\.skimresources|prf\.hn|shareasale|rstyle\.me",
    re.IGNORECASE,
)

_TRAILERS = (
    re.compile(r"^(?:lire|voir) la suite\b", re.IGNORECASE),
    re.compile(
        r"^(?:lire|en savoir) \+$|^\(suite\)$|^suite\s*(?:…|\.\.\.|→|»|>)+$"
        r"|^la suite (?:ici|sur|→)|^continuer (?:la|à) lire\b",
        re.IGNORECASE,
    ),
    re.compile(r"^read more\b|^continue reading\b", re.IGNORECASE),
    re.compile(r"^(?:lien|vidéo|video) (?:youtube|dailymotion|vimeo)$", re.IGNORECASE),
    re.compile(r"^(?:sources?|via)\s*(?::.{0,200})?$", re.IGNORECASE | re.DOTALL),
    # Korben's « Source et photo », « Source et source », « Photo (CC) ».
    re.compile(
        r"^(?:sources?|photos?|vidéos?|via|crédits?)(?:\s*(?:et|&|,)\s*(?:sources?|photos?"
        r"|vidéos?))*(?:\s*\((?:cc|via[^)]{0,60})\))?\s*[.!]?$",
        re.IGNORECASE,
    ),
    re.compile(r"^the post .{1,300} appeared first on .{1,200}$", re.IGNORECASE | re.DOTALL),
    # A bare link stub standing for the whole text (« Lire l'article. », « Voir l'article »).
    re.compile(
        r"^(?:lire|voir) (?:l['’]article|le billet)(?: (?:complet|en entier|original))?"
        r"(?: sur .{1,60})?\s*[.!…:→»]*$",
        re.IGNORECASE,
    ),
    # The half of an embedded tweet its markup left: « — Name (@handle) 3 avril 2013 ».
    re.compile(r"^[—–-]\s*[^\n]{1,60}\(@\w{1,15}\)\s+[^\n]{3,40}\b\d{4}$"),
    re.compile(r"^pic\.twitter\.com/\w+$", re.IGNORECASE),
    # A link to the same post in another language (ploum.net: « This text in English »).
    re.compile(
        r"^(?:this (?:text|post|article)|ce (?:texte|billet|post|article))(?: (?:is|est))?"
        r"(?: (?:also|aussi|également))?(?: (?:available|disponible))?"
        r" (?:in|en) (?:english|french|anglais|français)\s*[.!]?$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:l[’']article|cet article|le billet) .{1,300} (?:est apparu en premier|a été publié"
        r" (?:en premier|initialement)) sur .{1,200}$",
        re.IGNORECASE | re.DOTALL,
    ),
)
# Share, follow and newsletter calls: short lines that name a network or a newsletter.
_CALL = re.compile(
    r"\b(?:partage[zr]?|suivez|suivre|rejoignez|retrouvez|abonnez|inscrivez|likez|viens|venez|rdv"
    r"|follow|subscribe|share)\b",
    re.IGNORECASE,
)
_NETWORK = re.compile(
    r"\b(?:facebook|twitter|instagram|linkedin|mastodon|youtube|fan-page|newsletter"
    r"|lettre d['’]information|réseaux sociaux)\b",
    re.IGNORECASE,
)
# Share calls that name no network: « partagez-la autour de vous », « à vos amis ».
_AUDIENCE = re.compile(
    r"autour de (?:vous|toi)|(?:à|avec) (?:vos|tes) (?:amis|proches|collègues|contacts)"
    r"|coup de pouce|faire connaître|faites (?:la |le )?connaître",
    re.IGNORECASE,
)
# A planet's (aggregator's) per-item footer: « Article original de X » « Aller sur Planète Y ».
_ORIGIN = re.compile(
    r"^(?:article|billet|post) original (?:de|sur|par|publié (?:sur|par)) [^\n,;:!?]{1,60}(?<!\.)"
    r"(?:\n(?:aller|retourner|revenir) sur [^\n]{1,60})?$",
    re.IGNORECASE,
)
# WordPress's trailer glued to an excerpt's end: « … […] The post X appeared first on Y. »
_GLUED_TRAILER = re.compile(
    r"\s*(?:\[(?:…|\.\.\.)\]\s*)?(?:(?<=[\s.!?…»\]])|^)(?:the post .{1,300}? appeared first on"
    r"|l[’']article .{1,300}? est apparu en premier sur) [^\n]{1,200}$",
    re.IGNORECASE | re.DOTALL,
)
_GLUED_HINT = re.compile(r"appeared first on|apparu en premier sur", re.IGNORECASE)
_CALL_MAX_CHARS = 260
# A cue line whose links are gone (« À regarder aussi (et à lire) ») is a leftover label.
_LABEL_MAX_CHARS = 60
_CLOSED_COMMENTS = re.compile(r"^les commentaires sont .{0,40}fermés", re.IGNORECASE)
# "… [Lire la suite]" or "Lire + →" closing the last line of an excerpt.
_TRAILING_MORE = re.compile(
    r"\s*(?:\[(?:…|\.\.\.)\]\s*)?[\[(]?(?:lire la suite|lire \+|continuer la lecture|read more"
    r"|la suite)\b[^\w]{0,6}$",
    re.IGNORECASE,
)


def strip_boilerplate(body: LexborNode) -> list[str]:
    """Remove non-article boxes from a parsed body; returns the captions it took out.

    The walk goes top down and never enters a box it removes; nodes are only decomposed
    once the walk is over, so no removed node is ever touched again.
    """
    captions: list[str] = []
    doomed: list[LexborNode] = []
    # A box holding most of the text is the article, whatever its classes say
    # (`<div class="entry-content has-share-buttons">`).
    most = _MOST_OF_TEXT * len(" ".join(body.text(separator=" ").split()))
    node = body.child
    ancestors: list[LexborNode] = []
    after_label = False
    while node is not None:
        remove = False
        tag = node.tag or "-"
        if not tag.startswith("-"):
            if after_label and _is_links(node):
                remove = True
            elif _is_caption(node):
                text = " ".join(node.text(separator=" ").split())
                if text:
                    captions.append(text)
                remove = True
            else:
                remove = tag in _CONTAINERS and (
                    (_named_boilerplate(node) and (_text_length(node) < most or _is_links(node)))
                    or _is_link_box(node)
                )
        if not tag.startswith("-"):
            after_label = remove and tag in _CONTAINERS and _is_cue_label(node)
        if remove:
            doomed.append(node)
        elif node.child is not None:
            ancestors.append(node)
            node = node.child
            continue
        while node.next is None and ancestors:
            node = ancestors.pop()
        node = node.next
    for node in doomed:
        node.decompose()
    return captions


def _text_length(node: LexborNode) -> int:
    return len(" ".join(node.text(separator=" ").split()))


def _words(node: LexborNode) -> set[str]:
    attributes = node.attributes
    names = f"{attributes.get('class') or ''} {attributes.get('id') or ''}".lower()
    return set(re.split(r"[\s_-]+", names)) - {""}


def _named_boilerplate(node: LexborNode) -> bool:
    words = _words(node)
    if words & _BOILER_WORDS:
        return True
    return any(a in words and b in words for a, b in _BOILER_PAIRS)


def _is_caption(node: LexborNode) -> bool:
    if node.tag == "figcaption":
        return True
    classes = (node.attributes.get("class") or "").lower().split()
    if any(_CAPTION_CLASSES.search(name) for name in classes):
        return True
    # A bare "caption" box holds the image too: only the text-only ones are captions.
    return bool(_words(node) & _CAPTION_WORDS) and node.css_first("img") is None


def _is_link_box(node: LexborNode) -> bool:
    """A related-articles or shopping box: a cue or an offer, and mostly links."""
    text = " ".join(node.text(separator=" ").split())
    if not text:
        return False
    if _OFFER.search(text) and (_PRICE.search(text) or _link_share(node, text) >= _LINKY_SHARE):
        return True
    if _link_share(node, text, affiliate=True) >= _LINKY_SHARE:
        return True
    match = _CUE.match(text)
    if match is None:
        return False
    rest = text[match.end() :].strip(" :\u00a0")
    return not rest or _link_share(node, rest) >= _LINKY_SHARE


def _is_cue_label(node: LexborNode) -> bool:
    """A block holding only a cue (« Lire aussi »): the links it announces come next."""
    text = " ".join(node.text(separator=" ").split())
    match = _CUE.match(text)
    return match is not None and not text[match.end() :].strip(" :\u00a0")


def _is_links(node: LexborNode) -> bool:
    text = " ".join(node.text(separator=" ").split())
    return bool(text) and _link_share(node, text) >= _LINKY_SHARE


def _link_share(node: LexborNode, text: str, *, affiliate: bool = False) -> float:
    """The share of a box's text that is link text (only affiliate links, if asked)."""
    linked = 0
    for link in node.css("a"):
        if affiliate and not _is_affiliate(link):
            continue
        linked += len(" ".join(link.text(separator=" ").split()))
    return linked / max(len(text), 1)


def _is_affiliate(link: LexborNode) -> bool:
    attributes = link.attributes
    rel = (attributes.get("rel") or "").lower()
    return (
        "affiliate" in rel
        or "sponsored" in rel
        or bool(_AFFILIATE_HREF.search(attributes.get("href") or ""))
    )


def drop_trailers(blocks: Iterable[Block]) -> list[Block]:
    """Blocks without trailer, share and newsletter lines; a « Lire la suite » tail is cut."""
    kept = []
    for block in blocks:
        text = block.text
        if block.kind != "list":
            if _GLUED_HINT.search(text):  # the full pattern is slow; few blocks hold it
                text = _GLUED_TRAILER.sub("", text)
            text = _TRAILING_MORE.sub("", text)
        if text and not is_trailer(text):
            kept.append(block if text == block.text else replace(block, text=text))
    return kept


def is_trailer(text: str) -> bool:
    """True for a line that closes or frames an article rather than being part of it."""
    line = text.strip()
    if any(pattern.match(line) for pattern in _TRAILERS) or _CLOSED_COMMENTS.match(line):
        return True
    if _ORIGIN.match(line):
        return True
    if len(line) <= _LABEL_MAX_CHARS and _CUE.match(line):
        return True
    return (
        len(line) <= _CALL_MAX_CHARS
        and (_NETWORK.search(line) is not None or _AUDIENCE.search(line) is not None)
        and _CALL.search(line) is not None
    )
