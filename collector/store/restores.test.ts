import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { buildRaw, encodeResultEmail } from '../../core/email/encode.ts';
import type { DrillPayload, RestorePayload } from '../../core/result/schema.ts';
import { ingestBatch } from '../ingest/batch.ts';
import { ingestContext } from '../ingest/classify.ts';
import { signedRaw, tempDir, testConfig, testSites } from '../ingest/testing.ts';
import { silentLogger } from '../../core/log.ts';
import { historyCommand } from '../commands/history.ts';
import { buildDigest } from '../report/digest/build.ts';
import { openStore, type Db } from './db.ts';
import { lastRestore, lastSuccessfulDrill, restoresOf } from './restores.ts';
import { pruneStore } from './retention.ts';

const [siteA] = testSites('site-a');

function sampleRestore(over: Partial<RestorePayload> = {}): RestorePayload {
  const startedAt = over.startedAt ?? '2026-12-04T09:00:00.000Z';
  return {
    format: 'synecdoche-result',
    version: 1,
    kind: 'restore',
    site: { id: 'site-a', client: 'Acme Ltd' },
    agent: { host: 'fileserver', version: '0.1.0', timeZone: 'Europe/Berlin' },
    runId: randomUUID(),
    sentAt: new Date(Date.parse(startedAt) + 70_000).toISOString(),
    job: { id: 'docs', name: 'Documents', plugin: 'copy' },
    command: null,
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + 60_000).toISOString(),
    status: 'ok',
    from: { runId: randomUUID(), at: '2026-12-03T01:31:00.000Z' },
    target: '/srv/restored',
    inPlace: false,
    paths: ['Invoices/2026'],
    files: { restored: 12, failed: 0 },
    bytes: { restored: 34_000 },
    verification: { mode: 'all', algorithm: 'sha256', checked: 12, mismatches: 0, mismatchedPaths: [] },
    incomplete: false,
    errors: [],
    logTail: '',
    sizeOnly: 0,
    ...over,
  };
}

function sampleDrill(over: Partial<DrillPayload> = {}): DrillPayload {
  const { sizeOnly, ...base } = sampleRestore();
  void sizeOnly;
  return { ...base, kind: 'drill', sample: { files: 5, bytes: 500, ofFiles: 100, ofBytes: 10_000 }, sourceCompared: { checked: 3, mismatches: 0 }, ...over } as DrillPayload;
}

describe('restores and drills in the collector store', () => {
  let dir: string, cleanup: () => void, db: Db;
  const cfg = () => testConfig(dir, [siteA!]);
  const ingest = async (...payloads: (RestorePayload | DrillPayload)[]) => {
    const ctx = ingestContext(cfg(), { source: 't', clock: new FakeClock('2026-12-05T07:00:00Z') });
    const msgs = await Promise.all(payloads.map(async (p, i) => ({ id: String(i), raw: await signedRaw(p, siteA!), receivedAt: new Date('2026-12-04T10:00:00Z') })));
    return ingestBatch(db, msgs, ctx);
  };
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    db = openStore(cfg().database.path);
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  it('stores a signed restore of a job it has never seen; the same email again is a duplicate, the same run re-sent a replay', async () => {
    const p = sampleRestore({ command: { id: randomUUID() } });
    const { message } = encodeResultEmail(p, { from: 'agent@site.example', to: 'backups@example.com', ...siteA!.keys });
    const raw = await buildRaw(message);
    const ctx = ingestContext(cfg(), { source: 't', clock: new FakeClock('2026-12-05T07:00:00Z') });
    expect((await ingestBatch(db, [{ id: '1', raw, receivedAt: null }], ctx)).accepted).toEqual(['1']);
    const sameId = await buildRaw({ ...message, headers: { ...(message.headers as object), 'X-Resent': '1' } });
    expect((await ingestBatch(db, [{ id: '2', raw: sameId, receivedAt: null }], ctx)).duplicates).toEqual(['2']);
    const replay = await buildRaw({ ...message, messageId: `<${randomUUID()}@evil.example>` });
    expect((await ingestBatch(db, [{ id: '3', raw: replay, receivedAt: null }], ctx)).quarantined).toEqual([{ id: '3', reason: 'replay' }]);
    const [row] = restoresOf(db, 'site-a', 'docs', { limit: 10 });
    expect(row).toMatchObject({
      runId: p.runId,
      kind: 'restore',
      jobName: 'Documents',
      commandId: p.command!.id,
      status: 'ok',
      incomplete: false,
      files: { restored: 12, failed: 0 },
      bytesRestored: 34_000,
      mismatches: 0,
      checked: 12,
      target: '/srv/restored',
      fromAt: new Date('2026-12-03T01:31:00.000Z'),
    });
    expect(db.prepare('SELECT count(*) AS n FROM jobs').get()).toEqual({ n: 0 }); // a restore does not invent a job's runs
  });

  it('shows in collector history the restores of a job whose runs never reached this collector', async () => {
    const p = sampleRestore({ status: 'failed', files: { restored: 11, failed: 1 }, errors: [{ path: 'a.txt', message: 'not found in the backup: no copy of 6 bytes' }] });
    await ingest(p);
    const lines: string[] = [];
    const l = { cfg: cfg(), db, log: silentLogger, clock: new FakeClock('2026-12-05T07:00:00Z'), out: (x: string) => lines.push(x) };
    const h = historyCommand(l, 'site-a/docs', { limit: 10 });
    expect(h.runs).toEqual([]);
    expect(h.restores.map((r) => r.runId)).toEqual([p.runId]);
    expect(lines[0]).toBe('site-a/docs: Documents');
    expect(lines).toContain('No runs have been reported yet.');
    expect(lines.at(-1)).toMatch(/^RESTORE +Fri 4 Dec 09:00 +FAILED +11 \(\+1 failed\) +34 KB +0 of 12 +backup of Thu 3 Dec 01:31; into \/srv\/restored; not found in the backup: no copy of 6 bytes$/);
  });

  it('answers the newest restore, the newest drill, and the newest drill that passed (failed and incomplete ones do not count)', async () => {
    const good = sampleDrill({ startedAt: '2026-12-01T03:00:00.000Z' });
    const failed = sampleDrill({ startedAt: '2026-12-02T03:00:00.000Z', status: 'failed' });
    const cut = sampleDrill({ startedAt: '2026-12-03T03:00:00.000Z', incomplete: true });
    const restore = sampleRestore();
    expect((await ingest(good, failed, cut, restore)).accepted).toHaveLength(4);
    expect(lastSuccessfulDrill(db, 'site-a', 'docs')?.runId).toBe(good.runId);
    expect(lastRestore(db, 'site-a', 'docs', 'drill')?.runId).toBe(cut.runId);
    expect(lastRestore(db, 'site-a', 'docs', 'restore')?.runId).toBe(restore.runId);
    expect(restoresOf(db, 'site-a', 'docs', { kind: 'drill', limit: 2 }).map((r) => r.runId)).toEqual([cut.runId, failed.runId]);
    expect(lastSuccessfulDrill(db, 'site-a', 'other')).toBeNull();
  });

  it('drops restores and drills older than the runs are kept (retention.runsDays)', async () => {
    await ingest(sampleRestore({ startedAt: '2026-01-10T09:00:00.000Z' }), sampleRestore());
    const r = pruneStore(db, { retention: { rawDays: 30, runsDays: 90 } } as Parameters<typeof pruneStore>[1], new Date('2026-12-05T00:00:00Z'));
    expect(r.restoresDeleted).toBe(1);
    expect(restoresOf(db, 'site-a', 'docs', { limit: 10 })).toHaveLength(1);
  });

  it("lists the last day's restores in the digest, text and HTML, with what the agent reported escaped", async () => {
    await ingest(
      sampleRestore({ startedAt: '2026-12-04T09:00:00.000Z', job: { id: 'docs', name: 'Docs <b>&</b>', plugin: 'copy' } }),
      sampleRestore({
        startedAt: '2026-12-04T11:00:00.000Z',
        status: 'failed',
        incomplete: true,
        files: { restored: 3, failed: 0 },
        verification: null,
        errors: [{ message: 'the agent stopped during the restore (killed or crashed)' }],
      }),
      sampleRestore({ startedAt: '2026-12-01T09:00:00.000Z' }), // before the period
      sampleDrill({ startedAt: '2026-12-04T12:00:00.000Z' }), // drills have their own place
    );
    const d = buildDigest(db, cfg(), { now: new Date('2026-12-05T07:00:00Z') });
    expect(d.model.restores.map((r) => [r.state, r.files, r.check])).toEqual([
      ['OK', '12 files restored (34 KB)', 'all 12 checked match the backup'],
      ['INCOMPLETE', '3 files restored (34 KB)', 'not verified'],
    ]);
    expect(d.text).toContain('RESTORES (last 24 hours)\n* OK: Acme Ltd / site-a / Docs <b>&</b>, ');
    expect(d.text).toContain('  3 files restored (34 KB); not verified; the target folder is marked incomplete\n');
    expect(d.text).toContain('the agent stopped during the restore (killed or crashed)');
    expect(d.html).toContain('<b>Acme Ltd / site-a / Docs &lt;b&gt;&amp;&lt;/b&gt;</b>');
    expect(d.html).not.toContain('Docs <b>');
    expect(d.html).toContain('the target folder is marked incomplete');
  });

  it('leaves the Restores section out of a digest with none', async () => {
    const d = buildDigest(db, cfg(), { now: new Date('2026-12-05T07:00:00Z') });
    expect(d.model.restores).toEqual([]);
    expect(d.text).not.toContain('RESTORES');
    expect(d.html).not.toContain('>Restores</h2>');
  });
});
