/**
 * Numbered schema migrations. Migration N (1-based) takes the database from `user_version` N-1
 * to N. Append only: never edit a migration that has shipped, add a new one instead.
 * Times are integers, milliseconds since the epoch (UTC), everywhere.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sites (
    site_id TEXT PRIMARY KEY,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    agent_host TEXT,
    agent_version TEXT,
    agent_time_zone TEXT
  );
  CREATE TABLE jobs (
    site_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    name TEXT NOT NULL,
    plugin TEXT,
    schedule TEXT,
    next_run_at INTEGER,
    -- sentAt of the message that announced next_run_at: a late, older message must not overwrite it
    next_run_announced_at INTEGER,
    first_seen_at INTEGER NOT NULL,
    last_sequence INTEGER NOT NULL DEFAULT 0,
    -- Derived from runs, kept in step at ingest so that status reads one row per job (see summary.ts):
    -- the newest runs as binary records, newest first; the newest ok/warning run.
    latest_started_at INTEGER,
    recent_runs BLOB,
    last_good BLOB,
    PRIMARY KEY (site_id, job_id)
  ) WITHOUT ROWID;
  CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    exit_code INTEGER,
    files_examined INTEGER NOT NULL, files_copied INTEGER NOT NULL, files_skipped INTEGER NOT NULL,
    files_failed INTEGER NOT NULL, files_extra INTEGER NOT NULL,
    bytes_examined INTEGER NOT NULL, bytes_copied INTEGER NOT NULL, bytes_skipped INTEGER NOT NULL,
    bytes_failed INTEGER NOT NULL, bytes_extra INTEGER NOT NULL,
    verification_mismatches INTEGER NOT NULL,
    first_error TEXT,
    payload_json TEXT NOT NULL,
    message_id TEXT
  );
  CREATE INDEX runs_by_job ON runs (site_id, job_id, started_at DESC);
  CREATE TABLE heartbeats (
    run_id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    next_heartbeat_at INTEGER NOT NULL,
    payload_json TEXT NOT NULL,
    message_id TEXT
  );
  CREATE INDEX heartbeats_by_site ON heartbeats (site_id, sent_at DESC);
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    source_id TEXT,
    message_id TEXT,
    from_addr TEXT,
    subject TEXT,
    sha256 TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    ingested_at INTEGER NOT NULL,
    disposition TEXT NOT NULL CHECK (disposition IN ('accepted', 'duplicate', 'quarantined', 'released', 'third-party')),
    reason TEXT,
    detail TEXT,
    site_id TEXT,
    run_id TEXT,
    raw_gz BLOB,
    released_at INTEGER
  );
  CREATE INDEX messages_by_disposition ON messages (disposition, id);
  CREATE TABLE sequence_gaps (
    site_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    from_seq INTEGER NOT NULL,
    to_seq INTEGER NOT NULL,
    detected_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, job_id, from_seq)
  ) WITHOUT ROWID;
  CREATE TABLE mailbox_polls (
    mailbox TEXT PRIMARY KEY,
    source_name TEXT,
    last_good_at INTEGER,
    last_error TEXT,
    last_error_at INTEGER
  );
  CREATE TABLE sends (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    day TEXT NOT NULL,
    state TEXT NOT NULL,
    claimed_by TEXT,
    claimed_at TEXT,
    sent_at TEXT,
    PRIMARY KEY (kind, key, day)
  );
  `,
  // 2: alerts (collector/alerts/) and the outcome of digest/summary sends (collector/schedule/).
  `
  CREATE TABLE alert_state (
    site_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    -- the last state alerted on: 'ok' (good, or recovered) or a bad state ('failed', 'missing')
    state TEXT NOT NULL,
    since INTEGER,
    last_alert_at INTEGER,
    last_reminder_at INTEGER,
    PRIMARY KEY (site_id, job_id)
  ) WITHOUT ROWID;
  CREATE TABLE alert_failures (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    at INTEGER NOT NULL,
    error TEXT NOT NULL,
    shown_in_digest INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX alert_failures_pending ON alert_failures (shown_in_digest, id);
  ALTER TABLE sends ADD COLUMN error TEXT;
  ALTER TABLE sends ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  `,
  // 3: the head of each report archive's manifest, recorded outside the manifest (store/archive-head.ts),
  // so that removing the newest reports together with their manifest lines is noticed.
  `
  CREATE TABLE archive_heads (
    folder TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    entry_hash TEXT NOT NULL,
    path TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 4: disposition 'own-report': the collector's own digests, summaries and alerts that land in a
  // watched mailbox are recorded and moved to processed, not quarantined. SQLite cannot change a
  // CHECK constraint in place, so the table is rebuilt (ids kept).
  `
  CREATE TABLE messages_v4 (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    source_id TEXT,
    message_id TEXT,
    from_addr TEXT,
    subject TEXT,
    sha256 TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    ingested_at INTEGER NOT NULL,
    disposition TEXT NOT NULL CHECK (disposition IN ('accepted', 'duplicate', 'quarantined', 'released', 'third-party', 'own-report')),
    reason TEXT,
    detail TEXT,
    site_id TEXT,
    run_id TEXT,
    raw_gz BLOB,
    released_at INTEGER
  );
  INSERT INTO messages_v4 (id, source, source_id, message_id, from_addr, subject, sha256, size, received_at, ingested_at, disposition, reason, detail, site_id, run_id, raw_gz, released_at)
    SELECT id, source, source_id, message_id, from_addr, subject, sha256, size, received_at, ingested_at, disposition, reason, detail, site_id, run_id, raw_gz, released_at FROM messages;
  DROP TABLE messages;
  ALTER TABLE messages_v4 RENAME TO messages;
  CREATE INDEX messages_by_disposition ON messages (disposition, id);
  `,
  // 5: third-party jobs (collector/store/third-party.ts): their client comes from the rule that
  // mapped them, not from sites:, and the rule's name finds their expected schedule and combine rule.
  `
  ALTER TABLE jobs ADD COLUMN client_id TEXT;
  ALTER TABLE jobs ADD COLUMN rule TEXT;
  `,
];
