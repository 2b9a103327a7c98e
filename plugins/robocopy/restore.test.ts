import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import type { ProcessRunner } from '../../core/process.ts';
import { installFakeRobocopy } from '../testing/fake-robocopy.ts';
import type { PluginContext, RestoreRequest } from '../types.ts';
import { robocopyPlugin, RobocopyOptions } from './index.ts';
import { restoreRobocopy, robocopyRestoreSteps } from './restore.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'syn-robocopy-restore-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const to = join(tmp, 'restored');

const DEST = 'E:\\Backup\\Data';
// robocopy itself cannot run here: a real process that answers each source folder with a real robocopy log.
const fake = installFakeRobocopy(join(tmp, 'bin'), {
  [DEST]: { log: fixture('own_fr_cp850_restored.log'), exitCode: 1 },
  [`${DEST}\\Invoices`]: { log: fixture('own_en_unilog_utf16le.log'), exitCode: 3 },
  [`${DEST}\\Letters`]: { log: fixture('robocopy_01_en_extra_success.txt'), exitCode: 1 },
  'F:\\Broken': { log: fixture('robocopy_08_ru_cp866_error5_retry_failed.log'), exitCode: 11 },
});

function ctx(calls: string[][]): PluginContext {
  const exec: ProcessRunner = (cmd, args, o) => {
    calls.push([...args]);
    return fake.exec(cmd, args, o);
  };
  return { jobId: 'files', runId: `r-${Math.random().toString(36).slice(2)}`, signal: new AbortController().signal, log: silentLogger, exec, clock: new FakeClock('2026-12-04T22:00:00Z') };
}

const opts = (o: Record<string, unknown> = {}) => RobocopyOptions.parse({ source: 'D:\\Data', destination: DEST, mirror: true, excludeFiles: ['*.tmp'], ...o });
const manifest = { runId: '11111111-1111-4111-8111-111111111111', at: new Date('2026-12-03T22:00:00Z'), entries: [
  { path: 'Invoices/2026/jan.pdf', size: 10, mtimeMs: 0, sha256: null },
  { path: 'Letters/hugo.doc', size: 20, mtimeMs: 0, sha256: null },
] };
const req = (over: Partial<RestoreRequest> = {}): RestoreRequest => ({ to, paths: [], at: null, manifest, ...over });

describe('robocopy restore (a fake robocopy.exe printing real logs)', () => {
  it('copies the whole destination back with /E, never /MIR and never the backup exclusions', async () => {
    const calls: string[][] = [];
    const out = await restoreRobocopy(opts(), req(), ctx(calls), 'win32');
    expect(out.status).toBe('ok');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.slice(0, 2)).toEqual([DEST, to]);
    expect(calls[0]).toContain('/E');
    expect(calls[0]).not.toContain('/MIR');
    expect(calls[0]).not.toContain('/XF');
    expect(out.files.restored).toBe(2); // the French log: 2 files copied
    expect(out.from.at).toEqual(manifest.at);
  });

  it('restores a folder with /E and a single file as its folder with the file name as pattern', async () => {
    const calls: string[][] = [];
    const steps = robocopyRestoreSteps(opts(), req(), ['Invoices', 'Letters/hugo.doc']);
    expect(steps).toEqual([
      { path: 'Invoices', from: `${DEST}\\Invoices`, to: `${to}/Invoices`, file: null },
      { path: 'Letters/hugo.doc', from: `${DEST}\\Letters`, to: `${to}/Letters`, file: 'hugo.doc' },
    ]);
    const out = await restoreRobocopy(opts(), req({ paths: ['Invoices', 'Letters/hugo.doc'] }), ctx(calls), 'win32');
    expect(out.status).toBe('ok');
    expect(calls.map((c) => c.slice(0, 3))).toEqual([
      [`${DEST}\\Invoices`, `${to}/Invoices`, '/R:2'],
      [`${DEST}\\Letters`, `${to}/Letters`, 'hugo.doc'],
    ]);
    expect(calls[0]).toContain('/E');
    expect(calls[1]).not.toContain('/E');
  });

  it("is a failed outcome with robocopy's reason when it cannot read the backup", async () => {
    const out = await restoreRobocopy(opts({ destination: 'F:\\Broken' }), req({ manifest: null }), ctx([]), 'win32');
    expect(out.status).toBe('failed');
    expect(out.errors.map((e) => e.message).join('\n')).toMatch(/\(0x00000005\)/);
    expect(out.files.failed).toBeGreaterThan(0);
  });

  it('fails when robocopy does not know the folder (invalid parameter, exit 16)', async () => {
    const out = await restoreRobocopy(opts(), req({ paths: ['Nowhere'] }), ctx([]), 'win32');
    expect(out.status).toBe('failed');
  });

  it('refuses --at without the record of that backup: robocopy keeps only the newest copy', async () => {
    const out = await restoreRobocopy(opts(), req({ at: new Date('2026-12-01T00:00:00Z'), manifest: null }), ctx([]), 'win32');
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toMatch(/robocopy keeps only the newest copy/);
  });

  it.runIf(process.platform !== 'win32')('refuses to run off Windows with PLUGIN_UNAVAILABLE through the registered plugin', async () => {
    await expect(robocopyPlugin.restore(opts(), req(), ctx([]))).rejects.toMatchObject({ code: 'PLUGIN_UNAVAILABLE' });
  });
});
