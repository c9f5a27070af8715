"""The journal's schema, as forward migrations: version N is `MIGRATIONS[N-1]`.

A new table (a new repository) is one more string at the end, never an edit of an old
one: a file written by an older version is upgraded on open, statement by statement.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        op TEXT NOT NULL CHECK (op IN ('ack', 'unack', 'extend')),
        payload TEXT NOT NULL,
        fingerprints TEXT NOT NULL,
        created_at REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at REAL NOT NULL,
        last_error TEXT,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
        result TEXT,
        sent_at REAL,
        dedupe_key TEXT
    );
    CREATE INDEX outbox_due ON outbox (state, next_try_at);
    CREATE UNIQUE INDEX outbox_pending_key ON outbox (dedupe_key)
        WHERE state = 'pending' AND dedupe_key IS NOT NULL;
    CREATE TABLE acks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        fingerprint TEXT NOT NULL,
        silence_id TEXT NOT NULL,
        by TEXT NOT NULL,
        acked_at REAL NOT NULL,
        until REAL,
        until_resolved INTEGER NOT NULL DEFAULT 0,
        labels TEXT NOT NULL DEFAULT '{}',
        active INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX acks_at ON acks (acked_at);
    CREATE INDEX acks_silence ON acks (silence_id);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        runbook TEXT NOT NULL,
        target TEXT NOT NULL,
        by TEXT NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        ok INTEGER,
        exit_code INTEGER,
        output_tail TEXT NOT NULL DEFAULT '',
        fingerprint TEXT
    );
    CREATE INDEX runs_started ON runs (started_at);
    """,
    # 2: runbook triggers whose request never left, kept for retry (actions/trigger_outbox).
    """
    CREATE TABLE triggers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        runbook TEXT NOT NULL,
        alert TEXT,
        by TEXT NOT NULL,
        created_at REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at REAL NOT NULL,
        last_error TEXT,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
        run_id INTEGER REFERENCES runs (id),
        sent_at REAL,
        target TEXT NOT NULL DEFAULT '',
        digest TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX triggers_due ON triggers (state, next_try_at);
    """,
    # 3: the incident record (journal/incidents.py), and when it began.
    """
    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        alertname TEXT NOT NULL,
        severity TEXT NOT NULL,
        labels TEXT NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        last_seen_at REAL NOT NULL,
        seen TEXT NOT NULL CHECK (seen IN ('live', 'history', 'pre-journal')),
        acked_at REAL,
        acked_by TEXT,
        run_ids TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX incidents_started ON incidents (started_at);
    CREATE INDEX incidents_ended ON incidents (ended_at);
    CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT OR IGNORE INTO meta (name, value)
        VALUES ('incidents_since', CAST((julianday('now') - 2440587.5) * 86400.0 AS TEXT));
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
