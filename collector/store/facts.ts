import type { CollectorConfig } from '../config.ts';
import type { DueFrom, JobFacts, MailboxFacts, SiteFacts, StatusFacts } from '../status/types.ts';
import { combineDay, expectedNext } from '../status/expected.ts';
import { ruleName } from '../ingest/third-party.ts';
import { localDate } from '../../core/time.ts';
import { statementsOf, type Db } from './db.ts';
import { quarantinedCount, unmappedCount } from './messages.ts';
import { decodeLastGood, decodeRuns, RECENT_RUNS } from './summary.ts';

type JobRow = [string, string, string, string | null, string | null, number | null, number, Buffer | null, Buffer | null, string | null, string | null];

const stmts = statementsOf(prepare);

function prepare(db: Db) {
  return {
    // One row per job: the recent runs come from the job's summary (summary.ts), not from `runs`.
    jobs: db.prepare(`SELECT site_id, job_id, name, plugin, schedule, next_run_at, first_seen_at, recent_runs, last_good, client_id, rule FROM jobs`).raw(),
    gaps: db.prepare(`SELECT site_id, job_id, sum(to_seq - from_seq + 1) FROM sequence_gaps GROUP BY site_id, job_id`).raw(),
    sites: db.prepare(`SELECT s.site_id, s.last_seen_at, s.agent_time_zone, h.sent_at, h.next_heartbeat_at
      FROM sites s LEFT JOIN heartbeats h ON h.run_id = (SELECT run_id FROM heartbeats WHERE site_id = s.site_id ORDER BY sent_at DESC LIMIT 1)`).raw(),
    polls: db.prepare(`SELECT mailbox, last_good_at, last_error, last_error_at FROM mailbox_polls`).raw(),
  };
}

const date = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms));

/**
 * Turns the tables into the status engine's input. Only sites in the current config count (a
 * site removed from the config is no longer monitored); configured sites and mailboxes that
 * never reported appear with empty facts, so the engine can say "agent silent" or "blind".
 * Jobs come sorted by client, site and job id.
 */
export function loadStatusFacts(db: Db, cfg: CollectorConfig, opts: { recentRuns?: number } = {}): StatusFacts {
  const limit = opts.recentRuns ?? recentRunsFor(cfg);
  const s = stmts(db);
  const clientOf = new Map(cfg.sites.map((site) => [site.id, site.client]));
  const clients = new Map(cfg.clients.map((c) => [c.id, (ms: number) => localDate(ms, c.timeZone)]));
  const gaps = new Map((s.gaps.all() as [string, string, number][]).map((g) => [`${g[0]}\u0000${g[1]}`, g[2]]));
  const jobs: JobFacts[] = [];
  for (const r of s.jobs.all() as JobRow[]) {
    // A third-party job's client is the one its rule mapped it to; an agent's, its site's.
    const thirdParty = r[9] !== null;
    const clientId = thirdParty ? (clients.has(r[9]!) ? r[9]! : undefined) : clientOf.get(r[0]);
    if (clientId === undefined) continue;
    let recentRuns = decodeRuns(r[7], limit);
    let announced = date(r[5]);
    let dueFrom: DueFrom = announced ? 'announced' : null;
    let lateAfterMinutes: number | null = null;
    if (thirdParty) {
      const set = thirdPartySettings(cfg, r[10], r[0], r[1]);
      recentRuns = combineDay(recentRuns, set.combine, clients.get(clientId)!) as typeof recentRuns;
      const e = expectedNext(recentRuns, set.schedule);
      announced = e.dueAt;
      dueFrom = e.how;
      lateAfterMinutes = set.schedule?.graceMinutes ?? null;
    }
    jobs.push({
      clientId,
      siteId: r[0],
      jobId: r[1],
      jobName: r[2],
      plugin: r[3],
      schedule: r[4],
      recentRuns,
      lastGoodRun: decodeLastGood(r[8], recentRuns),
      announcedNextRunAt: announced,
      firstSeenAt: new Date(r[6]),
      missingSequences: gaps.get(`${r[0]}\u0000${r[1]}`) ?? 0,
      source: thirdParty ? 'third-party' : 'agent',
      dueFrom,
      lateAfterMinutes,
    });
  }
  jobs.sort((a, b) => cmp(a.clientId, b.clientId) || cmp(a.siteId, b.siteId) || cmp(a.jobId, b.jobId));
  return { jobs, sites: siteFacts(db, cfg), mailboxes: mailboxFacts(db, cfg), quarantinedCount: quarantinedCount(db), unmappedCount: unmappedCount(db) };
}

/**
 * How many recent runs the engine gets per job: enough for the anomaly baseline (medianWindow
 * successful runs before the latest), the same-size streak and a few failed runs in between,
 * at most RECENT_RUNS. Fewer runs keep `collector status` fast: decoding the runs and the
 * garbage collector's copying of them are most of its cost.
 */
export function recentRunsFor(cfg: CollectorConfig): number {
  return Math.min(RECENT_RUNS, Math.max(cfg.anomalies.medianWindow, cfg.anomalies.sameSizeRuns) + 4);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function siteFacts(db: Db, cfg: CollectorConfig): SiteFacts[] {
  const stored = new Map((stmts(db).sites.all() as [string, number, string | null, number | null, number | null][]).map((r) => [r[0], r]));
  return cfg.sites.map((site) => {
    const r = stored.get(site.id);
    return {
      siteId: site.id,
      clientId: site.client,
      heartbeatExpected: site.heartbeatExpected,
      lastHeartbeatAt: date(r?.[3]),
      nextHeartbeatAt: date(r?.[4]),
      lastSeenAt: date(r?.[1]),
      agentTimeZone: r?.[2] ?? null,
    };
  });
}

function mailboxFacts(db: Db, cfg: CollectorConfig): MailboxFacts[] {
  const stored = new Map((stmts(db).polls.all() as [string, number | null, string | null, number | null][]).map((r) => [r[0], r]));
  return cfg.mailboxes.map((m) => {
    const r = stored.get(m.name);
    return { name: m.name, lastGoodPollAt: date(r?.[1]), lastError: r?.[2] ?? null, lastErrorAt: date(r?.[3]) };
  });
}

/** The schedule and combine rule of a third-party job: its thirdParty.jobs entry, else its rule's. */
export function thirdPartySettings(cfg: CollectorConfig, rule: string | null, site: string, job: string) {
  const own = cfg.thirdParty.jobs.find((j) => j.site === site && j.job === job);
  const r = cfg.thirdParty.rules.find((x, i) => ruleName(x, i) === rule);
  return { schedule: own?.schedule ?? r?.schedule ?? null, combine: own?.combine ?? r?.combine ?? 'last' };
}
