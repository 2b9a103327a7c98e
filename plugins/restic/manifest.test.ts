import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { runProcess } from '../../core/process.ts';
import type { PluginContext } from '../types.ts';
import { ResticOptions, resticPlugin } from './index.ts';
import { parseResticLs } from './manifest.ts';

const context = (): PluginContext => ({ jobId: 'restic-test', runId: 'run-1', signal: new AbortController().signal, log: silentLogger, exec: runProcess, clock: systemClock });

let dir: string;
let repo: string;
let pw: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syn-restic-manifest-'));
  repo = path.join(dir, 'repo');
  pw = path.join(dir, 'password');
  fs.writeFileSync(pw, 'manifest test\n', { mode: 0o600 });
  for (const f of ['docs/a.txt', 'docs/sub/b.txt', 'mail/c.eml']) {
    fs.mkdirSync(path.dirname(path.join(dir, 'src', f)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', f), `content of ${f}`);
  }
  const init = await runProcess('restic', ['init'], { env: { ...process.env, RESTIC_REPOSITORY: repo, RESTIC_PASSWORD_FILE: pw } });
  expect(init.exitCode).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the manifest of a restic job', () => {
  it('lists the snapshot just made, relative to the one path backed up', async () => {
    const out = await resticPlugin.run(ResticOptions.parse({ repository: repo, passwordFile: pw, paths: [path.join(dir, 'src', 'docs')] }), context());
    expect(out.status).toBe('ok');
    expect(out.manifest?.map((e) => [e.path, e.size])).toEqual([
      ['a.txt', 'content of docs/a.txt'.length],
      ['sub/b.txt', 'content of docs/sub/b.txt'.length],
    ]);
    const mtime = fs.statSync(path.join(dir, 'src', 'docs', 'a.txt')).mtimeMs;
    expect(Math.abs(out.manifest![0]!.mtimeMs - mtime)).toBeLessThan(1);
  });

  it('names files under the common folder of several paths', async () => {
    const out = await resticPlugin.run(ResticOptions.parse({ repository: repo, passwordFile: pw, paths: [path.join(dir, 'src', 'docs'), path.join(dir, 'src', 'mail')] }), context());
    expect(out.manifest?.map((e) => e.path)).toEqual(['docs/a.txt', 'docs/sub/b.txt', 'mail/c.eml']);
  });

  it('has no manifest when no snapshot was made', async () => {
    const out = await resticPlugin.run(ResticOptions.parse({ repository: path.join(dir, 'no-such-repo'), passwordFile: pw, paths: [path.join(dir, 'src')] }), context());
    expect(out.status).toBe('failed');
    expect(out.manifest).toBeUndefined();
  });

  it('reads Windows snapshot paths (/C/...) against a drive root', () => {
    const ls = '{"name":"x.doc","type":"file","path":"/C/Users/hugo/x.doc","size":7,"mtime":"2026-12-01T10:00:00Z","struct_type":"node"}\n{"name":"Users","type":"dir","path":"/C/Users","struct_type":"node"}';
    expect(parseResticLs(ls, 'C:\\Users')).toEqual([{ path: 'hugo/x.doc', size: 7, mtimeMs: Date.parse('2026-12-01T10:00:00Z'), sha256: null }]);
  });
});
