import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import type { ProcessRunner } from '../../core/process.ts';
import type { PluginContext } from '../types.ts';
import { RobocopyOptions } from './index.ts';
import { runRobocopy } from './run.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const log = readFileSync(join(fixtures, 'own_en_unilog_utf16le.log'));

/** robocopy.exe cannot run here: this stands in for it, copying nothing but writing its real log. */
const fakeRobocopy: ProcessRunner = async (_cmd, args) => {
  appendFileSync(args.find((a) => a.startsWith('/UNILOG+:'))!.slice('/UNILOG+:'.length), log);
  return { exitCode: 1, signal: null, stdout: Buffer.from(''), stderr: Buffer.from(''), truncated: false };
};
const ctx = (): PluginContext => ({ jobId: 'files', runId: `r${process.pid}`, signal: new AbortController().signal, log: silentLogger, exec: fakeRobocopy, clock: new FakeClock('2025-03-03T22:00:00Z') });

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the manifest of a robocopy job', () => {
  it('lists the files at the destination after the run', async () => {
    dir = mkdtempSync(join(tmpdir(), 'syn-robocopy-manifest-'));
    mkdirSync(join(dir, 'dst', 'Projects'), { recursive: true });
    writeFileSync(join(dir, 'dst', 'Projects', 'plan.xlsx'), 'xlsx');
    writeFileSync(join(dir, 'dst', 'notes.txt'), 'notes');
    const out = await runRobocopy(RobocopyOptions.parse({ source: join(dir, 'src'), destination: join(dir, 'dst') }), ctx(), 'win32');
    expect(out.manifest?.map((e) => [e.path, e.size])).toEqual([
      ['Projects/plan.xlsx', 4],
      ['notes.txt', 5],
    ]);
  });

  it('says so in an error when the destination cannot be listed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'syn-robocopy-manifest-'));
    const out = await runRobocopy(RobocopyOptions.parse({ source: join(dir, 'src'), destination: join(dir, 'missing') }), ctx(), 'win32');
    expect(out.manifest).toBeUndefined();
    expect(out.errors.at(-1)?.message).toMatch(/cannot list the destination for the file manifest/);
  });
});
