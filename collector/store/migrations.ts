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
  // 6: ISSUE-11 restores and drills (store/restores.ts): one row per signed restore or drill
  // report, the job not necessarily known (a restore can name a job that never reported a run).
  `
  CREATE TABLE restores (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('restore', 'drill')),
    site_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    command_id TEXT,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    incomplete INTEGER NOT NULL,
    files_restored INTEGER NOT NULL,
    files_failed INTEGER NOT NULL,
    bytes_restored INTEGER NOT NULL,
    mismatches INTEGER NOT NULL,
    checked INTEGER NOT NULL,
    target TEXT NOT NULL,
    -- the backup time restored from (ms), null when the agent restored "the newest"
    from_at INTEGER,
    payload_json TEXT NOT NULL,
    message_id TEXT
  );
  CREATE INDEX restores_by_job ON restores (site_id, job_id, kind, started_at DESC);
  CREATE INDEX restores_by_time ON restores (started_at);
  `,
  // 7: ISSUE-11 file catalogue (store/catalogue*.ts): the manifests results announce and their
  // parts until applied; per job the files ever backed up (a trigram FTS5 index over their paths
  // for substring and glob search) and each file's versions as intervals [from_at, to_at), so 90
  // runs with 1% churn store one row per change, not 90 copies of every file.
  `
  CREATE TABLE catalogue_jobs (
    cjob INTEGER PRIMARY KEY,
    site_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    -- the newest manifest applied: a delta applies only on top of it
    head_run_id TEXT,
    head_at INTEGER,
    UNIQUE (site_id, job_id)
  );
  CREATE TABLE catalogue_manifests (
    run_id TEXT PRIMARY KEY,
    cjob INTEGER NOT NULL REFERENCES catalogue_jobs (cjob),
    at INTEGER NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('full', 'delta')),
    base_run_id TEXT,
    entries INTEGER NOT NULL,
    parts_json TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('waiting', 'applied', 'superseded', 'invalid')),
    detail TEXT,
    applied_at INTEGER
  );
  CREATE INDEX catalogue_manifests_by_job ON catalogue_manifests (cjob, at);
  CREATE INDEX catalogue_manifests_waiting ON catalogue_manifests (state) WHERE state = 'waiting';
  CREATE TABLE catalogue_parts (
    result_run_id TEXT NOT NULL,
    part INTEGER NOT NULL,
    -- the manifest-part report's own run id and Message-ID (null for part 1, in the result email)
    part_run_id TEXT,
    message_id TEXT,
    sha256 TEXT NOT NULL,
    -- null once its manifest is applied (the row stays: a replayed part is still recognised)
    content BLOB,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (result_run_id, part)
  );
  CREATE UNIQUE INDEX catalogue_parts_by_run ON catalogue_parts (part_run_id) WHERE part_run_id IS NOT NULL;
  CREATE TABLE catalogue_files (
    file_id INTEGER PRIMARY KEY,
    cjob INTEGER NOT NULL REFERENCES catalogue_jobs (cjob),
    path TEXT NOT NULL,
    UNIQUE (cjob, path)
  );
  CREATE VIRTUAL TABLE catalogue_paths USING fts5 (path, content = 'catalogue_files', content_rowid = 'file_id', tokenize = 'trigram', detail = none);
  CREATE TRIGGER catalogue_files_ai AFTER INSERT ON catalogue_files BEGIN
    INSERT INTO catalogue_paths (rowid, path) VALUES (new.file_id, new.path);
  END;
  CREATE TRIGGER catalogue_files_ad AFTER DELETE ON catalogue_files BEGIN
    INSERT INTO catalogue_paths (catalogue_paths, rowid, path) VALUES ('delete', old.file_id, old.path);
  END;
  CREATE TABLE catalogue_versions (
    file_id INTEGER NOT NULL,
    -- the first backup that held this version, and the first that no longer did (null: still held)
    from_at INTEGER NOT NULL,
    to_at INTEGER,
    size INTEGER NOT NULL,
    mtime_ms REAL NOT NULL,
    sha256 BLOB,
    PRIMARY KEY (file_id, from_at)
  ) WITHOUT ROWID;
  CREATE INDEX catalogue_versions_ended ON catalogue_versions (to_at) WHERE to_at IS NOT NULL;
  `,
  // 8: signed commands to agents (store/commands.ts): each command the collector sent and its
  // state, and every receipt an agent sent about one (a replayed copy's refusal too).
  `
  CREATE TABLE commands (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL,
    job_id TEXT,
    action TEXT NOT NULL,
    args_json TEXT,
    -- null for a command this collector never issued (a site refused a forgery naming its id)
    issued_at INTEGER,
    expires_at INTEGER,
    state TEXT NOT NULL CHECK (state IN ('sent', 'picked-up', 'done', 'refused')),
    state_at INTEGER NOT NULL,
    reason TEXT,
    requested_by TEXT,
    result_run_id TEXT,
    result_status TEXT,
    message_id TEXT
  );
  CREATE INDEX commands_by_time ON commands (issued_at DESC);
  CREATE TABLE command_receipts (
    run_id TEXT PRIMARY KEY,
    command_id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    sent_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    message_id TEXT
  );
  CREATE INDEX command_receipts_by_command ON command_receipts (command_id, sent_at);
  `,
  // 9: the queue of client requests (store/client-requests.ts): a backup or restore a client asked
  // for by replying to their summary or from the dashboard; refused and not-understood ones are kept
  // too (never queued). told_state is the last state the client was told of (collector/requests/notify.ts).
  `
  CREATE TABLE client_requests (
    id INTEGER PRIMARY KEY,
    client_id TEXT,
    from_addr TEXT NOT NULL,
    via TEXT NOT NULL CHECK (via IN ('email', 'web')),
    received_at INTEGER NOT NULL,
    message_id TEXT,
    action TEXT NOT NULL CHECK (action IN ('backup', 'restore', 'unknown')),
    site_id TEXT,
    job_id TEXT,
    args_json TEXT NOT NULL DEFAULT '{}',
    raw_line TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'declined', 'refused', 'done', 'failed')),
    decided_at INTEGER,
    decided_by TEXT,
    note TEXT,
    command_id TEXT,
    told_state TEXT,
    told_at INTEGER
  );
  CREATE INDEX client_requests_by_state ON client_requests (state, id);
  CREATE INDEX client_requests_by_client ON client_requests (client_id, received_at);
  CREATE UNIQUE INDEX client_requests_by_message ON client_requests (message_id) WHERE message_id IS NOT NULL;
  CREATE INDEX client_requests_by_command ON client_requests (command_id) WHERE command_id IS NOT NULL;
  `,
];
