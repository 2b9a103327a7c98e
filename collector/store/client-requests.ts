import type { Db } from './db.ts';

/** Where a client request is in its life. Stable strings: stored. */
export type RequestState = 'pending' | 'approved' | 'declined' | 'refused' | 'done' | 'failed';

/** What a request carries besides its job: restores only. */
export interface RequestArgs {
  paths?: string[];
  /** The client's calendar date whose state is wanted (YYYY-MM-DD), or absent for the newest. */
  asOf?: string;
  /** The restore folder the consultant chose at approval. */
  to?: string;
  /** Why a refused request was refused, in the words the client is told. */
  problem?: string;
  /** Filled when the outcome came back (done or failed). */
  result?: { files?: number; bytes?: number; runId?: string; status?: string; summary?: string; target?: string };
}

/** One row of `client_requests`. */
export interface ClientRequest {
  id: number;
  clientId: string | null;
  from: string;
  via: 'email' | 'web';
  receivedAt: number;
  messageId: string | null;
  action: 'backup' | 'restore' | 'unknown';
  siteId: string | null;
  jobId: string | null;
  args: RequestArgs;
  rawLine: string;
  state: RequestState;
  decidedAt: number | null;
  decidedBy: string | null;
  note: string | null;
  commandId: string | null;
  toldState: string | null;
  toldAt: number | null;
}

interface Row {
  id: number; client_id: string | null; from_addr: string; via: 'email' | 'web'; received_at: number; message_id: string | null; action: ClientRequest['action'];
  site_id: string | null; job_id: string | null; args_json: string; raw_line: string; state: RequestState; decided_at: number | null; decided_by: string | null;
  note: string | null; command_id: string | null; told_state: string | null; told_at: number | null;
}

function toRequest(r: Row): ClientRequest {
  return {
    id: r.id, clientId: r.client_id, from: r.from_addr, via: r.via, receivedAt: r.received_at, messageId: r.message_id, action: r.action,
    siteId: r.site_id, jobId: r.job_id, args: JSON.parse(r.args_json) as RequestArgs, rawLine: r.raw_line, state: r.state, decidedAt: r.decided_at,
    decidedBy: r.decided_by, note: r.note, commandId: r.command_id, toldState: r.told_state, toldAt: r.told_at,
  };
}

/** A new request as intake records it. */
export type NewRequest = Pick<ClientRequest, 'clientId' | 'from' | 'via' | 'receivedAt' | 'messageId' | 'action' | 'siteId' | 'jobId' | 'args' | 'rawLine' | 'state' | 'note'> & {
  /** Set for a request that is never to be answered (an unknown sender: no reply to strangers). */
  silent?: boolean;
};

/** Records a request; returns its id. */
export function insertRequest(db: Db, r: NewRequest): number {
  return Number(
    db
      .prepare(
        `INSERT INTO client_requests (client_id, from_addr, via, received_at, message_id, action, site_id, job_id, args_json, raw_line, state, note, told_state)
         VALUES (@clientId, @from, @via, @receivedAt, @messageId, @action, @siteId, @jobId, @args, @rawLine, @state, @note, @told)`,
      )
      .run({ ...r, args: JSON.stringify(r.args), told: r.silent ? 'never' : null }).lastInsertRowid,
  );
}

/** The request recorded from the email with this Message-ID, if any (a resent copy is not a new request). */
export function requestByMessageId(db: Db, messageId: string): ClientRequest | undefined {
  const r = db.prepare<[string], Row>('SELECT * FROM client_requests WHERE message_id = ?').get(messageId);
  return r && toRequest(r);
}

export function getRequest(db: Db, id: number): ClientRequest | undefined {
  const r = db.prepare<[number], Row>('SELECT * FROM client_requests WHERE id = ?').get(id);
  return r && toRequest(r);
}

/** Requests in one of `states`, oldest first; with `since`, only those received at or after it. */
export function requestsIn(db: Db, states: readonly RequestState[], since = 0): ClientRequest[] {
  const marks = states.map(() => '?').join(', ');
  return db.prepare<unknown[], Row>(`SELECT * FROM client_requests WHERE state IN (${marks}) AND received_at >= ? ORDER BY id`).all(...states, since).map(toRequest);
}

/**
 * How many requests the same client made before this one within `days` days (every state:
 * a client who keeps asking is worth knowing about, whatever became of the asks).
 */
export function earlierRequestCount(db: Db, r: Pick<ClientRequest, 'id' | 'clientId' | 'from' | 'receivedAt'>, days: number): number {
  const from = r.receivedAt - days * 86_400_000;
  const row = r.clientId === null
    ? db.prepare<[string, number, number], { n: number }>('SELECT count(*) AS n FROM client_requests WHERE client_id IS NULL AND from_addr = ? AND received_at >= ? AND id < ?').get(r.from, from, r.id)
    : db.prepare<[string, number, number], { n: number }>('SELECT count(*) AS n FROM client_requests WHERE client_id = ? AND received_at >= ? AND id < ?').get(r.clientId, from, r.id);
  return row!.n;
}

/** A consultant's decision; false when the request is no longer pending (decided already). */
export function decideRequest(db: Db, id: number, d: { state: 'approved' | 'declined'; at: number; by: string; note: string | null; args?: RequestArgs }): boolean {
  const args = d.args ? JSON.stringify(d.args) : null;
  return (
    db
      .prepare(`UPDATE client_requests SET state = @state, decided_at = @at, decided_by = @by, note = @note, args_json = coalesce(@args, args_json) WHERE id = @id AND state = 'pending'`)
      .run({ id, ...d, args }).changes > 0
  );
}

/** Links the command sent for an approved request. */
export function linkCommand(db: Db, id: number, commandId: string): void {
  db.prepare('UPDATE client_requests SET command_id = ? WHERE id = ?').run(commandId, id);
}

/** The outcome of an approved request's command: done or failed, with what came back. */
export function finishRequest(db: Db, id: number, state: 'done' | 'failed', args: RequestArgs, note: string | null): void {
  db.prepare(`UPDATE client_requests SET state = ?, args_json = ?, note = coalesce(?, note) WHERE id = ? AND state = 'approved'`).run(state, JSON.stringify(args), note, id);
}

/** Requests whose client has not been told of their current state yet, oldest first. */
export function untoldRequests(db: Db): ClientRequest[] {
  return db.prepare<[], Row>(`SELECT * FROM client_requests WHERE told_state IS NOT 'never' AND told_state IS NOT state ORDER BY id`).all().map(toRequest);
}

/** Records that the client was told of `state` (the notice was accepted by the SMTP server). */
export function markTold(db: Db, id: number, state: string, at: number): void {
  db.prepare('UPDATE client_requests SET told_state = ?, told_at = ? WHERE id = ?').run(state, at, id);
}

/** Puts an approval back to pending when its command could not be sent (nothing left the collector). */
export function undoApproval(db: Db, id: number): void {
  db.prepare(`UPDATE client_requests SET state = 'pending', decided_at = NULL, decided_by = NULL, note = NULL WHERE id = ? AND state = 'approved' AND command_id IS NULL`).run(id);
}

/** Approved requests waiting for their command's outcome. */
export function approvedWithCommand(db: Db): ClientRequest[] {
  return db.prepare<[], Row>(`SELECT * FROM client_requests WHERE state = 'approved' AND command_id IS NOT NULL ORDER BY id`).all().map(toRequest);
}
