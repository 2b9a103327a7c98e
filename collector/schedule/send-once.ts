import type { Db } from '../store/db.ts';

/**
 * "At most once a day" for the digest and each client summary, across restarts and across two
 * collectors sharing one database: a compare-and-set claim in the `sends` table, recorded BEFORE
 * the message goes to SMTP.
 *
 * Row life: (none) -> 'sending' -> 'sent' | 'failed' | 'interrupted'.
 * - A first claim is `INSERT ... ON CONFLICT DO NOTHING`: of any number of racing processes,
 *   exactly one inserts the row and wins.
 * - A 'failed' send (the SMTP server refused or could not be reached: nothing was delivered) may
 *   be claimed again the same day by `UPDATE ... WHERE state = 'failed'`, up to MAX_ATTEMPTS.
 * - A 'sending' row whose process died is the one case where we cannot know whether the server
 *   accepted the message. The trade-off: taking it over gives at-least-once (a crash after the
 *   server accepted but before 'sent' was written sends twice); leaving it gives at-most-once
 *   (such a crash may lose that day's message). The issue asks for at most once a day, so by
 *   default a stale claim is NOT taken over: `interruptedSends` turns it into 'interrupted',
 *   which the next digest reports ("may not have been delivered"). `takeOverStaleAfterMinutes`
 *   switches one claim to at-least-once for callers that prefer that.
 * Times in this table are ISO 8601 strings in UTC (fixed width, so they compare as text).
 */
/** The digest, a client's daily summary, or a monthly compliance report (key "consultant": all clients). */
export type SendKind = 'digest' | 'client' | 'monthly';

export interface SendClaim {
  kind: SendKind;
  /** "consultant" for the digest, the client id for a summary. */
  key: string;
  /** The local date (YYYY-MM-DD) the message is for, in the recipient's zone. */
  day: string;
  /** Who claims: host, pid and a random part, so a log says which collector sent. */
  claimant: string;
}

export type SendState = 'sending' | 'sent' | 'failed' | 'interrupted';

export interface SendRow {
  kind: SendKind;
  key: string;
  day: string;
  state: SendState;
  claimedBy: string | null;
  claimedAt: string | null;
  sentAt: string | null;
  error: string | null;
  attempts: number;
}

/** A failed send is retried at most this many times in all on its day. */
export const MAX_ATTEMPTS = 3;

/**
 * Claims the right to send `claim` now. True for exactly one caller per (kind, key, day) unless
 * the earlier attempt failed; false when it was sent, is being sent, was interrupted, or ran out
 * of attempts. Each statement is one atomic SQLite write, so the race is decided by the database.
 */
export function claimSend(db: Db, claim: SendClaim, opts: { now?: Date; takeOverStaleAfterMinutes?: number } = {}): boolean {
  const now = (opts.now ?? new Date()).toISOString();
  const { kind, key, day, claimant } = claim;
  const inserted = db
    .prepare(`INSERT INTO sends (kind, key, day, state, claimed_by, claimed_at, attempts) VALUES (?, ?, ?, 'sending', ?, ?, 1)
      ON CONFLICT (kind, key, day) DO NOTHING`)
    .run(kind, key, day, claimant, now);
  if (inserted.changes === 1) return true;
  const retried = db
    .prepare(`UPDATE sends SET state = 'sending', claimed_by = ?, claimed_at = ?, attempts = attempts + 1, error = NULL
      WHERE kind = ? AND key = ? AND day = ? AND state = 'failed' AND attempts < ?`)
    .run(claimant, now, kind, key, day, MAX_ATTEMPTS);
  if (retried.changes === 1) return true;
  if (opts.takeOverStaleAfterMinutes === undefined) return false;
  const cutoff = new Date(Date.parse(now) - opts.takeOverStaleAfterMinutes * 60_000).toISOString();
  const taken = db
    .prepare(`UPDATE sends SET claimed_by = ?, claimed_at = ?, attempts = attempts + 1
      WHERE kind = ? AND key = ? AND day = ? AND state = 'sending' AND claimed_at < ?`)
    .run(claimant, now, kind, key, day, cutoff);
  return taken.changes === 1;
}

/** Records that the SMTP server accepted the message. Only the claimant's own row changes. */
export function markSent(db: Db, claim: SendClaim, at: Date): void {
  db.prepare(`UPDATE sends SET state = 'sent', sent_at = ?, error = NULL WHERE kind = ? AND key = ? AND day = ? AND claimed_by = ? AND state = 'sending'`)
    .run(at.toISOString(), claim.kind, claim.key, claim.day, claim.claimant);
}

/** Records that nothing was delivered (SMTP refused or unreachable); the send may be retried. */
export function markFailed(db: Db, claim: SendClaim, error: string): void {
  db.prepare(`UPDATE sends SET state = 'failed', error = ? WHERE kind = ? AND key = ? AND day = ? AND claimed_by = ? AND state = 'sending'`)
    .run(error.slice(0, 1000), claim.kind, claim.key, claim.day, claim.claimant);
}

/** The row of one send, or undefined when nobody claimed it. */
export function sendRow(db: Db, kind: SendKind, key: string, day: string): SendRow | undefined {
  const r = db
    .prepare(`SELECT kind, key, day, state, claimed_by AS claimedBy, claimed_at AS claimedAt, sent_at AS sentAt, error, attempts FROM sends WHERE kind = ? AND key = ? AND day = ?`)
    .get(kind, key, day) as SendRow | undefined;
  return r;
}

/**
 * Turns 'sending' claims older than `olderThanMinutes` (their process died mid-send) into
 * 'interrupted' and returns them, each exactly once, so the caller can report them. At most
 * once: an interrupted send is never retried automatically.
 */
export function interruptedSends(db: Db, now: Date, olderThanMinutes: number): SendRow[] {
  const cutoff = new Date(now.getTime() - olderThanMinutes * 60_000).toISOString();
  return db.transaction(() => {
    const rows = db
      .prepare(`SELECT kind, key, day, state, claimed_by AS claimedBy, claimed_at AS claimedAt, sent_at AS sentAt, error, attempts FROM sends WHERE state = 'sending' AND claimed_at < ?`)
      .all(cutoff) as SendRow[];
    const mark = db.prepare(`UPDATE sends SET state = 'interrupted' WHERE kind = ? AND key = ? AND day = ? AND state = 'sending' AND claimed_at < ?`);
    return rows.filter((r) => mark.run(r.kind, r.key, r.day, cutoff).changes === 1).map((r) => ({ ...r, state: 'interrupted' as const }));
  }).immediate();
}
