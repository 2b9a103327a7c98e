import { SynError } from '../../core/errors.ts';
import type { RestoreArgs } from '../../core/command/schema.ts';
import { addDays, localMidnight } from '../report/digest/days.ts';
import type { CollectorConfig } from '../config.ts';
import { decideRequest, getRequest, linkCommand, undoApproval, type ClientRequest } from '../store/client-requests.ts';
import type { Db } from '../store/db.ts';

/** What approving sends: the seam to COMMANDS' issueCommand (sign, send, record). */
export type IssueCommand = (c: { siteId: string; jobId: string; action: 'run-now' | 'restore'; restore?: RestoreArgs; requestedBy: string }) => Promise<{ id: string }>;

function pendingRequest(db: Db, id: number): ClientRequest {
  const r = getRequest(db, id);
  if (!r) throw new SynError('NOT_FOUND', `no client request ${id} (see "collector requests --pending")`);
  if (r.state !== 'pending') throw new SynError('USAGE', `client request ${id} is ${r.state}${r.decidedBy ? ` (by ${r.decidedBy})` : ''}, not pending: only a pending request can be approved or declined`);
  return r;
}

/**
 * The folder an approved restore goes to: `--to`, else requests.restoreFolder with {id}, {site},
 * {job} and {date} filled in. Always a new folder named after the request, never the source.
 */
export function restoreTarget(cfg: CollectorConfig, r: ClientRequest, to: string | undefined, today: string): string {
  if (to !== undefined) {
    if (to.trim() === '') throw new SynError('USAGE', '--to: empty; expected the folder at the site to restore into');
    return to;
  }
  const fill: Record<string, string> = { id: String(r.id), site: r.siteId ?? '', job: r.jobId ?? '', date: today };
  return cfg.requests.restoreFolder.replace(/\{(id|site|job|date)\}/g, (_, k: string) => fill[k]!);
}

/** The newest backup at or before the end of the client's calendar day `asOf`, as the command's `at`. */
export function endOfDay(asOf: string, zone: string): string {
  return new Date(localMidnight(addDays(asOf, 1), zone) - 1).toISOString();
}

/**
 * Approves a pending request: claims it (pending -> approved, with who and when), sends the signed
 * command through `issue`, and links the command's id. A command that could not be sent puts the
 * request back to pending, so it can be approved again; the error is the caller's.
 */
export async function approveRequest(db: Db, cfg: CollectorConfig, id: number, o: { to?: string; by: string; now: Date }, issue: IssueCommand): Promise<ClientRequest> {
  const r = pendingRequest(db, id);
  if (r.action === 'unknown' || r.siteId === null || r.jobId === null) throw new SynError('USAGE', `client request ${id} names no job`);
  const zone = cfg.clients.find((c) => c.id === r.clientId)?.timeZone ?? 'UTC';
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(o.now);
  const restore: RestoreArgs | undefined =
    r.action === 'restore' ? { to: restoreTarget(cfg, r, o.to, today), paths: r.args.paths ?? [], at: r.args.asOf ? endOfDay(r.args.asOf, zone) : null } : undefined;
  if (r.action === 'backup' && o.to !== undefined) throw new SynError('USAGE', `--to is for restores; client request ${id} is a backup`);
  const args = restore ? { ...r.args, to: restore.to } : r.args;
  if (!decideRequest(db, id, { state: 'approved', at: o.now.getTime(), by: o.by, note: null, args })) pendingRequest(db, id);
  let command: { id: string };
  try {
    command = await issue({ siteId: r.siteId, jobId: r.jobId, action: r.action === 'backup' ? 'run-now' : 'restore', ...(restore ? { restore } : {}), requestedBy: `client request ${id} (${r.from})` });
  } catch (e) {
    undoApproval(db, id);
    throw e;
  }
  linkCommand(db, id, command.id);
  return getRequest(db, id)!;
}

/** Declines a pending request, with who, when and the reason the client is told. */
export function declineRequest(db: Db, id: number, o: { reason?: string; by: string; now: Date }): ClientRequest {
  pendingRequest(db, id);
  const note = o.reason?.trim() ? o.reason.trim().slice(0, 1000) : null;
  if (!decideRequest(db, id, { state: 'declined', at: o.now.getTime(), by: o.by, note })) pendingRequest(db, id);
  return getRequest(db, id)!;
}
