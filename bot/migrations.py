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
)
