import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { runProcess } from '../../core/process.ts';
import type { PluginContext, RestoreRequest } from '../types.ts';
import { ResticOptions, resticPlugin } from './index.ts';
import { parseSnapshots, pickSnapshot, resticBackupRoot, snapshotPath } from './restore.ts';

let n = 0;
function context(): PluginContext {
  return { jobId: 'restic-restore', runId: `run-${++n}`, signal: new AbortController().signal, log: silentLogger, exec: runProcess, clock: systemClock };
}

let dir: string;
let src: string;
let options: ResticOptions;
let firstAt: Date;
const FILES = ['a.txt', 'b.txt', 'sub/c.txt', 'sub/deeper/e.txt'];

// One repository with two snapshots: sub/c.txt changed between them.
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syn-restic-restore-'));
  src = path.join(dir, 'src');
  const pw = path.join(dir, 'password');
  fs.writeFileSync(pw, 'correct horse battery staple\n', { mode: 0o600 });
  fs.mkdirSync(path.join(src, 'sub', 'deeper'), { recursive: true });
  for (const f of FILES) fs.writeFileSync(path.join(src, f), `first ${f}\n`);
  options = ResticOptions.parse({ repository: path.join(dir, 'repo'), passwordFile: pw, paths: [src] });
  const init = await runProcess('restic', ['init'], { env: { ...process.env, RESTIC_REPOSITORY: options.repository, RESTIC_PASSWORD_FILE: pw } });
  expect(init.exitCode).toBe(0);
  expect((await resticPlugin.run(options, context())).status).toBe('ok');
  firstAt = new Date();
  await new Promise((r) => setTimeout(r, 1100));
  fs.writeFileSync(path.join(src, 'sub/c.txt'), 'second version of sub/c.txt\n');
  expect((await resticPlugin.run(options, context())).status).toBe('ok');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let t = 0;
const target = () => path.join(dir, `restored-${++t}`);
const request = (to: string, over: Partial<RestoreRequest> = {}): RestoreRequest => ({ to, paths: [], at: null, manifest: null, ...over });

describe('restic restore with a real repository', () => {
  it('restores the newest snapshot with files placed relative to the backup root, not under its absolute path', async () => {
    const to = target();
    const out = await resticPlugin.restore(options, request(to), context());
    expect(out.status, JSON.stringify(out.errors)).toBe('ok');
    expect(out.written.map((w) => w.path)).toEqual([...FILES].sort());
    expect(fs.readFileSync(path.join(to, 'sub/c.txt'), 'utf8')).toBe('second version of sub/c.txt\n');
    expect(fs.readdirSync(to).sort()).toEqual(['a.txt', 'b.txt', 'sub']);
    expect(out.from.snapshot).toMatch(/^[0-9a-f]{64}$/);
    expect(out.from.at!.getTime()).toBeGreaterThan(firstAt.getTime());
  });

  it('picks the snapshot at or before --at: the older version of a changed file', async () => {
    const to = target();
    const out = await resticPlugin.restore(options, request(to, { at: firstAt, paths: ['sub'] }), context());
    expect(out.status).toBe('ok');
    expect(out.from.at!.getTime()).toBeLessThanOrEqual(firstAt.getTime());
    expect(out.written.map((w) => w.path)).toEqual(['sub/c.txt', 'sub/deeper/e.txt']);
    expect(fs.readFileSync(path.join(to, 'sub/c.txt'), 'utf8')).toBe('first sub/c.txt\n');
    expect(fs.existsSync(path.join(to, 'a.txt'))).toBe(false);
  });

  it('restores one file asked for and counts its bytes', async () => {
    const to = target();
    const out = await resticPlugin.restore(options, request(to, { paths: ['b.txt'] }), context());
    expect(out.status).toBe('ok');
    expect(out.files).toEqual({ restored: 1, failed: 0 });
    expect(out.bytes.restored).toBe('first b.txt\n'.length);
  });

  it('fails, naming it, when a path asked for is not in the snapshot', async () => {
    const out = await resticPlugin.restore(options, request(target(), { paths: ['nope.txt'] }), context());
    expect(out.status).toBe('failed');
    expect(out.errors.map((e) => e.message).join('\n')).toMatch(/nope\.txt was asked for but is not in snapshot [0-9a-f]{8}/);
  });

  it('fails when no snapshot is old enough for --at', async () => {
    const out = await resticPlugin.restore(options, request(target(), { at: new Date('2001-01-01T00:00:00Z') }), context());
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toMatch(/has no snapshot of .* at or before 2001-01-01T00:00:00.000Z/);
  });

  it("fails with restic's reason for a wrong password", async () => {
    const wrong = path.join(dir, 'wrong');
    fs.writeFileSync(wrong, 'not it\n');
    const out = await resticPlugin.restore({ ...options, passwordFile: wrong }, request(target()), context());
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toMatch(/restic snapshots exited with code 1: Fatal: wrong password/);
  });
});

describe('restic snapshot choice and backup root', () => {
  it('takes the one path as the root, and the common folder of several', () => {
    expect(resticBackupRoot(['/srv/data'])).toBe('/srv/data');
    expect(resticBackupRoot(['/srv/data/'])).toBe('/srv/data');
    expect(resticBackupRoot(['/home/hugo/docs', '/home/hugo/mail'])).toBe('/home/hugo');
    expect(resticBackupRoot(['/home', '/etc'])).toBe('/');
  });

  it('names a Windows folder as restic does inside a snapshot', () => {
    expect(snapshotPath('C:\\Users\\hugo')).toBe('/C/Users/hugo');
    expect(snapshotPath('/srv/data')).toBe('/srv/data');
  });

  it('reads snapshot times with nanoseconds and offsets, and picks the newest at or before a time', () => {
    const s = parseSnapshots(JSON.stringify([
      { id: 'b'.repeat(64), time: '2026-12-02T03:00:00.123456789+01:00', paths: ['/x'] },
      { id: 'a'.repeat(64), time: '2026-12-01T02:00:00.5Z', paths: ['/x'] },
      { id: 42 },
    ]));
    expect(s.map((x) => x.id[0])).toEqual(['a', 'b']);
    expect(pickSnapshot(s, null)!.id[0]).toBe('b');
    expect(pickSnapshot(s, new Date('2026-12-02T01:59:00Z'))!.id[0]).toBe('a');
    expect(pickSnapshot(s, new Date('2026-11-01T00:00:00Z'))).toBeNull();
    expect(parseSnapshots('not json')).toEqual([]);
  });
});
