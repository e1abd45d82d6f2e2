"""Entry HTML to text blocks (paragraphs, headings, quotes, lists); no markup ever survives.

HTML is parsed by lexbor (selectolax), an HTML5 parser: feeds carry whatever their CMS
emits (unclosed tags, `<embed>` without end tags, stray `</p>`), and only a parser that
follows the HTML5 tree rules reads it the way a browser does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.ingest.charset import repair_mojibake
from bot.text import remove_tag_like

BlockKind = Literal["paragraph", "heading", "quote", "list"]

# Content of these is never text a reader should see (code, embeds, forms, metadata).
_DROPPED = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "head"}
    | {"math", "title", "form", "button", "select", "textarea", "video", "audio", "canvas"}
    | {"nav", "map"}
)
_BLOCKS = frozenset(
    {"p", "div", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "pre", "hr"}
    | {"section", "article", "header", "footer", "aside", "main", "figure", "figcaption"}
    | {"address", "caption", "details", "summary", "fieldset", "center", "body", "html"}
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LISTS = frozenset({"ul", "ol"})
_BOLD = frozenset({"b", "strong"})
# Cells sit side by side: a space keeps their words apart without splitting the row.
_CELLS = frozenset({"td", "th"})
# A block is bold when this share of its characters is inside <b>/<strong>.
_BOLD_SHARE = 0.9

# Only ASCII white space collapses: NBSP and narrow spaces carry meaning (French typography)
# and are folded later by the normalizer. Beside an ordinary space they are just padding.
_SPACE_RUN = re.compile(r"[ \t\n\r\f\v]+")
# What a <br> leaves in the gathered text; lexbor drops NUL from its input, so it is free.
_LINE_BREAK = "\x00"
_PADDED_NBSP = re.compile(r"[ \u00a0\u202f]*(?: [\u00a0\u202f]|[\u00a0\u202f] )[ \u00a0\u202f]*")
_NBSP_RUN = re.compile(r"([\u00a0\u202f])[\u00a0\u202f]+")
_EDGE_SPACES = " \u00a0\u202f"
# Feeds often label HTML as text; tags or entities in "plain" text mean it is HTML.
_HTML_HINT = re.compile(r"</?[A-Za-z][A-Za-z0-9]*[\s/>]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+\d*);")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
# « — François Héran » or « – Marc Joly, sociologue » closing a blockquote.
_SIGNED = re.compile(
    r"^[—–―-][ \u00a0\u202f]*(?P<name>[A-ZÀ-ÖØ-Þ][\w'’.-]*(?:[ \u00a0\u202f]+"
    r"(?:(?:de|du|d['’]|van|von|le|la)[ \u00a0\u202f]+)?[A-ZÀ-ÖØ-Þ][\w'’.-]*){0,3})"
    r"(?:,[^\n]{0,80})?$"
)
_SIGNATURE = re.compile(r"^[—–―-][ \u00a0\u202f]*")
_SENTENCE_END = re.compile(r"[.!?…](?:[»”\"')\]]+)?(?=\s|$)")


@dataclass(frozen=True, slots=True)
class Block:
    """The text of one HTML block, with the little structure interview detection needs."""

    kind: BlockKind
    text: str
    bold: bool = False
    # Who a quote is by, when its blockquote says so (a <cite>, a last « — Name » line).
    speaker: str | None = None


@dataclass(slots=True)
class _Frame:
    """Blocks being gathered inside one container (the body, a quote, a list, an item)."""

    tag: str
    blocks: list[Block] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    letters: int = 0
    bold_letters: int = 0
    heading: bool = False
    after_break: bool = False
    # Where a blockquote's <cite> began in `parts`, and its text once closed.
    cite_start: int = -1
    cite: str | None = None


def parse_html(html: str) -> LexborNode | None:
    """The body of an HTML fragment parsed as a browser would, or None when there is none."""
    if not html or not html.strip():
        return None
    return LexborHTMLParser(html).body


def html_blocks(html: str) -> list[Block]:
    """Blocks of an HTML fragment: tags removed, entities decoded, spaces collapsed."""
    body = parse_html(html)
    return tree_blocks(body) if body is not None else []


def tree_blocks(body: LexborNode) -> list[Block]:
    """Blocks of a parsed body, walked without recursion (hostile nesting cannot overflow)."""
    frames = [_Frame("body")]
    bold_depth = 0
    node = body.child
    ancestors: list[LexborNode] = []
    while node is not None:
        descend = False
        tag = node.tag
        if tag == "-text":
            _text(frames[-1], node.text_content or "", bold_depth > 0)
        elif tag in _DROPPED or tag is None or tag.startswith("-"):
            pass
        else:
            descend = _enter(frames, tag)
            bold_depth += tag in _BOLD
        if descend and node.child is not None:
            ancestors.append(node)
            node = node.child
            continue
        if descend:
            bold_depth -= _leave(frames, tag)
        while node.next is None and ancestors:
            node = ancestors.pop()
            bold_depth -= _leave(frames, node.tag)
        node = node.next
    while len(frames) > 1:
        _close(frames)
    _flush(frames[0])
    return frames[0].blocks


def _enter(frames: list[_Frame], tag: str) -> bool:
    """Open an element: break or space the text; containers get a frame. True to descend."""
    top = frames[-1]
    if tag == "br":
        # One <br> is a line break inside the block; two in a row end the paragraph.
        if top.after_break:
            _flush(top)
        else:
            top.parts.append(_LINE_BREAK)
            top.after_break = True
        return False
    if tag in _LISTS or tag in ("blockquote", "li"):
        _flush(top)
        frames.append(_Frame(tag))
    elif tag == "cite" and top.tag == "blockquote":
        top.cite_start = len(top.parts)
    elif tag in _HEADINGS:
        _flush(top)
        top.heading = True
    elif tag in _BLOCKS:
        _flush(top)
    elif tag in _CELLS:
        top.parts.append(" ")
    return tag not in ("img", "hr")


def _leave(frames: list[_Frame], tag: str | None) -> int:
    """Close an element; returns 1 when it was a bold one (to lower the bold depth)."""
    top = frames[-1]
    if tag == "cite" and top.tag == "blockquote" and 0 <= top.cite_start <= len(top.parts):
        top.cite = _clean("".join(top.parts[top.cite_start :])) or None
        top.cite_start = -1
    elif tag in _LISTS or tag in ("blockquote", "li"):
        if top.tag == tag:
            _close(frames)
    elif tag in _HEADINGS or tag in _BLOCKS:
        _flush(top)
    return 1 if tag in _BOLD else 0


def _close(frames: list[_Frame]) -> None:
    """Merge a finished container into one block of its parent."""
    frame = frames.pop()
    _flush(frame)
    parent = frames[-1]
    if not frame.blocks:
        return
    bold = all(block.bold for block in frame.blocks)
    if frame.tag == "blockquote":
        _flush(parent)
        texts, speaker = _quote_speaker([b.text for b in frame.blocks], frame.cite)
        if texts:
            parent.blocks.append(Block("quote", "\n\n".join(texts), bold, speaker))
    elif frame.tag == "li":
        parent.blocks.append(Block("paragraph", "\n".join(b.text for b in frame.blocks), bold))
    else:
        # A list is one passage: its items are lines of one text, not one-word paragraphs.
        parent.blocks.append(Block("list", "\n".join(b.text for b in frame.blocks), bold))


def _quote_speaker(texts: list[str], cite: str | None) -> tuple[list[str], str | None]:
    """A quote's text and speaker: a <cite> closing it, else a last line « — Name ».

    A <cite> inside the quote's sentence (the title of a work) stays its text.
    """
    if cite and texts and texts[-1].endswith(cite):
        rest = texts[-1][: -len(cite)].rstrip(_EDGE_SPACES + "\n")
        name = _SIGNATURE.sub("", cite).strip(_EDGE_SPACES)
        if name and (rest or len(texts) > 1):
            return [*texts[:-1], *([rest] if rest else [])], name
        return texts, None
    if not texts:
        return texts, None
    *before, last = texts[-1].split("\n")
    match = _SIGNED.match(last)
    if match is None or not (before or len(texts) > 1):
        return texts, None
    rest = "\n".join(before)
    return [*texts[:-1], *([rest] if rest else [])], match["name"]


def _text(frame: _Frame, data: str, bold: bool) -> None:
    frame.parts.append(data)
    # Visible characters (spaces left out) weigh the bold share; joining the split is C-fast.
    letters = len("".join(data.split()))
    if letters:
        frame.after_break = False
        frame.letters += letters
        if bold:
            frame.bold_letters += letters


def _flush(frame: _Frame) -> None:
    """End the paragraph being gathered, if it holds any text."""
    text = _clean("".join(frame.parts))
    if text:
        bold = frame.letters > 0 and frame.bold_letters >= _BOLD_SHARE * frame.letters
        frame.blocks.append(Block("heading" if frame.heading else "paragraph", text, bold))
    frame.parts.clear()
    frame.letters = frame.bold_letters = 0
    frame.heading = frame.after_break = False


def _clean(text: str) -> str:
    """Lines of a block with tag-like text removed and spaces collapsed; blank lines dropped."""
    lines = []
    for line in text.split(_LINE_BREAK):
        line = repair_mojibake(remove_tag_like(line))
        line = _PADDED_NBSP.sub(" ", _SPACE_RUN.sub(" ", line))
        line = _NBSP_RUN.sub(r"\1", line)
        line = line.strip(_EDGE_SPACES)
        if line:
            lines.append(line)
    return "\n".join(lines)


def text_to_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text, spaces collapsed and tag-like text removed."""
    # Hard-wrapped text marks paragraphs with blank lines; otherwise each line is one.
    blocks = _BLANK_LINE.split(text) if _BLANK_LINE.search(text) else text.splitlines()
    out = []
    for block in blocks:
        cleaned = _clean(block.replace(_LINE_BREAK, ""))
        if cleaned:
            out.append(cleaned)
    return out


def is_html(value: str, content_type: str | None) -> bool:
    """Whether a feed text construct is HTML; a missing type means HTML, as feeds mostly send."""
    return "html" in (content_type or "html") or _HTML_HINT.search(value) is not None


def body_blocks(value: str | None, content_type: str | None) -> list[Block]:
    """Blocks of a feed text construct (HTML or plain text)."""
    if not value:
        return []
    if is_html(value, content_type):
        return html_blocks(value)
    return [Block("paragraph", text) for text in text_to_paragraphs(value)]


def body_paragraphs(value: str | None, content_type: str | None) -> list[str]:
    """Paragraphs of a feed text construct."""
    return [block.text for block in body_blocks(value, content_type)]


def one_line(value: str | None, content_type: str | None = None) -> str:
    """One line of plain text from a title-like field."""
    return " ".join(" ".join(body_paragraphs(value, content_type)).split("\n"))


def first_sentence(text: str, *, chars: int = 120) -> str:
    """The first sentence of a text, cut at a word with an ellipsis when longer than `chars`."""
    flat = " ".join(text.split())
    end = _SENTENCE_END.search(flat)
    sentence = flat[: end.end()] if end else flat
    if len(sentence) <= chars:
        return sentence
    cut = sentence[:chars].rsplit(" ", 1)[0].rstrip(" ,;:–—-")
    return cut + "…"


def strip_html(s: str) -> str:
    """One line of plain text from HTML (for titles and names)."""
    return one_line(s, "text/html")
