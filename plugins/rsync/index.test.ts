import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { isSynError } from '../../core/errors.ts';
import { silentLogger } from '../../core/log.ts';
import { runProcess } from '../../core/process.ts';
import type { PluginContext } from '../types.ts';
import { RsyncOptions, asksForDryRun, checkRsyncOptions, rsyncArgs, rsyncPlugin } from './index.ts';

function context(signal = new AbortController().signal): PluginContext {
  return { jobId: 'rsync-test', runId: 'run-1', signal, log: silentLogger, exec: runProcess, clock: systemClock };
}

let dir: string;
let src: string;
let dst: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syn-rsync-'));
  src = path.join(dir, 'src');
  dst = path.join(dir, 'dst');
  fs.mkdirSync(path.join(src, 'sub', 'deeper'), { recursive: true });
  fs.mkdirSync(dst);
  for (const f of ['a.txt', 'b.txt', 'sub/c.txt', 'sub/d.txt', 'sub/deeper/e.txt']) fs.writeFileSync(path.join(src, f), `content of ${f}\n`);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const options = (extra: Partial<RsyncOptions> = {}) => RsyncOptions.parse({ source: `${src}/`, destination: `${dst}/`, ...extra });

describe('rsync plugin running the real rsync', () => {
  it('copies every file of a first sync and reports them as copied', async () => {
    const out = await rsyncPlugin.run(options(), context());
    expect(out.status).toBe('ok');
    expect(out.exitCode).toBe(0);
    expect(out.files).toEqual({ examined: 5, copied: 5, skipped: 0, failed: 0, extra: 0 });
    expect(out.bytes.copied).toBe(out.bytes.examined);
    expect(fs.readFileSync(path.join(dst, 'sub/deeper/e.txt'), 'utf8')).toBe('content of sub/deeper/e.txt\n');
  });

  it('reports only the two changed files on an incremental run', async () => {
    await rsyncPlugin.run(options(), context());
    fs.appendFileSync(path.join(src, 'a.txt'), 'more\n');
    fs.appendFileSync(path.join(src, 'sub/deeper/e.txt'), 'more\n');
    const out = await rsyncPlugin.run(options(), context());
    expect(out.status).toBe('ok');
    expect(out.files).toEqual({ examined: 5, copied: 2, skipped: 3, failed: 0, extra: 0 });
  });

  it('counts the extras that --delete removed at the destination', async () => {
    for (const f of ['x1', 'x2', 'x3']) fs.writeFileSync(path.join(dst, f), 'extra');
    const out = await rsyncPlugin.run(options({ delete: true }), context());
    expect(out.status).toBe('ok');
    expect(out.files.extra).toBe(3);
    expect(fs.existsSync(path.join(dst, 'x1'))).toBe(false);
  });

  it('leaves extras alone and uncounted without delete, and honours excludes', async () => {
    fs.writeFileSync(path.join(dst, 'x1'), 'extra');
    const out = await rsyncPlugin.run(options({ excludes: ['sub/'] }), context());
    expect(out.files).toMatchObject({ examined: 2, copied: 2, extra: 0 });
    expect(fs.existsSync(path.join(dst, 'x1'))).toBe(true);
    expect(fs.existsSync(path.join(dst, 'sub'))).toBe(false);
  });

  it('reports a partial transfer (code 23) with the configured status', async () => {
    const list = path.join(dir, 'list');
    fs.writeFileSync(list, 'a.txt\nmissing.txt\nsub/c.txt\n');
    const partial = (status?: 'warning' | 'failed') => options({ extraArgs: [`--files-from=${list}`], ...(status ? { partialTransferStatus: status } : {}) });
    const warn = await rsyncPlugin.run(partial(), context());
    expect(warn.exitCode).toBe(23);
    expect(warn.status).toBe('warning');
    expect(warn.files).toMatchObject({ copied: 2, failed: 1 });
    expect(warn.errors.find((e) => e.path)?.path).toBe(path.join(src, 'missing.txt'));
    const failed = await rsyncPlugin.run(partial('failed'), context());
    expect(failed.exitCode).toBe(23);
    expect(failed.status).toBe('failed');
  });

  it('reports failed when the source does not exist at all', async () => {
    const out = await rsyncPlugin.run(options({ source: path.join(dir, 'nowhere') }), context());
    expect(out.exitCode).toBe(23);
    expect(out.status).toBe('failed');
    expect(out.errors.map((e) => e.message).join('\n')).toMatch(/link_stat .*nowhere/);
  });

  it('reports failed with the documented meaning for a usage error', async () => {
    const out = await rsyncPlugin.run(options({ extraArgs: ['--no-such-option'] }), context());
    expect(out.exitCode).toBe(1);
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toContain('syntax or usage error');
  });

  it('reports a dry run as a warning that says nothing was written, whichever way it is asked for', async () => {
    for (const extraArgs of [['--dry-run'], ['-n'], ['-an'], ['-v', '-avn']]) {
      const out = await rsyncPlugin.run(options({ extraArgs }), context());
      expect(out.status).toBe('warning');
      expect(out.errors[0]!.message).toBe('dry run: rsync only listed what it would copy; nothing was written');
      expect(out.files.copied).toBe(5);
    }
    expect(fs.readdirSync(dst)).toEqual([]);
  });

  it('throws PLUGIN_UNAVAILABLE when the rsync binary is missing', async () => {
    const err = await rsyncPlugin.run(options({ binary: 'rsync-not-installed-here' }), context()).catch((e: unknown) => e);
    expect(isSynError(err, 'PLUGIN_UNAVAILABLE')).toBe(true);
  });

  it('stops a slow transfer promptly when the signal aborts and reports it timed out', async () => {
    fs.writeFileSync(path.join(src, 'big.bin'), Buffer.alloc(4 * 1024 * 1024, 7));
    const ac = new AbortController();
    setTimeout(() => ac.abort(new DOMException('timeout', 'TimeoutError')), 300);
    const started = Date.now();
    const out = await rsyncPlugin.run(options({ extraArgs: ['--bwlimit=10'] }), context(ac.signal));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toBe('timed out');
  });
});

describe('rsync command line', () => {
  it('puts options before a "--" and source and destination last', () => {
    const args = rsyncArgs(options({ delete: true, excludes: ['*.tmp'], rsh: 'ssh -p 2222', extraArgs: ['--compress'] }));
    expect(args).toEqual(['-a', '--stats', '--itemize-changes', '--delete', '--exclude=*.tmp', '-e', 'ssh -p 2222', '--compress', '--', `${src}/`, `${dst}/`]);
  });

  it('sees a dry run in --dry-run, -n and short-option clusters, but not in option values', () => {
    expect(asksForDryRun(['-a', '--dry-run'])).toBe(true);
    expect(asksForDryRun(['-avn'])).toBe(true);
    expect(asksForDryRun(['-a', '--stats', '--', 'src-n', 'dst'])).toBe(false);
    expect(asksForDryRun(['-e', 'ssh -n', '--numeric-ids'])).toBe(false);
    expect(asksForDryRun(['-e', '-n'])).toBe(false);
    expect(asksForDryRun(['-ve', 'ssh', '-n'])).toBe(true);
    expect(asksForDryRun(['--exclude=-n'])).toBe(false);
  });

  it('rejects unknown option keys', () => {
    expect(RsyncOptions.safeParse({ source: 'a', destination: 'b', delet: true }).success).toBe(false);
  });
});

describe('rsync check (agent check)', () => {
  it('passes the installed rsync and a local source that exists, and leaves remote sources alone', () => {
    expect(checkRsyncOptions(options())).toEqual([]);
    expect(checkRsyncOptions(options({ source: 'backup@nas:/srv/data/' }))).toEqual([]);
  });

  it('names a binary that is not on PATH or not at its path', () => {
    expect(checkRsyncOptions(options({ binary: 'rsync-nope' }))).toEqual([expect.stringMatching(/^binary: rsync-nope is not installed or not on PATH/)]);
    expect(checkRsyncOptions(options({ binary: path.join(dir, 'bin', 'rsync') }))).toEqual([`binary: ${dir}/bin/rsync does not exist`]);
    fs.writeFileSync(path.join(dir, 'rsync'), '#!/bin/sh\n');
    expect(checkRsyncOptions(options({ binary: path.join(dir, 'rsync') }))).toEqual([`binary: ${dir}/rsync is not executable (chmod +x)`]);
  });

  it('names a local source that does not exist', () => {
    expect(checkRsyncOptions(options({ source: path.join(dir, 'nowhere/') }))).toEqual([`source: ${dir}/nowhere/ does not exist`]);
  });
});
