import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { sampleHeartbeat, sampleResult } from '../../core/result/testing.ts';
import { ingestBatch } from '../ingest/batch.ts';
import { ingestContext } from '../ingest/classify.ts';
import { signedRaw, tempDir, testConfig, testSites } from '../ingest/testing.ts';
import { openStore, schemaVersion } from './db.ts';
import { loadStatusFacts } from './facts.ts';
import { MIGRATIONS } from './migrations.ts';
import { pruneStore } from './retention.ts';
import { seedHistory } from './seed.ts';
import { plainRun } from '../status/run-record.ts';
import { decodeRuns, encodeRun, rebuildSummaries, RECENT_RUNS, type RunRecord } from './summary.ts';

const [siteA] = testSites('site-a');

describe('the collector store', () => {
  let dir: string, cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it('applies migrations once and opens again without change, in WAL mode', () => {
    const path = join(dir, 'sub', 'x.db');
    const db = openStore(path);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.prepare(`INSERT INTO sites VALUES ('s', 1, 1, NULL, NULL, NULL)`).run();
    db.close();
    const again = openStore(path);
    expect(schemaVersion(again)).toBe(MIGRATIONS.length);
    expect(again.prepare('SELECT count(*) AS n FROM sites').get()).toEqual({ n: 1 });
    again.close();
  });

  it('maps the database file only for the reading commands, so a long poll does not keep every page it touched resident', () => {
    const path = join(dir, 'x.db');
    const writer = openStore(path);
    expect(writer.pragma('mmap_size', { simple: true })).toBe(0);
    const reader = openStore(path, { mapped: true });
    expect(reader.pragma('mmap_size', { simple: true })).toBeGreaterThanOrEqual(64 * 2 ** 20);
    reader.close();
    writer.close();
  });

  it('refuses a database made by a newer version, with STORE_FAILED', () => {
    const path = join(dir, 'x.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => openStore(path)).toThrow(expect.objectContaining({ code: 'STORE_FAILED', message: expect.stringContaining('cannot bring the database') }));
  });

  it('round-trips a run through its binary summary record, with and without an error', () => {
    const run: RunRecord = {
      runId: '6f1c2d3e-1111-4222-8333-444455556666', sequence: 7, startedAt: 1763860000000, endedAt: 1763860065000, receivedAt: 1763860070000,
      sentAt: 1763860066000, status: 'warning', filesExamined: 120, filesCopied: 12, filesFailed: 1, bytesExamined: 5e12, bytesCopied: 4e6,
      verificationMismatches: 2, firstError: 'Zugriff verweigert: «C:\\Daten»',
    };
    const [back, plain] = decodeRuns(Buffer.concat([encodeRun(run), encodeRun({ ...run, firstError: null, status: 'ok' })]));
    expect(plainRun(back!)).toEqual(run);
    expect(JSON.parse(JSON.stringify(back))).toEqual(run);
    expect(plainRun(plain!)).toMatchObject({ firstError: null, status: 'ok', sequence: 7 });
    expect(decodeRuns(null)).toEqual([]);
  });

  it('keeps each job summary equal to what rebuilding from the runs gives, whatever the arrival order', async () => {
    const cfg = testConfig(dir, [siteA!]);
    const db = openStore(cfg.database.path);
    const ctx = ingestContext(cfg, { source: 't', clock: new FakeClock('2026-12-31T00:00:00Z') });
    const days = Array.from({ length: RECENT_RUNS + 5 }, (_, i) => i);
    const shuffled = days.map((d) => [(d * 7919) % days.length, d] as const).sort((a, b) => a[0] - b[0]).map(([, d]) => d);
    for (const d of shuffled) {
      const startedAt = new Date(Date.UTC(2026, 10, 1) + d * 86_400_000).toISOString();
      const status = d <= 3 ? 'ok' : 'failed'; // the last good run falls out of the recent ones
      await ingestBatch(db, [{ id: String(d), raw: await signedRaw(sampleResult({ siteId: 'site-a', sequence: d + 1, startedAt, status }), siteA!), receivedAt: null }], ctx);
    }
    const summary = () => db.prepare('SELECT recent_runs, latest_started_at, last_good FROM jobs').get();
    const incremental = summary();
    rebuildSummaries(db);
    expect(summary()).toEqual(incremental);
    const [job] = loadStatusFacts(db, cfg, { recentRuns: RECENT_RUNS }).jobs;
    expect(job!.recentRuns.map((r) => r.sequence)).toEqual(days.slice().reverse().slice(0, RECENT_RUNS).map((d) => d + 1));
    expect(job!.lastGoodRun!.sequence).toBe(4);
    db.close();
  });

  it('gives the engine facts per configured site, job, heartbeat and mailbox', async () => {
    const cfg = testConfig(dir, [siteA!], { sites: undefined });
    const withTwo = testConfig(dir, [siteA!, ...testSites('site-quiet')], { mailboxes: [{ name: 'office', type: 'maildir', path: 'm' }] });
    const db = openStore(cfg.database.path);
    const ctx = ingestContext(withTwo, { source: 't', clock: new FakeClock('2026-11-23T09:00:00Z') });
    const hb = sampleHeartbeat({ siteId: 'site-a', sentAt: '2026-11-23T08:00:00.000Z', nextHeartbeatAt: '2026-11-24T08:00:00.000Z', jobs: [{ id: 'nightly', nextRunAt: '2026-11-24T01:00:00.000Z' }, { id: 'weekly', nextRunAt: '2026-11-29T03:00:00.000Z' }] });
    const result = sampleResult({ siteId: 'site-a', startedAt: '2026-11-23T01:00:00.000Z', sequence: 3 });
    await ingestBatch(db, [{ id: '1', raw: await signedRaw(hb, siteA!), receivedAt: new Date('2026-11-23T08:01:00Z') }, { id: '2', raw: await signedRaw(result, siteA!), receivedAt: new Date('2026-11-23T01:02:00Z') }], ctx);
    const facts = loadStatusFacts(db, withTwo);
    expect(facts.jobs.map((j) => [j.jobId, j.jobName, j.announcedNextRunAt?.toISOString(), j.recentRuns.length])).toEqual([
      ['nightly', 'Nightly documents', '2026-11-24T01:00:00.000Z', 1],
      ['weekly', 'weekly', '2026-11-29T03:00:00.000Z', 0],
    ]);
    expect(facts.jobs[0]!.recentRuns[0]!.receivedAt).toBe(Date.parse('2026-11-23T01:02:00Z'));
    expect(facts.sites).toEqual([
      { siteId: 'site-a', clientId: 'acme', heartbeatExpected: true, lastHeartbeatAt: new Date('2026-11-23T08:00:00Z'), nextHeartbeatAt: new Date('2026-11-24T08:00:00Z'), lastSeenAt: new Date('2026-11-23T08:01:00Z'), agentTimeZone: 'Europe/Berlin' },
      { siteId: 'site-quiet', clientId: 'acme', heartbeatExpected: true, lastHeartbeatAt: null, nextHeartbeatAt: null, lastSeenAt: null, agentTimeZone: null },
    ]);
    expect(facts.mailboxes).toEqual([{ name: 'office', lastGoodPollAt: null, lastError: null, lastErrorAt: null }]);
    // A site removed from the config is no longer monitored.
    expect(loadStatusFacts(db, testConfig(dir, []))).toMatchObject({ jobs: [], sites: [] });
    db.close();
  });

  it('reads the facts of 300 jobs with 90 days of history from their summaries', () => {
    const db = openStore(join(dir, 'big.db'));
    seedHistory(db, { sites: 30, jobsPerSite: 10, days: 90, end: new Date('2026-11-23T00:00:00Z') });
    const cfg = testConfig(dir, Array.from({ length: 30 }, (_, i) => ({ id: `site-${i}`, keys: siteA!.keys })));
    const facts = loadStatusFacts(db, cfg);
    expect(facts.jobs).toHaveLength(300);
    const job = facts.jobs.find((j) => j.siteId === 'site-3' && j.jobId === 'job-4')!;
    expect(job.recentRuns).toHaveLength(18);
    expect(job.recentRuns[0]!.sequence).toBe(90);
    expect(job.recentRuns.every((r, i) => i === 0 || r.startedAt < job.recentRuns[i - 1]!.startedAt)).toBe(true);
    expect(job.lastGoodRun!.status).toBe('ok');
    db.close();
  });
});

describe('retention', () => {
  it('drops old raw bytes of accepted messages and old runs, but keeps quarantined evidence and the last heartbeat', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const cfg = testConfig(dir, [siteA!], { retention: { rawDays: 10, runsDays: 20 } });
      const db = openStore(cfg.database.path);
      const at = (iso: string) => ingestContext(cfg, { source: 't', clock: new FakeClock(iso) });
      const old = sampleResult({ siteId: 'site-a', startedAt: '2026-10-01T01:00:00.000Z', sequence: 1 });
      const recent = sampleResult({ siteId: 'site-a', startedAt: '2026-11-20T01:00:00.000Z', sequence: 2 });
      const oldHb = sampleHeartbeat({ siteId: 'site-a', sentAt: '2026-10-01T08:00:00.000Z' });
      await ingestBatch(db, [
        { id: '1', raw: await signedRaw(old, siteA!), receivedAt: null },
        { id: '2', raw: await signedRaw(oldHb, siteA!), receivedAt: null },
        { id: '3', raw: Buffer.from('X-Synecdoche-Format: x\r\n\r\nno attachment'), receivedAt: null },
      ], at('2026-10-01T09:00:00Z'));
      await ingestBatch(db, [{ id: '4', raw: await signedRaw(recent, siteA!), receivedAt: null }], at('2026-11-20T09:00:00Z'));
      expect(pruneStore(db, cfg, new Date('2026-11-23T00:00:00Z'))).toEqual({ rawCleared: 2, runsDeleted: 1, heartbeatsDeleted: 0, restoresDeleted: 0, catalogueVersionsDeleted: 0, catalogueFilesDeleted: 0, commandsDeleted: 0, clientRequestsDeleted: 0 });
      const kept = db.prepare('SELECT disposition, raw_gz IS NOT NULL AS raw FROM messages ORDER BY id').all();
      expect(kept).toEqual([{ disposition: 'accepted', raw: 0 }, { disposition: 'accepted', raw: 0 }, { disposition: 'quarantined', raw: 1 }, { disposition: 'accepted', raw: 1 }]);
      expect(db.prepare('SELECT sequence FROM runs').all()).toEqual([{ sequence: 2 }]);
      db.close();
    } finally {
      cleanup();
    }
  });
});
