"""Entry HTML to plain-text paragraphs, with the stdlib parser: no markup ever survives."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Content of these is never text a reader should see (code, embeds, metadata).
_DROPPED = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "head", "math"}
)
# Void elements never get an end tag, so they must not open a dropped region.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source"}
    | {"track", "wbr"}
)
_BLOCKS = frozenset(
    {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "ul", "ol"}
    | {"dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "pre", "hr", "section", "article"}
    | {"header", "footer", "aside", "nav", "main", "figure", "figcaption", "address", "caption"}
    | {"details", "summary", "form", "fieldset", "center", "body", "html"}
)
# Cells sit side by side: a space keeps their words apart without splitting the row.
_CELLS = frozenset({"td", "th"})

# Only ASCII white space collapses: NBSP and narrow spaces carry meaning (French typography)
# and are folded later by the normalizer.
_SPACE_RUN = re.compile(r"[ \t\n\r\f\v]+")
# A tag cut off by the end of the input: the parser would hand it back as text.
_UNFINISHED_TAG = re.compile(r"<[A-Za-z/!?][^>]*\Z")
# Escaped markup (`&lt;script&gt;`) decodes into tag-like text; it is removed, not shown.
# Any letter counts: `<ß href=...>` is text to a browser but still reads as a tag.
_TAG_LIKE = re.compile(r"<(?:[/!?]|[^\W\d_])[^<>]*(?:>|\Z)")
# Feeds often label HTML as text; tags or entities in "plain" text mean it is HTML.
_HTML_HINT = re.compile(r"</?[A-Za-z][A-Za-z0-9]*[\s/>]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+\d*);")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")


class _TextExtractor(HTMLParser):
    """Collects text, breaking paragraphs at block elements and skipping dropped ones."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._dropped: list[str] = []

    def _break(self) -> None:
        text = _SPACE_RUN.sub(" ", "".join(self._current)).strip(" ")
        if text.strip():
            self.paragraphs.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a dropped region, or break/space the text."""
        if tag in _DROPPED and tag not in _VOID:
            self._dropped.append(tag)
        elif self._dropped:
            return
        elif tag in _BLOCKS:
            self._break()
        elif tag in _CELLS:
            self._current.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """A self-closed tag (`<br/>`, `<iframe/>`) has no content to drop."""
        if not self._dropped and tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        """Close a dropped region (tolerating bad nesting), or break at a block end."""
        if tag in self._dropped:
            while self._dropped and self._dropped.pop() != tag:
                pass
        elif not self._dropped and tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        """Keep text outside dropped regions."""
        if not self._dropped:
            self._current.append(data)

    def close(self) -> None:
        """Flush the last paragraph."""
        super().close()
        self._break()


def _remove_tag_like(text: str) -> str:
    """Remove tag-looking text until none is left (nesting like `<<b>script>` needs rounds)."""
    while True:
        cleaned = _TAG_LIKE.sub("", text)
        if cleaned == text:
            return text
        text = cleaned


def html_to_paragraphs(html: str) -> list[str]:
    """Plain-text paragraphs of HTML: tags removed, entities decoded, spaces collapsed."""
    if not html or not html.strip():
        return []
    parser = _TextExtractor()
    try:
        parser.feed(_UNFINISHED_TAG.sub("", html))
        parser.close()
    except (AssertionError, ValueError):
        # html.parser is lenient but has raised on pathological declarations in past versions.
        parser.paragraphs.append(_SPACE_RUN.sub(" ", "".join(parser._current)).strip(" "))
    out = []
    for paragraph in parser.paragraphs:
        cleaned = _SPACE_RUN.sub(" ", _remove_tag_like(paragraph)).strip(" ")
        if cleaned.strip():
            out.append(cleaned)
    return out


def text_to_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text, spaces collapsed and tag-like text removed."""
    # Hard-wrapped text marks paragraphs with blank lines; otherwise each line is one.
    blocks = _BLANK_LINE.split(text) if _BLANK_LINE.search(text) else text.splitlines()
    out = []
    for block in blocks:
        cleaned = _SPACE_RUN.sub(" ", _remove_tag_like(block)).strip(" ")
        if cleaned.strip():
            out.append(cleaned)
    return out


def body_paragraphs(value: str | None, content_type: str | None) -> list[str]:
    """Paragraphs of a feed text construct; a missing type means HTML, as feeds mostly send."""
    if not value:
        return []
    if "html" in (content_type or "html") or _HTML_HINT.search(value):
        return html_to_paragraphs(value)
    return text_to_paragraphs(value)


def one_line(value: str | None, content_type: str | None = None) -> str:
    """One line of plain text from a title-like field."""
    return " ".join(body_paragraphs(value, content_type))


def first_words(text: str, *, words: int = 12, chars: int = 90) -> str:
    """The first words of a text, with an ellipsis when cut (a title for untitled entries)."""
    parts = text.split()
    title = " ".join(parts[:words])
    if len(title) > chars:
        title = title[:chars].rsplit(" ", 1)[0]
    return title + "…" if len(title) < len(" ".join(parts)) else title


def strip_html(s: str) -> str:
    """One line of plain text from HTML (for titles and names)."""
    return " ".join(html_to_paragraphs(s))
