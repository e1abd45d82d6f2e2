"""Ordered schema migrations; the store applies those past `PRAGMA user_version`.

Append new steps at the end and never edit a step that has shipped.
"""

MIGRATIONS: tuple[str, ...] = (
    # 1: sources, posts and their passages.
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        url TEXT,
        kind TEXT NOT NULL DEFAULT 'feed' CHECK (kind IN ('feed', 'movim')),
        created_at TEXT NOT NULL
    );
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO counters VALUES ('post_seq', 0);
    -- Tells this database from another at the same path (a persisted index checks it).
    INSERT INTO counters VALUES ('store_id', abs(random()));
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        identity TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        title_norm TEXT NOT NULL,
        url TEXT,
        author TEXT,
        published TEXT,
        reading_minutes INTEGER,
        hashtags TEXT NOT NULL DEFAULT '[]',
        images TEXT NOT NULL DEFAULT '[]',
        credits TEXT NOT NULL DEFAULT '[]',
        categories TEXT NOT NULL DEFAULT '[]',
        first_seen TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        seq INTEGER NOT NULL,
        UNIQUE (source_id, identity)
    );
    CREATE INDEX posts_seq ON posts (seq);
    CREATE INDEX posts_published ON posts (published);
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY,
        post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('paragraph', 'question', 'answer', 'pullquote')),
        speaker TEXT,
        text TEXT NOT NULL,
        norm TEXT NOT NULL
    );
    CREATE INDEX passages_post ON passages (post_id, position);
    -- The search index follows deletions too: a deleted post leaves a numbered tombstone.
    CREATE TABLE deleted_posts (post_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
    CREATE TRIGGER posts_tombstone AFTER DELETE ON posts BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'post_seq';
        INSERT OR REPLACE INTO deleted_posts (post_id, seq)
            VALUES (old.id, (SELECT value FROM counters WHERE name = 'post_seq'));
    END;
    """,
    # 2: searches behind result-page buttons, so old buttons still work after a restart.
    """
    CREATE TABLE saved_queries (
        id INTEGER PRIMARY KEY,
        query TEXT NOT NULL UNIQUE,
        used_at TEXT NOT NULL
    );
    """,
    # 3: chats, subscriptions, the delivery outbox, and polling state of sources.
    """
    ALTER TABLE sources ADD COLUMN interval INTEGER;
    ALTER TABLE sources ADD COLUMN etag TEXT;
    ALTER TABLE sources ADD COLUMN last_modified TEXT;
    ALTER TABLE sources ADD COLUMN last_success TEXT;
    ALTER TABLE sources ADD COLUMN last_error TEXT;
    ALTER TABLE sources ADD COLUMN error_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sources ADD COLUMN next_poll TEXT;
    ALTER TABLE sources ADD COLUMN failing INTEGER NOT NULL DEFAULT 0;
    -- A source's first fetch only records what is there: nothing from it is new yet.
    ALTER TABLE sources ADD COLUMN primed INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE chats (
        id INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        title TEXT,
        language TEXT NOT NULL DEFAULT 'fr',
        timezone TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        link_previews INTEGER NOT NULL DEFAULT 0,
        quiet_start TEXT,
        quiet_end TEXT,
        digest TEXT,
        last_digest_at TEXT,
        manages INTEGER,
        created_at TEXT NOT NULL
    );
    CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
        source_id INTEGER REFERENCES sources(id) ON DELETE CASCADE,
        filters TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    -- NULL source_id means every source; one subscription per chat and source.
    CREATE UNIQUE INDEX subscriptions_one ON subscriptions (chat_id, coalesce(source_id, 0));
    CREATE INDEX subscriptions_source ON subscriptions (source_id);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
        post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('push', 'digest')),
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (chat_id, post_id, kind)
    );
    CREATE INDEX outbox_pending ON outbox (state, kind, chat_id);
    """,
    # 4: saved searches belong to the chat that ran them, under a random id: a forged button
    # can no longer page through another chat's search. Old numbered buttons expire.
    """
    DROP TABLE saved_queries;
    CREATE TABLE saved_queries (
        id TEXT PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        query TEXT NOT NULL,
        used_at TEXT NOT NULL,
        UNIQUE (chat_id, query)
    );
    CREATE INDEX saved_queries_used ON saved_queries (used_at);
    """,
    # 5: where a polled source came from; only those added from Telegram are address-checked.
    # Sources of unknown origin count as added from Telegram (SOURCES_FILE ones are marked
    # again at start-up): the guard errs on the safe side.
    """
    ALTER TABLE sources ADD COLUMN origin TEXT NOT NULL DEFAULT 'telegram'
        CHECK (origin IN ('file', 'cli', 'telegram'));
    """,
    # 6: a source's own time zone (IANA name) for dates its feed gives without one.
    """
    ALTER TABLE sources ADD COLUMN timezone TEXT;
    """,
    # 7: the outbox learns give-ups, digests waiting for their moment, and settling times.
    # SQLite cannot widen a CHECK in place: the table is rebuilt with the same rows.
    """
    CREATE TABLE outbox_v7 (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
        post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        -- push: a message of its own; more: past the per-poll cap, counted in one message;
        -- digest: waits for the chat's digest.
        kind TEXT NOT NULL CHECK (kind IN ('push', 'digest', 'more')),
        -- failed: refused for good (or the chat blocked the bot); given_up: kept failing.
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sent', 'failed', 'given_up')),
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        -- Digest rows: when their digest fell due (NULL: still gathering).
        released_at TEXT,
        -- When the row stopped being pending; pruning goes by it.
        settled_at TEXT,
        UNIQUE (chat_id, post_id, kind)
    );
    INSERT INTO outbox_v7 (id, chat_id, post_id, kind, state, attempts, not_before, error,
                           created_at, sent_at, settled_at)
        SELECT id, chat_id, post_id, kind, state, attempts, not_before, error, created_at,
               sent_at, CASE WHEN state != 'pending' THEN coalesce(sent_at, created_at) END
        FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_v7 RENAME TO outbox;
    CREATE INDEX outbox_pending ON outbox (state, kind, chat_id);
    CREATE INDEX outbox_settled ON outbox (settled_at) WHERE settled_at IS NOT NULL;
    """,
    # 8: entries of a source's latest input that shared an id with another (only the first
    # of each is kept), so /status can show a feed that reuses its guids.
    """
    ALTER TABLE sources ADD COLUMN guid_collisions INTEGER NOT NULL DEFAULT 0;
    """,
    # 9: the article a post links to, comparable across sources (models.article_key), so
    # a republished or twice-syndicated article is not pushed twice. Posts stored before
    # keep NULL: only recent posts are compared.
    """
    ALTER TABLE posts ADD COLUMN url_key TEXT;
    CREATE INDEX posts_url_key ON posts (url_key) WHERE url_key IS NOT NULL;
    """,
    # 10: the lease that makes one process the leader (it polls, sends and runs the jobs)
    # among those sharing this database, and the outbox rows the leader took to send. Only
    # the lease's holder takes rows: a process that lost the lease sends nothing more, and
    # the one taking over re-sends only what was in flight.
    """
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        acquired_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
    """,
    # 11 (fulltext-fetch): full articles fetched from the page when the feed gives a teaser.
    # Each source says when (full_text: auto, always, never); each post where its text came
    # from (feed or page), whether its page is wanted, done or failed (and why, a code), when,
    # and whether the page showed a subscriber wall.
    """
    ALTER TABLE sources ADD COLUMN full_text TEXT NOT NULL DEFAULT 'auto';
    ALTER TABLE posts ADD COLUMN text_origin TEXT NOT NULL DEFAULT 'feed';
    ALTER TABLE posts ADD COLUMN page_state TEXT;
    ALTER TABLE posts ADD COLUMN page_failure TEXT;
    ALTER TABLE posts ADD COLUMN page_at TEXT;
    ALTER TABLE posts ADD COLUMN paywalled INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX posts_page_wanted ON posts (page_state) WHERE page_state = 'wanted';
    """,
    # 12 (search-asked): each source's newest post with a link, found by the index instead of
    # a scan of every post (the search's source aliases read it on every change).
    """
    CREATE INDEX posts_source_url ON posts (source_id, id) WHERE url IS NOT NULL;
    """,
    # 13 (french slice): the language a chat chose with /langue (1: kept over the Telegram app's
    # language), and a subscription's filters as the user wrote them (shown back; the
    # normalised `filters` stays what matching reads).
    """
    ALTER TABLE chats ADD COLUMN language_chosen INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subscriptions ADD COLUMN filters_shown TEXT;
    """,
    # 14 (fanout-chunks): a poll's fan-out recorded with its new posts, expanded into the
    # outbox afterwards in short transactions by chat-id range. `next_chat`: chats below it
    # are done; `fanout_matches`: which subscription filters let each post through (rank 0
    # is the poll's newest post, for the cap of pushes a poll).
    """
    CREATE TABLE fanouts (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        cap INTEGER NOT NULL,
        next_chat INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE fanout_matches (
        id INTEGER PRIMARY KEY,
        fanout_id INTEGER NOT NULL REFERENCES fanouts(id) ON DELETE CASCADE,
        post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        rank INTEGER NOT NULL,
        filters TEXT NOT NULL,
        UNIQUE (fanout_id, filters, post_id)
    );
    -- A source's subscribers in chat-id order: a chunk's range is read, not every one.
    DROP INDEX subscriptions_source;
    CREATE INDEX subscriptions_source ON subscriptions (source_id, chat_id);
    """,
    # 15 (topics-setup, issue 19 item 13): which reader brought a source with /subscribe URL
    # (OPEN_SOURCES=1), for the per-reader limit (NULL for the operator's sources), and
    # since when no chat follows it: it stops being polled after a grace period.
    """
    ALTER TABLE sources ADD COLUMN added_by INTEGER;
    ALTER TABLE sources ADD COLUMN unfollowed_at TEXT;
    """,
    # 16 (topics, issue 19 item 1): forum topics. A subscription and an outbox row belong to a
    # thread of their chat (0: the chat itself, or a forum's General topic); a chat may follow
    # a source in two topics, and a post is owed once per (chat, thread). `topics` holds what
    # /digest, /quiet and /previews set in a topic, and since when a topic that was closed or
    # deleted is paused (its subscriptions kept, nothing sent to it). SQLite cannot change a
    # table's UNIQUE in place: the outbox is rebuilt with the same rows.
    """
    ALTER TABLE subscriptions ADD COLUMN thread_id INTEGER NOT NULL DEFAULT 0;
    DROP INDEX subscriptions_one;
    CREATE UNIQUE INDEX subscriptions_one
        ON subscriptions (chat_id, thread_id, coalesce(source_id, 0));
    CREATE TABLE topics (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
        thread_id INTEGER NOT NULL,
        title TEXT,
        link_previews INTEGER NOT NULL DEFAULT 0,
        quiet_start TEXT,
        quiet_end TEXT,
        digest TEXT,
        last_digest_at TEXT,
        paused_at TEXT,
        paused_error TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (chat_id, thread_id)
    );
    CREATE TABLE outbox_v16 (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE ON UPDATE CASCADE,
        post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('push', 'digest', 'more')),
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sent', 'failed', 'given_up')),
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        released_at TEXT,
        settled_at TEXT,
        claimed_by TEXT,
        claimed_at TEXT,
        -- Last, where PostgreSQL's ALTER TABLE puts it: exports list columns alike.
        thread_id INTEGER NOT NULL DEFAULT 0,
        UNIQUE (chat_id, thread_id, post_id, kind)
    );
    INSERT INTO outbox_v16 (id, chat_id, post_id, kind, state, attempts, not_before, error,
                            created_at, sent_at, released_at, settled_at, claimed_by, claimed_at)
        SELECT id, chat_id, post_id, kind, state, attempts, not_before, error, created_at,
               sent_at, released_at, settled_at, claimed_by, claimed_at
        FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_v16 RENAME TO outbox;
    CREATE INDEX outbox_pending ON outbox (state, kind, chat_id);
    CREATE INDEX outbox_settled ON outbox (settled_at) WHERE settled_at IS NOT NULL;
    """,
)
