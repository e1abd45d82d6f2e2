"""Failures stored as codes, shown in the reader's language: a source's last error, and any
other stored failure that wants the same (`stored(code, **values)`, `describe(text, lang)`).

The fetch and parse layers say what went wrong in one English line (logs and the command
line show it as is). What the database keeps is its code and values, `!http {"status":
"404"}`, and /status or an admin alert renders it with the catalogue's
`source_error.<code>` in French or English. Rows stored before codes hold the English
line itself: it is recognised by the same patterns and rendered the same way; a line no
pattern knows is shown as it is.
"""

from __future__ import annotations

import json
import re

from bot import i18n

# Code → the English line the fetch/parse layers write for it (fullmatch, values named).
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(pattern))
    for code, pattern in (
        ("fetch_failed", r"fetch failed"),
        ("internal", r"internal error: (?P<detail>.*)"),
        ("invalid_url", r"invalid URL: (?P<detail>.*)"),
        ("not_http", r"(?:refused: )?not an http\(s\) URL"),
        ("timeout", r"timed out after (?P<seconds>[\d.]+) s"),
        ("redirects", r"too many redirects \(max (?P<max>\d+)\)"),
        ("connection_refused", r"connection refused"),
        ("unresolved", r"could not resolve host"),
        ("unresolved_host", r"refused: could not resolve (?P<host>.+)"),
        ("no_connection", r"could not connect"),
        ("no_connection_because", r"could not connect: (?P<detail>.+)"),
        ("unsupported_url", r"unsupported redirect or URL: (?P<detail>.*)"),
        ("http", r"HTTP (?P<status>\d{3})"),
        ("too_big", r"response larger than (?P<size>.+) cap"),
        ("decoded_too_big", r"decoded body larger than (?P<bytes>\d+) bytes"),
        ("stacked_encodings", r"stacked content encodings refused \((?P<codings>.*)\)"),
        ("unknown_encoding", r"unsupported content encoding: (?P<coding>.*)"),
        ("undecodable", r"could not decode the (?P<coding>\S+) body"),
        ("numeric_address", r"refused: (?P<host>.+) is a numeric address spelled unusually"),
        (
            "not_public",
            r"refused: (?P<where>.+) is a (?P<reason>[\w -]+) address, not a public one",
        ),
        ("too_slow", r"still loading after (?P<seconds>[\d.]+) s while the slow lane was full"),
        ("empty", r"empty input"),
        ("opml", r"an OPML list of feeds, not posts.*"),
        ("not_feed", r"neither a Movim dump nor an RSS/Atom/JSON feed"),
        ("network", r"(?P<detail>[A-Z]\w*(?:Error|Exception|Timeout)\w*(?:: .*)?)"),
    )
)
_MARK = "!"


def stored(code: str, **values: str) -> str:
    """The text a failure is kept as: its code, and its values as JSON when it has some."""
    return _MARK + code + (" " + json.dumps(values, ensure_ascii=False) if values else "")


def encode(message: str) -> str:
    """The stored form of an English failure line; a line no pattern knows is kept as is."""
    for code, pattern in _PATTERNS:
        found = pattern.fullmatch(message)
        if found is not None:
            return stored(code, **{k: v for k, v in found.groupdict().items() if v is not None})
    return message


def decode(text: str) -> tuple[str, dict[str, str]] | None:
    """The code and values of a stored failure (or of an English line stored before codes),
    or None for text that is neither."""
    if text.startswith(_MARK):
        code, _, rest = text[1:].partition(" ")
        try:
            values = json.loads(rest) if rest else {}
        except ValueError:
            return None
        if code.isidentifier() and isinstance(values, dict):
            return code, {str(k): str(v) for k, v in values.items()}
        return None
    again = encode(text)
    return decode(again) if again != text else None


def describe(text: str | None, lang: str) -> str:
    """A stored failure as a sentence in `lang` ("fr" or "en"), plain text (not escaped)."""
    if not text:
        return ""
    found = decode(text)
    if found is None:
        return text
    code, values = found
    if "reason" in values:  # the kind of address a source was refused for
        kind = f"address_kind.{values['reason'].replace(' ', '_').replace('-', '_')}"
        if kind in i18n.MESSAGES.get(lang, i18n.MESSAGES["fr"]):
            values["reason"] = i18n.message(lang, kind)
    return i18n.message(lang, f"source_error.{code}", **values)
