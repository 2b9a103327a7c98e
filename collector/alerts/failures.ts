import type { Db } from '../store/db.ts';

/**
 * The alert_failures table: every channel that failed to deliver (an alert email, a webhook, the
 * digest or a client summary itself), kept until a digest has shown it. Principle "no silent
 * failure": a channel that cannot deliver is logged AND reported in the next digest.
 */
export interface ChannelFailure {
  id: number;
  /** "email", "webhook", "digest-email", "client-email:<client id>" ... */
  channel: string;
  at: Date;
  error: string;
}

export function recordChannelFailure(db: Db, channel: string, error: string, at: Date): void {
  db.prepare(`INSERT INTO alert_failures (channel, at, error) VALUES (?, ?, ?)`).run(channel, at.getTime(), error.slice(0, 1000));
}

/**
 * Failures no digest has shown yet, oldest first: what the digest builder lists under "needs
 * attention". The digest sender marks them shown (markChannelFailuresShown) once the digest that
 * listed them was accepted by SMTP.
 */
export function pendingAlertFailures(db: Db): ChannelFailure[] {
  const rows = db.prepare(`SELECT id, channel, at, error FROM alert_failures WHERE shown_in_digest = 0 ORDER BY id`).all() as { id: number; channel: string; at: number; error: string }[];
  return rows.map((r) => ({ ...r, at: new Date(r.at) }));
}

export function markChannelFailuresShown(db: Db, ids: readonly number[]): void {
  const mark = db.prepare(`UPDATE alert_failures SET shown_in_digest = 1 WHERE id = ?`);
  db.transaction(() => ids.forEach((id) => mark.run(id)))();
}
