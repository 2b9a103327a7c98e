import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { fullLines, type FileFacts, type ManifestLine } from '../../core/result/manifest.ts';
import { sampleResult } from '../../core/result/testing.ts';
import { findFileCommand, type FindFileAnswer } from '../commands/find-file.ts';
import type { Loaded } from '../commands/common.ts';
import { collectorConfigFrom, type CollectorConfig } from '../config.ts';
import { ingestContext } from '../ingest/classify.ts';
import { pollSource } from '../ingest/poll.ts';
import { ImapSource } from '../sources/imap.ts';
import { startDovecot, type Dovecot } from '../testing/dovecot.ts';
import { manifestMails } from '../testing/manifest.ts';
import { testSite } from '../testing/messages.ts';
import { tempDir } from '../ingest/testing.ts';
import { incompleteManifests } from './catalogue.ts';
import { openStore, type Db } from './db.ts';
import { pruneStore } from './retention.ts';

const DAY = 86_400_000;

const site = testSite('site-a');
// Five days before today (Dovecot stamps arrivals with the real time), at 02:00 UTC.
const day1 = Math.floor(Date.now() / DAY) * DAY - 5 * DAY + 2 * 3_600_000;
const sha = (n: number) => n.toString(16).padStart(64, '0');

function files(): FileFacts[] {
  const out: FileFacts[] = [];
  for (let i = 0; i < 800; i++) out.push({ path: `docs/folder-${i % 9}/report-${i}-${(i * 7919).toString(36)}.txt`, size: 1000 + i, mtimeMs: day1 - i * 1000, sha256: sha(i) });
  out.push({ path: 'docs/a.txt', size: 10, mtimeMs: day1 - DAY, sha256: sha(9001) });
  out.push({ path: 'docs/b.txt', size: 20, mtimeMs: day1 - DAY, sha256: null });
  return out;
}

const count = (db: Db, sql: string) => (db.prepare(sql).get() as { n: number }).n;

describe('the file catalogue, fed through a real Dovecot mailbox', () => {
  let d: Dovecot;
  let tmp: { dir: string; cleanup: () => void };
  let cfg: CollectorConfig;
  let db: Db;
  const clock = new FakeClock(new Date(day1 + 3_600_000).toISOString());
  beforeAll(async () => {
    d = await startDovecot({ users: [{ user: 'cat', pass: 'pw-cat' }] });
    tmp = tempDir('syn-catalogue-');
    cfg = collectorConfigFrom(
      {
        database: { path: join(tmp.dir, 'c.db') },
        consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'UTC' },
        clients: [{ id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin' }],
        sites: [{ id: site.id, client: 'acme', publicKeys: [site.publicKey] }],
        retention: { rawDays: 1, runsDays: 1 },
      },
      tmp.dir,
    );
    db = openStore(cfg.database.path);
  });
  afterAll(async () => {
    db?.close();
    await d?.stop();
    tmp?.cleanup();
  });

  const poll = async () => {
    const source = new ImapSource(
      { host: d.host, port: d.imapPort, tls: 'none', rejectUnauthorized: true, user: 'cat', folder: 'INBOX', processedFolder: 'Synecdoche/Processed', quarantineFolder: 'Synecdoche/Quarantine' },
      { password: 'pw-cat' },
    );
    return pollSource(db, source, ingestContext(cfg, { source: 'imap:cat', clock }), silentLogger, { mailbox: 'test', batchSize: 3 });
  };
  const find = (pattern: string, o: { history?: boolean } = {}): { answer: FindFileAnswer; lines: string[] } => {
    const lines: string[] = [];
    const l = { cfg, db, clock, log: silentLogger, out: (s: string) => lines.push(s) } as unknown as Loaded;
    return { answer: findFileCommand(l, pattern, { limit: 100, ...o }), lines };
  };

  let day1RunId = '';

  it('applies a manifest of several parts that arrive out of order, refusing a tampered part and waiting for the real one', async () => {
    const result = sampleResult({ jobId: 'docs', startedAt: new Date(day1 - 600_000).toISOString(), endedAt: new Date(day1).toISOString() });
    const m = await manifestMails(site, result, 'full', null, fullLines(files()), 4096);
    day1RunId = m.result.runId;
    const n = m.parts.length;
    expect(n).toBeGreaterThanOrEqual(4);
    // the further parts first (last to third), and a tampered part 2, before the result
    const tampered2 = Buffer.from(m.parts[1]!);
    tampered2[tampered2.length - 5] ^= 0xff;
    await d.deliver([...m.raws.slice(2).reverse(), await m.partEmail(2, tampered2)], { user: 'cat' });
    await poll();
    await d.deliver(m.raws[0]!, { user: 'cat' });
    const afterResult = await poll();
    expect(afterResult.accepted).toBe(1);
    // the run is recorded at once, its manifest waits: the early part 2 did not match the signed list
    expect(count(db, `SELECT count(*) AS n FROM runs WHERE run_id = '${day1RunId}'`)).toBe(1);
    expect(count(db, `SELECT count(*) AS n FROM catalogue_files`)).toBe(0);
    // shown as incomplete once it has waited a while
    clock.set(new Date(Date.now() + 12 * 3_600_000));
    const waiting = incompleteManifests(db, clock.now().getTime());
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.why).toMatch(/1 of \d+ parts have not arrived .*part 2 refused/);
    expect(find('a.txt').lines.join('\n')).toMatch(/incomplete/);

    // now the real part 2, and a tampered part 3 (the result is known: refused at once)
    await d.deliver([m.raws[1]!, await m.partEmail(3, tampered2)], { user: 'cat' });
    const last = await poll();
    expect(last.reasons).toEqual({ 'manifest-mismatch': 1 });
    expect(count(db, `SELECT count(*) AS n FROM catalogue_files`)).toBe(802);
    expect(count(db, `SELECT count(*) AS n FROM catalogue_manifests WHERE state = 'applied'`)).toBe(1);
    expect(incompleteManifests(db, clock.now().getTime())).toEqual([]);
  });

  it('applies the next day\'s delta, and find-file names the newest version, its age and its history', async () => {
    const day2 = day1 + DAY;
    const result = sampleResult({ jobId: 'docs', sequence: 2, startedAt: new Date(day2 - 600_000).toISOString(), endedAt: new Date(day2).toISOString() });
    const delta: ManifestLine[] = [
      { op: 'put', path: 'docs/a.txt', size: 11, mtimeMs: day2 - 3_600_000, sha256: sha(9002) },
      { op: 'del', path: 'docs/b.txt' },
      { op: 'put', path: 'docs/c.txt', size: 30, mtimeMs: day2 - 3_600_000, sha256: null },
    ];
    const m = await manifestMails(site, result, 'delta', day1RunId, delta, 4096);
    await d.deliver(m.raws, { user: 'cat' });
    await poll();
    clock.set(new Date(day2 + 2 * DAY));

    const full = find('/srv/data/docs/a.txt', { history: true });
    expect(full.answer.kind).toBe('path');
    expect(full.answer.files).toHaveLength(1);
    const a = full.answer.files[0]!;
    expect(a).toMatchObject({ siteId: 'site-a', jobId: 'docs', path: 'docs/a.txt', current: true, age: '2 days ago' });
    expect(a.newest).toMatchObject({ size: 11, sha256: sha(9002), to: null });
    expect(a.lastBackedUpAt.getTime()).toBe(day2);
    expect(a.versions!.map((v) => [v.size, v.from.getTime(), v.to?.getTime() ?? null])).toEqual([
      [11, day2, null],
      [10, day1, day2],
    ]);
    expect(full.lines.join('\n')).toMatch(/site-a\/docs\s+docs\/a\.txt.*\(2 days ago\)/);

    const sub = find('ocs/B.tx');
    expect(sub.answer.kind).toBe('substring');
    expect(sub.answer.files).toHaveLength(1);
    expect(sub.answer.files[0]).toMatchObject({ path: 'docs/b.txt', current: false, age: '3 days ago' });
    expect(sub.answer.files[0]!.lastBackedUpAt.getTime()).toBe(day1);
    expect(sub.lines.join('\n')).toMatch(/gone since/);

    expect(find('docs/folder-3/*.txt').answer.files.length).toBe(89);
    const none = find('/nowhere/letter.doc');
    expect(none.answer.files).toEqual([]);
    expect(none.lines).toEqual(['No backup holds a file matching "/nowhere/letter.doc".']);
  });

  it('retention removes versions no backup has held within runsDays, and files left with none', () => {
    const r = pruneStore(db, cfg, new Date(day1 + 3 * DAY));
    expect(r.catalogueVersionsDeleted).toBe(2); // a.txt's first version, b.txt's only one
    expect(r.catalogueFilesDeleted).toBe(1);
    expect(find('docs/b.txt').answer.files).toEqual([]);
    expect(find('/docs/a.txt', { history: true }).answer.files[0]!.versions).toHaveLength(1);
    expect(count(db, `SELECT count(*) AS n FROM catalogue_paths WHERE path LIKE '%docs/b.txt%'`)).toBe(0);
    // the trigram index still matches its table exactly
    expect(() => db.exec(`INSERT INTO catalogue_paths (catalogue_paths) VALUES ('integrity-check')`)).not.toThrow();
  });
});
