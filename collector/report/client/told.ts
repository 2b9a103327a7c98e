import { alertSettings } from '../../alerts/config.ts';
import type { CollectorConfig } from '../../config.ts';
import { needsAttention } from '../../status/category.ts';
import type { StatusReport } from '../../status/types.ts';
import type { Db } from '../../store/db.ts';
import { statusAt } from '../digest/build.ts';
import { jobKey } from '../digest/history.ts';

/**
 * What the consultant has demonstrably been sent about the problems in `report`, so that a
 * client summary says "your consultant has been told" only when it is true (an on-demand
 * `report client` may run before any digest or alert went out).
 */
export interface ConsultantTold {
  /** Jobs (jobKey) whose current problem a delivered digest or alert showed. */
  jobs: ReadonlySet<string>;
  /** Sites whose silence a delivered digest showed. */
  silentSites: ReadonlySet<string>;
  /** A delivered digest said that monitoring was blind. */
  blind: boolean;
}

/**
 * Reads the proof from the store: the newest digest the SMTP server accepted before `now`
 * (sends), evaluated as it was then, and alerts claimed for the job's current bad streak when a
 * channel is configured and no delivery failure was recorded for that pass.
 */
export function consultantTold(db: Db, cfg: CollectorConfig, report: StatusReport, now: Date): ConsultantTold {
  const jobs = new Set<string>();
  const silentSites = new Set<string>();
  let blind = false;

  const digest = db
    .prepare<[string], { sent_at: string }>(`SELECT sent_at FROM sends WHERE kind = 'digest' AND state = 'sent' AND sent_at <= ? ORDER BY sent_at DESC LIMIT 1`)
    .get(now.toISOString());
  if (digest) {
    const at = new Date(digest.sent_at);
    const then = statusAt(db, cfg, at);
    const before = new Map(then.jobs.map((j) => [jobKey(j.siteId, j.jobId), j]));
    for (const j of report.jobs) {
      const t = before.get(jobKey(j.siteId, j.jobId));
      // The digest showed this problem: bad then, and the same streak (or the same run) as now.
      if (t && needsAttention(t) && needsAttention(j) && (j.since ? j.since <= at : j.lastRun?.runId === t.lastRun?.runId)) jobs.add(jobKey(j.siteId, j.jobId));
    }
    for (const s of then.sites) if (s.agentSilent) silentSites.add(s.siteId);
    blind = then.monitoringBlind;
  }

  const settings = alertSettings(cfg);
  if ((settings.email && cfg.smtp) || settings.webhook) {
    const rows = db
      .prepare<[number], { site_id: string; job_id: string; state: string; since: number | null; last_alert_at: number }>(
        `SELECT site_id, job_id, state, since, last_alert_at FROM alert_state a WHERE state <> 'ok' AND last_alert_at <= ?
           AND NOT EXISTS (SELECT 1 FROM alert_failures f WHERE f.at = a.last_alert_at)`,
      )
      .all(now.getTime());
    const claimed = new Map(rows.map((r) => [jobKey(r.site_id, r.job_id), r]));
    for (const j of report.jobs) {
      const r = claimed.get(jobKey(j.siteId, j.jobId));
      // An anomaly alert names the run it was about (its start): told while that run is the latest.
      const anomalyTold = r?.state === 'anomaly' && j.anomalies.length > 0 && r.since === (j.lastRun?.startedAt.getTime() ?? null);
      if (r && ((r.state === j.state && r.since === (j.since?.getTime() ?? null)) || anomalyTold)) jobs.add(jobKey(j.siteId, j.jobId));
    }
  }
  return { jobs, silentSites, blind };
}
