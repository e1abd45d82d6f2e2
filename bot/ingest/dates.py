"""Entry dates: a date without a zone is read in the source's zone; absurd dates are dropped."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_tz
from zoneinfo import ZoneInfo

# Nothing Relais relays predates the web's news feeds; a clock a day ahead is tolerated.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)

# `Wed, 27 Nov 2013 20:17:55` and `2013-11-27T20:17:55`: a time and nothing after it.
_RFC822_NO_ZONE = re.compile(
    r"^\s*(?:[A-Za-z]{3,9},?\s+)?\d{1,2}\s+[A-Za-z]{3,9}\.?\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*$"
)
_ISO_NO_ZONE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*$")


def entry_date(raw: str | None, parsed: time.struct_time | None, tz: ZoneInfo) -> datetime | None:
    """A feed date in UTC: a zone-less `raw` in `tz`, else feedparser's (UTC) reading."""
    if raw and (local := _zoneless(raw, tz)) is not None:
        try:
            return local.astimezone(UTC)
        except (ValueError, OverflowError):
            return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC) if parsed else None
    except (TypeError, ValueError, OverflowError):
        return None


def iso_date(value: str | None, tz: ZoneInfo) -> datetime | None:
    """An RFC 3339 / ISO 8601 date in UTC; a missing offset means `tz`."""
    try:
        parsed = datetime.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None
    if parsed is None:
        return None
    try:
        return (parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def plausible(value: datetime, now: datetime) -> bool:
    """Whether a publication date can be true: from 1990 to a day after `now`."""
    return EARLIEST <= value <= now + AHEAD


def _zoneless(raw: str, tz: ZoneInfo) -> datetime | None:
    """A date written without any zone, read in `tz`; None for any other."""
    if _ISO_NO_ZONE.match(raw):
        try:
            return datetime.fromisoformat(raw.strip().replace(" ", "T")).replace(tzinfo=tz)
        except ValueError:
            return None
    if _RFC822_NO_ZONE.match(raw):
        # The pattern already ruled out a zone (parsedate_tz reports a missing one as 0).
        fields = parsedate_tz(raw)
        if fields is None:
            return None
        try:
            return datetime(*fields[:6], tzinfo=tz)
        except ValueError:
            return None
    return None
