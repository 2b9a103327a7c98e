import type { Db } from './db.ts';

/**
 * The mailbox_polls table: when each configured mailbox was last read successfully and the last
 * error, so that status can say "monitoring blind since ..." instead of "nothing new".
 */
export function recordPollGood(db: Db, mailbox: string, sourceName: string, at: number): void {
  db.prepare(`INSERT INTO mailbox_polls (mailbox, source_name, last_good_at) VALUES (?, ?, ?)
    ON CONFLICT (mailbox) DO UPDATE SET source_name = excluded.source_name, last_good_at = excluded.last_good_at, last_error = NULL, last_error_at = NULL`).run(mailbox, sourceName, at);
}

export function recordPollError(db: Db, mailbox: string, sourceName: string, error: string, at: number): void {
  db.prepare(`INSERT INTO mailbox_polls (mailbox, source_name, last_error, last_error_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (mailbox) DO UPDATE SET source_name = excluded.source_name, last_error = excluded.last_error, last_error_at = excluded.last_error_at`).run(mailbox, sourceName, error.slice(0, 1000), at);
}
