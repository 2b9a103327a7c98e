import { describe, expect, it } from 'vitest';
import { AlertsConfig } from './config.ts';
import { alertPolicy } from './policy.ts';
import { alertTransitions, mailboxKey, siteKey, stateKey, type AlertStateRow } from './transitions.ts';
import { jobStatus, mailboxStatus, reportOf, siteStatus, zeroFileJob } from './testing.ts';

const NOW = new Date('2026-11-24T07:00:00Z');
const H = 3_600_000;
const policy = (alerts: unknown = {}, at = NOW) => alertPolicy(AlertsConfig.parse(alerts), 'Europe/London', at);
const P = policy();
const prevOf = (...rows: AlertStateRow[]) => new Map(rows.map((r) => [stateKey(r.siteId, r.jobId), r]));
const row = (state: string, over: Partial<AlertStateRow> = {}): AlertStateRow => ({
  siteId: 'fs1', jobId: 'nightly', state, since: Date.parse('2026-11-24T01:00:00Z'), lastAlertAt: NOW.getTime() - H, lastReminderAt: null, ...over,
});

describe('alertTransitions', () => {
  it('records a job first seen ok without a message', () => {
    const out = alertTransitions(new Map(), reportOf([jobStatus('ok')]), NOW, P);
    expect(out.events).toEqual([]);
    expect(out.rows).toMatchObject([{ siteId: 'fs1', jobId: 'nightly', state: 'ok' }]);
  });

  it('alerts when an ok job fails and when it goes missing', () => {
    for (const state of ['failed', 'missing'] as const) {
      const out = alertTransitions(prevOf(row('ok', { since: null })), reportOf([jobStatus(state)]), NOW, P);
      expect(out.events).toMatchObject([{ kind: 'alert', state }]);
      expect(out.rows).toMatchObject([{ state, lastAlertAt: NOW.getTime() }]);
    }
  });

  it('alerts for a job that is failed the first time it is seen', () => {
    expect(alertTransitions(new Map(), reportOf([jobStatus('failed')]), NOW, P).events).toMatchObject([{ kind: 'alert', state: 'failed' }]);
  });

  it('sends nothing again while a failed job stays failed within the reminder interval', () => {
    const out = alertTransitions(prevOf(row('failed')), reportOf([jobStatus('failed')]), NOW, P);
    expect(out).toEqual({ events: [], rows: [] });
  });

  it('reminds once the reminder interval has passed since the last alert, then waits again', () => {
    const old = row('failed', { lastAlertAt: NOW.getTime() - 24 * H });
    const out = alertTransitions(prevOf(old), reportOf([jobStatus('failed')]), NOW, P);
    expect(out.events).toMatchObject([{ kind: 'reminder', state: 'failed' }]);
    expect(out.rows).toMatchObject([{ lastReminderAt: NOW.getTime(), lastAlertAt: old.lastAlertAt }]);
    const later = new Date(NOW.getTime() + 23 * H);
    expect(alertTransitions(prevOf(out.rows[0]!), reportOf([jobStatus('failed')]), later, P).events).toEqual([]);
  });

  it('sends a recovery when a failed or missing job is ok or warning again', () => {
    for (const [before, now] of [['failed', 'ok'], ['missing', 'warning']] as const) {
      const out = alertTransitions(prevOf(row(before)), reportOf([jobStatus(now)]), NOW, P);
      expect(out.events).toMatchObject([{ kind: 'recovery', state: now, previousState: before }]);
      expect(out.rows).toMatchObject([{ state: 'ok', since: null }]);
    }
  });

  it('alerts again when a failed job goes missing', () => {
    const out = alertTransitions(prevOf(row('failed')), reportOf([jobStatus('missing')]), NOW, P);
    expect(out.events).toMatchObject([{ kind: 'alert', state: 'missing', previousState: 'failed' }]);
  });

  it('alerts again for a new failure streak that started after the one alerted on', () => {
    const out = alertTransitions(prevOf(row('failed')), reportOf([jobStatus('failed', { since: new Date('2026-11-24T05:00:00Z') })]), NOW, P);
    expect(out.events).toMatchObject([{ kind: 'alert', state: 'failed' }]);
  });

  // The old rule left every never-reported job alone; a new job whose first run is overdue now alerts (issue 13).
  it('changes nothing for late jobs and for new jobs whose first run is not due yet', () => {
    for (const job of [jobStatus('late'), jobStatus('never-reported', { since: null })]) {
      expect(alertTransitions(prevOf(row('failed')), reportOf([job]), NOW, P)).toEqual({ events: [], rows: [] });
      expect(alertTransitions(new Map(), reportOf([job]), NOW, P)).toEqual({ events: [], rows: [] });
    }
  });

  it('alerts once when a new job\'s first run is overdue, and recovers on its first good run', () => {
    const out = alertTransitions(new Map(), reportOf([jobStatus('never-reported')]), NOW, P);
    expect(out.events).toMatchObject([{ kind: 'alert', problem: 'firstRunOverdue', state: 'first-run-overdue', since: new Date('2026-11-24T01:00:00Z') }]);
    expect(alertTransitions(prevOf(out.rows[0]!), reportOf([jobStatus('never-reported')]), NOW, P).events).toEqual([]);
    expect(alertTransitions(prevOf(out.rows[0]!), reportOf([jobStatus('ok')]), NOW, P).events).toMatchObject([{ kind: 'recovery', previousState: 'first-run-overdue' }]);
  });

  it('sends an anomaly alert, not a recovery, for a zero-file ok run after a failure', () => {
    const out = alertTransitions(prevOf(row('failed')), reportOf([zeroFileJob()]), NOW, P);
    expect(out.events).toMatchObject([{ kind: 'alert', problem: 'anomaly', state: 'anomaly', previousState: 'failed' }]);
    expect(out.events.some((e) => e.kind === 'recovery')).toBe(false);
    expect(out.rows).toMatchObject([{ state: 'anomaly', lastAlertAt: NOW.getTime() }]);
    // The next good backup is the recovery, from the anomaly.
    const next = alertTransitions(prevOf(out.rows[0]!), reportOf([jobStatus('ok')]), new Date(NOW.getTime() + H), P);
    expect(next.events).toMatchObject([{ kind: 'recovery', problem: 'anomaly', previousState: 'anomaly' }]);
  });

  it('keeps one anomaly incident over several anomalous runs, with reminders', () => {
    const first = alertTransitions(new Map(), reportOf([zeroFileJob()]), NOW, P);
    expect(first.events).toMatchObject([{ kind: 'alert', problem: 'anomaly', previousState: null }]);
    const laterRun = zeroFileJob({ lastRun: { ...zeroFileJob().lastRun!, startedAt: new Date('2026-11-25T03:00:00Z') } });
    expect(alertTransitions(prevOf(first.rows[0]!), reportOf([laterRun]), new Date(NOW.getTime() + 20 * H), P).events).toEqual([]);
    expect(alertTransitions(prevOf(first.rows[0]!), reportOf([laterRun]), new Date(NOW.getTime() + 24 * H), P).events).toMatchObject([{ kind: 'reminder', problem: 'anomaly' }]);
  });

  it('sends nothing for an anomaly, and no recovery from a failure, when anomaly alerts are off', () => {
    const out = alertTransitions(prevOf(row('failed')), reportOf([zeroFileJob()]), NOW, policy({ kinds: { anomaly: { enabled: false } } }));
    expect(out).toEqual({ events: [], rows: [] });
  });

  it('alerts when an agent goes silent, reminds, and recovers when it is heard from', () => {
    const out = alertTransitions(prevOf({ ...siteKey('fs1'), state: 'ok', since: null, lastAlertAt: null, lastReminderAt: null }), reportOf([], NOW, { sites: [siteStatus(true)] }), NOW, P);
    expect(out.events).toMatchObject([{ kind: 'alert', problem: 'silent', state: 'silent', since: new Date('2026-11-24T04:00:00Z'), subject: { type: 'site' } }]);
    expect(out.rows).toMatchObject([{ siteId: 'fs1', jobId: '', state: 'silent' }]);
    const day = new Date(NOW.getTime() + 24 * H);
    expect(alertTransitions(prevOf(out.rows[0]!), reportOf([], day, { sites: [siteStatus(true)] }), day, P).events).toMatchObject([{ kind: 'reminder', problem: 'silent' }]);
    expect(alertTransitions(prevOf(out.rows[0]!), reportOf([], NOW, { sites: [siteStatus(false)] }), NOW, P).events).toMatchObject([{ kind: 'recovery', problem: 'silent', previousState: 'silent' }]);
  });

  it('waits for the silent alert\'s own grace, counted from when the heartbeat was due', () => {
    const p = policy({ kinds: { silent: { graceMinutes: 240 } } });
    const report = reportOf([], NOW, { sites: [siteStatus(true)] });
    expect(alertTransitions(new Map(), report, NOW, p).events).toEqual([]);
    const at = new Date('2026-11-24T08:00:00Z');
    expect(alertTransitions(new Map(), report, at, policy({ kinds: { silent: { graceMinutes: 240 } } }, at)).events).toMatchObject([{ problem: 'silent' }]);
  });

  it('alerts when a mailbox has been unreadable for longer than its grace, and recovers when it is read', () => {
    const blind = reportOf([], NOW, { mailboxes: [mailboxStatus(true, { lastGoodPollAt: new Date(NOW.getTime() - 20 * 60_000) })] });
    expect(alertTransitions(new Map(), blind, NOW, P)).toEqual({ events: [], rows: [] });
    const longer = reportOf([], NOW, { mailboxes: [mailboxStatus(true, { lastGoodPollAt: new Date(NOW.getTime() - 31 * 60_000) })] });
    const out = alertTransitions(new Map(), longer, NOW, P);
    expect(out.events).toMatchObject([{ kind: 'alert', problem: 'blind', state: 'blind', subject: { type: 'mailbox' } }]);
    expect(out.rows).toMatchObject([{ ...mailboxKey('main'), state: 'blind' }]);
    expect(alertTransitions(prevOf(out.rows[0]!), reportOf([], NOW, { mailboxes: [mailboxStatus(false)] }), NOW, P).events).toMatchObject([{ kind: 'recovery', problem: 'blind' }]);
  });

  it('counts the grace of a mailbox never read from when it was first seen blind, and sends no recovery for one never alerted', () => {
    const never = reportOf([], NOW, { mailboxes: [mailboxStatus(true, { lastGoodPollAt: null })] });
    const first = alertTransitions(new Map(), never, NOW, P);
    expect(first.events).toEqual([]);
    expect(first.rows).toMatchObject([{ ...mailboxKey('main'), state: 'blind', since: NOW.getTime(), lastAlertAt: null }]);
    const soon = new Date(NOW.getTime() + 29 * 60_000);
    expect(alertTransitions(prevOf(first.rows[0]!), never, soon, P)).toEqual({ events: [], rows: [] });
    const late = new Date(NOW.getTime() + 30 * 60_000);
    expect(alertTransitions(prevOf(first.rows[0]!), never, late, P).events).toMatchObject([{ kind: 'alert', problem: 'blind', previousState: null, since: NOW }]);
    const readable = alertTransitions(prevOf(first.rows[0]!), reportOf([], NOW, { mailboxes: [mailboxStatus(false)] }), soon, P);
    expect(readable.events).toEqual([]);
    expect(readable.rows).toMatchObject([{ state: 'ok', lastAlertAt: null }]);
  });

  it('waits for a failed job\'s grace, counted from its first failed run', () => {
    const p = policy({ kinds: { failed: { graceMinutes: 7 * 60 } } });
    expect(alertTransitions(new Map(), reportOf([jobStatus('failed')]), NOW, p)).toEqual({ events: [], rows: [] });
    const at = new Date('2026-11-24T08:00:00Z');
    expect(alertTransitions(new Map(), reportOf([jobStatus('failed')]), at, p).events).toMatchObject([{ kind: 'alert', problem: 'failed' }]);
  });

  it('uses each kind\'s own reminder interval', () => {
    const old = row('missing', { lastAlertAt: NOW.getTime() - 6 * H });
    expect(alertTransitions(prevOf(old), reportOf([jobStatus('missing')]), NOW, P).events).toEqual([]);
    expect(alertTransitions(prevOf(old), reportOf([jobStatus('missing')]), NOW, policy({ kinds: { missing: { reminderHours: 6 } } })).events).toMatchObject([{ kind: 'reminder' }]);
  });

  it('sends nothing and records nothing for a client or site under maintenance, and alerts once the window ends', () => {
    const report = reportOf([jobStatus('failed')], NOW, { sites: [siteStatus(true)] });
    const windows = [{ client: 'acme', from: '2026-11-24T00:00:00Z', to: '2026-11-24T08:00:00Z', reason: 'server move' }];
    expect(alertTransitions(new Map(), report, NOW, policy({ maintenance: windows }))).toEqual({ events: [], rows: [] });
    expect(alertTransitions(new Map(), report, NOW, policy({ maintenance: [{ site: 'fs1', cron: '0 6 * * *', timeZone: 'UTC', durationMinutes: 90 }] }))).toEqual({ events: [], rows: [] });
    expect(alertTransitions(new Map(), report, NOW, policy({ maintenance: [{ site: 'other', cron: '0 6 * * *', durationMinutes: 90 }] })).events).toHaveLength(2);
    const after = new Date('2026-11-24T08:00:00Z');
    expect(alertTransitions(new Map(), report, after, policy({ maintenance: windows }, after)).events).toMatchObject([{ problem: 'failed' }, { problem: 'silent' }]);
  });
});
