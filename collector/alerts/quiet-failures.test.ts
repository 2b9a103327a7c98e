import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../../agent/testing/smtp.ts';
import { FakeClock } from '../../core/clock.ts';
import { smtpSender, type MailSender } from '../../core/mail/smtp.ts';
import type { HeartbeatPayload, ResultPayload } from '../../core/result/schema.ts';
import { sampleHeartbeat, sampleResult } from '../../core/result/testing.ts';
import { toStatusParams, type CollectorConfig } from '../config.ts';
import { ingestBatch } from '../ingest/batch.ts';
import { ingestContext } from '../ingest/classify.ts';
import { signedRaw, tempDir, testConfig, testSites, type TestSite } from '../ingest/testing.ts';
import { buildDigest } from '../report/digest/build.ts';
import { evaluateStatus } from '../status/engine.ts';
import { openStore, type Db } from '../store/db.ts';
import { loadStatusFacts } from '../store/facts.ts';
import { runAlerts } from './run.ts';

/*
 * The quiet failures of issue 13, end to end: signed reports ingested as the collector ingests
 * them, status from the store, alerts through a real SMTP server.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface World {
  db: Db;
  cfg: CollectorConfig;
  site: TestSite;
  server: TestSmtpServer;
  sender: MailSender;
  ingest(p: ResultPayload | HeartbeatPayload, receivedAt: string): Promise<void>;
  /** Evaluates status at `at` and runs the alerts; returns the subjects of the alert mails sent by this call. */
  alertsAt(at: string): Promise<string[]>;
}

async function world(extra: Record<string, unknown> = {}): Promise<World> {
  const t = tempDir('syn-quiet-');
  const [site] = testSites('fs1');
  const cfg = testConfig(t.dir, [site!], extra);
  const db = openStore(cfg.database.path);
  const server = await startSmtpServer();
  const sender = smtpSender({ host: '127.0.0.1', port: server.port, tls: 'none', rejectUnauthorized: true, timeoutSeconds: 5 }, {});
  cleanups.push(async () => {
    sender.close();
    await server.close();
    db.close();
    t.cleanup();
  });
  let n = 0;
  let seen = 0;
  return {
    db, cfg, site: site!, server, sender,
    async ingest(p, receivedAt) {
      const ctx = ingestContext(cfg, { source: 'test', clock: new FakeClock(receivedAt) });
      const out = await ingestBatch(db, [{ id: String(++n), raw: await signedRaw(p, site!), receivedAt: new Date(receivedAt) }], ctx);
      expect(out.accepted).toHaveLength(1);
    },
    async alertsAt(at) {
      const now = new Date(at);
      const report = evaluateStatus(loadStatusFacts(db, cfg), toStatusParams(cfg), now);
      const { events } = await runAlerts(db, cfg, report, { sender, now });
      const raws = events.length ? await server.waitFor(seen + events.length) : server.messages;
      const mails = await Promise.all(raws.slice(seen).map((r) => simpleParser(r)));
      seen = raws.length;
      return mails.map((m) => m.subject ?? '');
    },
  };
}

let seq = 0;
/** A nightly run of fs1/nightly at 01:00 UTC on `day`, announcing the next night's run. */
function nightly(day: string, over: Partial<ResultPayload> = {}): ResultPayload {
  const start = `${day}T01:00:00.000Z`;
  const next = new Date(Date.parse(start) + 86_400_000).toISOString();
  return sampleResult({
    siteId: 'fs1', jobId: 'nightly', sequence: ++seq, startedAt: start,
    job: { id: 'nightly', name: 'Nightly documents', plugin: 'copy', schedule: '0 1 * * *', nextRunAt: next },
    ...over,
  });
}

const ZERO = {
  files: { examined: 0, copied: 0, skipped: 0, failed: 0, extra: 0 },
  bytes: { examined: 0, copied: 0, skipped: 0, failed: 0, extra: 0 },
  verification: { mode: 'copied' as const, algorithm: 'sha256', checked: 0, mismatches: 0, mismatchedPaths: [] },
};

describe('alerts on ingested reports', () => {
  it('sends an anomaly alert, not a recovery, for a zero-file ok run after a failure; the next good run recovers', async () => {
    const w = await world();
    for (const day of ['2026-11-20', '2026-11-21']) {
      await w.ingest(nightly(day), `${day}T01:05:00Z`);
      expect(await w.alertsAt(`${day}T02:00:00Z`)).toEqual([]);
    }
    await w.ingest(nightly('2026-11-22', { status: 'failed', errors: [{ message: 'target share not reachable' }] }), '2026-11-22T01:05:00Z');
    expect(await w.alertsAt('2026-11-22T02:00:00Z')).toEqual(['[FAILED] Acme Ltd / fs1 / Nightly documents']);

    await w.ingest(nightly('2026-11-23', ZERO), '2026-11-23T01:05:00Z');
    expect(await w.alertsAt('2026-11-23T02:00:00Z')).toEqual(['[ANOMALY] Acme Ltd / fs1 / Nightly documents']);
    const mail = await simpleParser(w.server.messages.at(-1)!);
    expect(mail.text).toContain('reported success, but the run looks wrong: it does not count as a good backup');
    expect(mail.text).toMatch(/Anomaly: +examined 0 files where recent runs examined a median of 120: is the source empty or not mounted\?/);
    // LAST GOOD is the run before the failure, not the zero-file run.
    expect(mail.text).toContain('Last good: Sat 21 Nov 01:01 (Europe/London)');
    expect(mail.headers.get('x-synecdoche-problem')).toBe('anomaly');

    // Once only: the same anomalous run evaluated again sends nothing.
    expect(await w.alertsAt('2026-11-23T03:00:00Z')).toEqual([]);
    await w.ingest(nightly('2026-11-24'), '2026-11-24T01:05:00Z');
    expect(await w.alertsAt('2026-11-24T02:00:00Z')).toEqual(['[RECOVERED] Acme Ltd / fs1 / Nightly documents']);
    const recovery = await simpleParser(w.server.messages.at(-1)!);
    expect(recovery.text).toContain('It was showing an anomaly before.');
  });

  it('alerts when an agent stops: "agent silent" once its heartbeat is overdue by the grace', async () => {
    const w = await world();
    await w.ingest(nightly('2026-11-23'), '2026-11-23T01:05:00Z');
    await w.ingest(sampleHeartbeat({ siteId: 'fs1', startedAt: '2026-11-23T08:00:00.000Z', sentAt: '2026-11-23T08:00:00.000Z', nextHeartbeatAt: '2026-11-24T08:00:00.000Z', jobs: [{ id: 'nightly', nextRunAt: '2026-11-24T01:00:00.000Z' }] }), '2026-11-23T08:01:00Z');
    expect(await w.alertsAt('2026-11-23T09:00:00Z')).toEqual([]);
    // The agent was stopped: no run on the 24th, no heartbeat. Heartbeat due 08:00, grace 120 min.
    expect(await w.alertsAt('2026-11-24T09:59:00Z')).toEqual(['[MISSING] Acme Ltd / fs1 / Nightly documents']);
    expect(await w.alertsAt('2026-11-24T10:01:00Z')).toEqual(['[AGENT SILENT] Acme Ltd / fs1']);
    const mail = await simpleParser(w.server.messages.at(-1)!);
    expect(mail.text).toContain('The agent at this site has gone silent: its heartbeat is overdue.');
    expect(mail.text).toMatch(/Since: +Tue 24 Nov 08:00 \(Europe\/London\)/);
    expect(mail.text).not.toContain('Job:');
    expect(await w.alertsAt('2026-11-24T12:00:00Z')).toEqual([]);
    // Started again: its heartbeat ends the silence.
    await w.ingest(sampleHeartbeat({ siteId: 'fs1', startedAt: '2026-11-24T12:30:00.000Z', sentAt: '2026-11-24T12:30:00.000Z', nextHeartbeatAt: '2026-11-25T12:30:00.000Z', jobs: [{ id: 'nightly', nextRunAt: '2026-11-25T01:00:00.000Z' }] }), '2026-11-24T12:31:00Z');
    expect(await w.alertsAt('2026-11-24T13:00:00Z')).toEqual(['[RECOVERED] Acme Ltd / fs1']);
  });

  it('alerts when a new job\'s first run is overdue', async () => {
    const w = await world();
    await w.ingest(sampleHeartbeat({ siteId: 'fs1', startedAt: '2026-11-23T08:00:00.000Z', sentAt: '2026-11-23T08:00:00.000Z', nextHeartbeatAt: '2026-11-24T08:00:00.000Z', jobs: [{ id: 'offsite', nextRunAt: '2026-11-23T22:00:00.000Z' }] }), '2026-11-23T08:01:00Z');
    expect(await w.alertsAt('2026-11-23T22:59:00Z')).toEqual([]);
    expect(await w.alertsAt('2026-11-23T23:01:00Z')).toEqual(['[FIRST RUN OVERDUE] Acme Ltd / fs1 / offsite']);
    const mail = await simpleParser(w.server.messages.at(-1)!);
    expect(mail.text).toContain('This new backup job has not reported yet, and its first run is overdue.');
    expect(await w.alertsAt('2026-11-24T01:00:00Z')).toEqual([]);
  });

  it('sends nothing for a site under maintenance, marks its jobs in the digest, and alerts what is still wrong afterwards', async () => {
    const w = await world({ alerts: { maintenance: [{ site: 'fs1', from: '2026-11-22T00:00:00Z', to: '2026-11-22T06:00:00Z', reason: 'NAS firmware <update>' }] } });
    await w.ingest(nightly('2026-11-21'), '2026-11-21T01:05:00Z');
    expect(await w.alertsAt('2026-11-21T02:00:00Z')).toEqual([]);
    await w.ingest(nightly('2026-11-22', { status: 'failed', errors: [{ message: 'NAS offline' }] }), '2026-11-22T01:05:00Z');
    expect(await w.alertsAt('2026-11-22T02:00:00Z')).toEqual([]);
    expect(await w.alertsAt('2026-11-22T05:59:00Z')).toEqual([]);
    const digest = buildDigest(w.db, w.cfg, { now: new Date('2026-11-22T07:00:00Z') });
    expect(digest.text).toMatch(/\* FAILED \(maintenance\): Acme Ltd \/ fs1 \/ Nightly documents/);
    expect(digest.text).toMatch(/FAILED \(maintenance\) {2}fs1 \/ Nightly documents/);
    expect(digest.text).toContain('maintenance: NAS firmware <update>, Sun 22 Nov 00:00 to Sun 22 Nov 06:00');
    expect(digest.html).toContain('NAS firmware &lt;update&gt;');
    expect(digest.html).not.toContain('<update>');
    // The window is over and the job is still failed: alerted now.
    expect(await w.alertsAt('2026-11-22T06:01:00Z')).toEqual(['[FAILED] Acme Ltd / fs1 / Nightly documents']);
    // A day later the digest no longer marks it.
    expect(buildDigest(w.db, w.cfg, { now: new Date('2026-11-23T07:00:00Z') }).text).not.toContain('(maintenance)');
  });
});
