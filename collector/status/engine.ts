import type { JobFacts, MailboxFacts, MailboxStatus, SiteFacts, SiteStatus, StatusFacts, StatusParams, StatusReport } from './types.ts';
import { evaluateJob } from './jobs.ts';
import { median, relativeWords } from './words.ts';

const MINUTE = 60_000;
/** An agent sends a heartbeat every day; when it never announced the next one, expect it a day after the last contact. */
const DEFAULT_HEARTBEAT_INTERVAL_MS = 24 * 60 * MINUTE;
/** Clock drift is about the agent's clock now: the newest few runs of each job say enough. */
export const DRIFT_RUNS_PER_JOB = 5;

/**
 * The truth about every job, site and mailbox at `now`: a pure function of the stored facts,
 * the grace and anomaly parameters and the time, so that every rule can be tested with a
 * hand-built clock (no I/O, no Date.now()). Jobs are sorted by client, site and job; sites by
 * client and site; mailboxes by name. See jobs.ts for the job states and anomalies.ts for the
 * anomaly definitions.
 */
export function evaluateStatus(facts: StatusFacts, params: StatusParams, now: Date): StatusReport {
  const zoneOf = new Map<string, string | null>(facts.sites.map((s) => [s.siteId, s.agentTimeZone]));
  const jobs = sortedBy(facts.jobs, compareJobs).map((j) => evaluateJob(j, params, now, zoneOf.get(j.siteId) ?? null));
  const jobsBySite = new Map<string, JobFacts[]>();
  for (const j of facts.jobs) {
    const list = jobsBySite.get(j.siteId) ?? [];
    list.push(j);
    jobsBySite.set(j.siteId, list);
  }
  const sites = [...facts.sites]
    .sort((a, b) => compare(a.clientId, b.clientId) || compare(a.siteId, b.siteId))
    .map((s) => evaluateSite(s, jobsBySite.get(s.siteId) ?? [], params, now));
  const mailboxes = [...facts.mailboxes].sort((a, b) => compare(a.name, b.name)).map((m) => evaluateMailbox(m, params, now));
  return {
    generatedAt: now,
    jobs,
    sites,
    mailboxes,
    monitoringBlind: mailboxes.some((m) => m.blind),
    quarantinedCount: facts.quarantinedCount,
    unmappedCount: facts.unmappedCount ?? 0,
  };
}

/**
 * "Agent silent" when the site should send heartbeats and the next one is overdue by more than
 * the grace: the announced nextHeartbeatAt, or, when none was announced, a day after the last
 * heartbeat (or after the last signed message when no heartbeat ever came). A site never heard
 * from at all is silent at once. A site that sends no heartbeats is never silent: its jobs' late
 * and missing states say what there is to say.
 *
 * Clock drift is the median over the site's newest runs (DRIFT_RUNS_PER_JOB of each job) of
 * sentAt - receivedAt in minutes, one decimal; positive means the agent's clock is ahead. It
 * assumes receivedAt is the mailbox's arrival time, so mail delivery delay reads as a small
 * negative drift.
 */
export function evaluateSite(site: SiteFacts, jobs: readonly JobFacts[], params: StatusParams, now: Date): SiteStatus {
  const drifts: number[] = [];
  for (const j of jobs) {
    const n = Math.min(j.recentRuns.length, DRIFT_RUNS_PER_JOB);
    for (let i = 0; i < n; i++) drifts.push((j.recentRuns[i]!.sentAt - j.recentRuns[i]!.receivedAt) / MINUTE);
  }
  const clockDriftMinutes = drifts.length === 0 ? null : Math.round(median(drifts) * 10) / 10;
  const base = { siteId: site.siteId, clientId: site.clientId, lastSeenAt: site.lastSeenAt, clockDriftMinutes };
  if (!site.heartbeatExpected) return { ...base, agentSilent: false, reason: null, heartbeatDueAt: null };

  const t = now.getTime();
  const graceMs = params.heartbeatGraceMinutes * MINUTE;
  const lastContact = site.lastHeartbeatAt ?? site.lastSeenAt;
  if (site.nextHeartbeatAt === null && lastContact === null) {
    return { ...base, agentSilent: true, reason: 'never heard from: nothing signed has arrived from this site', heartbeatDueAt: null };
  }
  const expected = site.nextHeartbeatAt ?? new Date(lastContact!.getTime() + DEFAULT_HEARTBEAT_INTERVAL_MS);
  if (t - expected.getTime() <= graceMs) return { ...base, agentSilent: false, reason: null, heartbeatDueAt: null };
  const seen = site.lastSeenAt ? `last seen ${relativeWords(t - site.lastSeenAt.getTime())}` : 'never seen';
  const what = site.lastHeartbeatAt ? 'heartbeat' : 'first heartbeat';
  return { ...base, agentSilent: true, reason: `${what} was due ${relativeWords(t - expected.getTime())}; ${seen}`, heartbeatDueAt: expected };
}

/**
 * A mailbox is blind when it was never read successfully, when its last good poll is older than
 * blindAfterMinutes, or when an error came after the last good poll: "nothing new" from a mailbox
 * that cannot be read must never look like all is well.
 */
export function evaluateMailbox(m: MailboxFacts, params: StatusParams, now: Date): MailboxStatus {
  const good = m.lastGoodPollAt;
  const blind =
    good === null ||
    now.getTime() - good.getTime() > params.blindAfterMinutes * MINUTE ||
    (m.lastErrorAt !== null && m.lastErrorAt.getTime() > good.getTime());
  return { name: m.name, blind, lastGoodPollAt: good, lastError: m.lastError };
}

function compareJobs(a: JobFacts, b: JobFacts): number {
  return compare(a.clientId, b.clientId) || compare(a.siteId, b.siteId) || compare(a.jobId, b.jobId);
}

/** A sorted copy; the store usually delivers rows in order already, and checking is cheaper than sorting. */
function sortedBy<T>(items: readonly T[], cmp: (a: T, b: T) => number): T[] {
  for (let i = 1; i < items.length; i++) {
    if (cmp(items[i - 1]!, items[i]!) > 0) return [...items].sort(cmp);
  }
  return [...items];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
