import type { JobState, JobStatus, StatusReport } from '../status/types.ts';

/**
 * Which jobs deserve an alert now, from the state last alerted on (alert_state) and the current
 * StatusReport. A pure function of its inputs, so every rule is tested without a server.
 *
 * Rules:
 * - bad states are `failed` and `missing`; good ones are `ok` and `warning`. `late` and
 *   `never-reported` are neither: they change nothing (late turns into missing, which alerts;
 *   a new job's first report says the rest).
 * - good -> bad, or one bad state -> another (failed -> missing), or the same bad state with a
 *   newer `since` (a new streak): an `alert`.
 * - bad -> good: a `recovery`.
 * - bad and unchanged for `reminderHours` since the last alert or reminder: a `reminder`.
 * - a job seen for the first time in a good state is only recorded, without a message.
 */
export type AlertKind = 'alert' | 'recovery' | 'reminder';

export interface AlertEvent {
  kind: AlertKind;
  /** The job's state now. */
  state: JobState;
  /** The bad state it left (recoveries only). */
  previousState: string | null;
  job: JobStatus;
}

export interface AlertStateRow {
  siteId: string;
  jobId: string;
  /** 'ok' or the bad state alerted on. */
  state: string;
  since: number | null;
  lastAlertAt: number | null;
  lastReminderAt: number | null;
}

const BAD = new Set<JobState>(['failed', 'missing']);
const GOOD = new Set<JobState>(['ok', 'warning']);

export const stateKey = (siteId: string, jobId: string) => `${siteId}\u0000${jobId}`;

/** The events to send and the alert_state rows to write (only the rows that change). */
export function alertTransitions(
  previous: ReadonlyMap<string, AlertStateRow>,
  report: StatusReport,
  now: Date,
  reminderHours: number,
): { events: AlertEvent[]; rows: AlertStateRow[] } {
  const t = now.getTime();
  const events: AlertEvent[] = [];
  const rows: AlertStateRow[] = [];
  for (const job of report.jobs) {
    const prev = previous.get(stateKey(job.siteId, job.jobId));
    const since = job.since?.getTime() ?? null;
    const base = { siteId: job.siteId, jobId: job.jobId };
    if (GOOD.has(job.state)) {
      if (prev === undefined) rows.push({ ...base, state: 'ok', since: null, lastAlertAt: null, lastReminderAt: null });
      else if (prev.state !== 'ok') {
        events.push({ kind: 'recovery', state: job.state, previousState: prev.state, job });
        rows.push({ ...base, state: 'ok', since: null, lastAlertAt: t, lastReminderAt: null });
      }
      continue;
    }
    if (!BAD.has(job.state)) continue;
    const newIncident =
      prev === undefined || prev.state === 'ok' || prev.state !== job.state || (since !== null && prev.since !== null && since > prev.since);
    if (newIncident) {
      events.push({ kind: 'alert', state: job.state, previousState: prev?.state ?? null, job });
      rows.push({ ...base, state: job.state, since, lastAlertAt: t, lastReminderAt: null });
      continue;
    }
    const last = Math.max(prev.lastAlertAt ?? 0, prev.lastReminderAt ?? 0);
    if (t - last >= reminderHours * 3_600_000) {
      events.push({ kind: 'reminder', state: job.state, previousState: prev.state, job });
      rows.push({ ...prev, lastReminderAt: t });
    }
  }
  return { events, rows };
}
