import { statementsOf, type Db } from './db.ts';

/** What happened to a message. Stable strings: stored in the database. */
export type Disposition = 'accepted' | 'duplicate' | 'quarantined' | 'released' | 'third-party' | 'own-report';

/** A row of the `messages` table as the ingest writes it. */
export interface MessageRow {
  source: string;
  sourceId: string | null;
  messageId: string | null;
  from: string | null;
  subject: string | null;
  sha256: string;
  size: number;
  receivedAt: number;
  ingestedAt: number;
  disposition: Disposition;
  reason: string | null;
  detail: string | null;
  siteId: string | null;
  runId: string | null;
  rawGz: Buffer | null;
}

/** A quarantined or other stored message, as the CLI shows it. */
export interface StoredMessage {
  id: number;
  /** The configured mailbox it was read from ("import" for files). */
  source: string;
  /** Its id in that mailbox when read (IMAP UID, Maildir file name). */
  sourceId: string | null;
  sha256: string;
  messageId: string | null;
  from: string | null;
  subject: string | null;
  receivedAt: Date;
  ingestedAt: Date;
  disposition: Disposition;
  reason: string | null;
  detail: string | null;
  siteId: string | null;
  runId: string | null;
}

const stmts = statementsOf(prepare);

const COLUMNS = `id, source, source_id, sha256, message_id, from_addr, subject, received_at, ingested_at, disposition, reason, detail, site_id, run_id`;
interface Row {
  id: number; source: string; source_id: string | null; sha256: string; message_id: string | null; from_addr: string | null; subject: string | null; received_at: number;
  ingested_at: number; disposition: Disposition; reason: string | null; detail: string | null; site_id: string | null; run_id: string | null;
}

/**
 * Held in quarantine at @t: received by then and not released by then. A message released later
 * was still held at @t (its quarantine reason was cleared on release, so it shows none); the
 * store keeps no other history of a message's disposition.
 */
const HELD_AT = `received_at <= @t AND (disposition = 'quarantined' OR (disposition = 'released' AND released_at > @t))`;

function prepare(db: Db) {
  return {
    bySha: db.prepare<[string], { id: number; disposition: Disposition; reason: string | null }>('SELECT id, disposition, reason FROM messages WHERE sha256 = ?'),
    insert: db.prepare(`INSERT INTO messages (source, source_id, message_id, from_addr, subject, sha256, size, received_at, ingested_at, disposition, reason, detail, site_id, run_id, raw_gz)
      VALUES (@source, @sourceId, @messageId, @from, @subject, @sha256, @size, @receivedAt, @ingestedAt, @disposition, @reason, @detail, @siteId, @runId, @rawGz)`),
    byId: db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM messages WHERE id = ?`),
    raw: db.prepare<[number], { raw_gz: Buffer | null }>('SELECT raw_gz FROM messages WHERE id = ?'),
    quarantined: db.prepare<[], Row>(`SELECT ${COLUMNS} FROM messages WHERE disposition = 'quarantined' ORDER BY id`),
    quarantinedCount: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM messages WHERE disposition = 'quarantined' AND reason IS NOT 'unmapped'`),
    unmappedCount: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM messages WHERE disposition = 'quarantined' AND reason = 'unmapped'`),
    heldCount: db.prepare<[{ t: number }], { n: number }>(`SELECT count(*) AS n FROM messages WHERE ${HELD_AT} AND reason IS NOT 'unmapped'`),
    heldNewest: db.prepare<[{ t: number; limit: number }], Row>(`SELECT ${COLUMNS} FROM messages WHERE ${HELD_AT} AND reason IS NOT 'unmapped' ORDER BY id DESC LIMIT @limit`),
    unmappedHeldCount: db.prepare<[{ t: number }], { n: number }>(`SELECT count(*) AS n FROM messages WHERE ${HELD_AT} AND reason = 'unmapped'`),
    unmappedHeldNewest: db.prepare<[{ t: number; limit: number }], Row>(`SELECT ${COLUMNS} FROM messages WHERE ${HELD_AT} AND reason = 'unmapped' ORDER BY id DESC LIMIT @limit`),
    release: db.prepare(`UPDATE messages SET disposition = @disposition, reason = NULL, detail = @detail, site_id = @siteId, run_id = @runId, released_at = @at WHERE id = @id`),
    requarantine: db.prepare(`UPDATE messages SET reason = @reason, detail = @detail WHERE id = @id`),
    deleteHeld: db.prepare<[number]>(`DELETE FROM messages WHERE id = ? AND disposition = 'quarantined'`),
  };
}

/** The earlier message with the same raw bytes, if any (the duplicate check). */
export function messageBySha(db: Db, sha256: string): { id: number; disposition: Disposition; reason: string | null } | undefined {
  return stmts(db).bySha.get(sha256);
}

/** Inserts one message row; returns its id. */
export function insertMessage(db: Db, row: MessageRow): number {
  return Number(stmts(db).insert.run(row).lastInsertRowid);
}

function toStored(r: Row): StoredMessage {
  return {
    id: r.id,
    source: r.source,
    sourceId: r.source_id,
    sha256: r.sha256,
    messageId: r.message_id,
    from: r.from_addr,
    subject: r.subject,
    receivedAt: new Date(r.received_at),
    ingestedAt: new Date(r.ingested_at),
    disposition: r.disposition,
    reason: r.reason,
    detail: r.detail,
    siteId: r.site_id,
    runId: r.run_id,
  };
}

/** One stored message by its id, or undefined. */
export function getMessage(db: Db, id: number): StoredMessage | undefined {
  const r = stmts(db).byId.get(id);
  return r && toStored(r);
}

/** The gzip-compressed raw bytes kept for a message, or null when none were kept. */
export function rawOf(db: Db, id: number): Buffer | null {
  return stmts(db).raw.get(id)?.raw_gz ?? null;
}

/** Messages in quarantine (not released), oldest first. */
export function listQuarantined(db: Db): StoredMessage[] {
  return stmts(db).quarantined.all().map(toStored);
}

export function quarantinedCount(db: Db): number {
  return stmts(db).quarantinedCount.get()!.n;
}

/** Notifications of known tools that no rule maps (kept with reason `unmapped`; see collector unmapped). */
export function unmappedCount(db: Db): number {
  return stmts(db).unmappedCount.get()!.n;
}

/**
 * How many messages were held in quarantine at `asOf` (ms), and the newest `limit` of them: a
 * report made again for a past date must not count messages that arrived afterwards.
 */
export function quarantinedAsOf(db: Db, asOf: number, limit: number): { count: number; newest: StoredMessage[] } {
  const s = stmts(db);
  return { count: s.heldCount.get({ t: asOf })!.n, newest: s.heldNewest.all({ t: asOf, limit }).map(toStored) };
}

/** Like quarantinedAsOf, for the notifications kept as unmapped (no rule maps them) at `asOf`. */
export function unmappedAsOf(db: Db, asOf: number, limit: number): { count: number; newest: StoredMessage[] } {
  const s = stmts(db);
  return { count: s.unmappedHeldCount.get({ t: asOf })!.n, newest: s.unmappedHeldNewest.all({ t: asOf, limit }).map(toStored) };
}

/** Marks a quarantined message as released (after it verified with the current config). */
export function markReleased(db: Db, id: number, what: { disposition: 'released'; detail: string | null; siteId: string | null; runId: string | null }, at: number): void {
  stmts(db).release.run({ id, ...what, at });
}

/** Updates why a quarantined message still fails (after a release attempt). */
export function updateQuarantineReason(db: Db, id: number, reason: string, detail: string): void {
  stmts(db).requarantine.run({ id, reason, detail });
}

/** Deletes a message held in quarantine (the dashboard's delete); false when no such held message. */
export function deleteQuarantined(db: Db, id: number): boolean {
  return stmts(db).deleteHeld.run(id).changes > 0;
}
