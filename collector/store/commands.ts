import type { Applied } from '../ingest/apply.ts';
import type { Db } from './db.ts';
import type { MessageRow } from './messages.ts';
import type { CommandReceiptPayload } from '../../core/result/schema.ts';

/**
 * The commands this collector sent to agents (migration 8) and what became of each. A command is
 * `sent`, then `picked-up` or `refused` by a signed receipt of the agent, then `done` when a
 * result, restore or drill naming it arrives. `expired` is not stored: it is a `sent` command
 * past its expiry that no receipt answered (listCommands).
 */
export type StoredState = 'sent' | 'picked-up' | 'done' | 'refused';
export type ShownState = StoredState | 'expired';

/** A command as issueCommand records it, before it is sent. */
export interface NewCommand {
  id: string;
  siteId: string;
  jobId: string;
  action: string;
  args: unknown;
  issuedAt: number;
  expiresAt: number;
  requestedBy: string;
  messageId: string;
}

export function insertCommand(db: Db, c: NewCommand): void {
  db.prepare(
    `INSERT INTO commands (id, site_id, job_id, action, args_json, issued_at, expires_at, state, state_at, requested_by, message_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?, ?)`,
  ).run(c.id, c.siteId, c.jobId, c.action, c.args === undefined ? null : JSON.stringify(c.args), c.issuedAt, c.expiresAt, c.issuedAt, c.requestedBy, c.messageId);
}

/** Forgets a command whose email the SMTP server did not take (it never left). */
export function deleteCommand(db: Db, id: string): void {
  db.prepare('DELETE FROM commands WHERE id = ?').run(id);
  db.prepare('DELETE FROM command_receipts WHERE command_id = ?').run(id);
}

interface Row {
  id: string;
  site_id: string;
  job_id: string | null;
  action: string;
  state: StoredState;
}

/** The word a receipt's reason starts with ("replayed: ..." -> "replayed"). */
function reasonCode(reason: string | null): string | null {
  return reason === null ? null : (/^([a-z ]+):/.exec(reason)?.[1] ?? null);
}

/**
 * A signed `command-receipt` from an agent. Every receipt is kept (the listing shows each refusal,
 * a replayed copy's too); it moves the command only forward, and only for the site it was sent
 * to: `picked-up` from sent or refused (another site refused a misaddressed copy first); `refused`
 * from sent, or from picked-up when the job could not be run after all. `done` is final. A receipt
 * about a command this collector never sent (a forgery naming an id of its own) is recorded as
 * such, so that `collector requests` shows that someone tried.
 */
export function applyCommandReceipt(db: Db, p: CommandReceiptPayload & { signature: unknown }, row: Pick<MessageRow, 'receivedAt' | 'messageId' | 'sha256'>, now: number): Applied {
  void now;
  const ids = { siteId: p.site.id, runId: p.runId };
  const earlier = db.prepare('SELECT message_id AS messageId FROM command_receipts WHERE run_id = ?').get(p.runId) as { messageId: string | null } | undefined;
  if (earlier) {
    if (earlier.messageId === row.messageId) return { disposition: 'duplicate', reason: null, detail: null, ...ids };
    return { disposition: 'quarantined', reason: 'replay', detail: `command-receipt ${p.runId} was first received under Message-ID ${earlier.messageId ?? '(none)'}, now again under ${row.messageId ?? '(none)'}`, ...ids };
  }
  const sentAt = Date.parse(p.sentAt);
  db.prepare('INSERT INTO command_receipts (run_id, command_id, site_id, state, reason, sent_at, received_at, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    p.runId, p.command.id, p.site.id, p.state, p.reason, sentAt, row.receivedAt, row.messageId,
  );
  const c = db.prepare('SELECT id, site_id, job_id, action, state FROM commands WHERE id = ?').get(p.command.id) as Row | undefined;
  if (!c) {
    db.prepare(`INSERT INTO commands (id, site_id, job_id, action, state, state_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
      p.command.id, p.site.id, p.jobId, p.action, p.state, sentAt, p.reason ?? 'picked up, but this collector has no record of sending it',
    );
    return { disposition: 'accepted', reason: null, detail: `receipt for a command this collector did not send: ${p.state}`, ...ids };
  }
  const ownSite = c.site_id === p.site.id;
  const moves =
    p.state === 'picked-up'
      ? ownSite && (c.state === 'sent' || c.state === 'refused')
      : c.state === 'sent' || (c.state === 'picked-up' && ownSite && reasonCode(p.reason) !== 'replayed');
  if (moves) db.prepare('UPDATE commands SET state = ?, state_at = ?, reason = ? WHERE id = ?').run(p.state, sentAt, p.reason, c.id);
  return { disposition: 'accepted', reason: null, detail: null, ...ids };
}

/**
 * A result, restore or drill that names a command: the command is done, with that run's id and
 * status. Only a report from the site the command was sent to counts.
 */
export function markCommandDone(db: Db, commandId: string, siteId: string, runId: string, status: string, at: number): void {
  db.prepare(`UPDATE commands SET state = 'done', state_at = ?, result_run_id = ?, result_status = ?, reason = NULL WHERE id = ? AND site_id = ?`).run(at, runId, status, commandId, siteId);
}

/** A command as `collector requests` shows it. */
export interface ListedCommand {
  id: string;
  siteId: string;
  jobId: string | null;
  action: string;
  args: unknown;
  issuedAt: Date | null;
  expiresAt: Date | null;
  state: ShownState;
  stateAt: Date;
  reason: string | null;
  requestedBy: string | null;
  resultRunId: string | null;
  resultStatus: string | null;
  /** False for a command this collector has no record of sending (a forgery some site refused). */
  issued: boolean;
  /** Every receipt about it, oldest first (a refused replay shows here after the command was done). */
  receipts: { siteId: string; state: string; reason: string | null; sentAt: Date }[];
}

/** Every command, newest first, with its state as of `now`. */
export function listCommands(db: Db, now: number, limit = 500): ListedCommand[] {
  const rows = db
    .prepare(`SELECT * FROM commands ORDER BY COALESCE(issued_at, state_at) DESC, rowid DESC LIMIT ?`)
    .all(limit) as {
    id: string; site_id: string; job_id: string | null; action: string; args_json: string | null; issued_at: number | null; expires_at: number | null;
    state: StoredState; state_at: number; reason: string | null; requested_by: string | null; result_run_id: string | null; result_status: string | null;
  }[];
  const receipts = db.prepare('SELECT site_id, state, reason, sent_at FROM command_receipts WHERE command_id = ? ORDER BY sent_at, rowid');
  return rows.map((r) => {
    const expired = r.state === 'sent' && r.expires_at !== null && r.expires_at < now;
    return {
      id: r.id,
      siteId: r.site_id,
      jobId: r.job_id,
      action: r.action,
      args: r.args_json === null ? null : JSON.parse(r.args_json),
      issuedAt: r.issued_at === null ? null : new Date(r.issued_at),
      expiresAt: r.expires_at === null ? null : new Date(r.expires_at),
      state: expired ? 'expired' : r.state,
      stateAt: new Date(expired ? r.expires_at! : r.state_at),
      reason: r.reason,
      requestedBy: r.requested_by,
      resultRunId: r.result_run_id,
      resultStatus: r.result_status,
      issued: r.issued_at !== null,
      receipts: (receipts.all(r.id) as { site_id: string; state: string; reason: string | null; sent_at: number }[]).map((x) => ({ siteId: x.site_id, state: x.state, reason: x.reason, sentAt: new Date(x.sent_at) })),
    };
  });
}
