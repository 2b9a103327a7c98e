import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSiteKeyPair } from '../../core/result/keys.ts';
import { tempDir } from '../ingest/testing.ts';
import { simulate, type Simulation } from './simulate.ts';
import type { Incidents } from './timeline.ts';
import { buildWorld } from './world.ts';

/**
 * 50 sites, 200 jobs, 15 clients in Berlin, London, New York and Tokyo, 31 mornings from
 * 10 October to 9 November 2026: Europe leaves summer time on 25 October (02:30 happens twice,
 * and a job runs at 02:30), the US on 1 November. Incidents are injected; the oracle derives
 * from what really happened what each morning's digest must list, and the digest must list
 * exactly that.
 */
const INCIDENTS: Incidents = {
  failed: [
    { site: 's03', job: 'files', date: '2026-10-14' },
    { site: 's12', job: 'db', date: '2026-10-19' },
    { site: 's30', job: 'mail', date: '2026-10-27' },
    { site: 's30', job: 'mail', date: '2026-10-28' },
    { site: 's30', job: 'mail', date: '2026-10-29' },
    { site: 's44', job: 'files', date: '2026-11-02' },
  ],
  dropped: [
    { site: 's05', job: 'files', date: '2026-10-16' },
    { site: 's14', job: 'mail', date: '2026-10-22' },
    { site: 's33', job: 'db', date: '2026-11-03' },
  ],
  forged: [{ site: 's08', job: 'db', date: '2026-10-26' }],
  zeroFiles: [
    { site: 's17', job: 'files', date: '2026-10-18' },
    { site: 's20', job: 'vm', date: '2026-11-04' },
  ],
  dead: [{ site: 's25', from: new Date('2026-10-20T12:00:00Z') }],
  blindMornings: ['2026-10-30'],
};

let sim: Simulation;
let cleanup: () => void;
const byDate = (d: string) => sim.mornings.find((m) => m.date === d)!;

beforeAll(async () => {
  const t = tempDir('syn-sim-');
  cleanup = t.cleanup;
  const world = buildWorld(t.dir);
  expect(world.sites.flatMap((s) => s.jobs)).toHaveLength(200);
  sim = await simulate(world, INCIDENTS, {
    from: new Date('2026-10-08T00:00:00Z'),
    firstMorning: new Date('2026-10-10T00:00:00Z'),
    to: new Date('2026-11-09T06:00:01Z'),
    forger: generateSiteKeyPair(),
  });
}, 120_000);

afterAll(() => {
  sim?.db.close();
  cleanup?.();
});

describe('a simulated month of 200 jobs', () => {
  it('sends a digest every morning, also when all is well', () => {
    expect(sim.mornings.map((m) => m.date)).toHaveLength(31);
    expect(sim.mornings[0]!.date).toBe('2026-10-10');
    expect(sim.mornings[30]!.date).toBe('2026-11-09');
    expect(byDate('2026-10-11').subject).toMatch(/All 200 backups OK/);
  });

  it('lists exactly what happened in each morning\'s attention list, and nothing else', () => {
    const wrong = sim.mornings.flatMap((m) => [
      ...[...m.expected].filter((k) => !m.actual.has(k)).map((k) => `${m.date} missing from digest: ${k}`),
      ...[...m.actual].filter((k) => !m.expected.has(k)).map((k) => `${m.date} false alarm: ${k}`),
    ]);
    expect(wrong).toEqual([]);
  });

  it('shows each injected incident under its client, site and job the next morning', () => {
    const has = (date: string, key: string) => expect(byDate(date).actual, `${date}: ${key}`).toContain(key);
    has('2026-10-14', 'failed|Client 03 Ltd|s03|Nightly files');
    has('2026-10-20', 'failed|Client 12 Ltd|s12|Databases');
    for (const d of ['2026-10-27', '2026-10-28', '2026-10-29']) has(d, 'failed|Client 15 Ltd|s30|Mail archive');
    has('2026-11-02', 'failed|Client 14 Ltd|s44|Nightly files');
    has('2026-10-16', 'overdue|Client 05 Ltd|s05|Nightly files');
    has('2026-10-22', 'overdue|Client 14 Ltd|s14|Mail archive');
    has('2026-11-04', 'overdue|Client 03 Ltd|s33|Databases');
    has('2026-10-27', 'overdue|Client 08 Ltd|s08|Databases');
    has('2026-10-27', 'quarantine|||Messages held in quarantine');
    has('2026-10-18', 'anomaly|Client 02 Ltd|s17|Nightly files');
    has('2026-11-04', 'anomaly|Client 05 Ltd|s20|VM images');
    has('2026-10-21', 'overdue|Client 10 Ltd|s25|Nightly files');
    has('2026-10-22', 'silent|Client 10 Ltd|s25|');
    has('2026-10-30', 'blind|||mailbox backups');
    expect(byDate('2026-10-31').actual).not.toContain('blind|||mailbox backups');
  });

  it('raises no alarm around the DST changes in Europe and the US', () => {
    for (const d of ['2026-10-25', '2026-10-26', '2026-11-01', '2026-11-02']) {
      const jobItems = [...byDate(d).actual].filter((k) => !/s25|s08|s30|s44|quarantine/.test(k));
      expect(jobItems, d).toEqual([]);
    }
  });

  it('alerts the consultant when a job fails and when it recovers', () => {
    expect(byDate('2026-10-14').alerts).toContain('[FAILED] Client 03 Ltd / s03 / Nightly files');
    expect(byDate('2026-10-15').alerts).toContain('[RECOVERED] Client 03 Ltd / s03 / Nightly files');
    // Around the DST change only the dead agent and its jobs are reminded of; nothing else alerts.
    for (const d of ['2026-10-25', '2026-10-26', '2026-11-01']) expect(byDate(d).alerts.filter((a) => !/ \/ s25( \/ |$)/.test(a)), d).toEqual([]);
    expect(byDate('2026-10-25').alerts).toContain('[STILL AGENT SILENT] Client 10 Ltd / s25');
    expect(byDate('2026-10-22').alerts).toContain('[MISSING] Client 10 Ltd / s25 / Nightly files');
  });
});
