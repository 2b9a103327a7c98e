import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { sampleHeartbeat, sampleResult } from '../../core/result/testing.ts';
import type { CollectorConfig } from '../config.ts';
import { MaildirSource } from '../sources/maildir.ts';
import { openStore, type Db } from '../store/db.ts';
import { loadStatusFacts } from '../store/facts.ts';
import { ingestBatch } from './batch.ts';
import { ingestContext, type IngestContext } from './classify.ts';
import { describeSummary, pollSource } from './poll.ts';
import { signedRaw, tempDir, testConfig, testSites } from './testing.ts';

const [siteA, siteB] = testSites('site-a', 'site-b');
const ls = (d: string) => readdirSync(d).sort();

describe('pollSource over a Maildir', () => {
  let dir: string, cleanup: () => void, db: Db, cfg: CollectorConfig, ctx: IngestContext, maildir: string;
  let n = 0;
  const deliver = (raw: Buffer, sub = 'new') => writeFileSync(join(maildir, sub, `${1763900000 + ++n}.M${n}P1.host`), raw);

  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    maildir = join(dir, 'Maildir');
    for (const s of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, s), { recursive: true });
    cfg = testConfig(dir, [siteA!], { mailboxes: [{ name: 'local', type: 'maildir', path: maildir }] });
    db = openStore(cfg.database.path);
    ctx = ingestContext(cfg, { source: 'local', clock: new FakeClock('2026-11-23T09:00:00Z') });
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  it('ingests new and cur messages in batches and moves them to .Processed and .Quarantine', async () => {
    for (let i = 1; i <= 5; i++) deliver(await signedRaw(sampleResult({ siteId: 'site-a', sequence: i, startedAt: `2026-11-1${i}T01:00:00.000Z` }), siteA!));
    deliver(await signedRaw(sampleHeartbeat({ siteId: 'site-a' }), siteA!), 'cur');
    deliver(await signedRaw(sampleResult({ siteId: 'site-a' }), { privateKey: siteB!.keys.privateKey, publicKey: siteA!.keys.publicKey }));
    const summary = await pollSource(db, new MaildirSource({ path: maildir }), ctx, silentLogger, { mailbox: 'local', batchSize: 2 });
    expect(describeSummary(summary)).toBe('6 accepted, 1 quarantined (bad-signature), 0 duplicates');
    expect(ls(join(maildir, 'new'))).toEqual([]);
    expect(ls(join(maildir, 'cur'))).toEqual([]);
    expect(ls(join(maildir, '.Processed', 'cur'))).toHaveLength(6);
    expect(ls(join(maildir, '.Quarantine', 'cur'))).toHaveLength(1);
    expect(ls(join(maildir, '.Processed', 'cur')).every((f) => f.includes(':2,'))).toBe(true);
    const facts = loadStatusFacts(db, cfg);
    expect(facts.mailboxes).toEqual([{ name: 'local', lastGoodPollAt: new Date('2026-11-23T09:00:00Z'), lastError: null, lastErrorAt: null }]);
    expect(facts.jobs[0]!.recentRuns.map((r) => r.sequence)).toEqual([5, 4, 3, 2, 1]);
    expect(facts.quarantinedCount).toBe(1);
  });

  it('loses and doubles nothing when the collector stopped between the commit and the move', async () => {
    const good = await signedRaw(sampleResult({ siteId: 'site-a' }), siteA!);
    const bad = Buffer.from('X-Synecdoche-Format: synecdoche-result/1\r\nSubject: x\r\n\r\nno attachment');
    deliver(good);
    deliver(bad);
    const source = new MaildirSource({ path: maildir });
    await source.open();
    await ingestBatch(db, await source.fetchBatch(10), ctx); // committed, never moved: the crash
    await source.close();
    const rows = () => db.prepare('SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM messages) AS messages').get();
    expect(rows()).toEqual({ runs: 1, messages: 2 });
    const summary = await pollSource(db, new MaildirSource({ path: maildir }), ctx, silentLogger, { mailbox: 'local', batchSize: 10 });
    expect(summary).toMatchObject({ accepted: 0, duplicates: 1, quarantined: 1, reasons: { 'no-attachment': 1 } });
    expect(rows()).toEqual({ runs: 1, messages: 2 });
    expect(ls(join(maildir, 'new'))).toEqual([]);
    expect(ls(join(maildir, '.Processed', 'cur'))).toHaveLength(1);
    expect(ls(join(maildir, '.Quarantine', 'cur'))).toHaveLength(1);
  });

  it('records a mailbox that cannot be read, so that status can say monitoring is blind', async () => {
    rmSync(join(maildir, 'new'), { recursive: true });
    const clock = new FakeClock('2026-11-23T10:00:00Z');
    await expect(pollSource(db, new MaildirSource({ path: maildir }), { ...ctx, clock }, silentLogger, { mailbox: 'local', batchSize: 10 })).rejects.toMatchObject({
      code: 'MAILBOX_FAILED',
    });
    const [mailbox] = loadStatusFacts(db, cfg).mailboxes;
    expect(mailbox).toMatchObject({ name: 'local', lastGoodPollAt: null, lastErrorAt: new Date('2026-11-23T10:00:00Z') });
    expect(mailbox!.lastError).toMatch(/not a Maildir/);
  });

  it('fails instead of looping when moves do not take effect', async () => {
    deliver(await signedRaw(sampleResult({ siteId: 'site-a' }), siteA!));
    const source = new MaildirSource({ path: maildir });
    const stuck = Object.assign(Object.create(source) as MaildirSource, {
      fetchBatch: async () => [{ id: 'new/x', raw: Buffer.from('x'), receivedAt: null }],
      markProcessed: async () => {},
      markQuarantined: async () => {},
    });
    await expect(pollSource(db, stuck, ctx, silentLogger, { mailbox: 'local', batchSize: 10 })).rejects.toThrow(/came back/);
  });
});
