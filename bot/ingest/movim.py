"""Parse a text dump of a Movim news page (news.movim.eu) into posts: pure, never raises.

A dump is the page's text as a browser copies it. Each post starts with a `• chevron_right`
line; the next non-empty line is the title, then a header, either
`news.movim.eu / Numerama · Thursday, 8 February - 21:03` (optionally `· 32 minutes` of reading)
or, for a personal post, `Mathias Poujol-Rost ✅ · Sunday, 26 February, 2023 - 14:52 edit`.
Every following non-empty line is one paragraph, up to the next boundary or to a public-link
footer (`• wifi_tethering open_in_new`, `This post is public`, `www.host.fr /path`).

Movim leaves out the year of dates in the current year. Such a date gets the first year whose
weekday matches, searching upward from the newest year shown in the dump up to today's year;
with no year anywhere, the latest matching year up to today's year. Starting from a year the
dump shows keeps the result stable when the dump is reloaded in a later year.

Text after a public-link footer and before the next boundary belongs to a post whose header
is missing from the dump (it happens: the seed has two such paragraphs after the Mediapart
post). It has no title, source or date, and gluing it onto the previous post would make a
search find the wrong article, so it is reported as a Skip instead of loaded.

Movim posts have no guid, so the guid is built from source, UTC date and normalized title:
reloading an edited dump then updates posts in place instead of duplicating them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.ingest.dates import plausible
from bot.ingest.passages import split_passages
from bot.models import ParseResult, Post, Skip
from bot.text import normalize

_BOUNDARY = re.compile(r"•?\s*chevron_right")
_FOOTER = re.compile(r"•?\s*wifi_tethering(?:\s+open_in_new)?")
_PUBLIC = "this post is public"
_LINK = re.compile(r"(?P<host>(?:[a-z0-9-]+\.)+[a-z]{2,})\s*(?P<path>/\S*)?", re.IGNORECASE)
# Material icon names Movim prints as text (`• more_vert`): interface, not content.
_CONTROL = re.compile(r"•\s*[a-z]+(?:_[a-z]+)*(?:\s+[a-z]+(?:_[a-z]+)*){0,2}")
_ICON_WORDS = frozenset({"favorite", "share", "comment", "reply", "edit", "delete", "public"})
_NEWS_ORIGIN = re.compile(r"news\.movim\.eu\s*/\s*(?P<source>.+)", re.IGNORECASE)
_MINUTES = re.compile(r"(?P<n>\d{1,4})\s*min(?:ute)?s?", re.IGNORECASE)
_DATE = re.compile(
    r"(?P<weekday>[^\W\d_]+),?\s+(?P<day>\d{1,2})\s+(?P<month>[^\W\d_]+)(?:,?\s+(?P<year>\d{4}))?"
    r"\s*-\s*(?P<hour>\d{1,2})[:h](?P<minute>\d{2})",
    re.IGNORECASE,
)
_IMAGE_FILE = re.compile(
    r"(?P<file>\S+-\d{2,5}x\d{2,5}\.(?:jpe?g|png|webp|gif|avif))(?:\s+|$)", re.IGNORECASE
)
# A default image name shown as alt text (`Sans Titre 1 (20)`) says nothing a reader can use.
_IMAGE_NAME = re.compile(
    r"(?:sans[ _-]?titre|untitled|capture d[’']écran|screenshot|img|image)"
    r"(?:[ _-]*\d+)*(?:\s*\(\d+\))?",
    re.IGNORECASE,
)
_HASHTAG = re.compile(r"(?<![\w/&#])#(\w+(?:[-_]\w+)*)")
_VERIFIED = " ✅✔☑\ufe0f\u00a0"
# Movim's English interface; other locales would need their own names and header layout.
_WEEKDAYS = {n: i for i, n in enumerate("mon tue wed thu fri sat sun".split())}
_MONTHS = {n: i for i, n in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_GUID_TITLE_CHARS = 80
_SNIFF_CHARS = 65_536


class _Date(NamedTuple):
    """A header date as printed; `year` is None when Movim left it out."""

    weekday: int
    year: int | None
    month: int
    day: int
    hour: int
    minute: int


@dataclass(frozen=True, slots=True)
class _Header:
    """What a post header line says."""

    source: str
    author: str | None
    date_text: str
    date: _Date | None
    minutes: int | None


@dataclass(slots=True)
class _Draft:
    """A post being read: where things are, before dates can be resolved."""

    title: str
    header_line: int
    header: _Header
    paragraphs: list[str] = field(default_factory=list)
    url: str | None = None


def looks_like_movim(text: str) -> bool:
    """True when the text has a post boundary and a Movim post header: a dump, not a feed."""
    # A dump shows both in its first lines: look there before reading a large one twice.
    return (len(text) > _SNIFF_CHARS and _shows_dump(text[:_SNIFF_CHARS])) or _shows_dump(text)


def _shows_dump(text: str) -> bool:
    boundary = header = False
    for line in _lines(text):
        if not boundary and "chevron_right" in line:
            boundary = _BOUNDARY.fullmatch(line.strip()) is not None
        if not header and "·" in line:
            header = _parse_header(line) is not None
        if boundary and header:
            return True
    return False


def parse_movim(
    text: str, *, tz: ZoneInfo, today: date, now: datetime | None = None
) -> ParseResult:
    """Parse a Movim dump; dates without a year are resolved against `today` in `tz`.

    A date before 1990 or more than a day after `now` (by default the end of `today`) is
    impossible: the post is kept undated and the date reported.
    """
    now = now or datetime.combine(today, time.max, tzinfo=tz)
    skipped: list[Skip] = []
    drafts = _read(_lines(text), skipped)
    years = [d.header.date.year for d in drafts if d.header.date and d.header.date.year]
    anchor = max(years, default=None)
    posts = []
    for draft in drafts:
        try:
            posts.append(_build(draft, anchor, tz, today, now, skipped))
        except Exception as exc:  # a parser bug must cost one post, never the whole load
            skipped.append(Skip(f"line {draft.header_line}", f"could not build post: {exc!r}"))
    return ParseResult(posts=tuple(posts), skipped=tuple(skipped), kind="movim")


def _lines(text: str) -> list[str]:
    # Not str.splitlines: it also splits on \x0c, \x1c or U+2028, shifting reported line numbers.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _read(lines: list[str], skipped: list[Skip]) -> list[_Draft]:
    starts = [
        i
        for i, line in enumerate(lines)
        if "chevron_right" in line and _BOUNDARY.fullmatch(line.strip())
    ]
    if not starts:
        skipped.append(Skip("line 1", "no post boundary ('• chevron_right') found"))
        return []
    preamble = [i for i in range(starts[0]) if lines[i].strip()]
    if preamble:
        reason = f"{_count(len(preamble), 'line')} before the first post"
        skipped.append(Skip(f"line {preamble[0] + 1}", reason))
    drafts = []
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        try:
            draft = _read_post(lines, start, end, skipped)
        except Exception as exc:  # same safety net as in parse_movim, one post at a time
            skipped.append(Skip(f"line {start + 1}", f"could not read post: {exc!r}"))
            continue
        if draft is not None:
            drafts.append(draft)
    return drafts


def _read_post(lines: list[str], start: int, end: int, skipped: list[Skip]) -> _Draft | None:
    """Read the post between boundary line `start` and `end`; report and drop what is unusable."""
    rows = [(i + 1, line) for i in range(start + 1, end) if (line := lines[i].strip())]
    if not rows:
        skipped.append(Skip(f"line {start + 1}", "post boundary with no post after it"))
        return None
    (title_line, title), rest = rows[0], rows[1:]
    if ("·" in title and _parse_header(title) is not None) or _FOOTER.fullmatch(title):
        skipped.append(Skip(f"line {title_line}", "post has no title: skipped"))
        return None
    if not rest:
        skipped.append(Skip(f"line {title_line}", f"post '{title}' is cut before its header"))
        return None
    header_line, header_text = rest[0]
    header = _parse_header(header_text)
    if header is None:
        reason = f"post '{title}' has no 'news.movim.eu / Source · date' header: skipped"
        skipped.append(Skip(f"line {header_line}", reason))
        return None
    draft = _Draft(title=title, header_line=header_line, header=header)
    body = rest[1:]
    for index, (number, line) in enumerate(body):
        if _FOOTER.fullmatch(line):
            _read_footer(draft, number, body[index + 1 :], skipped)
            break
        if _is_control(line):
            skipped.append(Skip(f"line {number}", f"unknown Movim control line '{line}' ignored"))
            continue
        draft.paragraphs.append(line)
    return draft


def _read_footer(
    draft: _Draft, line: int, rows: list[tuple[int, str]], skipped: list[Skip]
) -> None:
    """Take the public link after a footer; what follows it has no header and is skipped."""
    if rows and rows[0][1].casefold() == _PUBLIC:
        rows.pop(0)
    if rows and (match := _LINK.fullmatch(rows[0][1])):
        draft.url = f"https://{match['host']}{match['path'] or '/'}"
        rows.pop(0)
    else:
        reason = f"public link of post '{draft.title}' is missing or unreadable"
        skipped.append(Skip(f"line {line}", reason))
    if rows:
        reason = (
            f"text after the public link of post '{draft.title}' has no header: "
            f"{_count(len(rows), 'paragraph')} skipped"
        )
        skipped.append(Skip(f"line {rows[0][0]}", reason))


def _is_control(line: str) -> bool:
    if not _CONTROL.fullmatch(line):
        return False
    words = line.lstrip("•").split()
    return any("_" in w or w in _ICON_WORDS for w in words)


def _parse_header(line: str) -> _Header | None:
    """The header of a post, or None when the line is not one."""
    text = re.sub(r"\s+edit$", "", line.strip())
    parts = [p.strip() for p in text.split("·")]
    if len(parts) < 2:
        return None
    origin, date_text = parts[0], parts[1]
    news = _NEWS_ORIGIN.fullmatch(origin)
    date_parts = _parse_date(date_text)
    if news:
        source, author = news["source"].strip(), None
    elif date_parts is not None:
        # Only a real date tells a personal header from a title that contains a `·`.
        author = origin.strip(_VERIFIED)
        source = author
    else:
        return None
    if not source:
        return None
    minutes = None
    for part in parts[2:]:
        if match := _MINUTES.fullmatch(part):
            minutes = int(match["n"])
    return _Header(source, author, date_text, date_parts, minutes)


def _parse_date(text: str) -> _Date | None:
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    # Full English names are checked by their first three letters: `Tuesday`, `April`.
    weekday = _WEEKDAYS.get(match["weekday"].casefold()[:3])
    month = _MONTHS.get(match["month"].casefold()[:3])
    if weekday is None or month is None:
        return None
    year = int(match["year"]) if match["year"] else None
    return _Date(weekday, year, month, int(match["day"]), int(match["hour"]), int(match["minute"]))


def _resolve(header: _Header, anchor: int | None, tz: ZoneInfo, today: date) -> datetime | None:
    """The post's date in UTC, or None when no year fits or the date is impossible."""
    if header.date is None:
        return None
    weekday, year, month, day, hour, minute = header.date
    if year is None:
        # With an anchor, search up from it (stable across reloads); without, the latest year.
        # 60 years back covers every weekday of any day, 29 February included.
        years = (
            range(anchor, today.year + 1)
            if anchor is not None
            else range(today.year, today.year - 60, -1)
        )
        year = next((y for y in years if _weekday(y, month, day) == weekday), None)
        if year is None:
            return None
    try:
        return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)
    except ValueError:
        return None


def _weekday(year: int, month: int, day: int) -> int | None:
    try:
        return date(year, month, day).weekday()
    except ValueError:
        return None


def _build(
    draft: _Draft,
    anchor: int | None,
    tz: ZoneInfo,
    today: date,
    now: datetime,
    skipped: list[Skip],
) -> Post:
    header = draft.header
    published = _resolve(header, anchor, tz, today)
    if published is None:
        reason = f"date '{header.date_text}' of post '{draft.title}' is unusable: kept undated"
        skipped.append(Skip(f"line {draft.header_line}", reason))
    elif not plausible(published, now):
        reason = f"date '{header.date_text}' of post '{draft.title}' is impossible: kept undated"
        skipped.append(Skip(f"line {draft.header_line}", reason))
        published = None
    images: list[str] = []
    paragraphs: list[str] = []
    title_norm = normalize(draft.title)
    for paragraph in draft.paragraphs:
        text = paragraph
        while match := _IMAGE_FILE.match(text):
            images.append(match["file"])
            text = text[match.end() :].strip()
        if _IMAGE_NAME.fullmatch(text):
            images.append(text)
            continue
        # JournalDuGeek repeats the title as the last paragraph: it would double every match.
        # The length test spares normalizing every paragraph of large dumps.
        near = abs(len(text) - len(draft.title)) <= len(draft.title) // 2 + 8
        if text and not (near and normalize(text) == title_norm):
            paragraphs.append(text)
    passages, credits = split_passages(paragraphs, title=draft.title)
    stamp = published.isoformat() if published else ""
    guid = f"movim:{header.source}:{stamp}:{title_norm[:_GUID_TITLE_CHARS].rstrip()}"
    return Post(
        source=header.source,
        title=draft.title,
        passages=passages,
        guid=guid,
        url=draft.url,
        author=header.author,
        published=published,
        reading_minutes=header.minutes,
        hashtags=_hashtags([draft.title, *paragraphs]),
        images=tuple(images),
        credits=credits,
    )


def _hashtags(texts: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for text in texts:
        for tag in _HASHTAG.findall(text) if "#" in text else ():
            seen.setdefault(tag.casefold(), tag)
    return tuple(seen.values())


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
