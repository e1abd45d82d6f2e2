"""Times of day and ranges, read one way by every command."""

from __future__ import annotations

from datetime import time

import pytest

from bot.times import parse_range, parse_time, show_time


@pytest.mark.parametrize(
    ("written", "read"),
    [("8h", time(8)), ("8H", time(8)), ("08:00", time(8)), ("8h30", time(8, 30)),
     ("20h00", time(20)), ("7:05", time(7, 5)), ("24h", None), ("8", None), ("8h7", None),
     ("demain", None), ("", None)],
)  # fmt: skip
def test_times_of_day_as_people_write_them(written: str, read: time | None) -> None:
    assert parse_time(written) == read


@pytest.mark.parametrize(
    "written",
    [["22h-7h"], ["22:00", "-", "07:00"], ["22:00-07:00"], ["22H–7H"], ["22h", "à", "7h"]],
)
def test_ranges_in_one_word_or_several(written: list[str]) -> None:
    assert parse_range(written) == (time(22), time(7))


@pytest.mark.parametrize("written", [["8h-8h"], ["22h-"], ["22h"], ["1h-2h-3h"], []])
def test_ranges_that_are_not(written: list[str]) -> None:
    assert parse_range(written) is None


def test_times_are_shown_as_each_language_writes_them() -> None:
    assert [show_time(t, "fr") for t in (time(8), time(8, 30), time(22))] == ["8h", "8h30", "22h"]
    assert show_time(time(8, 30), "en") == "08:30"
