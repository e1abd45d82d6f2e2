"""One entry's body as an article: clean text blocks, its lead image and its captions."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ingest.boilerplate import drop_trailers, strip_boilerplate
from bot.ingest.html_text import Block, body_blocks, is_html, parse_html, tree_blocks
from bot.ingest.images import lead_image
from bot.ingest.teaser import ends_cut


@dataclass(frozen=True, slots=True)
class Article:
    """What a reader should get from an entry body."""

    blocks: tuple[Block, ...] = ()
    lead_image: str | None = None
    captions: tuple[str, ...] = ()
    cut: bool = False  # it ended in a « Lire la suite »-like trailer: a teaser of its page


def read_article(
    value: str | None, content_type: str | None, base: str | None, *, clean: bool = True
) -> Article:
    """Blocks, lead image and captions of a feed text construct.

    With `clean`, boilerplate boxes, captions (kept apart) and trailers are removed before
    the text is cut into blocks; without it, every piece of text is kept (the benchmark's
    baseline).
    """
    if not value:
        return Article()
    if not is_html(value, content_type):
        blocks = body_blocks(value, content_type)
        cut = ends_cut(blocks)
        return Article(tuple(drop_trailers(blocks) if clean else blocks), cut=cut)
    body = parse_html(value)
    if body is None:
        return Article()
    if not clean:
        return Article(tuple(tree_blocks(body)), lead_image(body, base))
    captions = strip_boilerplate(body)
    image = lead_image(body, base)
    raw = tree_blocks(body)
    # A block without a letter or digit ("." left by a removed embed, "...") is no passage.
    blocks = [block for block in drop_trailers(raw) if _has_word(block.text)]
    return Article(tuple(blocks), image, tuple(captions), ends_cut(raw))


def _has_word(text: str) -> bool:
    return any(c.isalnum() for c in text)
