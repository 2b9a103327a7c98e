import { publicKeyLine } from '../../../core/result/keys.ts';
import type { RunStatus } from '../../../core/result/schema.ts';
import { sampleResult } from '../../../core/result/testing.ts';
import { FakeClock } from '../../../core/clock.ts';
import { collectorConfigFrom, type CollectorConfig } from '../../config.ts';
import { ingestBatch } from '../../ingest/batch.ts';
import { ingestContext } from '../../ingest/classify.ts';
import { signedRaw, testSites } from '../../ingest/testing.ts';
import { openStore, type Db } from '../../store/db.ts';

/**
 * A store for monthly-report tests, filled through the real ingest (signed result emails, as a
 * mailbox poll stores them), with November 2026 planned so that every figure is known:
 *
 * acme (Europe/Berlin), site acme-office:
 * - "nightly" (0 2 * * *, 01:00 UTC in November): runs from 26 Oct; 5, 6 and 30 Nov failed,
 *   12, 28 and 29 Nov missed, 20 Nov ended with warnings. 24 of 30 good = 80%.
 * - "mail" (30 3 * * 1-5, weekdays 02:30 UTC), named with a script tag: 18 Nov failed, 25 Nov
 *   "succeeded" having examined 0 files (an anomaly: no good backup). 19 of 21 good = 90.4%
 *   (90.476..., rounded down).
 * bolt (Europe/London), site bolt-hq: "accounts" (0 22 * * *) every day ok: 30 of 30 = 100%.
 */
export const MONTH = '2026-11';
export const HOSTILE = 'Mail <script>alert(1)</script>';
export const MAIL_ERROR = 'No space left on device while writing /mnt/backup/mail.tar';

const DAY = 86_400_000;
const MIN = 60_000;

export interface MonthlyScenario {
  db: Db;
  cfg: CollectorConfig;
  raw: Record<string, unknown>;
}

interface Planned {
  site: string;
  job: string;
  name: string;
  cron: string;
  zone: string;
  /** UTC hour and minute of the runs (the month has no DST change). */
  utc: [number, number];
  weekdaysOnly?: boolean;
  outcome: (date: string) => RunStatus | 'missed' | 'zero-files';
}

const PLANS: Planned[] = [
  {
    site: 'acme-office', job: 'nightly', name: 'Documents (file server)', cron: '0 2 * * *', zone: 'Europe/Berlin', utc: [1, 0],
    outcome: (d) => (['2026-11-05', '2026-11-06', '2026-11-30'].includes(d) ? 'failed' : ['2026-11-12', '2026-11-28', '2026-11-29'].includes(d) ? 'missed' : d === '2026-11-20' ? 'warning' : 'ok'),
  },
  {
    site: 'acme-office', job: 'mail', name: HOSTILE, cron: '30 3 * * 1-5', zone: 'Europe/Berlin', utc: [2, 30], weekdaysOnly: true,
    outcome: (d) => (d === '2026-11-18' ? 'failed' : d === '2026-11-25' ? 'zero-files' : 'ok'),
  },
  { site: 'bolt-hq', job: 'accounts', name: 'Accounts database', cron: '0 22 * * *', zone: 'Europe/London', utc: [22, 0], outcome: () => 'ok' },
];

/** Opens a store under `dir` and ingests the planned runs from 26 October to 30 November 2026. */
export async function seedMonthly(dir: string, over: Record<string, unknown> = {}): Promise<MonthlyScenario> {
  const sites = testSites('acme-office', 'bolt-hq');
  const key = (id: string) => [publicKeyLine(sites.find((s) => s.id === id)!.keys.publicKey)];
  const raw: Record<string, unknown> = {
    database: { path: `${dir}/synecdoche.db` },
    archive: { folder: `${dir}/reports` },
    consultant: { name: 'Pat Morgan IT', email: 'pat@example.com', timeZone: 'Europe/London' },
    clients: [
      { id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin', contacts: ['office@acme.example'] },
      { id: 'bolt', name: 'Bolt & Partners', timeZone: 'Europe/London', contacts: ['manager@bolt.example'] },
    ],
    sites: [
      { id: 'acme-office', client: 'acme', publicKeys: key('acme-office') },
      { id: 'bolt-hq', client: 'bolt', publicKeys: key('bolt-hq') },
    ],
    ...over,
  };
  const cfg = collectorConfigFrom(raw, dir);
  const db = openStore(cfg.database.path);
  const clock = new FakeClock('2026-10-26T00:00:00Z');
  const ctx = ingestContext(cfg, { source: 'test', clock });
  let n = 0;
  for (const p of PLANS) {
    const site = sites.find((s) => s.id === p.site)!;
    let seq = 0;
    for (let t = Date.parse('2026-10-26T00:00:00Z'); t < Date.parse('2026-12-01T00:00:00Z'); t += DAY) {
      const date = new Date(t).toISOString().slice(0, 10);
      const weekday = new Date(t).getUTCDay();
      if (p.weekdaysOnly && (weekday === 0 || weekday === 6)) continue;
      const outcome = p.outcome(date);
      if (outcome === 'missed') continue;
      const start = t + p.utc[0] * 3_600_000 + p.utc[1] * MIN;
      const end = start + 10 * MIN;
      const i = (t - Date.parse('2026-10-26T00:00:00Z')) / DAY;
      const status: RunStatus = outcome === 'zero-files' ? 'ok' : outcome;
      const examined = outcome === 'zero-files' ? 0 : 1200 + i;
      const payload = sampleResult({
        siteId: p.site, jobId: p.job, sequence: ++seq,
        agent: { host: p.site, version: '0.1.0', timeZone: p.zone },
        job: { id: p.job, name: p.name, plugin: 'rsync', schedule: p.cron, nextRunAt: new Date(start + DAY).toISOString() },
        startedAt: new Date(start).toISOString(), endedAt: new Date(end).toISOString(), sentAt: new Date(end + 5_000).toISOString(),
        status, exitCode: status === 'failed' ? 11 : 0,
        files: { examined, copied: outcome === 'zero-files' ? 0 : 40, skipped: Math.max(0, examined - 40), failed: status === 'failed' ? 1 : 0, extra: 0 },
        bytes: { examined: outcome === 'zero-files' ? 0 : 5e9 + i * 7_000_000, copied: 1e8, skipped: 0, failed: 0, extra: 0 },
        errors: status === 'failed' ? [{ message: MAIL_ERROR }] : status === 'warning' ? [{ message: '2 files were locked and skipped' }] : [],
      });
      clock.set(new Date(end + 60_000));
      const out = await ingestBatch(db, [{ id: String(++n), raw: await signedRaw(payload, site), receivedAt: new Date(end + 30_000) }], ctx);
      if (out.accepted.length !== 1) throw new Error(`seedMonthly: ${p.job} ${date} was not accepted: ${JSON.stringify(out)}`);
    }
  }
  return { db, cfg, raw };
}
