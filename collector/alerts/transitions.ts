import { latestRunIsGood } from '../status/good.ts';
import type { JobStatus, MailboxStatus, SiteStatus, StatusReport } from '../status/types.ts';
import type { AlertProblem } from './config.ts';
import type { AlertPolicy } from './policy.ts';

/**
 * Which jobs, agents and mailboxes deserve an alert now, from the state last alerted on
 * (alert_state) and the current StatusReport. A pure function of its inputs, so every rule is
 * tested without a server.
 *
 * Problems (each can be switched off, see AlertPolicy):
 * - a job: `failed`; `missing` (a report that did not arrive); `anomaly` (the run says ok or
 *   warning but looks wrong: 0 files, a size drop, the same size, files that did not verify);
 *   `firstRunOverdue` (a new job never reported and its first run is overdue).
 * - an agent: `silent` (its heartbeat is overdue by more than grace.heartbeatGraceMinutes).
 * - a mailbox: `blind` (it cannot be read).
 * Rules:
 * - a job is good again only when its latest run is a good backup by the LAST GOOD rule
 *   (latestRunIsGood): a zero-file "ok" run after a failure is an anomaly, never a recovery.
 *   `late`, and a new job not yet due, are neither good nor a problem: they change nothing.
 *   An agent is good when not silent, a mailbox when readable.
 * - a problem that has lasted its kind's grace (from its start: the first failed run, the due
 *   time, the anomalous run, the missed heartbeat, the last good mailbox read): an `alert`; also
 *   when it replaces another problem (failed -> missing), and for a job's new failure streak
 *   (a newer `since`).
 * - the same problem, unchanged, for its kind's reminder interval since the last alert or
 *   reminder: a `reminder`.
 * - good after an alerted problem: a `recovery`. A subject first seen good is only recorded.
 * - a subject under maintenance (policy.maintenance) is left alone: nothing sent, nothing
 *   recorded; what is still wrong when the window ends is alerted then.
 * - a problem whose start is unknown (a mailbox never read, an agent never heard from) is
 *   recorded unalerted when first seen, and its grace counts from then.
 */
export type AlertKind = 'alert' | 'recovery' | 'reminder';

export type AlertSubject = { type: 'job'; job: JobStatus } | { type: 'site'; site: SiteStatus } | { type: 'mailbox'; mailbox: MailboxStatus };

export interface AlertEvent {
  kind: AlertKind;
  /** The problem alerted on, or for a recovery the one that ended. */
  problem: AlertProblem;
  /** The state now: a job's engine state ('failed', 'ok' ...), or 'anomaly', 'first-run-overdue', 'silent', 'blind'. */
  state: string;
  /** The state it left: the problem a recovery ends, the problem an alert replaces, else null or 'ok'. */
  previousState: string | null;
  /** When the problem began, or null. */
  since: Date | null;
  subject: AlertSubject;
}

export interface AlertStateRow {
  siteId: string;
  jobId: string;
  /** 'ok' or the problem's state: 'failed', 'missing', 'anomaly', 'first-run-overdue', 'silent', 'blind'. */
  state: string;
  since: number | null;
  /** When the problem was alerted on (or the recovery sent); null: seen, not alerted yet. */
  lastAlertAt: number | null;
  lastReminderAt: number | null;
}

/**
 * alert_state keys: a job is (site id, job id); an agent is (site id, ''); a mailbox is
 * ('', mailbox name). Ids are never empty, so the three cannot collide.
 */
export const stateKey = (siteId: string, jobId: string) => `${siteId}\u0000${jobId}`;
export const siteKey = (siteId: string) => ({ siteId, jobId: '' });
export const mailboxKey = (name: string) => ({ siteId: '', jobId: name });

const PROBLEM_OF_STATE: Record<string, AlertProblem> = {
  failed: 'failed', missing: 'missing', anomaly: 'anomaly', 'first-run-overdue': 'firstRunOverdue', silent: 'silent', blind: 'blind',
};

/** A problem as the transitions read it. `streaks`: a newer `since` is a new incident. */
interface Problem {
  problem: AlertProblem;
  state: string;
  since: Date | null;
  streaks: boolean;
}

/** A job's problem, 'good', or null (late, not yet due, or a problem whose kind is off). */
function jobProblem(j: JobStatus, policy: AlertPolicy): Problem | 'good' | null {
  let p: Problem | null = null;
  if (j.state === 'failed' || j.state === 'missing') p = { problem: j.state, state: j.state, since: j.since, streaks: true };
  else if (j.state === 'never-reported' && j.since !== null) p = { problem: 'firstRunOverdue', state: 'first-run-overdue', since: j.since, streaks: true };
  else if ((j.state === 'ok' || j.state === 'warning') && j.anomalies.length > 0) {
    p = { problem: 'anomaly', state: 'anomaly', since: j.lastRun?.startedAt ?? null, streaks: false };
  } else if (latestRunIsGood(j)) return 'good';
  return p && policy.kinds[p.problem].enabled ? p : null;
}

/** The events to send and the alert_state rows to write (only the rows that change). */
export function alertTransitions(
  previous: ReadonlyMap<string, AlertStateRow>,
  report: StatusReport,
  now: Date,
  policy: AlertPolicy,
): { events: AlertEvent[]; rows: AlertStateRow[] } {
  const t = now.getTime();
  const events: AlertEvent[] = [];
  const rows: AlertStateRow[] = [];
  const step = (key: { siteId: string; jobId: string }, subject: AlertSubject, p: Problem | 'good' | null, goodState: string) => {
    if (p === null) return;
    const prev = previous.get(stateKey(key.siteId, key.jobId));
    const alerted = prev !== undefined && prev.state !== 'ok' && prev.lastAlertAt !== null;
    if (p === 'good') {
      if (prev !== undefined && prev.state === 'ok') return;
      if (alerted) {
        events.push({ kind: 'recovery', problem: PROBLEM_OF_STATE[prev.state] ?? 'failed', state: goodState, previousState: prev.state, since: null, subject });
      }
      rows.push({ ...key, state: 'ok', since: null, lastAlertAt: alerted ? t : null, lastReminderAt: null });
      return;
    }
    const k = policy.kinds[p.problem];
    const since = p.since?.getTime() ?? null;
    const newStreak = p.streaks && since !== null && prev?.since != null && since > prev.since;
    if (alerted && prev.state === p.state && !newStreak) {
      if (t - Math.max(prev.lastAlertAt ?? 0, prev.lastReminderAt ?? 0) >= k.reminderMs) {
        events.push({ kind: 'reminder', problem: p.problem, state: p.state, previousState: prev.state, since: dateOf(prev.since), subject });
        rows.push({ ...prev, lastReminderAt: t });
      }
      return;
    }
    // Pending: seen before without an alert, for the same problem (its start was unknown then).
    const pending = prev !== undefined && prev.state === p.state && prev.lastAlertAt === null ? prev : undefined;
    const start = since ?? pending?.since ?? t;
    if (t - start < k.graceMs) {
      if (since === null && !pending && !alerted) rows.push({ ...key, state: p.state, since: t, lastAlertAt: null, lastReminderAt: null });
      return;
    }
    const previousState = prev === undefined || pending ? null : prev.state;
    events.push({ kind: 'alert', problem: p.problem, state: p.state, previousState, since: dateOf(start), subject });
    rows.push({ ...key, state: p.state, since: start, lastAlertAt: t, lastReminderAt: null });
  };

  for (const job of report.jobs) {
    if (policy.maintenance({ clientId: job.clientId, siteId: job.siteId })) continue;
    step({ siteId: job.siteId, jobId: job.jobId }, { type: 'job', job }, jobProblem(job, policy), job.state);
  }
  for (const site of report.sites) {
    if (policy.maintenance({ clientId: site.clientId, siteId: site.siteId })) continue;
    const p: Problem | 'good' | null = !site.agentSilent ? 'good' : policy.kinds.silent.enabled ? { problem: 'silent', state: 'silent', since: site.heartbeatDueAt, streaks: false } : null;
    step(siteKey(site.siteId), { type: 'site', site }, p, 'ok');
  }
  for (const mailbox of report.mailboxes) {
    const p: Problem | 'good' | null = !mailbox.blind ? 'good' : policy.kinds.blind.enabled ? { problem: 'blind', state: 'blind', since: mailbox.lastGoodPollAt, streaks: false } : null;
    step(mailboxKey(mailbox.name), { type: 'mailbox', mailbox }, p, 'ok');
  }
  return { events, rows };
}

const dateOf = (ms: number | null) => (ms === null ? null : new Date(ms));
