import type { Db } from '../store/db.ts';
import type { AlertPolicy } from './policy.ts';
import { alertTransitions, stateKey, type AlertEvent, type AlertStateRow } from './transitions.ts';
import type { StatusReport } from '../status/types.ts';

/**
 * Decides and records the alerts due for `report` in ONE write transaction: reading alert_state,
 * computing the transitions and writing the new rows together is a compare-and-set, so two
 * collectors on one database never send the same alert twice. The rows are written before any
 * message is sent (at most once: a crash mid-send loses that alert; the digest still shows the
 * job, and a reminder follows).
 */
export function claimAlerts(db: Db, report: StatusReport, now: Date, policy: AlertPolicy): AlertEvent[] {
  return db.transaction(() => {
    const rows = db.prepare(`SELECT site_id AS siteId, job_id AS jobId, state, since, last_alert_at AS lastAlertAt, last_reminder_at AS lastReminderAt FROM alert_state`).all() as AlertStateRow[];
    const previous = new Map(rows.map((r) => [stateKey(r.siteId, r.jobId), r]));
    const { events, rows: changed } = alertTransitions(previous, report, now, policy);
    const upsert = db.prepare(`INSERT INTO alert_state (site_id, job_id, state, since, last_alert_at, last_reminder_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (site_id, job_id) DO UPDATE SET state = excluded.state, since = excluded.since, last_alert_at = excluded.last_alert_at, last_reminder_at = excluded.last_reminder_at`);
    for (const r of changed) upsert.run(r.siteId, r.jobId, r.state, r.since, r.lastAlertAt, r.lastReminderAt);
    return events;
  }).immediate();
}
