import { userInfo } from 'node:os';
import { SynError } from '../../core/errors.ts';
import { printJson, type Loaded } from '../commands/common.ts';
import { localTimeWords } from '../status/clock-words.ts';
import { alignColumns } from '../status/format.ts';
import { earlierRequestCount, requestsIn, type ClientRequest } from '../store/client-requests.ts';
import { approveRequest, declineRequest, type IssueCommand } from './decide.ts';
import { requestWords } from './words.ts';

/** Refused and not-understood requests are listed below the queue for this long. */
const NOT_QUEUED_DAYS = 30;

/** A request as `collector requests --pending --json` prints it. */
export interface ListedRequest {
  id: number;
  clientId: string | null;
  client: string | null;
  from: string;
  via: 'email' | 'web';
  receivedAt: string;
  action: string;
  siteId: string | null;
  jobId: string | null;
  paths: string[];
  asOf: string | null;
  what: string;
  line: string;
  state: string;
  note: string | null;
  /** Requests of the same client (a stranger: the same address) in the historyDays before this one. */
  askedBefore: number;
}

function listed(l: Loaded, r: ClientRequest): ListedRequest {
  return {
    id: r.id,
    clientId: r.clientId,
    client: l.cfg.clients.find((c) => c.id === r.clientId)?.name ?? null,
    from: r.from,
    via: r.via,
    receivedAt: new Date(r.receivedAt).toISOString(),
    action: r.action,
    siteId: r.siteId,
    jobId: r.jobId,
    paths: r.args.paths ?? [],
    asOf: r.args.asOf ?? null,
    what: requestWords(l.db, r).long,
    line: r.rawLine,
    state: r.state,
    note: r.note,
    askedBefore: earlierRequestCount(l.db, r, l.cfg.requests.historyDays),
  };
}

/**
 * `collector requests --pending [--json]`: the queue of client requests waiting for the
 * consultant (who asked, when, what, how often they asked before), then the requests of the last
 * 30 days that were refused or not understood (kept, never queued).
 */
export function pendingRequestsCommand(l: Loaded, o: { json?: boolean }): { pending: ListedRequest[]; notQueued: ListedRequest[] } {
  const since = l.clock.now().getTime() - NOT_QUEUED_DAYS * 86_400_000;
  const out = { pending: requestsIn(l.db, ['pending']).map((r) => listed(l, r)), notQueued: requestsIn(l.db, ['refused'], since).map((r) => listed(l, r)) };
  if (o.json) {
    printJson(l, out);
    return out;
  }
  const now = l.clock.now();
  const when = (iso: string) => localTimeWords(new Date(iso), l.cfg.consultant.timeZone, now);
  const days = l.cfg.requests.historyDays;
  if (out.pending.length === 0) l.out('No client request is waiting.');
  else {
    const rows = out.pending.map((r) => [String(r.id), when(r.receivedAt), `${r.client ?? r.clientId} (${r.from})`, `${r.siteId}/${r.jobId}`, r.what, `${r.askedBefore} in ${days} days`]);
    for (const line of alignColumns([['ID', 'RECEIVED', 'WHO', 'JOB', 'WHAT', 'ASKED BEFORE'], ...rows])) l.out(line);
    l.out('');
    l.out('Approve: collector request approve ID [--to DIR]   Decline: collector request decline ID [--reason TEXT]');
  }
  if (out.notQueued.length > 0) {
    l.out('');
    l.out(`Refused or not understood (last ${NOT_QUEUED_DAYS} days, not queued):`);
    const rows = out.notQueued.map((r) => [String(r.id), when(r.receivedAt), r.client ? `${r.client} (${r.from})` : `${r.from} (no client)`, r.note ?? '-', r.line ? `"${r.line}"` : '-']);
    for (const line of alignColumns([['ID', 'RECEIVED', 'WHO', 'WHY', 'LINE'], ...rows])) l.out(line);
  }
  return out;
}

/** Who decides: --by, else the name of the user running the command. */
export function decider(by: string | undefined): string {
  if (by !== undefined && by.trim() !== '') return by.trim().slice(0, 200);
  try {
    return userInfo().username || 'consultant';
  } catch {
    return 'consultant';
  }
}

function requestId(id: string): number {
  if (!/^\d{1,12}$/.test(id)) throw new SynError('USAGE', `request id "${id}": expected a number (see "collector requests --pending")`);
  return Number(id);
}

/** `collector request approve ID [--to DIR] [--by NAME]`: sends the signed command and links it. */
export async function approveCommand(l: Loaded, id: string, o: { to?: string; by?: string; json?: boolean }, issue: IssueCommand): Promise<ClientRequest> {
  const r = await approveRequest(l.db, l.cfg, requestId(id), { to: o.to, by: decider(o.by), now: l.clock.now() }, issue);
  if (o.json) printJson(l, r);
  else l.out(`request ${r.id} approved by ${r.decidedBy}: command ${r.commandId} sent to ${r.siteId} (${requestWords(l.db, r).long}${r.args.to ? `, into ${r.args.to}` : ''})`);
  return r;
}

/** `collector request decline ID [--reason TEXT] [--by NAME]`: the client is told, with the reason. */
export function declineCommand(l: Loaded, id: string, o: { reason?: string; by?: string; json?: boolean }): ClientRequest {
  const r = declineRequest(l.db, requestId(id), { reason: o.reason, by: decider(o.by), now: l.clock.now() });
  if (o.json) printJson(l, r);
  else l.out(`request ${r.id} declined by ${r.decidedBy}${r.note ? `: ${r.note}` : ''}; the client is told on the next pass of collector run or poll`);
  return r;
}
