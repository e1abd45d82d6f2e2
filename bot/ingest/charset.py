"""Documents decoded by their declared or sniffed charset, bad bytes mended in place: pure.

One bad byte sequence in a UTF-8 document must not switch the whole document to another
encoding (feedparser then reads every « é » as « Ã© »). And mojibake the publisher already
wrote (UTF-8 read once as Windows-1252: « Ã© », « â€™ ») is repaired where it is unambiguous.
"""

from __future__ import annotations

import codecs
import re
from email.message import Message

_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_UTF8_NAMES = frozenset({"utf-8", "utf8"})
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# A UTF-8 document keeps its charset when its good multi-byte characters outnumber its bad
# bytes this many times; below that it was written in a single-byte charset all along.
_GOOD_PER_BAD = 4
_HANDLER = "relais-mend"
# Letters and signs a lone byte most likely meant in French text written in Windows-1252.
_FRENCH = frozenset("àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»’‘“”–—…€°\u00a0")
_REPLACEMENT = "\ufffd"


def _mend(error: UnicodeError) -> tuple[str, int]:
    """One undecodable byte: the French letter it stands for in Windows-1252, else U+FFFD."""
    assert isinstance(error, UnicodeDecodeError)
    char = error.object[error.start : error.start + 1].decode("cp1252", errors="replace")
    return (char if char in _FRENCH else _REPLACEMENT), error.start + 1


codecs.register_error(_HANDLER, _mend)


def declared_charset(data: bytes, content_type: str | None = None) -> str | None:
    """The charset a Content-Type, an XML declaration or an HTML meta tag names, lowercased."""
    if content_type:
        message = Message()
        message["content-type"] = content_type
        charset = message.get_param("charset")
        if isinstance(charset, str) and charset.strip():
            return charset.strip().lower()
    head = data[:2048]
    found = _DECLARATION.match(head.removeprefix(b"\xef\xbb\xbf")) or _META.search(head)
    return found.group(1).decode("ascii").lower() if found else None


def mend_utf8(data: bytes, content_type: str | None = None) -> bytes:
    """The bytes of a UTF-8 document with its few bad sequences mended where they stand.

    Left as they are: valid UTF-8, documents declared in another charset or with a UTF-16
    byte order mark, and documents whose bad bytes say they are not UTF-8 at all.
    """
    charset = declared_charset(data, content_type)
    if charset not in (None, *_UTF8_NAMES) or data.startswith(_BOMS[1:]):
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return data
    loose = data.decode("utf-8", errors="replace")
    bad = loose.count(_REPLACEMENT)
    good = sum(1 for char in loose if char > "\x7f") - bad
    if good < bad * _GOOD_PER_BAD:
        return data
    return data.decode("utf-8", errors=_HANDLER).encode("utf-8")


_CONTINUATION = "[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2020\u2021\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"  # noqa: E501
_MOJIBAKE = re.compile(
    f"[\u00c2-\u00df]{_CONTINUATION}|[\u00e0-\u00ef]{_CONTINUATION}{{2}}"
    f"|[\u00f0-\u00f4]{_CONTINUATION}{{3}}"
)
_LEADS = re.compile("[\u00c2-\u00f4]")


def _as_byte(char: str) -> bytes:
    try:
        return char.encode("cp1252")
    except UnicodeEncodeError:
        return char.encode("latin-1")  # a C1 control: what Latin-1 decoding left


def _unmangle(match: re.Match[str]) -> str:
    run = match.group()
    try:
        fixed = b"".join(_as_byte(char) for char in run).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return run
    # Only what French text holds: Latin letters, punctuation, €, ™, emoji.
    code = ord(fixed)
    plausible = 0x80 <= code <= 0x24F or 0x2000 <= code <= 0x206F or code in (0x20AC, 0x2122)
    return fixed if plausible or code >= 0x1F000 else run


def repair_mojibake(text: str) -> str:
    """Text with UTF-8-read-as-Windows-1252 sequences (« Ã© », « â€™ ») turned back."""
    if not _LEADS.search(text):
        return text
    return _MOJIBAKE.sub(_unmangle, text)
