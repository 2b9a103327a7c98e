import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { isSynError } from '../../core/errors.ts';
import { collectorConfigFrom, type CollectorConfig } from '../config.ts';
import { ImapSource, type ImapSourceConfig } from '../sources/imap.ts';
import type { MailSource } from '../sources/types.ts';
import { openStore, type Db } from '../store/db.ts';
import { startDovecot, type Dovecot } from '../testing/dovecot.ts';
import { hugeHeaderMessages } from '../testing/hostile-mime.ts';
import { plainEmail, signedEmail, signedHeartbeat, signedResult, testSite, type TestSite } from '../testing/messages.ts';
import { reportEmail, Rng, signAny } from '../testing/seeded.ts';
import { sampleResult } from '../../core/result/testing.ts';
import { silentLogger } from '../../core/log.ts';
import { ingestContext, type IngestContext } from './classify.ts';
import { pollSource } from './poll.ts';

const sites = ['site-a', 'site-b', 'site-c'].map(testSite);
const [a, b, c] = sites as [TestSite, TestSite, TestSite];
const rogue = testSite('site-a');
const users = ['mixed', 'drop', 'crash'].map((user) => ({ user, pass: `pw-${user}` }));

function rawConfig(dir: string, name: string): Record<string, unknown> {
  return {
    database: { path: join(dir, `${name}.db`) },
    consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'Europe/London' },
    clients: [{ id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin' }],
    sites: sites.map((s) => ({ id: s.id, client: 'acme', publicKeys: [s.publicKey] })),
    limits: { maxMessageBytes: 1024 * 1024, maxAttachmentBytes: 64 * 1024 },
  };
}

const count = (db: Db, sql: string) => (db.prepare(sql).get() as { n: number }).n;
const folderCount = async (d: Dovecot, user: string, folder: string) => Number(/messages=(\d+)/.exec(await d.doveadm('mailbox', 'status', '-u', user, 'messages', folder))?.[1]);

describe('ingest from a real Dovecot mailbox', () => {
  let d: Dovecot;
  let dir: string;
  beforeAll(async () => {
    d = await startDovecot({ users });
    dir = mkdtempSync(join(tmpdir(), 'syn-ingest-dovecot-'));
  });
  afterAll(async () => {
    await d?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const imapFor = (user: string): ImapSourceConfig => ({ host: d.host, port: d.imapPort, tls: 'none', rejectUnauthorized: true, user, folder: 'INBOX', processedFolder: 'Synecdoche/Processed', quarantineFolder: 'Synecdoche/Quarantine' });
  const setup = (name: string): { cfg: CollectorConfig; db: Db; ctx: IngestContext; raw: Record<string, unknown> } => {
    const raw = rawConfig(dir, name);
    const cfg = collectorConfigFrom(raw, dir);
    const db = openStore(cfg.database.path);
    return { cfg, db, raw, ctx: ingestContext(cfg, { source: `imap:${name}`, clock: new FakeClock('2026-11-23T09:00:00Z') }) };
  };

  it('ingests every valid message once and quarantines every bad one, in the database and in the IMAP folder, each with its reason', async () => {
    const rng = new Rng(7);
    const original = sampleResult({ siteId: 'site-b', jobId: 'weekly', sequence: 3 });
    const tampered = signAny(sampleResult({ siteId: 'site-c', status: 'failed' }), c);
    tampered.status = 'ok';
    const { signature: _s, ...unsigned } = signAny(sampleResult({ siteId: 'site-a' }), a);
    const broken = (await hugeHeaderMessages(rng)).find((m) => m.name === 'headers/folded-20000')!.raw;
    const valid = [
      await signedResult(a, 'nightly', 1), await signedResult(a, 'nightly', 2), await signedResult(b, 'nightly', 1),
      await signedEmail(b, original), await signedResult(c, 'db', 1, { status: 'failed' }), await signedResult(c, 'db', 2, { status: 'warning' }),
      await signedHeartbeat(a), await signedHeartbeat(c),
    ];
    const bad: [Buffer, string][] = [
      [await signedEmail(a, sampleResult({ siteId: 'site-a' }), rogue.keys), 'unknown-key'],
      [await reportEmail(JSON.stringify(tampered), rng), 'bad-signature'],
      [await reportEmail(JSON.stringify(signAny(original, b)), rng, { subject: 'replayed' }), 'replay'],
      [await reportEmail(JSON.stringify(unsigned), rng), 'unsigned'],
      [broken, 'malformed-mime'],
      [await reportEmail('', rng, { attachments: [] }), 'no-attachment'],
      [await reportEmail(JSON.stringify(signAny(sampleResult({ siteId: 'site-a', logTail: 'x'.repeat(20_000), errors: Array.from({ length: 50 }, () => ({ message: 'y'.repeat(2000) })) }), a)), rng), 'attachment-too-large'],
      [plainEmail('Your invoice'), 'third-party-unrecognised'],
    ];
    await d.deliver([...valid.slice(0, 4), ...bad.map(([r]) => r), ...valid.slice(4)], { user: 'mixed' });
    const { db, ctx } = setup('mixed');
    const out = await pollSource(db, new ImapSource(imapFor('mixed'), { password: 'pw-mixed' }), ctx, silentLogger, { mailbox: 'test', batchSize: 5 });
    expect(out.accepted).toBe(valid.length);
    expect(out.quarantined).toBe(bad.length);
    expect(out.reasons).toEqual(Object.fromEntries(bad.map(([, r]) => [r, 1])));
    expect(count(db, 'SELECT count(*) AS n FROM runs')).toBe(6);
    expect(count(db, 'SELECT count(*) AS n FROM heartbeats')).toBe(2);
    const reasons = db.prepare(`SELECT reason FROM messages WHERE disposition = 'quarantined' ORDER BY reason`).all().map((r) => (r as { reason: string }).reason);
    expect(reasons).toEqual(bad.map(([, r]) => r).sort());
    expect(count(db, `SELECT count(*) AS n FROM messages WHERE raw_gz IS NULL`)).toBe(0);
    expect(await folderCount(d, 'mixed', 'INBOX')).toBe(0);
    expect(await folderCount(d, 'mixed', 'Synecdoche.Processed')).toBe(valid.length);
    expect(await folderCount(d, 'mixed', 'Synecdoche.Quarantine')).toBe(bad.length);
    db.close();
  });

  it('loses and duplicates nothing when the IMAP connection drops during a poll (before a fetch, and between commit and move)', async () => {
    const raws = await Promise.all(Array.from({ length: 40 }, (_, i) => signedResult(sites[i % 3]!, `job-${i % 2}`, i + 1)));
    await d.deliver(raws, { user: 'drop' });
    const { db, ctx } = setup('drop');
    const real = new ImapSource(imapFor('drop'), { password: 'pw-drop' });
    let fetches = 0;
    let moves = 0;
    // Real drops (doveadm kick ends the server's imap process), placed at chosen points; the
    // kick is asynchronous, so wait until the server has hung up before the next command.
    const kick = async () => {
      await d.doveadm('kick', 'drop');
      await new Promise((r) => setTimeout(r, 500));
    };
    const kicking: MailSource = {
      name: real.name,
      open: () => real.open(),
      close: () => real.close(),
      fetchBatch: async (n) => (++fetches === 3 ? (await kick(), real.fetchBatch(n)) : real.fetchBatch(n)),
      markProcessed: async (ids) => (++moves === 4 ? (await kick(), real.markProcessed(ids)) : real.markProcessed(ids)),
      markQuarantined: (ids) => real.markQuarantined(ids),
    };
    const first = await pollSource(db, kicking, ctx, silentLogger, { mailbox: 'test', batchSize: 8 }).catch((e: unknown) => e);
    expect(isSynError(first, 'MAILBOX_FAILED'), String(first)).toBe(true);
    expect(count(db, 'SELECT count(*) AS n FROM runs')).toBe(16);
    const second = await pollSource(db, kicking, ctx, silentLogger, { mailbox: 'test', batchSize: 8 }).catch((e: unknown) => e);
    expect(isSynError(second, 'MAILBOX_FAILED'), String(second)).toBe(true);
    expect((second as Error).message).toMatch(/cannot move|not connected/);
    const third = await pollSource(db, real, ctx, silentLogger, { mailbox: 'test', batchSize: 8 });
    expect(third.quarantined).toBe(0);
    expect(third.duplicates).toBe(8);
    expect(count(db, 'SELECT count(*) AS n FROM runs')).toBe(40);
    expect(count(db, `SELECT count(*) AS n FROM messages WHERE disposition = 'accepted'`)).toBe(40);
    expect(await folderCount(d, 'drop', 'INBOX')).toBe(0);
    expect(await folderCount(d, 'drop', 'Synecdoche.Processed')).toBe(40);
    db.close();
  });

  it('duplicates nothing and moves everything when the collector was killed between the commit and the move', async () => {
    const raws = await Promise.all(Array.from({ length: 12 }, (_, i) => signedResult(sites[i % 3]!, 'nightly', i + 1)));
    await d.deliver(raws, { user: 'crash' });
    const { db, ctx, raw } = setup('crash');
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../testing/crash-after-commit.ts'), JSON.stringify({ config: raw, dir, imap: imapFor('crash'), password: 'pw-crash', batch: 7 })], { encoding: 'utf8', timeout: 30_000 });
    expect(child.status, child.stderr).toBe(137);
    expect(JSON.parse(child.stdout)).toEqual({ committed: 7, accepted: 7 });
    expect(count(db, 'SELECT count(*) AS n FROM runs')).toBe(7);
    expect(await folderCount(d, 'crash', 'INBOX')).toBe(12);
    const again = await pollSource(db, new ImapSource(imapFor('crash'), { password: 'pw-crash' }), ctx, silentLogger, { mailbox: 'test', batchSize: 5 });
    expect(again.duplicates).toBe(7);
    expect(again.accepted).toBe(5);
    expect(count(db, 'SELECT count(*) AS n FROM runs')).toBe(12);
    expect(count(db, 'SELECT count(*) AS n FROM messages')).toBe(12);
    expect(await folderCount(d, 'crash', 'INBOX')).toBe(0);
    expect(await folderCount(d, 'crash', 'Synecdoche.Processed')).toBe(12);
    db.close();
  });
});
