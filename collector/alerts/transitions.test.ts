import { describe, expect, it } from 'vitest';
import { alertTransitions, stateKey, type AlertStateRow } from './transitions.ts';
import { jobStatus, reportOf } from './testing.ts';

const NOW = new Date('2026-11-24T07:00:00Z');
const H = 3_600_000;
const prevOf = (...rows: AlertStateRow[]) => new Map(rows.map((r) => [stateKey(r.siteId, r.jobId), r]));
const row = (state: string, over: Partial<AlertStateRow> = {}): AlertStateRow => ({
  siteId: 'fs1', jobId: 'nightly', state, since: Date.parse('2026-11-24T01:00:00Z'), lastAlertAt: NOW.getTime() - H, lastReminderAt: null, ...over,
});

describe('alertTransitions', () => {
  it('records a job first seen ok without a message', () => {
    const out = alertTransitions(new Map(), reportOf([jobStatus('ok')]), NOW, 24);
    expect(out.events).toEqual([]);
    expect(out.rows).toMatchObject([{ siteId: 'fs1', jobId: 'nightly', state: 'ok' }]);
  });

  it('alerts when an ok job fails and when it goes missing', () => {
    for (const state of ['failed', 'missing'] as const) {
      const out = alertTransitions(prevOf(row('ok', { since: null })), reportOf([jobStatus(state)]), NOW, 24);
      expect(out.events).toMatchObject([{ kind: 'alert', state }]);
      expect(out.rows).toMatchObject([{ state, lastAlertAt: NOW.getTime() }]);
    }
  });

  it('alerts for a job that is failed the first time it is seen', () => {
    expect(alertTransitions(new Map(), reportOf([jobStatus('failed')]), NOW, 24).events).toMatchObject([{ kind: 'alert', state: 'failed' }]);
  });

  it('sends nothing again while a failed job stays failed within the reminder interval', () => {
    const out = alertTransitions(prevOf(row('failed')), reportOf([jobStatus('failed')]), NOW, 24);
    expect(out).toEqual({ events: [], rows: [] });
  });

  it('reminds once the reminder interval has passed since the last alert, then waits again', () => {
    const old = row('failed', { lastAlertAt: NOW.getTime() - 24 * H });
    const out = alertTransitions(prevOf(old), reportOf([jobStatus('failed')]), NOW, 24);
    expect(out.events).toMatchObject([{ kind: 'reminder', state: 'failed' }]);
    expect(out.rows).toMatchObject([{ lastReminderAt: NOW.getTime(), lastAlertAt: old.lastAlertAt }]);
    const later = new Date(NOW.getTime() + 23 * H);
    expect(alertTransitions(prevOf(out.rows[0]!), reportOf([jobStatus('failed')]), later, 24).events).toEqual([]);
  });

  it('sends a recovery when a failed or missing job is ok or warning again', () => {
    for (const [before, now] of [['failed', 'ok'], ['missing', 'warning']] as const) {
      const out = alertTransitions(prevOf(row(before)), reportOf([jobStatus(now)]), NOW, 24);
      expect(out.events).toMatchObject([{ kind: 'recovery', state: now, previousState: before }]);
      expect(out.rows).toMatchObject([{ state: 'ok', since: null }]);
    }
  });

  it('alerts again when a failed job goes missing', () => {
    const out = alertTransitions(prevOf(row('failed')), reportOf([jobStatus('missing')]), NOW, 24);
    expect(out.events).toMatchObject([{ kind: 'alert', state: 'missing', previousState: 'failed' }]);
  });

  it('alerts again for a new failure streak that started after the one alerted on', () => {
    const out = alertTransitions(prevOf(row('failed')), reportOf([jobStatus('failed', { since: new Date('2026-11-24T05:00:00Z') })]), NOW, 24);
    expect(out.events).toMatchObject([{ kind: 'alert', state: 'failed' }]);
  });

  it('changes nothing for late and never-reported jobs', () => {
    for (const state of ['late', 'never-reported'] as const) {
      expect(alertTransitions(prevOf(row('failed')), reportOf([jobStatus(state)]), NOW, 24)).toEqual({ events: [], rows: [] });
      expect(alertTransitions(new Map(), reportOf([jobStatus(state)]), NOW, 24)).toEqual({ events: [], rows: [] });
    }
  });
});
