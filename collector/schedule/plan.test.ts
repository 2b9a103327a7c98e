import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, testConfig, testSites } from '../ingest/testing.ts';
import { openStore, type Db } from '../store/db.ts';
import type { CollectorConfig } from '../config.ts';
import { collectorConfigFrom } from '../config.ts';
import { dueSends, lastFiringAtOrBefore, nextFiringAfter, plannedSends, RETRY_AFTER_MINUTES } from './plan.ts';
import { claimSend, markFailed, markSent, MAX_ATTEMPTS } from './send-once.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** Consultant in London (digest 07:00); clients in Berlin, New York and Tokyo; one without contacts. */
function setup(): { db: Db; cfg: CollectorConfig } {
  const t = tempDir('syn-plan-');
  const base = testConfig(t.dir, testSites('fs1'));
  const cfg = collectorConfigFrom(
    {
      database: { path: ':memory:' },
      consultant: base.consultant,
      clients: [
        { id: 'acme', name: 'Acme', timeZone: 'Europe/Berlin', contacts: ['office@acme.example'], summaryTime: '07:30' },
        { id: 'nyc', name: 'NYC Law', timeZone: 'America/New_York', contacts: ['it@nyc.example'], summaryTime: '08:00' },
        { id: 'tokyo', name: 'Tokyo KK', timeZone: 'Asia/Tokyo', contacts: ['soumu@tokyo.example'], summaryTime: '09:00' },
        { id: 'quiet', name: 'No contacts', timeZone: 'Europe/Berlin' },
      ],
    },
    t.dir,
  );
  const db = openStore(':memory:');
  cleanups.push(() => {
    db.close();
    t.cleanup();
  });
  return { db, cfg };
}

const due = (db: Db, cfg: CollectorConfig, iso: string) => dueSends(db, plannedSends(cfg), new Date(iso)).map((d) => `${d.send.kind}:${d.send.key}:${d.day}:${d.why}`);
const digests = (db: Db, cfg: CollectorConfig, iso: string) => due(db, cfg, iso).filter((d) => d.startsWith('digest'));

describe('plannedSends', () => {
  it('plans the digest and a summary for each client with contacts, at their own local times', () => {
    const { cfg } = setup();
    expect(plannedSends(cfg).map((p) => [p.kind, p.key, p.timeZone, p.hour, p.minute, p.to])).toEqual([
      ['digest', 'consultant', 'Europe/London', 7, 0, ['pat@example.com']],
      ['client', 'acme', 'Europe/Berlin', 7, 30, ['office@acme.example']],
      ['client', 'nyc', 'America/New_York', 8, 0, ['it@nyc.example']],
      ['client', 'tokyo', 'Asia/Tokyo', 9, 0, ['soumu@tokyo.example']],
    ]);
  });

  it('finds the local time across DST changes: New York on the day clocks go back, London on its day', () => {
    const { cfg } = setup();
    const [digest, , nyc] = plannedSends(cfg);
    expect(nextFiringAfter(nyc!, new Date('2026-10-31T00:00:00Z')).toISOString()).toBe('2026-10-31T12:00:00.000Z');
    expect(nextFiringAfter(nyc!, new Date('2026-11-01T00:00:00Z')).toISOString()).toBe('2026-11-01T13:00:00.000Z');
    expect(lastFiringAtOrBefore(digest!, new Date('2026-10-25T12:00:00Z')).toISOString()).toBe('2026-10-25T07:00:00.000Z');
    expect(lastFiringAtOrBefore(digest!, new Date('2026-10-24T12:00:00Z')).toISOString()).toBe('2026-10-24T06:00:00.000Z');
  });
});

describe('dueSends', () => {
  it('has nothing due before the digest time and the digest due from 07:00 London time', () => {
    const { db, cfg } = setup();
    expect(digests(db, cfg, '2026-11-24T06:58:00Z')).toEqual([]);
    expect(digests(db, cfg, '2026-11-24T06:59:30Z')).toEqual(['digest:consultant:2026-11-24:first']);
    expect(digests(db, cfg, '2026-11-24T07:00:00Z')).toEqual(['digest:consultant:2026-11-24:first']);
  });

  it('catches up a digest whose time passed while the collector was down, but not yesterday\'s', () => {
    const { db, cfg } = setup();
    expect(digests(db, cfg, '2026-11-24T07:05:00Z')).toEqual(['digest:consultant:2026-11-24:first']);
    expect(digests(db, cfg, '2026-11-24T23:59:59Z')).toEqual(['digest:consultant:2026-11-24:first']);
    expect(digests(db, cfg, '2026-11-25T00:10:00Z')).toEqual([]);
  });

  it('uses the client\'s own zone and local date: Tokyo\'s 09:00 is 00:00 UTC of the same date', () => {
    const { db, cfg } = setup();
    expect(due(db, cfg, '2026-11-23T23:59:30Z')).toContain('client:tokyo:2026-11-24:first');
    expect(due(db, cfg, '2026-11-23T23:58:00Z')).not.toContain('client:tokyo:2026-11-24:first');
    expect(due(db, cfg, '2026-11-24T12:58:00Z')).not.toContain('client:nyc:2026-11-24:first');
    expect(due(db, cfg, '2026-11-24T13:00:00Z')).toContain('client:nyc:2026-11-24:first');
  });

  it('is not due again once claimed or sent, and is due again the next day', () => {
    const { db, cfg } = setup();
    claimSend(db, { kind: 'digest', key: 'consultant', day: '2026-11-24', claimant: 'a' });
    expect(due(db, cfg, '2026-11-24T07:01:00Z')).not.toContain('digest:consultant:2026-11-24:first');
    markSent(db, { kind: 'digest', key: 'consultant', day: '2026-11-24', claimant: 'a' }, new Date());
    expect(due(db, cfg, '2026-11-24T20:00:00Z').filter((d) => d.startsWith('digest'))).toEqual([]);
    expect(due(db, cfg, '2026-11-25T07:00:00Z')).toContain('digest:consultant:2026-11-25:first');
  });

  it('retries a failed send after the retry pause, until the attempts run out', () => {
    const { db, cfg } = setup();
    let t = Date.parse('2026-11-24T07:00:00Z');
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      const c = { kind: 'digest' as const, key: 'consultant', day: '2026-11-24', claimant: `p${i}` };
      expect(claimSend(db, c, { now: new Date(t) })).toBe(true);
      markFailed(db, c, 'refused');
      expect(due(db, cfg, new Date(t + (RETRY_AFTER_MINUTES - 1) * 60_000).toISOString())).not.toContain('digest:consultant:2026-11-24:retry');
      t += RETRY_AFTER_MINUTES * 60_000;
      const expected = i < MAX_ATTEMPTS;
      expect(due(db, cfg, new Date(t).toISOString()).includes('digest:consultant:2026-11-24:retry')).toBe(expected);
    }
  });
});

describe('dueSends at midnight', () => {
  it('counts a timer firing a few seconds before a 00:00 send as the new day\'s send', () => {
    const { db } = setup();
    const plan = [{ kind: 'digest' as const, key: 'consultant', timeZone: 'UTC', hour: 0, minute: 0, to: ['pat@example.com'] }];
    expect(dueSends(db, plan, new Date('2026-11-24T23:59:50Z')).map((d) => d.day)).toEqual(['2026-11-25']);
    expect(dueSends(db, plan, new Date('2026-11-24T23:58:00Z')).map((d) => d.day)).toEqual(['2026-11-24']);
  });
});
