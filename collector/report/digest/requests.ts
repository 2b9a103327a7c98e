import { incompleteManifests, type IncompleteManifest } from '../../store/catalogue.ts';
import { requestsIn, type ClientRequest } from '../../store/client-requests.ts';
import { listCommands, type ListedCommand } from '../../store/commands.ts';
import type { Db } from '../../store/db.ts';
import { plural } from '../../status/words.ts';
import { LABELS, type AttentionItem } from './attention.ts';
import { dayLabel } from './days.ts';
import type { Colours } from './theme.ts';

const DAY = 86_400_000;
/** The digest's period for commands: the day before the digest time, as for restores. */
export const COMMANDS_PERIOD_MS = DAY;
/** How far back a request decided after the digest time is looked for (a digest made for an earlier date). */
const DECIDED_LATER_LOOKBACK_MS = 90 * DAY;
/** Commands read from the store, newest first; a day of the period holds far fewer. */
const COMMANDS_READ_MAX = 2000;

/** What the "Requests and commands" section reads from the store at the digest time. */
export interface RequestsFacts {
  /** Client requests waiting for the consultant's decision at `now`, oldest first. */
  pending: readonly ClientRequest[];
  /** Commands issued or settled in the period, newest first, with their state at `now`. */
  commands: readonly ListedCommand[];
  /** File manifests still incomplete 6 hours after their result arrived (store/catalogue.ts). */
  manifests: readonly IncompleteManifest[];
}

/**
 * The section's facts as they stood at `now`: a request decided later was still pending then; a
 * command settled later was still open then (shown as sent; its later state is unknown at `now`).
 */
export function loadRequestsFacts(db: Db, now: number): RequestsFacts {
  const decidedLater = requestsIn(db, ['approved', 'declined', 'done', 'failed'], now - DECIDED_LATER_LOOKBACK_MS).filter((r) => r.decidedAt !== null && r.decidedAt > now);
  const pending = [...requestsIn(db, ['pending']), ...decidedLater].filter((r) => r.receivedAt <= now).sort((a, b) => a.receivedAt - b.receivedAt || a.id - b.id);
  const from = now - COMMANDS_PERIOD_MS;
  const inPeriod = (d: Date | null) => d !== null && d.getTime() > from && d.getTime() <= now;
  const commands = listCommands(db, now, COMMANDS_READ_MAX)
    .filter((c) => c.issuedAt === null || c.issuedAt.getTime() <= now)
    .map((c): ListedCommand => {
      if (c.stateAt.getTime() <= now || c.state === 'sent' || c.state === 'expired') return c;
      const expired = c.expiresAt !== null && c.expiresAt.getTime() < now;
      return { ...c, state: expired ? 'expired' : 'sent', stateAt: expired ? c.expiresAt! : (c.issuedAt ?? c.stateAt), reason: null, resultRunId: null, resultStatus: null };
    })
    .filter((c) => inPeriod(c.issuedAt) || (c.state !== 'sent' && inPeriod(c.stateAt)));
  return { pending, commands, manifests: incompleteManifests(db, now) };
}

/** A pending request as the section lists it. */
export interface PendingLine {
  id: number;
  client: string;
  what: string;
  asked: string;
  approve: string;
  decline: string;
}

/** A command of the period as the section lists it. */
export interface CommandLine {
  state: string;
  colour: string;
  /** Refused, expired, or not sent by this collector: also in "Needs attention". */
  problem: boolean;
  where: string;
  what: string;
  when: string;
  note: string;
}

/** The "Requests and commands" section; `any` is false when there is nothing to show. */
export interface RequestsSection {
  any: boolean;
  pending: PendingLine[];
  commands: CommandLine[];
  /** Warning lines about incomplete file catalogues. */
  catalogue: string[];
}

export interface RequestsContext {
  colours: Colours;
  clientName: (clientId: string) => string;
  clientOfSite: (siteId: string) => string;
  jobName: (siteId: string, jobId: string) => string;
  when: (d: Date) => string;
}

/** The counts the subject and summary name (subject.ts). */
export interface RequestsCounts {
  pendingRequests: number;
  commandsRefused: number;
  commandsExpired: number;
  unknownCommands: number;
}

const CLI = 'synecdoche collector request';
/** The attention item names this many waiting requests; the section lists them all. */
const ATTENTION_REQUESTS_NAMED = 5;

/** A request in the consultant's words: 'restore of Invoices/2026 from "Documents" (acme-office), as it was on Thu 3 Dec 2026'. */
function requestWhat(r: ClientRequest, o: RequestsContext): string {
  if (r.action === 'unknown' || r.siteId === null || r.jobId === null) return r.rawLine ? `"${r.rawLine}"` : 'a request not understood';
  const job = `"${o.jobName(r.siteId, r.jobId)}" (${r.siteId})`;
  if (r.action === 'backup') return `extra backup of ${job}, now`;
  const paths = r.args.paths ?? [];
  const what = paths.length === 0 ? 'everything' : paths.join(', ');
  return `restore of ${what} from ${job}, ${r.args.asOf ? `as it was on ${dayLabel(r.args.asOf, true)}` : 'newest backup'}`;
}

/** A command's action in words: "extra backup run", "restore of Invoices into /srv/restored". */
function commandWhat(c: ListedCommand): string {
  if (c.action === 'run-now') return 'extra backup run';
  if (c.action === 'restore') {
    const a = (c.args ?? {}) as { to?: string; paths?: string[] };
    const paths = a.paths && a.paths.length > 0 ? a.paths.join(', ') : 'everything';
    return `restore of ${paths}${a.to ? ` into ${a.to}` : ''}`;
  }
  return c.action;
}

function commandLine(c: ListedCommand, o: RequestsContext): CommandLine {
  const where = `${o.clientOfSite(c.siteId)} / ${c.siteId} / ${c.jobId === null ? '(no job)' : o.jobName(c.siteId, c.jobId)}`;
  const notes: string[] = [];
  let state: string, colour: string;
  if (!c.issued) {
    state = 'UNKNOWN COMMAND';
    colour = o.colours.failed;
    notes.push(`this collector has no record of sending it; the site answered: ${c.state === 'picked-up' ? 'picked up' : 'refused'}${c.reason ? `: ${c.reason}` : ''}`);
  } else if (c.state === 'refused') {
    state = 'REFUSED';
    colour = o.colours.failed;
    notes.push(`refused by the agent: ${c.reason ?? 'no reason given'}`);
  } else if (c.state === 'expired') {
    state = 'EXPIRED';
    colour = o.colours.late;
    notes.push(`no agent answered before it expired (${o.when(c.stateAt)})`);
  } else if (c.state === 'done') {
    state = 'DONE';
    colour = c.resultStatus === 'ok' || c.resultStatus === null ? o.colours.ok : c.resultStatus === 'warning' ? o.colours.warning : o.colours.failed;
    notes.push(`run ${c.resultRunId?.slice(0, 8) ?? '?'}${c.resultStatus ? ` ended ${c.resultStatus}` : ''}`);
  } else {
    state = c.state === 'picked-up' ? 'PICKED UP' : 'SENT';
    colour = o.colours.neutral;
    notes.push(c.state === 'picked-up' ? 'the agent is on it' : 'waiting for the agent');
  }
  // Refusals that did not decide the state: a replayed copy, a misaddressed copy elsewhere.
  for (const r of c.receipts) if (r.state === 'refused' && !(c.state === 'refused' && r.reason === c.reason)) notes.push(`${r.siteId} refused a copy: ${r.reason ?? 'no reason given'}`);
  if (c.requestedBy) notes.push(`asked by ${c.requestedBy}`);
  return {
    state, colour, problem: !c.issued || c.state === 'refused' || c.state === 'expired', where, what: commandWhat(c),
    when: c.issuedAt ? `sent ${o.when(c.issuedAt)}` : `answered ${o.when(c.stateAt)}`, note: notes.join('; '),
  };
}

function catalogueLine(m: IncompleteManifest, o: RequestsContext): string {
  const run = `the file catalogue of ${m.siteId}/${m.jobId} run ${m.runId.slice(0, 8)} (${o.when(m.at)})`;
  return m.partsReceived < m.parts
    ? `${run} is missing ${m.parts - m.partsReceived} of ${m.parts} parts: find-file answers from the previous backup`
    : `${run} waits for the manifest of the run before it, which never arrived: find-file answers from an older backup`;
}

/** The section, its attention items (pending requests as one, each command problem as one) and its counts. Pure. */
export function requestsSection(facts: RequestsFacts | undefined, o: RequestsContext): { section: RequestsSection; attention: AttentionItem[]; counts: RequestsCounts } {
  const pending = (facts?.pending ?? []).map((r): PendingLine => ({
    id: r.id,
    client: r.clientId === null ? `${r.from} (no client)` : `${o.clientName(r.clientId)} (${r.from})`,
    what: requestWhat(r, o),
    asked: o.when(new Date(r.receivedAt)),
    approve: `${CLI} approve ${r.id}`,
    decline: `${CLI} decline ${r.id}`,
  }));
  const listed = (facts?.commands ?? []).map((c) => ({ c, line: commandLine(c, o) }));
  // Problems first, then the rest, each newest first (listCommands' order).
  const commands = [...listed.filter((x) => x.line.problem), ...listed.filter((x) => !x.line.problem)];
  const catalogue = (facts?.manifests ?? []).map((m) => catalogueLine(m, o));
  const none = { clientName: null, siteId: null, jobId: null, since: null, lastError: null, lastGood: null, days: null, maintenance: null };
  const attention: AttentionItem[] = [];
  if (pending.length > 0) {
    const n = pending.length;
    attention.push({
      ...none, kind: 'request', label: LABELS.request, colour: o.colours.warning,
      jobName: `${plural(n, 'client request')} ${n === 1 ? 'waits' : 'wait'} for your decision`,
      detail: `${pending.slice(0, ATTENTION_REQUESTS_NAMED).map((p) => `#${p.id} ${p.client}: ${p.what}`).join('; ')}${n > ATTENTION_REQUESTS_NAMED ? `; and ${n - ATTENTION_REQUESTS_NAMED} more` : ''} (see Requests and commands; decide with: ${CLI} approve ID / decline ID)`,
    });
  }
  for (const { c, line } of commands.filter((x) => x.line.problem)) {
    attention.push({
      ...none, kind: 'command', label: `COMMAND ${line.state === 'UNKNOWN COMMAND' ? 'UNKNOWN' : line.state}`, colour: line.colour,
      clientName: o.clientOfSite(c.siteId), siteId: c.siteId, jobId: c.issued ? c.jobId : null,
      jobName: c.jobId === null ? null : o.jobName(c.siteId, c.jobId),
      detail: `${line.what}, ${line.when}: ${line.note}`,
    });
  }
  const problems = listed.filter((x) => x.line.problem).map((x) => x.c);
  return {
    section: { any: pending.length + commands.length + catalogue.length > 0, pending, commands: commands.map((x) => x.line), catalogue },
    attention,
    counts: {
      pendingRequests: pending.length,
      commandsRefused: problems.filter((c) => c.issued && c.state === 'refused').length,
      commandsExpired: problems.filter((c) => c.issued && c.state === 'expired').length,
      unknownCommands: problems.filter((c) => !c.issued).length,
    },
  };
}
