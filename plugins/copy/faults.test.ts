import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { runProcess } from '../../core/process.ts';
import type { PluginContext, Progress } from '../types.ts';
import { copyPlugin, CopyOptions, runCopy } from './index.ts';
import { ProgressThrottle } from './progress.ts';

let dir: string;
let src: string;
let dst: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syn-copy-faults-'));
  src = path.join(dir, 'src');
  dst = path.join(dir, 'dst');
  for (let i = 0; i < 40; i++) write(src, `d${i % 4}/f${i}.txt`, `file ${i}\n`.repeat(100 + i));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(root: string, rel: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
}
function context(over: Partial<PluginContext> = {}): PluginContext {
  return { jobId: 'copy-test', runId: 'run-1', signal: new AbortController().signal, log: silentLogger, exec: runProcess, clock: systemClock, ...over };
}
const options = (extra: Partial<CopyOptions> = {}): CopyOptions => CopyOptions.parse({ source: src, destination: dst, ...extra });

describe('copy plugin facing faults', () => {
  it('fails verification "all" for a destination file corrupted with its size and mtime restored', async () => {
    await copyPlugin.run(options(), context());
    const victim = path.join(dst, 'd1/f5.txt');
    const st = fs.statSync(victim);
    const bytes = fs.readFileSync(victim);
    bytes[10] = bytes[10]! ^ 0xff;
    fs.writeFileSync(victim, bytes);
    fs.utimesSync(victim, st.atime, st.mtime);

    const quick = await copyPlugin.run(options(), context());
    expect(quick.status).toBe('ok'); // size and mtime match: an incremental run cannot tell
    const out = await copyPlugin.run(options({ verify: 'all' }), context());
    expect(out.status).toBe('failed');
    expect(out.files.copied).toBe(0);
    expect(out.verification).toEqual({ mode: 'all', algorithm: 'sha256', checked: 40, mismatches: 1, mismatchedPaths: ['d1/f5.txt'] });
  });

  it('counts a file that vanished between the walk and its copy as failed and copies the rest', async () => {
    const out = await runCopy(options(), {
      signal: new AbortController().signal,
      clock: systemClock,
      beforeCopy: (rel) => {
        if (rel === 'd2/f6.txt') fs.rmSync(path.join(src, rel));
      },
    });
    expect(out.status).toBe('failed');
    expect(out.files).toMatchObject({ examined: 40, copied: 39, failed: 1 });
    expect(out.errors).toEqual([expect.objectContaining({ path: 'd2/f6.txt', code: 'ENOENT' })]);
    expect(out.errors[0]!.message).toMatch(/^cannot copy: ENOENT/);
    expect(out.logTail).toContain('error: d2/f6.txt: cannot copy');
  });

  it('reports a missing source folder as a failed outcome, not an exception', async () => {
    const out = await copyPlugin.run(CopyOptions.parse({ source: path.join(dir, 'nope'), destination: dst }), context());
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toMatch(/source folder .*nope cannot be read: ENOENT/);
    expect(out.files.examined).toBe(0);
  });

  it('reports failed when the run is aborted part way, with what it had copied', async () => {
    const ac = new AbortController();
    let copies = 0;
    const out = await runCopy(options({ concurrency: 1 }), {
      signal: ac.signal,
      clock: systemClock,
      beforeCopy: () => {
        if (++copies === 5) ac.abort(new Error('timed out after 1 s'));
      },
    });
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toMatch(/aborted.*timed out after 1 s/);
    expect(out.files.copied).toBe(5);
  });

  // A sparse file of 2 GiB takes no disk but seconds to read, hash and write. The abort comes
  // 200 ms after the run reached it (not at a fixed time: a loaded machine may still be walking).
  const sparseFile = (root: string): void => {
    const p = path.join(root, 'huge.img');
    fs.writeFileSync(p, '');
    fs.truncateSync(p, 2 * 1024 ** 3);
    fs.utimesSync(p, 1_700_000_000, 1_700_000_000);
  };
  const abortSoon = (ac: AbortController, at: { time: number }) =>
    setTimeout(() => ((at.time = Date.now()), ac.abort(new Error('timed out after 1 min'))), 200);

  it('stops in the middle of copying a large file when aborted and leaves no part of it behind', async () => {
    sparseFile(src);
    const ac = new AbortController();
    const at = { time: 0 };
    const out = await runCopy(options({ concurrency: 1 }), {
      signal: ac.signal,
      clock: systemClock,
      beforeCopy: (rel) => void (rel === 'huge.img' && abortSoon(ac, at)),
    });
    expect(at.time).toBeGreaterThan(0);
    expect(Date.now() - at.time).toBeLessThan(2000);
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toBe('aborted before the end (timed out or shut down): timed out after 1 min');
    expect(out.files.failed).toBe(0); // stopped, not a file that could not be copied
    expect(fs.readdirSync(dst).filter((n) => n.includes('huge'))).toEqual([]); // neither the file nor its temporary
  });

  it('stops in the middle of verifying a large file when aborted and counts no mismatch', async () => {
    fs.rmSync(src, { recursive: true });
    fs.mkdirSync(src);
    fs.mkdirSync(dst);
    sparseFile(src);
    sparseFile(dst); // same size and time: nothing to copy, but "all" hashes both sides
    const ac = new AbortController();
    const at = { time: 0 };
    // With nothing to copy, the one copy report is the end of that phase: verification starts.
    const progress = (p: Progress) => void (p.phase === 'copy' && abortSoon(ac, at));
    const out = await copyPlugin.run(options({ verify: 'all' }), context({ signal: ac.signal, progress }));
    expect(at.time).toBeGreaterThan(0);
    expect(Date.now() - at.time).toBeLessThan(2000);
    expect(out.status).toBe('failed');
    expect(out.errors).toEqual([{ message: 'aborted before the end (timed out or shut down): timed out after 1 min' }]);
  });

  it('reports progress of each phase with done rising to the total', async () => {
    const seen: Progress[] = [];
    await copyPlugin.run(options(), context({ progress: (p) => seen.push({ ...p }) }));
    const copy = seen.filter((p) => p.phase === 'copy');
    expect(copy.length).toBeGreaterThan(0);
    expect(copy.at(-1)).toMatchObject({ done: 40, total: 40 });
    for (let i = 1; i < copy.length; i++) expect(copy[i]!.done).toBeGreaterThan(copy[i - 1]!.done);
    expect(seen.filter((p) => p.phase === 'verify').at(-1)).toMatchObject({ done: 40, total: 40 });
    expect(seen[0]!.phase).toBe('scan');
    expect(seen.length).toBeLessThan(20); // throttled: a fast run reports little
  });

  it('does not repeat the end of a phase when the throttled report already showed it', () => {
    const seen: Progress[] = [];
    const throttle = new ProgressThrottle(systemClock, (p) => seen.push(p));
    throttle.update('copy', 40, 40);
    throttle.update('copy', 40, 40, undefined, true);
    throttle.update('verify', 40, 40, undefined, true);
    expect(seen.map((p) => p.phase)).toEqual(['copy', 'verify']);
  });

  it('rejects unknown options and patterns it cannot match', () => {
    expect(CopyOptions.safeParse({ source: 'a', destination: 'b', mirror: true }).success).toBe(false);
    expect(CopyOptions.safeParse({ source: 'a', destination: 'b', excludes: ['a/*.tmp'] }).success).toBe(false);
    expect(CopyOptions.safeParse({ source: 'a', destination: 'b', excludes: ['*.tmp', 'cache'] }).success).toBe(true);
  });

  it('fails at once, naming the destination, when it cannot be made (a file in the way, or under /proc)', async () => {
    fs.writeFileSync(path.join(dir, 'a-file'), 'x');
    const blocked = await copyPlugin.run(options({ destination: path.join(dir, 'a-file', 'dst') }), context());
    expect(blocked.status).toBe('failed');
    expect(blocked.errors[0]!.message).toBe(`destination: cannot create the folder ${dir}/a-file/dst: ${dir}/a-file is a file, not a folder`);
    if (process.platform === 'linux') {
      const started = Date.now();
      const proc = await copyPlugin.run(options({ destination: '/proc/synecdoche-test/dst' }), context());
      expect(proc.status).toBe('failed');
      expect(proc.errors[0]!.message).toMatch(/^destination: cannot create the folder \/proc\/synecdoche-test\/dst/);
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });
});
