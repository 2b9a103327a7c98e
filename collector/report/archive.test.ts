import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { isSynError } from '../../core/errors.ts';
import { archivedTwin, archiveReport, formatVerifyResult, verifyArchive, type ArchiveRequest } from './archive.ts';
import { LOCK_NAME } from './archive.ts';
import { MANIFEST_NAME, type ManifestEntry } from './manifest.ts';

const clock = new FakeClock('2026-11-24T06:00:00Z');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'syn-archive-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const manifestPath = (): string => join(dir, MANIFEST_NAME);
const manifestLines = (): string[] => readFileSync(manifestPath(), 'utf8').trimEnd().split('\n');
const entries = (): ManifestEntry[] => manifestLines().map((l) => JSON.parse(l) as ManifestEntry);

function digest(date: string, text: string): ArchiveRequest {
  return {
    kind: 'digest', key: 'consultant', date,
    files: [{ name: `digest-${date}.html`, bytes: Buffer.from(`<p>${text}</p>`) }, { name: `digest-${date}.pdf`, bytes: Buffer.from(`%PDF ${text}`) }],
  };
}

async function threeReports(): Promise<void> {
  await archiveReport(dir, digest('2026-11-24', 'one'), clock);
  await archiveReport(dir, { kind: 'client', key: 'acme', date: '2026-11-24', files: [{ name: 'acme-2026-11-24.html', bytes: Buffer.from('acme') }] }, clock);
  await archiveReport(dir, digest('2026-12-01', 'two'), clock);
}

const kinds = (): string[] => verifyArchive(dir).problems.map((p) => `${p.kind} ${p.path}`);

describe('the audit archive', () => {
  it('stores reports under YYYY/MM and verifies a chain of their hashes', async () => {
    await threeReports();
    expect(readdirSync(join(dir, '2026/11')).sort()).toEqual(['acme-2026-11-24.html', 'digest-2026-11-24.html', 'digest-2026-11-24.pdf']);
    expect(readdirSync(join(dir, '2026/12')).sort()).toEqual(['digest-2026-12-01.html', 'digest-2026-12-01.pdf']);
    const e = entries();
    expect(e.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(e[0]!.prevHash).toBe('0'.repeat(64));
    expect(e[3]!.prevHash).toBe(e[2]!.entryHash);
    expect(e[2]).toMatchObject({ kind: 'client', key: 'acme', path: '2026/11/acme-2026-11-24.html', size: 4, createdAt: '2026-11-24T06:00:00.000Z' });
    const result = verifyArchive(dir);
    expect(result).toMatchObject({ ok: true, entries: 5, problems: [], head: e[4]!.entryHash });
    expect(formatVerifyResult(result)).toMatch(/^archive OK: 5 files verified/);
    expect(existsSync(join(dir, LOCK_NAME))).toBe(false);
  });

  it('reports a one-byte change in a file as changed, naming it', async () => {
    await threeReports();
    const file = join(dir, '2026/11/digest-2026-11-24.pdf');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(file, bytes);
    expect(kinds()).toEqual(['changed 2026/11/digest-2026-11-24.pdf']);
    expect(formatVerifyResult(verifyArchive(dir))).toMatch(/CHANGED +2026\/11\/digest-2026-11-24.pdf[^\n]*\nARCHIVE DOES NOT VERIFY: 1 changed/);
  });

  it('reports a deleted file as missing', async () => {
    await threeReports();
    unlinkSync(join(dir, '2026/12/digest-2026-12-01.html'));
    expect(kinds()).toEqual(['missing 2026/12/digest-2026-12-01.html']);
  });

  it('reports a file slipped into a month folder as unlisted', async () => {
    await threeReports();
    writeFileSync(join(dir, '2026/11/digest-2026-11-23.pdf'), '%PDF backdated');
    mkdirSync(join(dir, '2025/01'), { recursive: true });
    writeFileSync(join(dir, '2025/01/old.pdf'), 'x');
    expect(kinds()).toEqual(['unlisted 2025/01/old.pdf', 'unlisted 2026/11/digest-2026-11-23.pdf']);
  });

  it('breaks the chain when a manifest line is deleted', async () => {
    await threeReports();
    const lines = manifestLines();
    writeFileSync(manifestPath(), `${lines.filter((_, i) => i !== 1).join('\n')}\n`);
    const r = verifyArchive(dir);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.kind).sort()).toEqual(['chain-broken', 'unlisted']);
    expect(r.problems.find((p) => p.kind === 'chain-broken')!.detail).toMatch(/expected seq 2, found 3/);
  });

  it('breaks the chain when a hash in the manifest is edited to hide a change', async () => {
    await threeReports();
    const file = join(dir, '2026/11/acme-2026-11-24.html');
    writeFileSync(file, 'acmE');
    const lines = manifestLines();
    const forged = JSON.parse(lines[2]!) as ManifestEntry;
    forged.sha256 = (await import('./manifest.ts')).sha256Hex('acmE');
    lines[2] = JSON.stringify(forged);
    writeFileSync(manifestPath(), `${lines.join('\n')}\n`);
    expect(kinds()).toEqual(['chain-broken 2026/11/acme-2026-11-24.html']);
  });

  it('reports a copied manifest line as inserted', async () => {
    await threeReports();
    const lines = manifestLines();
    writeFileSync(manifestPath(), `${[...lines.slice(0, 3), lines[1], ...lines.slice(3)].join('\n')}\n`);
    expect(kinds()).toEqual(['inserted 2026/11/digest-2026-11-24.pdf', 'chain-broken 2026/12/digest-2026-12-01.html']);
  });

  it('catches a cut-off manifest tail against a head recorded earlier', async () => {
    await threeReports();
    const head = verifyArchive(dir).head;
    const lines = manifestLines();
    writeFileSync(manifestPath(), `${lines.slice(0, 3).join('\n')}\n`);
    rmSync(join(dir, '2026/12'), { recursive: true });
    expect(verifyArchive(dir).ok).toBe(true);
    const cut = verifyArchive(dir, { expectedHead: { seq: 5, entryHash: head, source: 'the database' } });
    expect(cut.problems.map((p) => p.detail)).toEqual([`the archive ends at #3 but the database recorded #5 (hash ${head.slice(0, 12)}...): reports were removed`]);
    expect(formatVerifyResult(cut)).toMatch(/^CUT-SHORT +manifest.jsonl: /);
  });

  it('catches a manifest rewritten past a head recorded earlier', async () => {
    await threeReports();
    const head = verifyArchive(dir).head;
    const lines = manifestLines();
    writeFileSync(manifestPath(), `${lines.slice(0, 3).join('\n')}\n`);
    rmSync(join(dir, '2026/12'), { recursive: true });
    await archiveReport(dir, digest('2026-12-01', 'forged'), clock);
    const r = verifyArchive(dir, { expectedHead: { seq: 5, entryHash: head, source: 'the database' } });
    expect(r.problems.map((p) => p.kind)).toEqual(['chain-broken']);
    expect(r.problems[0]!.detail).toMatch(/the database recorded #5 with hash \w{12}\.\.\., which the manifest no longer holds: the manifest was rewritten/);
  });

  it('passes against a recorded head that later reports followed, and says what it compared', async () => {
    await archiveReport(dir, digest('2026-11-24', 'one'), clock);
    const head = verifyArchive(dir);
    await archiveReport(dir, digest('2026-12-01', 'two'), clock);
    const r = verifyArchive(dir, { expectedHead: { seq: head.headSeq, entryHash: head.head, source: 'the database' } });
    expect(r.ok).toBe(true);
    expect(r.headCheck).toMatch(/^head cross-checked: the database recorded #2 \(hash \w{12}\.\.\.\), the manifest holds it and 2 later$/);
    expect(verifyArchive(dir, { expectedHead: 'the database x.db does not exist' }).headCheck).toBe('head not cross-checked: the database x.db does not exist');
  });

  it('hands the new last entry to onAppended, and nothing when identical files were reused', async () => {
    const heads: number[] = [];
    const onAppended = (e: ManifestEntry) => heads.push(e.seq);
    await archiveReport(dir, digest('2026-11-24', 'one'), clock, { onAppended });
    await archiveReport(dir, digest('2026-11-24', 'one'), clock, { onAppended });
    await archiveReport(dir, digest('2026-11-25', 'two'), clock, { onAppended });
    expect(heads).toEqual([2, 4]);
  });

  it('never overwrites a different file of the same name, archives identical bytes once, and names other content as a revision', async () => {
    await archiveReport(dir, digest('2026-11-24', 'one'), clock);
    const again = await archiveReport(dir, digest('2026-11-24', 'one'), clock);
    expect(again.map((e) => [e.seq, e.reused])).toEqual([[1, true], [2, true]]);
    const rerun = await archiveReport(dir, digest('2026-11-24', 'rerun'), clock);
    expect(rerun.map((e) => [e.path, e.reused])).toEqual([['2026/11/digest-2026-11-24-rev2.html', false], ['2026/11/digest-2026-11-24-rev2.pdf', false]]);
    const third = await archiveReport(dir, digest('2026-11-24', 'third'), clock);
    expect(third.map((e) => e.path)).toEqual(['2026/11/digest-2026-11-24-rev3.html', '2026/11/digest-2026-11-24-rev3.pdf']);
    expect(readFileSync(join(dir, '2026/11/digest-2026-11-24.pdf'), 'utf8')).toBe('%PDF one');
    expect(verifyArchive(dir)).toMatchObject({ ok: true, entries: 6 });
  });

  it('gives the HTML and the PDF of one report the same revision, and finds the PDF of an unchanged HTML', async () => {
    const htmlOnly = (text: string): ArchiveRequest => ({ ...digest('2026-11-24', text), files: digest('2026-11-24', text).files.slice(0, 1) });
    await archiveReport(dir, digest('2026-11-24', 'one'), clock);
    await archiveReport(dir, htmlOnly('two'), clock);
    const three = await archiveReport(dir, digest('2026-11-24', 'three'), clock);
    expect(three.map((e) => e.path)).toEqual(['2026/11/digest-2026-11-24-rev3.html', '2026/11/digest-2026-11-24-rev3.pdf']);
    const twin = archivedTwin(dir, '2026-11-24', 'digest-2026-11-24.html', Buffer.from('<p>three</p>'), '.pdf');
    expect(twin?.sibling.path).toBe('2026/11/digest-2026-11-24-rev3.pdf');
    expect(twin?.siblingBytes.toString()).toBe('%PDF three');
    expect(archivedTwin(dir, '2026-11-24', 'digest-2026-11-24.html', Buffer.from('<p>two</p>'), '.pdf')).toBeNull();
    expect(archivedTwin(dir, '2026-11-25', 'digest-2026-11-24.html', Buffer.from('<p>three</p>'), '.pdf')).toBeNull();
  });

  it('lists an identical file left unlisted by a crash instead of duplicating it', async () => {
    mkdirSync(join(dir, '2026/11'), { recursive: true });
    writeFileSync(join(dir, '2026/11/digest-2026-11-24.html'), '<p>one</p>');
    expect(kinds()).toEqual(['unlisted 2026/11/digest-2026-11-24.html']);
    await archiveReport(dir, digest('2026-11-24', 'one'), clock);
    expect(verifyArchive(dir)).toMatchObject({ ok: true, entries: 2 });
  });

  it('refuses to append after a damaged last manifest line', async () => {
    await threeReports();
    appendFileSync(manifestPath(), '{"seq":6,"pa');
    await expect(archiveReport(dir, digest('2026-12-02', 'x'), clock)).rejects.toSatisfy((e) => isSynError(e, 'ARCHIVE_TAMPERED'));
  });

  it('rejects file names with folders and dates that are not dates', async () => {
    await expect(archiveReport(dir, { ...digest('2026-11-24', 'x'), files: [{ name: '../evil.pdf', bytes: Buffer.from('x') }] }, clock)).rejects.toThrow(/plain file name/);
    await expect(archiveReport(dir, digest('2026-02-30', 'x'), clock)).rejects.toThrow(/not a calendar date/);
  });

  it('keeps the chain intact under concurrent appends in one process', async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => archiveReport(dir, digest('2026-11-24', `c${i}`), clock)));
    expect(entries().map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(verifyArchive(dir)).toMatchObject({ ok: true, entries: 16 });
  });

  it('keeps the chain intact when two processes append at once', async () => {
    const archiveTs = fileURLToPath(new URL('./archive.ts', import.meta.url));
    const child = (tag: string): Promise<number | null> => new Promise((resolve, reject) => {
      const code = `import { archiveReport } from ${JSON.stringify(archiveTs)};
        for (let i = 0; i < 10; i++) await archiveReport(${JSON.stringify(dir)}, { kind: 'client', key: '${tag}', date: '2026-11-24',
          files: [{ name: '${tag}.html', bytes: Buffer.from('${tag} ' + i) }, { name: '${tag}.pdf', bytes: Buffer.from('${tag} pdf ' + i) }] }, { now: () => new Date() });`;
      const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'inherit', 'inherit'] });
      p.on('error', reject);
      p.on('exit', resolve);
    });
    expect(await Promise.all([child('alpha'), child('beta')])).toEqual([0, 0]);
    const e = entries();
    expect(e).toHaveLength(40);
    expect(new Set(e.map((x) => x.key))).toEqual(new Set(['alpha', 'beta']));
    expect(verifyArchive(dir)).toMatchObject({ ok: true, entries: 40 });
  });

  it('breaks a lock left by a process that died', async () => {
    writeFileSync(join(dir, LOCK_NAME), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), at: Date.now(), token: 'dead' }));
    await archiveReport(dir, digest('2026-11-24', 'one'), clock, { timeoutMs: 2000 });
    expect(verifyArchive(dir).ok).toBe(true);
  });

  it('gives up with a clear error while a live process holds the lock', async () => {
    writeFileSync(join(dir, LOCK_NAME), JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), at: Date.now(), token: 'alive' }));
    await expect(archiveReport(dir, digest('2026-11-24', 'one'), clock, { timeoutMs: 200 })).rejects.toThrow(new RegExp(`held by process ${process.pid}`));
  });
});
