"""Times of day and ranges as people write them (`8h`, `08:00`, `8h30`, `22h-7h`,
`22:00 - 07:00`), read by every command that takes one, and shown back per language."""

from __future__ import annotations

import re
from datetime import time

_TIME = re.compile(r"(\d{1,2})(?:[h:.](\d{2})?|h)", re.IGNORECASE)
_WORD_DASH = re.compile(r"\s+(?:à|a|to)\s+", re.IGNORECASE)
_RANGE = re.compile(r"([^-–—]+)[-–—]([^-–—]+)")


def parse_time(value: str) -> time | None:
    """A time of day from `8h`, `8H`, `08:00`, `8h30`, `20h00`; None if unreadable."""
    match = _TIME.fullmatch(value.strip())
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2] or 0)
    return time(hours, minutes) if hours < 24 and minutes < 60 else None


def parse_range(words: list[str] | str) -> tuple[time, time] | None:
    """A start and an end from `22h-7h`, `22:00 - 07:00`, `22h à 7h`; None if unreadable
    or empty (start equal to end)."""
    spaced = " ".join(words) if isinstance(words, list) else words
    joined = "".join(_WORD_DASH.sub("-", f" {spaced} ").split())
    match = _RANGE.fullmatch(joined)
    if match is None:
        return None
    start, end = parse_time(match[1]), parse_time(match[2])
    if start is None or end is None or start == end:
        return None
    return start, end


def show_time(moment: time, lang: str) -> str:
    """A time of day as the reader writes it: `8h`, `8h30` in French, `08:00` in English."""
    if lang == "en":
        return moment.strftime("%H:%M")
    return f"{moment.hour}h{moment.minute:02d}" if moment.minute else f"{moment.hour}h"
