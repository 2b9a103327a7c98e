import { publicKeyLine } from '../../../core/result/keys.ts';
import type { ResultPayload, RunStatus } from '../../../core/result/schema.ts';
import { sampleHeartbeat, sampleResult } from '../../../core/result/testing.ts';
import { collectorConfigFrom, type CollectorConfig } from '../../config.ts';
import { testSites } from '../../ingest/testing.ts';
import { openStore, type Db } from '../../store/db.ts';
import { insertMessage } from '../../store/messages.ts';
import { recordHeartbeat, recordRun } from '../../store/records.ts';

/**
 * A realistic store for report tests, the README picture and the demo: four clients, failures,
 * a missing job, an anomaly, a warning, a quarantined forgery, a sequence gap, a blind mailbox,
 * a silent agent, a drifting clock, and a job named `<script>alert(1)</script>` (job names come
 * from signed results, so they are attacker-controlled text). Written through the store's own
 * record functions, as the ingest writes verified reports.
 */
export const SCENARIO_NOW = new Date('2026-11-24T06:00:00.000Z');
export const XSS_NAME = '<script>alert(1)</script>';
export const XSS_ERROR = '<img src=x onerror=alert(2)> cannot open C:\\Data\\Ledger.mdb';

const DAY = 86_400_000;
const H = 3_600_000;

export interface Scenario {
  db: Db;
  cfg: CollectorConfig;
  /** The config as written in collector.yaml (for CLI tests). */
  raw: Record<string, unknown>;
  now: Date;
  /** The jobs that must be in "Needs attention", as "site/job". */
  badJobs: string[];
}

interface JobPlan {
  site: string;
  job: string;
  name: string;
  /** Days back of the newest run (0 = last night). */
  lastRunDaysAgo?: number;
  statusOf?: (daysAgo: number) => RunStatus;
  error?: string;
  filesOf?: (daysAgo: number) => number;
  skipSequence?: number;
  sentAheadMinutes?: number;
  hour?: number;
}

const PLANS: JobPlan[] = [
  { site: 'acme-office', job: 'documents', name: 'Documents (file server)' },
  { site: 'acme-office', job: 'mail', name: 'Mail archive', statusOf: (d) => (d <= 1 ? 'failed' : 'ok'), error: 'No space left on device while writing /mnt/backup/mail.tar', hour: 3 },
  { site: 'bolt-hq', job: 'accounts', name: 'Accounts database', lastRunDaysAgo: 2, hour: 22 },
  { site: 'bolt-hq', job: 'ledger', name: XSS_NAME, statusOf: (d) => (d === 0 ? 'failed' : 'ok'), error: XSS_ERROR },
  { site: 'bolt-hq', job: 'office-pcs', name: 'Office PCs', statusOf: (d) => (d === 5 ? 'warning' : 'ok'), hour: 0 },
  { site: 'cedar-clinic', job: 'xray', name: 'X-ray images', filesOf: (d) => (d === 0 ? 0 : 52_000 + d * 37), skipSequence: 4, sentAheadMinutes: 12 },
  { site: 'cedar-clinic', job: 'reception', name: 'Reception PC', statusOf: (d) => (d === 0 || d === 8 ? 'warning' : 'ok'), error: '3 files were locked and skipped', sentAheadMinutes: 12 },
];

/** Opens a store under `dir`, with a config of four clients, and fills it. */
export function seedScenario(dir: string, over: Record<string, unknown> = {}): Scenario {
  const sites = testSites('acme-office', 'bolt-hq', 'cedar-clinic', 'dana-shop');
  const key = (id: string) => [publicKeyLine(sites.find((s) => s.id === id)!.keys.publicKey)];
  const raw: Record<string, unknown> = {
    database: { path: `${dir}/synecdoche.db` },
    archive: { folder: `${dir}/reports` },
    consultant: { name: 'Pat Morgan IT', email: 'pat@example.com', timeZone: 'Europe/London' },
    clients: [
      { id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin', contacts: ['office@acme.example'] },
      { id: 'bolt', name: 'Bolt & Partners', timeZone: 'Europe/London', contacts: ['manager@bolt.example', 'it@bolt.example'] },
      { id: 'cedar', name: 'Cedar Dental', timeZone: 'Europe/London', contacts: ['practice@cedar.example'] },
      { id: 'dana', name: 'Dana Flowers', timeZone: 'Europe/London', contacts: [] },
    ],
    sites: [
      { id: 'acme-office', client: 'acme', publicKeys: key('acme-office') },
      { id: 'bolt-hq', client: 'bolt', publicKeys: key('bolt-hq') },
      { id: 'cedar-clinic', client: 'cedar', publicKeys: key('cedar-clinic') },
      { id: 'dana-shop', client: 'dana', publicKeys: key('dana-shop') },
    ],
    mailboxes: [
      { name: 'office365', type: 'imap', host: 'outlook.office365.com', user: 'backups@pat.example', auth: { password: { env: 'PW' } } },
      { name: 'local', type: 'maildir', path: `${dir}/Maildir` },
    ],
    ...over,
  };
  const cfg = collectorConfigFrom(raw, dir);
  const db = openStore(cfg.database.path);
  const now = SCENARIO_NOW.getTime();
  const today = Date.parse('2026-11-24T00:00:00Z');
  db.transaction(() => {
    for (const p of PLANS) {
      const newest = p.lastRunDaysAgo ?? 0;
      let seq = 0;
      for (let d = 29; d >= newest; d--) {
        seq++;
        if (p.skipSequence === seq) seq++;
        const start = today - d * DAY + (p.hour ?? 1) * H + (d % 3) * 60_000 - (p.hour === 22 ? DAY : 0);
        const status = p.statusOf?.(d) ?? 'ok';
        const files = p.filesOf?.(d) ?? 12_000 + d * 13;
        const ended = start + (40 + ((d * 7) % 23)) * 60_000;
        const nextRun = new Date(start + DAY).toISOString();
        const payload: ResultPayload = sampleResult({
          siteId: p.site,
          jobId: p.job,
          sequence: seq,
          startedAt: new Date(start).toISOString(),
          endedAt: new Date(ended).toISOString(),
          sentAt: new Date(ended + (p.sentAheadMinutes ?? 0) * 60_000).toISOString(),
          status,
          exitCode: status === 'failed' ? 23 : 0,
          job: { id: p.job, name: p.name, plugin: 'rsync', schedule: `0 ${p.hour ?? 1} * * *`, nextRunAt: nextRun },
          files: { examined: files, copied: Math.round(files / 40), skipped: files - Math.round(files / 40), failed: status === 'failed' ? 1 : 0, extra: 0 },
          bytes: { examined: files * 3_100_000 + ((d * 7919) % 100) * 1e6, copied: 5e7, skipped: 0, failed: 0, extra: 0 },
          errors: status === 'ok' ? [] : [{ message: p.error ?? 'failed' }],
        });
        recordRun(db, payload, ended + 30_000, `<${p.job}-${d}@${p.site}>`, ended + 30_000);
      }
    }
    // Heartbeats from two sites; bolt-hq sends none (its runs count as contact), dana-shop was never heard from.
    for (const site of ['acme-office', 'cedar-clinic']) {
      recordHeartbeat(db, sampleHeartbeat({ siteId: site, jobs: [], sentAt: new Date(now - 2 * H).toISOString(), startedAt: new Date(now - 2 * H).toISOString(), nextHeartbeatAt: new Date(now + 22 * H).toISOString() }), now - 2 * H, null);
    }
    insertMessage(db, {
      source: 'office365', sourceId: '812', messageId: '<forged@evil.example>', from: 'agent@acme-office.example', subject: '[OK] Acme Ltd <b>forged</b>',
      sha256: 'f'.repeat(64), size: 4000, receivedAt: now - 5 * H, ingestedAt: now - 5 * H, disposition: 'quarantined', reason: 'bad-signature',
      detail: 'the signature does not verify with the key of site acme-office', siteId: 'acme-office', runId: null, rawGz: null,
    });
    const poll = db.prepare('INSERT INTO mailbox_polls (mailbox, source_name, last_good_at, last_error, last_error_at) VALUES (?, ?, ?, ?, ?)');
    poll.run('office365', 'office365', now - 9 * H, 'AUTHENTICATE failed: the password was changed', now - 10 * 60_000);
    poll.run('local', 'local', now - 5 * 60_000, null, null);
  })();
  return {
    db, cfg, raw, now: SCENARIO_NOW,
    badJobs: ['acme-office/mail', 'bolt-hq/accounts', 'bolt-hq/ledger', 'cedar-clinic/xray', 'cedar-clinic/reception'],
  };
}
