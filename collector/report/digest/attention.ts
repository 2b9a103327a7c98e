import { provenanceNotes } from '../../status/provenance.ts';
import { localTimeWords } from '../../status/clock-words.ts';
import type { JobStatus, MailboxStatus, SiteStatus } from '../../status/types.ts';
import { durationWords, plural, relativeWords } from '../../status/words.ts';
import type { QuarantineSummary } from './history.ts';
import type { JobDays } from './strips.ts';
import { categoryOf, type Category } from './subject.ts';
import type { Colours } from './theme.ts';

/** One line of "Needs attention", with everything the consultant needs to act on it. */
export interface AttentionItem {
  kind: Exclude<Category, 'ok' | 'new'> | 'blind' | 'silent' | 'command' | 'request' | 'quarantine';
  label: string;
  colour: string;
  clientName: string | null;
  siteId: string | null;
  /** The job's id, for links (the dashboard); null for items that are not a job. */
  jobId: string | null;
  jobName: string | null;
  /** "Mon 23 Nov 02:00 (1 day)", or null. */
  since: string | null;
  /** The last error in one line, or null. */
  lastError: string | null;
  /** "3 days ago" / "never"; null for items that are not about a job. */
  lastGood: string | null;
  /** The engine's reason and anything else worth a line. */
  detail: string;
  days: JobDays | null;
  /** "maintenance: server move, ..." when a maintenance window (alerts.maintenance) covered it, else null. */
  maintenance: string | null;
}

/** The order of the attention list: blind mailboxes first (the rest may be incomplete). */
const ORDER: AttentionItem['kind'][] = ['blind', 'failed', 'missing', 'late', 'warning', 'anomaly', 'silent', 'command', 'request', 'quarantine'];

export const LABELS: Record<AttentionItem['kind'], string> = {
  blind: 'MONITORING BLIND', failed: 'FAILED', missing: 'MISSING', late: 'LATE', warning: 'WARNING', anomaly: 'ANOMALY', silent: 'AGENT SILENT', command: 'COMMAND', request: 'CLIENT REQUEST', quarantine: 'QUARANTINED',
};

export interface AttentionContext {
  now: Date;
  zone: string;
  colours: Colours;
  clientName: (clientId: string) => string;
  daysOf: (j: JobStatus) => JobDays;
  /** The maintenance note of a client's site (see alerts/maintenance.ts), or null. */
  maintenance?: (clientId: string, siteId: string | null) => string | null;
  /** Why a job is not proven restorable enough (report/drills.ts), or null; none when absent. */
  drillWarning?: (j: JobStatus) => string | null;
  /** Items built elsewhere (requests.ts: pending client requests, refused or expired commands), sorted in by kind. */
  extra?: readonly AttentionItem[];
}

export function colourOfKind(kind: AttentionItem['kind'] | Category, c: Colours): string {
  switch (kind) {
    case 'failed': case 'blind': return c.failed;
    case 'missing': return c.missing;
    case 'late': case 'silent': return c.late;
    case 'warning': case 'anomaly': case 'quarantine': case 'request': return c.warning;
    case 'command': return c.failed;
    case 'ok': return c.ok;
    default: return c.neutral;
  }
}

/** Everything that needs the consultant, worst first. Pure. */
export function attentionItems(jobs: readonly JobStatus[], sites: readonly SiteStatus[], mailboxes: readonly MailboxStatus[], quarantine: QuarantineSummary, ctx: AttentionContext): AttentionItem[] {
  const t = ctx.now.getTime();
  const when = (d: Date | null) => (d ? `${localTimeWords(d, ctx.zone, ctx.now)} (${durationWords(t - d.getTime())})` : null);
  const items: AttentionItem[] = [];
  const base = (kind: AttentionItem['kind']) => ({ kind, label: LABELS[kind], colour: colourOfKind(kind, ctx.colours) });

  for (const m of mailboxes.filter((x) => x.blind)) {
    const poll = m.lastGoodPollAt ? `last good poll ${relativeWords(t - m.lastGoodPollAt.getTime())}` : 'never read successfully';
    items.push({
      ...base('blind'), clientName: null, siteId: null, jobId: null, jobName: `mailbox ${m.name}`, since: when(m.lastGoodPollAt), lastError: oneLine(m.lastError), lastGood: null,
      detail: `${poll}: new reports cannot be read, so this digest may be incomplete`, days: null, maintenance: null,
    });
  }
  for (const j of jobs) {
    const cat = categoryOf(j);
    const drill = ctx.drillWarning?.(j) ?? null;
    if (cat === 'ok' || cat === 'new') {
      // A backup that runs but was not proven restorable (report/drills.ts) is a warning of its own.
      if (drill) {
        items.push({
          ...base('warning'), clientName: ctx.clientName(j.clientId), siteId: j.siteId, jobId: j.jobId, jobName: j.jobName, since: null, lastError: null,
          lastGood: j.lastGoodAgeMs === null ? 'never' : relativeWords(j.lastGoodAgeMs),
          detail: `restore drill: ${drill}`, days: ctx.daysOf(j), maintenance: ctx.maintenance?.(j.clientId, j.siteId) ?? null,
        });
      }
      continue;
    }
    const lastError = oneLine(j.lastRun?.firstError ?? null);
    // The engine's reason ends with the error; it gets a line of its own below.
    const reason = lastError && j.reason.endsWith(`: ${lastError}`) ? j.reason.slice(0, -lastError.length - 2) : j.reason;
    const notes = [reason, ...j.anomalies.map((a) => `anomaly: ${a.message}`)];
    if (j.missingSequences > 0) notes.push(`${plural(j.missingSequences, 'report')} never arrived`);
    notes.push(...provenanceNotes(j));
    if (drill) notes.push(`restore drill: ${drill}`);
    items.push({
      ...base(cat), clientName: ctx.clientName(j.clientId), siteId: j.siteId, jobId: j.jobId, jobName: j.jobName, since: when(j.since),
      lastError,
      lastGood: j.lastGoodAgeMs === null ? 'never' : relativeWords(j.lastGoodAgeMs),
      detail: notes.join('; '), days: ctx.daysOf(j), maintenance: ctx.maintenance?.(j.clientId, j.siteId) ?? null,
    });
  }
  for (const s of sites.filter((x) => x.agentSilent)) {
    items.push({
      ...base('silent'), clientName: ctx.clientName(s.clientId), siteId: s.siteId, jobId: null, jobName: null, since: when(s.lastSeenAt), lastError: null, lastGood: null,
      detail: s.reason ?? 'no heartbeat', days: null, maintenance: ctx.maintenance?.(s.clientId, s.siteId) ?? null,
    });
  }
  if (quarantine.count > 0) {
    const newest = quarantine.newest[0];
    items.push({
      ...base('quarantine'), clientName: null, siteId: null, jobId: null, jobName: 'Messages held in quarantine', since: null, lastError: null, lastGood: null,
      detail: `${plural(quarantine.count, 'message')} held${newest ? `; newest: ${newest.reason ?? 'unknown reason'}` : ''} (see Pipeline health; release or delete with: collector quarantine)`,
      days: null, maintenance: null,
    });
  }
  items.push(...(ctx.extra ?? []));
  return items.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
}

/** The first line of a message, trimmed to a readable length. */
export function oneLine(s: string | null): string | null {
  if (s === null) return null;
  const line = s.split(/\r?\n/)[0]!.trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
