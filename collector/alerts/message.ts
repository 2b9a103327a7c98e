import type { CollectorConfig } from '../config.ts';
import { provenanceNotes } from '../status/provenance.ts';
import type { JobStatus } from '../status/types.ts';
import type { AlertProblem } from './config.ts';
import type { AlertEvent } from './transitions.ts';

/**
 * One alert as every channel renders it: the same facts in the email templates, the webhook
 * JSON and the ntfy text. Times are shown in the consultant's zone (the reader's), and also given
 * as ISO 8601 for machines. Job fields are null for an agent's or a mailbox's alert.
 */
export interface AlertMessage {
  kind: AlertEvent['kind'];
  /** What the alert is about: failed, missing, anomaly, firstRunOverdue, silent, blind. */
  problem: AlertProblem;
  /** 'job', 'site' (an agent) or 'mailbox'. */
  about: AlertEvent['subject']['type'];
  state: string;
  /** The bad state a recovered job left, else null. */
  previousState: string | null;
  /** "FAILED", "ANOMALY", "AGENT SILENT", "MONITORING BLIND", "RECOVERED", "STILL FAILED" ... */
  label: string;
  /** "[FAILED] Acme Ltd / fs1 / Nightly documents", "[MONITORING BLIND] mailbox main". */
  subject: string;
  /** One sentence that says what happened, in plain words. */
  headline: string;
  /** One line with everything: the subject, since when and the reason. */
  text: string;
  client: string | null;
  clientId: string | null;
  site: string | null;
  job: string | null;
  jobId: string | null;
  mailbox: string | null;
  /** ISO 8601, or null. */
  since: string | null;
  /** "Tue 24 Nov 02:00 (Europe/London)", or null. */
  sinceLocal: string | null;
  reason: string;
  /** What looks wrong with an anomalous run, one line each. */
  anomalies: string[];
  /** When the last good run ended, in local words, or null (never, or not about a job). */
  lastGoodLocal: string | null;
  /** Where the job's facts come from when that needs saying ("unsigned: from the tool's own notification email"). */
  notes: string[];
  timeZone: string;
}

const LABELS: Record<AlertProblem, string> = {
  failed: 'FAILED', missing: 'MISSING', anomaly: 'ANOMALY', firstRunOverdue: 'FIRST RUN OVERDUE', silent: 'AGENT SILENT', blind: 'MONITORING BLIND',
};

const HEADLINES: Record<AlertProblem, string> = {
  failed: 'This backup job has turned failed.',
  missing: 'This backup job has turned missing.',
  anomaly: 'This backup job reported success, but the run looks wrong: it does not count as a good backup.',
  firstRunOverdue: 'This new backup job has not reported yet, and its first run is overdue.',
  silent: 'The agent at this site has gone silent: its heartbeat is overdue.',
  blind: 'This mailbox cannot be read: monitoring is blind, and reports waiting in it are not seen. This alert was sent without it.',
};

/** How a recovery names the problem that ended: "It was ... before." */
const WAS: Record<string, string> = { anomaly: 'showing an anomaly', 'first-run-overdue': 'waiting for its overdue first run', silent: 'silent', blind: 'unreadable' };

export function alertMessage(event: AlertEvent, cfg: CollectorConfig): AlertMessage {
  const zone = cfg.consultant.timeZone;
  const s = event.subject;
  const clientName = (id: string) => cfg.clients.find((c) => c.id === id)?.name ?? id;
  const label = event.kind === 'recovery' ? 'RECOVERED' : event.kind === 'reminder' ? `STILL ${LABELS[event.problem]}` : LABELS[event.problem];
  const job = s.type === 'job' ? s.job : null;
  const clientId = s.type === 'job' ? s.job.clientId : s.type === 'site' ? s.site.clientId : null;
  const client = clientId === null ? null : clientName(clientId);
  const site = s.type === 'job' ? s.job.siteId : s.type === 'site' ? s.site.siteId : null;
  const mailbox = s.type === 'mailbox' ? s.mailbox.name : null;
  const where = mailbox !== null ? `mailbox ${mailbox}` : [client, site, job?.jobName ?? null].filter((x) => x !== null).join(' / ');
  const subject = `[${label}] ${where}`;
  const sinceLocal = event.kind !== 'recovery' && event.since ? localWords(event.since, zone) : null;
  const anomalies = job && event.problem === 'anomaly' && event.kind !== 'recovery' ? job.anomalies.map((a) => a.message) : [];
  const reason = reasonOf(event, job, anomalies, zone);
  const notes = job ? provenanceNotes(job) : [];
  return {
    kind: event.kind,
    problem: event.problem,
    about: s.type,
    state: event.state,
    previousState: event.kind === 'recovery' ? event.previousState : null,
    label,
    subject,
    headline: headlineOf(event),
    text: `${subject}${sinceLocal ? ` since ${sinceLocal}` : ''}: ${reason}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    client,
    clientId,
    site,
    job: job?.jobName ?? null,
    jobId: job?.jobId ?? null,
    mailbox,
    since: event.kind === 'recovery' ? null : (event.since?.toISOString() ?? null),
    sinceLocal,
    reason,
    anomalies,
    lastGoodLocal: job?.lastGoodRun ? localWords(job.lastGoodRun.endedAt, zone) : null,
    notes,
    timeZone: zone,
  };
}

function headlineOf(e: AlertEvent): string {
  if (e.kind === 'recovery') {
    const was = `It was ${WAS[e.previousState ?? ''] ?? e.previousState} before.`;
    if (e.subject.type === 'site') return `The agent at this site is heard from again. ${was}`;
    if (e.subject.type === 'mailbox') return `This mailbox can be read again: monitoring works. ${was}`;
    return `This backup job is working again: its latest run is a good backup. ${was}`;
  }
  if (e.kind === 'reminder') return e.problem === 'failed' || e.problem === 'missing' ? `This backup job is still ${e.state}.` : `Still so: ${HEADLINES[e.problem]}`;
  return HEADLINES[e.problem];
}

function reasonOf(e: AlertEvent, job: JobStatus | null, anomalies: string[], zone: string): string {
  const s = e.subject;
  if (s.type === 'mailbox') {
    const m = s.mailbox;
    if (e.kind === 'recovery') return m.lastGoodPollAt ? `read successfully ${localWords(m.lastGoodPollAt, zone)}` : 'read successfully';
    const read = m.lastGoodPollAt ? `not read successfully since ${localWords(m.lastGoodPollAt, zone)}` : 'never read successfully';
    return `${read}${m.lastError ? `; last error: ${m.lastError.split(/\r?\n/)[0]}` : ''}`;
  }
  if (s.type === 'site') {
    if (e.kind === 'recovery') return s.site.lastSeenAt ? `last heard from ${localWords(s.site.lastSeenAt, zone)}` : 'heard from again';
    return s.site.reason ?? 'heartbeat overdue';
  }
  if (anomalies.length > 0 && job?.lastRun) {
    return `the last run ${job.lastRun.status === 'ok' ? 'said ok' : 'ended with warnings'}, but ${anomalies.join('; ')}`;
  }
  return job?.reason ?? '';
}

function localWords(d: Date, zone: string): string {
  const s = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
  return `${s.replace(',', '')} (${zone})`;
}
