import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { runProcess } from '../../core/process.ts';
import { Counts, RunError, Verification } from '../../core/result/schema.ts';
import type { PluginContext } from '../types.ts';
import { copyPlugin, CopyOptions } from './index.ts';

let dir: string;
let src: string;
let dst: string;
const FILES = ['a.txt', 'b.bin', 'sub/c.txt', 'sub/d.txt', 'sub/deeper/e.txt', 'other/f.txt'];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syn-copy-'));
  src = path.join(dir, 'src');
  dst = path.join(dir, 'dst');
  for (const f of FILES) write(src, f, `content of ${f}\n`.repeat(f.length));
  fs.mkdirSync(path.join(src, 'empty', 'nested'), { recursive: true });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(root: string, rel: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
}
function context(over: Partial<PluginContext> = {}): PluginContext {
  return { jobId: 'copy-test', runId: 'run-1', signal: new AbortController().signal, log: silentLogger, exec: runProcess, clock: systemClock, ...over };
}
const options = (extra: Partial<CopyOptions> = {}): CopyOptions => CopyOptions.parse({ source: src, destination: dst, ...extra });
const sizeOfAll = (): number => FILES.reduce((a, f) => a + fs.statSync(path.join(src, f)).size, 0);

describe('copy plugin mirroring real folders', () => {
  it('copies every file of a first run, keeping content, mtimes and empty folders', async () => {
    const out = await copyPlugin.run(options(), context());
    expect(out.status).toBe('ok');
    expect(out.exitCode).toBeNull();
    expect(out.files).toEqual({ examined: 6, copied: 6, skipped: 0, failed: 0, extra: 0 });
    expect(out.bytes).toEqual({ examined: sizeOfAll(), copied: sizeOfAll(), skipped: 0, failed: 0, extra: 0 });
    expect(out.verification).toEqual({ mode: 'copied', algorithm: 'sha256', checked: 6, mismatches: 0, mismatchedPaths: [] });
    expect(() => [Counts.parse(out.files), Counts.parse(out.bytes), Verification.parse(out.verification), out.errors.map((e) => RunError.parse(e))]).not.toThrow();
    execFileSync('diff', ['-r', src, dst]);
    expect(fs.statSync(path.join(dst, 'empty/nested')).isDirectory()).toBe(true);
    expect(Math.abs(fs.statSync(path.join(dst, 'sub/c.txt')).mtimeMs - fs.statSync(path.join(src, 'sub/c.txt')).mtimeMs)).toBeLessThan(1);
    expect(fs.readdirSync(path.join(dst, 'sub')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('skips every file on a second run when nothing changed', async () => {
    await copyPlugin.run(options(), context());
    const out = await copyPlugin.run(options(), context());
    expect(out.status).toBe('ok');
    expect(out.files).toEqual({ examined: 6, copied: 0, skipped: 6, failed: 0, extra: 0 });
    expect(out.bytes.skipped).toBe(sizeOfAll());
    expect(out.verification?.checked).toBe(0);
  });

  it('copies only the two files whose content and mtime changed', async () => {
    await copyPlugin.run(options(), context());
    write(src, 'a.txt', 'new content, longer than before\n');
    write(src, 'sub/deeper/e.txt', 'x'.repeat(fs.statSync(path.join(src, 'sub/deeper/e.txt')).size)); // same size
    fs.utimesSync(path.join(src, 'sub/deeper/e.txt'), new Date(), new Date(Date.now() + 5000));
    const out = await copyPlugin.run(options(), context());
    expect(out.files).toMatchObject({ examined: 6, copied: 2, skipped: 4, failed: 0 });
    expect(out.verification?.checked).toBe(2);
    execFileSync('diff', ['-r', src, dst]);
  });

  it('counts extras and leaves them in place without removeExtras', async () => {
    write(dst, 'stale.txt', 'old');
    write(dst, 'gone/old1.txt', 'old1');
    const out = await copyPlugin.run(options(), context());
    expect(out.status).toBe('ok');
    expect(out.files.extra).toBe(2);
    expect(out.bytes.extra).toBe(7);
    expect(fs.existsSync(path.join(dst, 'gone/old1.txt'))).toBe(true);
  });

  it('removes and counts extras with removeExtras, including a folder where the source has a file', async () => {
    write(dst, 'stale.txt', 'old');
    write(dst, 'gone/old1.txt', 'old1');
    write(dst, 'gone/deep/old2.txt', 'old2');
    write(dst, 'a.txt/inside.txt', 'a folder where the source has a file');
    const out = await copyPlugin.run(options({ removeExtras: true }), context());
    expect(out.status).toBe('ok');
    expect(out.files).toMatchObject({ copied: 6, extra: 4 });
    execFileSync('diff', ['-r', src, dst]);
  });

  it('leaves excluded names alone on both sides', async () => {
    write(src, 'sub/scratch.tmp', 'temp');
    write(src, 'node_modules/x/y.js', 'dep');
    write(dst, 'keep.tmp', 'excluded at the destination too');
    const out = await copyPlugin.run(options({ excludes: ['*.tmp', 'node_modules'], removeExtras: true }), context());
    expect(out.files).toMatchObject({ examined: 7, copied: 6, skipped: 1, extra: 0 });
    expect(fs.existsSync(path.join(dst, 'sub/scratch.tmp'))).toBe(false);
    expect(fs.existsSync(path.join(dst, 'node_modules'))).toBe(false);
    expect(fs.existsSync(path.join(dst, 'keep.tmp'))).toBe(true);
  });

  it('recreates symlinks without following them and skips a fifo with a note', async () => {
    fs.symlinkSync('sub/c.txt', path.join(src, 'link'));
    fs.symlinkSync('/nonexistent/target', path.join(src, 'dangling'));
    execFileSync('mkfifo', [path.join(src, 'pipe')]);
    const out = await copyPlugin.run(options(), context());
    expect(out.status).toBe('ok');
    expect(out.files).toEqual({ examined: 9, copied: 8, skipped: 1, failed: 0, extra: 0 });
    expect(fs.readlinkSync(path.join(dst, 'dangling'))).toBe('/nonexistent/target');
    expect(fs.readlinkSync(path.join(dst, 'link'))).toBe('sub/c.txt');
    expect(fs.existsSync(path.join(dst, 'pipe'))).toBe(false);
    expect(out.logTail).toContain('skipped pipe: not a regular file');
    const again = await copyPlugin.run(options(), context());
    expect(again.files).toMatchObject({ copied: 0, skipped: 9 });
  });
});

describe('copy check (agent check)', () => {
  const check = (o: Partial<CopyOptions>) => copyPlugin.check(CopyOptions.parse({ source: src, destination: dst, ...o }));

  it('passes a source folder and a destination that can be created', () => {
    expect(check({ destination: path.join(dir, 'new', 'deeper', 'dst') })).toEqual([]);
  });

  it('names a source that does not exist or is a file', () => {
    expect(check({ source: path.join(dir, 'gone') })).toEqual([`source: ${dir}/gone does not exist`]);
    expect(check({ source: path.join(src, 'a.txt') })).toEqual([`source: ${src}/a.txt is not a folder`]);
  });

  it('names a destination that is a file or lies under a file', () => {
    expect(check({ destination: path.join(src, 'a.txt') })).toEqual([`destination: ${src}/a.txt is not a folder`]);
    expect(check({ destination: path.join(src, 'a.txt', 'dst') })).toEqual([`destination: ${src}/a.txt/dst cannot be created: ${src}/a.txt is a file, not a folder`]);
  });
});
