import type { CollectorConfig } from '../config.ts';
import { provenanceNotes } from '../status/provenance.ts';
import type { AlertEvent } from './transitions.ts';

/**
 * One alert as every channel renders it: the same facts in the email templates, the webhook
 * JSON and the ntfy text. Times are shown in the consultant's zone (the reader's), and also given
 * as ISO 8601 for machines.
 */
export interface AlertMessage {
  kind: AlertEvent['kind'];
  state: string;
  /** The bad state a recovered job left, else null. */
  previousState: string | null;
  /** "FAILED", "MISSING", "RECOVERED", "STILL FAILED", "STILL MISSING". */
  label: string;
  /** "[FAILED] Acme Ltd / fs1 / Nightly documents". */
  subject: string;
  /** One line with everything: the subject, since when and the reason. */
  text: string;
  client: string;
  clientId: string;
  site: string;
  job: string;
  jobId: string;
  /** ISO 8601, or null. */
  since: string | null;
  /** "Tue 24 Nov 02:00 (Europe/London)", or null. */
  sinceLocal: string | null;
  reason: string;
  /** When the last good run ended, in local words, or null when there never was one. */
  lastGoodLocal: string | null;
  /** Where the job's facts come from when that needs saying ("unsigned: from the tool's own notification email"). */
  notes: string[];
  timeZone: string;
}

export function alertMessage(event: AlertEvent, cfg: CollectorConfig): AlertMessage {
  const j = event.job;
  const zone = cfg.consultant.timeZone;
  const client = cfg.clients.find((c) => c.id === j.clientId)?.name ?? j.clientId;
  const label =
    event.kind === 'recovery' ? 'RECOVERED' : event.kind === 'reminder' ? `STILL ${event.state.toUpperCase()}` : event.state.toUpperCase();
  const subject = `[${label}] ${client} / ${j.siteId} / ${j.jobName}`;
  const sinceLocal = j.since ? localWords(j.since, zone) : null;
  const lastGoodLocal = j.lastGoodRun ? localWords(j.lastGoodRun.endedAt, zone) : null;
  const when = event.kind === 'recovery' ? '' : sinceLocal ? ` since ${sinceLocal}` : '';
  const notes = provenanceNotes(j);
  return {
    kind: event.kind,
    state: event.state,
    previousState: event.kind === 'recovery' ? event.previousState : null,
    label,
    subject,
    text: `${subject}${when}: ${j.reason}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    client,
    clientId: j.clientId,
    site: j.siteId,
    job: j.jobName,
    jobId: j.jobId,
    since: j.since?.toISOString() ?? null,
    sinceLocal,
    reason: j.reason,
    lastGoodLocal,
    notes,
    timeZone: zone,
  };
}

function localWords(d: Date, zone: string): string {
  const s = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
  return `${s.replace(',', '')} (${zone})`;
}
