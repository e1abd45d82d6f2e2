"""Digests: schedules (`daily HH:MM`, `weekly mon HH:MM`), when one is due, and its release.

Composing a released digest into messages is compose.digest's work; the sender sends them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.models import Chat
from bot.store import Store
from bot.times import parse_time

DAYS = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "lun": 0, "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6,
}  # fmt: skip
DAILY = ("daily", "quotidien", "quotidienne", "jour", "chaque")
WEEKLY = ("weekly", "hebdo", "hebdomadaire", "semaine")


class ScheduleError(ValueError):
    """A digest schedule that cannot be read; `code` is stable, `message(lang)` is for the user."""

    def __init__(self, code: str, value: str = "") -> None:
        self.code = code
        self.value = value
        super().__init__(self.message("en"))

    def message(self, lang: str = "fr") -> str:
        """The error as a sentence in `lang` ("fr" or "en"); plain text, not escaped."""
        return i18n.message(lang, f"schedule.{self.code}", value=self.value)


def parse_schedule(words: list[str]) -> str:
    """The canonical schedule for `daily HH:MM` or `weekly DAY HH:MM` (raises ScheduleError)."""
    if len(words) == 2 and words[0].lower() in DAILY:
        return f"daily {_clock(words[1]).strftime('%H:%M')}"
    if len(words) == 3 and words[0].lower() in WEEKLY:
        day = words[1].lower()[:3]
        if day not in DAYS:
            raise ScheduleError("day", words[1][:40])
        canonical = next(name for name, number in DAYS.items() if number == DAYS[day])
        return f"weekly {canonical} {_clock(words[2]).strftime('%H:%M')}"
    raise ScheduleError("form")


def _clock(text: str) -> time:
    moment = parse_time(text)
    if moment is None:
        raise ScheduleError("time", text[:40])
    return moment


def last_slot(schedule: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The most recent scheduled moment at or before `now` (aware, in UTC terms)."""
    parts = schedule.split()
    at = _clock(parts[-1])
    local = now.astimezone(tz)
    slot = datetime.combine(local.date(), at, tzinfo=tz)
    if parts[0] == "daily":
        return slot if slot <= local else slot - timedelta(days=1)
    back = (local.weekday() - DAYS[parts[1]]) % 7
    slot -= timedelta(days=back)
    return slot if slot <= local else slot - timedelta(days=7)


def digest_due(schedule: str, last: datetime | None, now: datetime, tz: ZoneInfo) -> bool:
    """True when a scheduled moment passed since the last digest (or since it was set)."""
    if not schedule:
        return False
    slot = last_slot(schedule, now, tz)
    return last is None or last < slot


async def release_digest(store: Store, chat: Chat, now: datetime, wake: Callable[[], None]) -> int:
    """Hand a chat's digest to the sender now (`wake` wakes it); how many posts it carries.

    The sender sends it like a push (flood limits, blocked and migrated chats, retries);
    its posts stay owed until Telegram accepts the message that lists them. An empty
    digest is not sent.
    """
    count = await store.release_digest(chat.id, now, thread_id=chat.thread_id)
    if count:
        wake()
    return count


async def release_due_digests(
    store: Store, now: datetime, tz: ZoneInfo, wake: Callable[[], None]
) -> int:
    """Release every digest whose scheduled moment passed since its chat's last one (in the
    chat's zone, else `tz`), forum topics' own too; how many posts they carry."""
    released = 0
    for chat in [*await store.chats_with_digest(), *await store.topics_with_digest()]:
        if digest_due(chat.digest or "", chat.last_digest_at, now, chat.zone(tz)):
            released += await release_digest(store, chat, now, wake)
    return released
