"""Validator and parser for Telegram's HTML parse mode, strict enough to catch escaping bugs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]*);")
_START_RE = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
_END_RE = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_ATTR_RE = re.compile(
    r"""\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
)
_TAG_CLOSE_RE = re.compile(r"\s*(/?)>")


@dataclass
class ParsedHtml:
    """Result of parsing: plain text, Bot API MessageEntity dicts, and problems found."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class _Open:
    tag: str
    attrs: dict[str, str]
    offset: int  # in UTF-16 code units, like Bot API entity offsets
    language: str | None = None


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units (the unit of Bot API entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(name: str) -> str | None:
    if name.startswith("#"):
        try:
            code = int(name[2:], 16) if name[1:2] in "xX" else int(name[1:])
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None
        except ValueError:
            return None
    return _NAMED_ENTITIES.get(name)


def _unescape_attr(value: str) -> str:
    if value[:1] in "\"'":
        value = value[1:-1]
    return _ENTITY_RE.sub(lambda m: _decode_entity(m.group(1)) or m.group(0), value)


class _Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.out_len = 0  # UTF-16 units emitted so far
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []
        self.problems: list[str] = []

    def byte_offset(self, pos: int) -> int:
        return len(self.src[:pos].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.out_len += utf16_len(text)

    def run(self) -> ParsedHtml:
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "&":
                self.entity()
            elif char == "<":
                self.tag()
            else:
                if char == ">":
                    self.problems.append(
                        f'Unescaped ">" at byte offset {self.byte_offset(self.pos)}; use &gt;'
                    )
                self.emit(char)
                self.pos += 1
        for still_open in reversed(self.stack):
            self.problems.append(
                f'Can\'t find end tag corresponding to start tag "{still_open.tag}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedHtml("".join(self.out), self.entities, self.problems)

    def entity(self) -> None:
        match = _ENTITY_RE.match(self.src, self.pos)
        decoded = _decode_entity(match.group(1)) if match else None
        if match is None or decoded is None:
            # Telegram itself may keep an unknown "&..." literally; we reject it to catch
            # text that was never passed through html.escape.
            what = f'"{match.group(0)}"' if match else '"&"'
            self.problems.append(
                f"Unsupported or unescaped {what} at byte offset "
                f"{self.byte_offset(self.pos)}; use &amp;"
            )
            self.emit("&")
            self.pos += 1
            return
        self.emit(decoded)
        self.pos = match.end()

    def tag(self) -> None:
        offset = self.byte_offset(self.pos)
        if self.src.startswith("</", self.pos):
            end = _END_RE.match(self.src, self.pos)
            if end is None:
                self.problems.append(f"Unclosed end tag at byte offset {offset}")
                self.emit("<")
                self.pos += 1
                return
            self.pos = end.end()
            self.close(end.group(1).lower(), offset)
            return
        start = _START_RE.match(self.src, self.pos)
        if start is None:
            self.problems.append(f'Unescaped "<" at byte offset {offset}; use &lt;')
            self.emit("<")
            self.pos += 1
            return
        pos = start.end()
        attrs: dict[str, str] = {}
        while (attr := _ATTR_RE.match(self.src, pos)) is not None:
            attrs[attr.group(1).lower()] = _unescape_attr(attr.group(2) or "")
            pos = attr.end()
        closing = _TAG_CLOSE_RE.match(self.src, pos)
        if closing is None:
            self.problems.append(f"Unclosed start tag at byte offset {offset}")
            self.emit("<")
            self.pos += 1
            return
        self.pos = closing.end()
        name = start.group(1).lower()
        if closing.group(1):
            self.problems.append(f'Unsupported self-closing tag "{name}" at byte offset {offset}')
            return
        self.open(name, attrs, offset)

    def open(self, name: str, attrs: dict[str, str], offset: int) -> None:
        if name not in _ENTITY_TYPES:
            self.problems.append(f'Unsupported start tag "{name}" at byte offset {offset}')
        elif name == "span" and attrs.get("class") != "tg-spoiler":
            self.problems.append(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        elif name == "tg-emoji" and not attrs.get("emoji-id"):
            self.problems.append(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
            )
        parents = [o.tag for o in self.stack]
        if name == "blockquote" and "blockquote" in parents:
            self.problems.append(f"Blockquote entities can't be nested (byte offset {offset})")
        if name == "a" and "a" in parents:
            self.problems.append(f"Links can't be nested (byte offset {offset})")
        if (
            parents
            and parents[-1] in ("code", "pre")
            and not (name == "code" and parents[-1] == "pre")
        ):
            self.problems.append(
                f'Tag "{name}" can\'t be nested inside "{parents[-1]}" at byte offset {offset}'
            )
        self.stack.append(_Open(name, attrs, self.out_len))

    def close(self, name: str, offset: int) -> None:
        if not self.stack:
            self.problems.append(f'Unexpected end tag "</{name}>" at byte offset {offset}')
            return
        top = self.stack[-1]
        if top.tag != name:
            self.problems.append(
                f'Unmatched end tag at byte offset {offset}, expected "</{top.tag}>", '
                f'found "</{name}>"'
            )
            return
        self.stack.pop()
        length = self.out_len - top.offset
        language = top.attrs.get("class", "")
        if name == "code" and self.stack and self.stack[-1].tag == "pre":
            # Telegram folds <pre><code class="language-x"> into one pre entity.
            if language.startswith("language-"):
                self.stack[-1].language = language.removeprefix("language-")
            return
        if length == 0 or name not in _ENTITY_TYPES:
            return
        entity: dict[str, Any] = {
            "type": _ENTITY_TYPES[name],
            "offset": top.offset,
            "length": length,
        }
        if name == "a":
            inner = "".join(self.out).encode("utf-16-le")[top.offset * 2 :].decode("utf-16-le")
            entity["url"] = top.attrs.get("href") or inner
        elif name == "pre" and top.language:
            entity["language"] = top.language
        elif name == "blockquote" and "expandable" in top.attrs:
            entity["type"] = "expandable_blockquote"
        elif name == "tg-emoji":
            entity["custom_emoji_id"] = top.attrs.get("emoji-id", "")
        self.entities.append(entity)


def parse_html(text: str) -> ParsedHtml:
    """Parse Telegram HTML into plain text and entities, collecting markup problems."""
    return _Parser(text).run()


def plain_text(html_text: str) -> str:
    """Text as Telegram would display it: tags removed and entities decoded."""
    return parse_html(html_text).text


def plain_words(html_text: str) -> str:
    """`plain_text` with French non-breaking spaces read as spaces: for tests of wording
    (tests/test_french_texts.py and tests/test_e2e_french.py hold the typography)."""
    return plain_text(html_text).replace("\u00a0", " ").replace("\u202f", " ")


def check_html(text: str, max_length: int = MAX_TEXT_LENGTH) -> list[str]:
    """Problems Telegram would reject this HTML message for; an empty list means it is fine."""
    parsed = parse_html(text)
    problems = list(parsed.problems)
    # Counted as Telegram counts: UTF-16 code units of the text after parsing (an emoji
    # past U+FFFF is two), as for captions and entity offsets.
    if not parsed.text.strip():
        problems.append("Text is empty after parsing")
    elif utf16_len(parsed.text) > max_length:
        problems.append(f"Text is too long: {utf16_len(parsed.text)} > {max_length} UTF-16 units")
    return problems
