import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { runProcess } from '../../core/process.ts';
import type { PluginContext } from '../types.ts';
import { RsyncOptions, rsyncPlugin } from './index.ts';
import { listRemote, parseListOnly } from './manifest.ts';

const context = (): PluginContext => ({ jobId: 'rsync-test', runId: 'run-1', signal: new AbortController().signal, log: silentLogger, exec: runProcess, clock: systemClock });

let dir: string;
let src: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syn-rsync-manifest-'));
  src = path.join(dir, 'Data');
  fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(src, 'a.txt'), 'alpha');
  fs.writeFileSync(path.join(src, 'sub', 'b c.txt'), 'bravo charlie');
  fs.symlinkSync('a.txt', path.join(src, 'link'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the manifest of an rsync job', () => {
  it('lists the regular files of the backup root at a local destination, relative to it', async () => {
    // no trailing slash: rsync makes <destination>/Data, which is then the backup's root
    const out = await rsyncPlugin.run(RsyncOptions.parse({ source: src, destination: path.join(dir, 'dst'), delete: true }), context());
    expect(out.status).toBe('ok');
    expect(out.manifest?.map((e) => [e.path, e.size])).toEqual([
      ['a.txt', 5],
      ['sub/b c.txt', 13],
    ]);
  });

  it('reads rsync --list-only for a remote destination, with UTC times to the second', async () => {
    const when = new Date('2026-11-30T10:20:30.000Z');
    fs.utimesSync(path.join(src, 'a.txt'), when, when);
    // the same command rsync runs against host:path, here on a local path
    const entries = await listRemote({ binary: 'rsync' }, `${src}/`, context());
    expect(entries.map((e) => e.path)).toEqual(['a.txt', 'sub/b c.txt']);
    expect(entries[0]).toEqual({ path: 'a.txt', size: 5, mtimeMs: when.getTime(), sha256: null });
  });

  it('decodes names rsync escapes as \\#ooo', () => {
    expect(parseListOnly('-rw-r--r--           3 2026/12/04 21:08:39 new\\#012line.txt\n')).toEqual([{ path: 'new\nline.txt', size: 3, mtimeMs: Date.UTC(2026, 11, 4, 21, 8, 39), sha256: null }]);
  });

  it('has no manifest for a dry run', async () => {
    const out = await rsyncPlugin.run(RsyncOptions.parse({ source: `${src}/`, destination: path.join(dir, 'dst'), extraArgs: ['-n'] }), context());
    expect(out.manifest).toBeUndefined();
  });
});
