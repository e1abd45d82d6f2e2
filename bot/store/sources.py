"""Sources: their names, and where the polling of each stands (validators, errors, next poll)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.models import FULL_TEXT_MODES, FullText, SourceKind, SourceOrigin, SourceState
from bot.names import catalogue, clean_name, named_sources, source_key
from bot.store.base import StoreBase, _iso, _now, _parse_iso
from bot.store.db import Connection, Row

_COLUMNS = (
    "id, name, url, kind, interval, etag, last_modified, last_success, last_error,"
    " error_count, next_poll, failing, primed, origin, timezone, guid_collisions,"
    " full_text"
)
# Bumped whenever names.source_key changes: stored keys are then recomputed at startup.
KEY_VERSION = 2


def _state(row: Row) -> SourceState:
    return SourceState(
        id=row["id"],
        name=row["name"],
        url=row["url"],
        kind=row["kind"],
        interval=row["interval"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_success=_parse_iso(row["last_success"]),
        last_error=row["last_error"],
        error_count=row["error_count"],
        next_poll=_parse_iso(row["next_poll"]),
        failing=bool(row["failing"]),
        primed=bool(row["primed"]),
        origin=row["origin"],
        timezone=row["timezone"],
        collisions=row["guid_collisions"],
        full_text=row["full_text"] if row["full_text"] in FULL_TEXT_MODES else "auto",
    )


class SourceStore(StoreBase):
    """Queries over sources and their polling state."""

    async def ensure_source(
        self, name: str, *, url: str | None = None, kind: SourceKind = "feed"
    ) -> int:
        """The id of the source called `name` (compared by key), created if missing."""
        name = clean_name(name)
        key = source_key(name) or "unknown"
        row = await self._db.fetchone("SELECT id FROM sources WHERE key = ?", (key,))
        if row:
            if url is not None:
                await self._db.execute(
                    "UPDATE sources SET url = coalesce(url, ?) WHERE id = ?", (url, row["id"])
                )
            return int(row["id"])
        # Another writer (a replica, a `load`) may create it meanwhile: the key decides.
        row = await self._db.returning(
            "INSERT INTO sources (name, key, url, kind, origin, created_at)"
            " VALUES (?, ?, ?, ?, 'cli', ?) ON CONFLICT (key) DO UPDATE SET key = excluded.key"
            " RETURNING id",
            (name or "unknown", key, url, kind, _now()),
        )
        assert row is not None
        return int(row["id"])

    async def source_names(self) -> list[str]:
        """Every source's display name, sorted."""
        return [
            row["name"] for row in await self._db.fetchall("SELECT name FROM sources ORDER BY key")
        ]

    async def configure_source(
        self,
        name: str,
        url: str,
        *,
        kind: SourceKind = "feed",
        interval: int | None = None,
        origin: SourceOrigin = "cli",
        timezone: str | None = None,
        full_text: FullText = "auto",
    ) -> int:
        """Create or update a polled source (from SOURCES_FILE, the CLI, /addsource or OPML).

        The name given here is the one shown: it replaces a spelling of the same key that a
        dump or a feed gave first (`LeVentSeLeve` becomes « Le Vent Se Lève »).
        """
        source_id = await self.ensure_source(name, kind=kind)
        await self._db.execute(
            "UPDATE sources SET name = ?, url = ?, kind = ?, interval = ?, origin = ?,"
            " timezone = ?, full_text = ? WHERE id = ?",
            (
                clean_name(name) or "unknown",
                url,
                kind,
                interval,
                origin,
                timezone,
                full_text,
                source_id,
            ),
        )
        return source_id

    async def mark_added_by(self, source_id: int, user_id: int) -> None:
        """Record the reader who brought a source with /subscribe URL (OPEN_SOURCES)."""
        await self._db.execute("UPDATE sources SET added_by = ? WHERE id = ?", (user_id, source_id))

    async def count_added_by(self, user_id: int | None = None) -> int:
        """Polled sources readers brought: `user_id`'s, or everyone's when None."""
        sql = "SELECT count(*) AS n FROM sources WHERE url IS NOT NULL AND added_by IS NOT NULL"
        if user_id is None:
            row = await self._db.fetchone(sql)
        else:
            row = await self._db.fetchone(sql + " AND added_by = ?", (user_id,))
        return int(row["n"]) if row else 0

    async def drop_unfollowed_reader_sources(self, now: datetime, grace: timedelta) -> list[str]:
        """Stop polling the sources readers brought that no chat has followed for `grace`
        (subscriptions to every source do not count); their names. Each check marks since
        when a source is unfollowed, and clears the mark of one followed again."""
        brought = "added_by IS NOT NULL AND url IS NOT NULL"
        followed = "EXISTS (SELECT 1 FROM subscriptions s WHERE s.source_id = sources.id)"
        await self._db.execute(
            f"UPDATE sources SET unfollowed_at = NULL WHERE {brought} AND {followed}"
        )
        await self._db.execute(
            f"UPDATE sources SET unfollowed_at = ? WHERE {brought} AND unfollowed_at IS NULL"
            f" AND NOT {followed}",
            (_iso(now),),
        )
        rows = await self._db.fetchall(
            f"SELECT id, name FROM sources WHERE {brought} AND unfollowed_at <= ?"
            f" AND NOT {followed} ORDER BY key",
            (_iso(now - grace),),
        )
        for row in rows:
            await self.stop_polling(int(row["id"]))
        return [str(row["name"]) for row in rows]

    async def change_source_url(self, name: str, url: str, *, origin: SourceOrigin) -> None:
        """Poll a source from another URL: its validators go, and its first fetch there
        only records what is there (nothing old is pushed)."""
        await self._db.execute(
            "UPDATE sources SET url = ?, origin = ?, etag = NULL, last_modified = NULL,"
            " next_poll = NULL, failing = 0, error_count = 0, last_error = NULL, primed = 0"
            " WHERE key = ?",
            (url, origin, source_key(name)),
        )

    async def stop_polling(self, source_id: int) -> None:
        """Forget a source's URL: it is no longer polled; its posts stay searchable."""
        await self._db.execute(
            "UPDATE sources SET url = NULL, next_poll = NULL, failing = 0, error_count = 0,"
            " etag = NULL, last_modified = NULL, primed = 0 WHERE id = ?",
            (source_id,),
        )

    async def source_by_name(self, name: str) -> SourceState | None:
        """A source by name (case, spaces and accents ignored)."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM sources WHERE key = ?", (source_key(name),)
        )
        return None if row is None else _state(row)

    async def source_state(self, source_id: int) -> SourceState | None:
        """One source and where its polling stands, by id."""
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM sources WHERE id = ?", (source_id,))
        return None if row is None else _state(row)

    async def find_sources(self, wanted: str) -> list[SourceState]:
        """The sources a user's word or words name (`lemonde`, `le monde`, `lemonde.fr`):
        none, one, or several when the words are ambiguous (see names.named_sources)."""
        exact = await self.source_by_name(wanted)
        if exact is not None:
            return [exact]
        sources = await self.all_sources()
        by_name = {source.name: source for source in sources}
        sites = await self.source_urls()
        names = named_sources(wanted, catalogue((s.name, sites.get(s.name)) for s in sources))
        return [by_name[name] for name in names]

    async def all_sources(self) -> list[SourceState]:
        """Every source, polled or not, by name."""
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM sources ORDER BY key")
        return [_state(row) for row in rows]

    async def source_urls(self) -> dict[str, str | None]:
        """Each source's name and an address on its site, for aliases by domain: the polled
        URL, else its newest post's (a feed loaded from a file has no polled URL, but its posts
        link to the site: `source:lemonde.fr` must still name it)."""
        rows = await self._db.fetchall(
            # One step down the index posts_source_url per source, whatever the posts' number.
            "SELECT s.name, coalesce(s.url, (SELECT q.url FROM posts q WHERE q.source_id = s.id"
            " AND q.url IS NOT NULL ORDER BY q.id DESC LIMIT 1)) AS url FROM sources s"
        )
        return {row["name"]: row["url"] for row in rows}

    async def polled_sources(self) -> list[SourceState]:
        """Every source with a URL to poll, by name."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM sources WHERE url IS NOT NULL ORDER BY key"
        )
        return [_state(row) for row in rows]

    async def record_poll(
        self,
        source_id: int,
        *,
        next_poll: datetime,
        success: datetime | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        error: str | None = None,
        failing: bool = False,
    ) -> None:
        """The outcome of one poll: a success resets errors, a failure counts one."""
        if error is None:
            await self._db.execute(
                "UPDATE sources SET next_poll = ?, last_success = ?, etag = coalesce(?, etag),"
                " last_modified = coalesce(?, last_modified), error_count = 0, last_error = NULL,"
                " failing = 0, primed = 1 WHERE id = ?",
                (_iso(next_poll), _iso(success), etag, last_modified, source_id),
            )
        else:
            await self._db.execute(
                "UPDATE sources SET next_poll = ?, last_error = ?, error_count = error_count + 1,"
                " failing = ? WHERE id = ?",
                (_iso(next_poll), error[:500], int(failing), source_id),
            )

    async def _upgrade_data(self) -> None:
        """Recompute stored keys once after `source_key` changed; merge sources that now
        share a key (their posts, subscriptions and URL go to the oldest of them)."""
        await super()._upgrade_data()
        row = await self._db.fetchone(
            "SELECT value FROM counters WHERE name = 'source_key_version'"
        )
        if row is not None and int(row["value"]) >= KEY_VERSION:
            return
        async with self._transaction() as tx:
            rows = await tx.fetchall("SELECT id, name, url FROM sources ORDER BY id")
            # Free every key first, so the UNIQUE index never sees two rows mid-way.
            await tx.execute("UPDATE sources SET key = '#' || id")
            keepers: dict[str, int] = {}
            for row in rows:
                source_id, name, url = row["id"], row["name"], row["url"]
                key = source_key(name) or "unknown"
                keeper = keepers.setdefault(key, source_id)
                if keeper == source_id:
                    await tx.execute("UPDATE sources SET key = ? WHERE id = ?", (key, source_id))
                else:
                    await _merge_source(tx, source_id, keeper, url)
            await tx.execute(
                "INSERT INTO counters (name, value) VALUES ('source_key_version', ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (KEY_VERSION,),
            )


async def _merge_source(tx: Connection, source_id: int, keeper: int, url: str | None) -> None:
    """Move a source's posts and subscriptions to `keeper`, then delete it.

    Moved posts get a new change number so the search index shows their new source; a
    post the keeper already has under the same identity goes with the deleted source, and
    so does a subscription of a chat that follows the keeper already.
    """
    row = await tx.returning(
        "UPDATE counters SET value = value + 1 WHERE name = 'post_seq' RETURNING value"
    )
    assert row is not None
    await tx.execute(
        "DELETE FROM posts WHERE source_id = ? AND identity IN"
        " (SELECT identity FROM posts WHERE source_id = ?)",
        (source_id, keeper),
    )
    await tx.execute(
        "UPDATE posts SET source_id = ?, seq = ? WHERE source_id = ?",
        (keeper, row["value"], source_id),
    )
    await tx.execute(
        "DELETE FROM subscriptions WHERE source_id = ? AND chat_id IN"
        " (SELECT chat_id FROM subscriptions WHERE source_id = ?)",
        (source_id, keeper),
    )
    await tx.execute(
        "UPDATE subscriptions SET source_id = ? WHERE source_id = ?", (keeper, source_id)
    )
    await tx.execute("UPDATE sources SET url = coalesce(url, ?) WHERE id = ?", (url, keeper))
    await tx.execute("DELETE FROM sources WHERE id = ?", (source_id,))
