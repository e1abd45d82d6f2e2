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
# French day-first dates, read in the source's zone: « 13/04/2018 08:40 », « 13.04.2018 »,
# « vendredi 13 avril 2018 à 08h40 », « 1er mai 2019, 9 h 05 ».
_TIME = (
    r"(?:\s*(?:à|a|,|-)?\s*(?P<hour>\d{1,2})\s*(?:h|:)\s*(?P<minute>\d{2})?"
    r"(?::(?P<second>\d{2}))?)?"
)
_FRENCH_NUMERIC = re.compile(
    rf"^\s*(?P<day>\d{{1,2}})[/.-](?P<month>\d{{1,2}})[/.-](?P<year>\d{{4}}){_TIME}\s*$"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        ("janvier janv", "février fevrier févr fevr", "mars", "avril avr", "mai", "juin",
         "juillet juil", "août aout", "septembre sept", "octobre oct", "novembre nov",
         "décembre decembre déc dec"),
        start=1,
    )
    for name in names.split()
}  # fmt: skip
_FRENCH_LONG = re.compile(
    r"^\s*(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche),?\s+)?"
    r"(?P<day>\d{1,2})(?:er)?\s+(?P<month>[a-zéû]+)\.?\s+(?P<year>\d{4})" + _TIME + r"\s*$",
    re.IGNORECASE,
)


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
    french = _french(raw, tz)
    if french is not None:
        return french
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


def _french(raw: str, tz: ZoneInfo) -> datetime | None:
    """A French day-first date (numeric or with the month's name) in `tz`, else None."""
    match = _FRENCH_NUMERIC.match(raw)
    month: int | None = None
    if match is not None:
        month = int(match["month"])
    else:
        match = _FRENCH_LONG.match(raw)
        if match is None:
            return None
        month = _MONTHS.get(match["month"].lower())
        if month is None:
            return None
    try:
        return datetime(
            int(match["year"]), month, int(match["day"]), int(match["hour"] or 0),
            int(match["minute"] or 0), int(match["second"] or 0), tzinfo=tz,
        )  # fmt: skip
    except ValueError:
        return None
