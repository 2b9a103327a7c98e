import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { runProcess } from '../../core/process.ts';
import type { ManifestEntry, PluginContext, RestoreRequest } from '../types.ts';
import { RsyncOptions, rsyncPlugin } from './index.ts';
import { rsyncBackupRoot } from './restore.ts';

function context(signal = new AbortController().signal): PluginContext {
  return { jobId: 'rsync-restore', runId: 'run-1', signal, log: silentLogger, exec: runProcess, clock: systemClock };
}

let dir: string;
let src: string;
let dst: string;
let to: string;
const FILES = ['a.txt', 'b.txt', 'sub/c.txt', 'sub/d.txt', 'sub/deeper/e.txt'];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syn-rsync-restore-'));
  src = path.join(dir, 'src');
  dst = path.join(dir, 'dst');
  to = path.join(dir, 'restored');
  fs.mkdirSync(path.join(src, 'sub', 'deeper'), { recursive: true });
  for (const f of FILES) fs.writeFileSync(path.join(src, f), `content of ${f}\n`);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const options = (extra: Record<string, unknown> = {}) => RsyncOptions.parse({ source: `${src}/`, destination: dst, ...extra });
const request = (over: Partial<RestoreRequest> = {}): RestoreRequest => ({ to, paths: [], at: null, manifest: null, ...over });
const read = (f: string) => fs.readFileSync(path.join(to, f), 'utf8');

/** What the manifest of a backup taken now would say (the catalogue's job; here from the source). */
function manifestOfSource(): ManifestEntry[] {
  return FILES.map((f) => {
    const st = fs.statSync(path.join(src, f));
    return { path: f, size: st.size, mtimeMs: st.mtimeMs, sha256: null };
  });
}

describe('rsync restore with the real rsync', () => {
  it('puts every file of the backup back into a new folder and lists them as written', async () => {
    expect((await rsyncPlugin.run(options(), context())).status).toBe('ok');
    const out = await rsyncPlugin.restore(options(), request(), context());
    expect(out.status).toBe('ok');
    expect(out.written.map((w) => w.path)).toEqual([...FILES].sort());
    expect(out.files).toEqual({ restored: 5, failed: 0 });
    expect(out.bytes.restored).toBe(FILES.reduce((n, f) => n + `content of ${f}\n`.length, 0));
    expect(read('sub/deeper/e.txt')).toBe('content of sub/deeper/e.txt\n');
  });

  it('restores only the paths asked for, a file and a folder, relative to the backup root', async () => {
    await rsyncPlugin.run(options(), context());
    const out = await rsyncPlugin.restore(options(), request({ paths: ['a.txt', 'sub/deeper'] }), context());
    expect(out.status).toBe('ok');
    expect(out.written.map((w) => w.path)).toEqual(['a.txt', 'sub/deeper/e.txt']);
    expect(fs.existsSync(path.join(to, 'b.txt'))).toBe(false);
    expect(fs.existsSync(path.join(to, 'sub/c.txt'))).toBe(false);
  });

  it('restores a file whose name holds a newline and spaces', async () => {
    const odd = 'sub/odd\nname .txt';
    fs.writeFileSync(path.join(src, odd), 'odd\n');
    await rsyncPlugin.run(options(), context());
    const out = await rsyncPlugin.restore(options(), request({ paths: [odd] }), context());
    expect(out.status).toBe('ok');
    expect(out.written.map((w) => w.path)).toEqual([odd]);
  });

  it('finds the backup root under the destination when the source has no trailing slash', async () => {
    const o = options({ source: src });
    expect(rsyncBackupRoot(o)).toBe(`${dst}/src/`);
    await rsyncPlugin.run(o, context());
    const out = await rsyncPlugin.restore(o, request({ paths: ['sub/c.txt'] }), context());
    expect(out.status).toBe('ok');
    expect(read('sub/c.txt')).toBe('content of sub/c.txt\n');
  });

  it('restores from a host:path destination through the remote shell, as with ssh', async () => {
    // A remote shell that runs the command here, as ssh would on the host: rsync itself is real on both ends.
    const rsh = path.join(dir, 'fake-ssh');
    fs.writeFileSync(rsh, '#!/bin/sh\nshift\nexec sh -c "$*"\n', { mode: 0o755 });
    const o = options({ destination: `backuphost:${dst}`, rsh });
    expect((await rsyncPlugin.run(o, context())).status).toBe('ok');
    const out = await rsyncPlugin.restore(o, request({ paths: ['sub'] }), context());
    expect(out.status).toBe('ok');
    expect(out.written.map((w) => w.path)).toEqual(['sub/c.txt', 'sub/d.txt', 'sub/deeper/e.txt']);
  });

  it('fails, naming it, when a path asked for is not in the backup', async () => {
    await rsyncPlugin.run(options(), context());
    const out = await rsyncPlugin.restore(options(), request({ paths: ['a.txt', 'nope.txt'] }), context());
    expect(out.status).toBe('failed');
    expect(out.errors.map((e) => e.message).join('\n')).toContain('nope.txt was asked for but is not in the backup');
    expect(out.written.map((w) => w.path)).toEqual(['a.txt']);
  });

  it('refuses a path that climbs out of the backup', async () => {
    const out = await rsyncPlugin.restore(options(), request({ paths: ['../etc/passwd'] }), context());
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toMatch(/leave the backup's folder: \.\.\/etc\/passwd/);
  });

  it('is a failed outcome when the destination does not exist', async () => {
    const out = await rsyncPlugin.restore(options({ destination: path.join(dir, 'never') }), request(), context());
    expect(out.status).toBe('failed');
    expect(out.errors.map((e) => e.message).join('\n')).toMatch(/No such file or directory/);
  });

  it('refuses --at for a backup that a later run replaced, naming the changed file', async () => {
    await rsyncPlugin.run(options(), context());
    const first = manifestOfSource();
    const firstAt = new Date();
    fs.writeFileSync(path.join(src, 'sub/c.txt'), 'changed and longer than before\n');
    await rsyncPlugin.run(options(), context());
    const out = await rsyncPlugin.restore(options(), request({ at: firstAt, manifest: { runId: 'r1', at: firstAt, entries: first } }), context());
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toMatch(/rsync keeps only the newest copy .* sub\/c\.txt was replaced by a later backup/);
    expect(fs.existsSync(to)).toBe(false);
  });

  it('allows --at when the destination still holds exactly that backup', async () => {
    await rsyncPlugin.run(options(), context());
    const at = new Date();
    const out = await rsyncPlugin.restore(options(), request({ at, manifest: { runId: 'r1', at, entries: manifestOfSource() } }), context());
    expect(out.status).toBe('ok');
    expect(out.from.at).toEqual(at);
  });

  it('refuses --at with a remote destination, which it cannot compare', async () => {
    const out = await rsyncPlugin.restore(options({ destination: 'nas:/backup' }), request({ at: new Date() }), context());
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toMatch(/cannot be checked against the remote destination nas:\/backup/);
  });
});
