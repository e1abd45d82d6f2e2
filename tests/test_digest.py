"""Digest schedules: parsing, and when one is due, in the chat's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.digests import ScheduleError, digest_due, last_slot, parse_schedule

PARIS = ZoneInfo("Europe/Paris")


def test_schedules_are_canonical() -> None:
    assert parse_schedule(["daily", "8:05"]) == "daily 08:05"
    assert parse_schedule(["weekly", "Monday", "18h30"]) == "weekly mon 18:30"
    assert parse_schedule(["hebdo", "dim", "07:00"]) == "weekly sun 07:00"


@pytest.mark.parametrize("words", [["daily"], ["daily", "25:00"], ["weekly", "xyz", "08:00"], []])
def test_bad_schedules_say_why(words: list[str]) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(words)


def test_daily_slot_and_due() -> None:
    now = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
    assert last_slot("daily 08:00", now, PARIS) == datetime(2026, 3, 10, 8, 0, tzinfo=PARIS)
    assert last_slot("daily 10:00", now, PARIS) == datetime(2026, 3, 9, 10, 0, tzinfo=PARIS)
    assert digest_due("daily 08:00", datetime(2026, 3, 10, 7, 59, tzinfo=PARIS), now, PARIS)
    assert not digest_due("daily 08:00", datetime(2026, 3, 10, 8, 1, tzinfo=PARIS), now, PARIS)


def test_weekly_slot_follows_the_weekday() -> None:
    tuesday = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
    assert last_slot("weekly mon 08:00", tuesday, PARIS).day == 9
    assert last_slot("weekly wed 08:00", tuesday, PARIS).day == 4
