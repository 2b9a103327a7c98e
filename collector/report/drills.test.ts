import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDrill } from '../../agent/drill/index.ts';
import { seededRandom } from '../../agent/drill/sample.ts';
import { runJob } from '../../agent/runner.ts';
import { testDeps } from '../../agent/testing/deps.ts';
import { makeTestSite, type TestSite } from '../../agent/testing/site.ts';
import { startSmtpServer, type TestSmtpServer } from '../../agent/testing/smtp.ts';
import { FakeClock } from '../../core/clock.ts';
import { getPlugin } from '../../plugins/index.ts';
import { collectorConfigFrom, type CollectorConfig } from '../config.ts';
import { ingestBatch } from '../ingest/batch.ts';
import { ingestContext } from '../ingest/classify.ts';
import { openStore, type Db } from '../store/db.ts';
import { buildClientSummary } from './client/build.ts';
import { buildDigest } from './digest/build.ts';
import { drillState } from './drills.ts';

/*
 * The whole path with real parts: the agent runs a real copy backup and real drills, signs the
 * reports and sends them to a real SMTP server; the collector ingests those emails as they
 * arrived and writes the digest and the client summary.
 */
const DAY = 86_400_000;
const T0 = new Date('2026-11-30T04:00:00Z');

let smtp: TestSmtpServer;
let site: TestSite;
let scratch: string;
let db: Db | undefined;
let n = 0;
beforeEach(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'syn-drills-digest-'));
  smtp = await startSmtpServer();
});
afterEach(async () => {
  db?.close();
  db = undefined;
  await smtp.close();
  site?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

function agent(clock: FakeClock) {
  const src = join(scratch, 'src');
  mkdirSync(src, { recursive: true });
  for (let i = 0; i < 8; i++) writeFileSync(join(src, `doc-${i}.txt`), `document ${i}\n`.repeat(50 * (i + 1)));
  site = makeTestSite(smtp.port, [
    { id: 'documents', name: 'Documents', plugin: 'copy', options: { source: src, destination: join(scratch, 'nas') }, drill: { schedule: '0 5 * * 0', sample: 8 } },
    { id: 'photos', name: 'Photos', plugin: 'copy', options: { source: src, destination: join(scratch, 'nas2') } },
  ]);
  const deps = { ...testDeps(site.configPath, getPlugin, clock), random: seededRandom(11), tempDir: scratch };
  return { deps, documents: deps.config.jobs[0]!, photos: deps.config.jobs[1]! };
}

function collector(extra: Record<string, unknown> = {}): CollectorConfig {
  return collectorConfigFrom(
    {
      database: { path: ':memory:' },
      consultant: { name: 'Pat Consultant', email: 'pat@example.com', timeZone: 'Europe/London' },
      clients: [{ id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin', contacts: ['office@acme.example'] }],
      sites: [{ id: 'site-a', client: 'acme', publicKeys: [site.publicLine], heartbeatExpected: false }],
      ...extra,
    },
    scratch,
  );
}

async function ingestAll(cfg: CollectorConfig, at: Date): Promise<void> {
  db ??= openStore(':memory:');
  const raws = smtp.messages.splice(0);
  const out = await ingestBatch(db, raws.map((raw) => ({ id: String(++n), raw, receivedAt: at })), ingestContext(cfg, { source: 'test', clock: new FakeClock(at) }));
  expect(out.quarantined).toEqual([]);
  expect(out.accepted).toHaveLength(raws.length);
}

function flipByte(file: string, at: number): void {
  const fd = openSync(file, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0xff;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

describe('last proven restorable, from real drill emails', () => {
  it('says per job when it was last proven restorable, in the digest and in plain words to the client', async () => {
    const clock = new FakeClock(T0);
    const { deps, documents, photos } = agent(clock);
    await runJob(documents, deps);
    await runJob(photos, deps);
    clock.advance(60_000);
    expect((await runDrill(documents, deps)).payload.status).toBe('ok');
    await smtp.waitFor(3, 5000);
    const cfg = collector();
    await ingestAll(cfg, clock.now());

    const now = new Date(T0.getTime() + 3 * DAY);
    const digest = buildDigest(db!, cfg, { now });
    expect(digest.text).toMatch(/Documents\n.*\n\s+last proven restorable: 3 days ago\n/);
    expect(digest.text).toMatch(/Photos\n.*\n\s+never proven restorable\n/);
    expect(digest.html).toContain('last proven restorable: 3 days ago');
    expect(digest.model.attention).toEqual([]);

    const client = buildClientSummary(db!, cfg, 'acme', { now });
    expect(client.text).toContain('Last proven restorable: 3 days ago (on Monday 30 November at 05:01, a sample of files was restored and matched the backup).');
    expect(client.text).toContain('Never proven restorable: no trial restore has succeeded yet.');
  });

  it('warns in the attention list when the last good drill is older than warnAfterDays, and about a never-drilled job at a site that drills', async () => {
    const clock = new FakeClock(T0);
    const { deps, documents, photos } = agent(clock);
    await runJob(documents, deps);
    await runJob(photos, deps);
    await runDrill(documents, deps);
    await smtp.waitFor(3, 5000);
    const cfg = collector({ drills: { warnAfterDays: 2 } });
    await ingestAll(cfg, clock.now());
    const digest = buildDigest(db!, cfg, { now: new Date(T0.getTime() + 3 * DAY) });
    const items = digest.model.attention.map((a) => [a.label, a.jobName, a.detail]);
    expect(items).toEqual([
      ['WARNING', 'Documents', expect.stringMatching(/^restore drill: not proven restorable for 3 days \(drills.warnAfterDays: 2\)$/)],
      ['WARNING', 'Photos', expect.stringMatching(/^restore drill: never proven restorable: no restore drill in 3 days/)],
    ]);
    expect(digest.subject).toMatch(/2 not proven restorable/);
    // Turned off for never-drilled jobs: only the drilled one is watched.
    const quiet = buildDigest(db!, collector({ drills: { warnAfterDays: 2, neverDrilled: 'ignore' } }), { now: new Date(T0.getTime() + 3 * DAY) });
    expect(quiet.model.attention.map((a) => a.jobName)).toEqual(['Documents']);
  });

  it('warns at once, naming the mismatch, when the newest drill found a corrupted backup file', async () => {
    const clock = new FakeClock(T0);
    const { deps, documents } = agent(clock);
    await runJob(documents, deps);
    await runDrill(documents, deps);
    clock.advance(DAY);
    for (let i = 0; i < 8; i++) flipByte(join(scratch, 'nas', `doc-${i}.txt`), 3);
    const bad = (await runDrill(documents, deps)).payload;
    expect(bad.status).toBe('failed');
    await smtp.waitFor(3, 5000);
    const cfg = collector();
    await ingestAll(cfg, clock.now());
    const digest = buildDigest(db!, cfg, { now: new Date(clock.now().getTime() + 3_600_000) });
    const item = digest.model.attention.find((a) => a.jobName === 'Documents')!;
    expect(item.label).toBe('WARNING');
    expect(item.detail).toMatch(/^restore drill: the newest restore drill \(1 h ago\) failed: 8 files did not match the backup$/);
    // The drill a day before still proved it: the line says when, the warning says what went wrong since.
    expect(digest.text).toContain('last proven restorable: 25 h ago (WARNING)');
    const client = buildClientSummary(db!, cfg, 'acme', { now: new Date(clock.now().getTime() + 3_600_000) });
    expect(client.text).toMatch(/Last proven restorable: 25 hours ago .* The latest trial restore, on Tuesday 1 December at 05:00, found a problem\./);
  });
});

describe('drill state rules', () => {
  const settings = { warnAfterDays: 14, neverDrilled: 'drilled-sites' as const };
  const now = new Date('2026-12-20T00:00:00Z');
  const job = (over: Record<string, unknown> = {}) => ({ source: 'agent' as const, plugin: 'rsync', firstSeenAt: new Date('2026-11-01T00:00:00Z'), siteDrills: false, ...over });

  it('never warns about, nor words, jobs of other tools or command jobs', () => {
    expect(drillState(job({ source: 'third-party' }), null, null, { ...settings, neverDrilled: 'all' }, now)).toMatchObject({ words: null, warning: null });
    expect(drillState(job({ plugin: 'command' }), null, null, { ...settings, neverDrilled: 'all' }, now)).toMatchObject({ words: null, warning: null });
  });

  it('gives a never-drilled job the grace of warnAfterDays from when the collector first saw it', () => {
    expect(drillState(job({ siteDrills: true, firstSeenAt: new Date('2026-12-10T00:00:00Z') }), null, null, settings, now).warning).toBeNull();
    expect(drillState(job({ siteDrills: true }), null, null, settings, now).warning).toMatch(/^never proven restorable/);
    expect(drillState(job({ siteDrills: false }), null, null, settings, now)).toMatchObject({ words: 'never proven restorable', warning: null });
  });
});
