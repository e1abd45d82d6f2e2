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


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FRENCH_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def show_schedule(schedule: str, lang: str) -> str:
    """A stored digest schedule (`daily 08:00`, `weekly mon 08:30`) as the reader would write
    it: `quotidien 8h`, `hebdo lundi 8h30` in French, `daily 08:00`, `weekly mon 08:30` in
    English."""
    parts = schedule.split()
    moment = parse_time(parts[-1]) if parts else None
    if moment is None or parts[0] not in ("daily", "weekly"):
        return schedule
    at = show_time(moment, lang)
    french = lang != "en"
    if parts[0] == "daily":
        return f"quotidien {at}" if french else f"daily {at}"
    day = parts[1] if len(parts) == 3 and parts[1] in _DAYS else None
    if day is None:
        return schedule
    shown = _FRENCH_DAYS[_DAYS.index(day)] if french else day
    return f"hebdo {shown} {at}" if french else f"weekly {shown} {at}"
