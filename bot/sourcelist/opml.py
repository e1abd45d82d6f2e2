"""OPML lists of feeds: read leniently (real lists are often ill-formed XML), written cleanly.

Pure: bytes in, sources and a line per unreadable entry out. One unescaped `&`, an HTML
entity, a wrong encoding declaration or a broken tag never loses the whole list.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from html.entities import name2codepoint
from urllib.parse import urlsplit

from bot.models import Source
from bot.names import feed_name

MAX_OPML_BYTES = 1_000_000

_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_PROLOG = re.compile(r"^\s*<\?xml[^>]*\?>")
_DOCTYPE = re.compile(r"<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>", re.DOTALL | re.IGNORECASE)
_REFERENCE = re.compile(r"&(?:(#[0-9]+|#x[0-9a-fA-F]+)|([A-Za-z][A-Za-z0-9]*));|&")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
# An outline tag's inside: anything but brackets, or quoted values (which may hold `>`).
# (XML values never hold `<`: a quote that does was never closed.)
_OUTLINE_TAG = re.compile(r"""<outline\b((?:[^<>"']|"[^"<]*"|'[^'<]*')*)""", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"([A-Za-z_][\w:.-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def looks_like_opml(data: bytes) -> bool:
    """Sniff: an <opml> root within the first bytes."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    return re.match(rb"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<opml\b", head, re.DOTALL) is not None


def to_opml(sources: Sequence[Source], *, title: str = "Relais sources") -> bytes:
    """The sources as an OPML 2.0 document."""
    root = ET.Element("opml", version="2.0")
    ET.SubElement(ET.SubElement(root, "head"), "title").text = title
    body = ET.SubElement(root, "body")
    for source in sources:
        ET.SubElement(
            body,
            "outline",
            type="rss",
            text=source.name,
            title=source.name,
            xmlUrl=source.url or "",
        )
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def from_opml(data: bytes) -> tuple[list[Source], list[str]]:
    """Sources from an OPML list (nested outlines included), and a line for each entry
    that could not be used; the list's name for a feed is trimmed like a feed title."""
    if len(data) > MAX_OPML_BYTES:
        return [], [f"file larger than {MAX_OPML_BYTES // 1000} kB"]
    text = _repair(_decode(data))
    outlines: list[dict[str, str] | None]
    try:
        outlines = [dict(o.attrib) for o in ET.fromstring(text).iter("outline")]
    except ET.ParseError:
        # Broken beyond entities (a lost `>`, a cut file): read outline by outline.
        outlines = list(_outline_tags(text))
    if not outlines and not looks_like_opml(data):
        return [], ["not an OPML list: no <opml> root"]
    sources: list[Source] = []
    errors: list[str] = []
    for number, attributes in enumerate(outlines, start=1):
        source, error = _source(number, attributes)
        if source is not None:
            sources.append(source)
        elif error is not None:
            errors.append(error)
    if not sources and not errors:
        errors.append("no feed outlines found")
    return sources, errors


def _source(number: int, attributes: dict[str, str] | None) -> tuple[Source | None, str | None]:
    if attributes is None:
        return None, f"outline #{number}: unreadable attributes"
    get = {k.lower(): v.strip() for k, v in attributes.items()}.get
    url = get("xmlurl") or ""
    title = get("title") or get("text") or ""
    if not url:
        return None, None  # a folder
    if not url.lower().startswith(("http://", "https://")):
        return None, f"outline {title or url!r}: xmlUrl must be http(s)"
    name = feed_name(title, url) if title else urlsplit(url).hostname
    return Source(name or url, url), None


def _decode(data: bytes) -> str:
    """The document's text: its BOM, else its declared encoding when the bytes agree,
    else UTF-8, else Windows-1252 (what a wrong `encoding="UTF-8"` usually hides)."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace").lstrip("\ufeff")
    declared = _DECLARATION.match(data)
    for codec in (declared.group(1).decode() if declared else "utf-8", "utf-8"):
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


def _repair(text: str) -> str:
    """XML that expat accepts: no declaration (the text is decoded already), no DOCTYPE
    (no entity definitions, no external references), every `&` a reference."""
    text = _DOCTYPE.sub("", _PROLOG.sub("", text, count=1))
    return _REFERENCE.sub(_reference, text)


def _reference(match: re.Match[str]) -> str:
    number, name = match.group(1), match.group(2)
    if number is not None or name in _XML_ENTITIES:
        return match.group()
    if name is not None and name in name2codepoint:
        return html.escape(chr(name2codepoint[name]))  # `&eacute;` is HTML, not XML
    return "&amp;" + match.group()[1:]  # a bare `&` in a URL, or an unknown name


def _outline_tags(text: str) -> Iterator[dict[str, str] | None]:
    """Each <outline> tag's attributes, read with a regular expression; None for a tag
    whose attributes cannot be read."""
    for match in _OUTLINE_TAG.finditer(text):
        inside = match.group(1).removesuffix("/")
        if not text.startswith(">", match.end()):  # cut short, or a quote never closed
            yield None
            continue
        attributes = {
            m.group(1): html.unescape(m.group(2) if m.group(2) is not None else m.group(3))
            for m in _ATTRIBUTE.finditer(inside)
        }
        leftover = _ATTRIBUTE.sub("", inside).strip()
        yield attributes if attributes and not leftover else None
