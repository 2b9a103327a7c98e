import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import type { ProcessRunner } from '../../core/process.ts';
import type { PluginContext } from '../types.ts';
import { checkRobocopy, robocopyArgs, robocopyPlugin, RobocopyOptions } from './index.ts';
import { runRobocopy } from './run.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const opts = (o: Record<string, unknown> = {}) => RobocopyOptions.parse({ source: 'D:\\Data', destination: '\\\\nas\\backup\\Data', ...o });

function ctx(exec: ProcessRunner, signal = new AbortController().signal): PluginContext {
  return { jobId: 'files', runId: `r${process.pid}-${Math.random().toString(36).slice(2)}`, signal, log: silentLogger, exec, clock: new FakeClock('2025-03-03T22:00:00Z') };
}

/** Stands in for robocopy.exe, which cannot run here: writes `log` where /UNILOG+ points, then exits. */
function fakeRobocopy(log: Buffer | null, exitCode: number | null, seen: string[][] = []): ProcessRunner {
  return async (_cmd, args) => {
    seen.push([...args]);
    const target = args.find((a) => a.startsWith('/UNILOG+:'))!.slice('/UNILOG+:'.length);
    if (log) appendFileSync(target, log);
    return { exitCode, signal: exitCode === null ? 'SIGTERM' : null, stdout: Buffer.from(''), stderr: Buffer.from(''), truncated: false };
  };
}

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('robocopy options', () => {
  it('builds the command line with retries, waits, exact bytes and an appended Unicode log', () => {
    expect(robocopyArgs(opts(), 'C:\\Temp\\r.log')).toEqual(['D:\\Data', '\\\\nas\\backup\\Data', '/R:2', '/W:5', '/NP', '/NDL', '/BYTES', '/UNILOG+:C:\\Temp\\r.log', '/TEE']);
  });

  it('adds mirror, patterns, exclusions, threads and extra switches in robocopy order', () => {
    const o = opts({ source: 'D:\\My Data\\', destination: 'E:\\', mirror: true, files: ['*.docx', '*.xlsx'], excludeDirs: ['node_modules', '.git'], excludeFiles: ['*.tmp'], retries: 0, waitSeconds: 1, threads: 16, extraArgs: ['/XJ'], logFile: 'C:\\logs\\backup.log' });
    expect(robocopyArgs(o)).toEqual(['D:\\My Data', 'E:\\', '*.docx', '*.xlsx', '/MIR', '/XD', 'node_modules', '.git', '/XF', '*.tmp', '/R:0', '/W:1', '/MT:16', '/NP', '/NDL', '/BYTES', '/UNILOG+:C:\\logs\\backup.log', '/TEE', '/XJ']);
  });

  it('rejects unknown keys, a second log and a suppressed summary', () => {
    expect(RobocopyOptions.safeParse({ source: 'a', destination: 'b', mirorr: true }).success).toBe(false);
    expect(RobocopyOptions.safeParse({ source: 'a', destination: 'b', extraArgs: ['/LOG:x.log'] }).success).toBe(false);
    expect(RobocopyOptions.safeParse({ source: 'a', destination: 'b', extraArgs: ['/njs'] }).success).toBe(false);
    expect(RobocopyOptions.safeParse({ source: 'a', destination: 'b', threads: 0 }).success).toBe(false);
  });

  it('parses logs through the plugin with a forced encoding', () => {
    const out = robocopyPlugin.parse(readFileSync(join(fixtures, 'robocopy_09_ja_cp932_success.log')), 1, { encoding: 'cp932' });
    expect(out.status).toBe('ok');
    expect(out.logTail).toContain('ファイル');
  });
});

describe('robocopy run', () => {
  it('refuses to run off Windows with PLUGIN_UNAVAILABLE', async () => {
    const plat = process.platform === 'win32' ? 'linux' : process.platform;
    await expect(runRobocopy(opts(), ctx(fakeRobocopy(null, 0)), plat)).rejects.toMatchObject({ code: 'PLUGIN_UNAVAILABLE', message: expect.stringContaining('Windows only') });
  });

  it.runIf(process.platform !== 'win32')('refuses through the registered plugin too', async () => {
    await expect(robocopyPlugin.run(opts(), ctx(fakeRobocopy(null, 0)))).rejects.toMatchObject({ code: 'PLUGIN_UNAVAILABLE' });
  });

  it('reads the UTF-16 log robocopy wrote and removes the temporary file', async () => {
    const seen: string[][] = [];
    const out = await runRobocopy(opts(), ctx(fakeRobocopy(readFileSync(join(fixtures, 'own_en_unilog_utf16le.log')), 3, seen)), 'win32');
    expect(out).toMatchObject({ status: 'ok', exitCode: 3, files: { examined: 4, copied: 2, skipped: 2, failed: 0, extra: 1 } });
    const logArg = seen[0]!.find((a) => a.startsWith('/UNILOG+:'))!.slice(9);
    expect(() => readFileSync(logArg)).toThrow(/ENOENT/);
  });

  it('reads only what this run appended to a kept log file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syn-robocopy-'));
    dirs.push(dir);
    const logFile = join(dir, 'backup.log');
    writeFileSync(logFile, readFileSync(join(fixtures, 'robocopy_01_en_extra_success.txt')));
    const out = await runRobocopy(opts({ logFile }), ctx(fakeRobocopy(null, 16)), 'win32');
    expect(out.status).toBe('failed');
    expect(out.files.examined).toBe(0); // the old run's summary does not count for this one
    const next = await runRobocopy(opts({ logFile }), ctx(fakeRobocopy(readFileSync(join(fixtures, 'own_en_mismatch_warning.log')), 4)), 'win32');
    expect(next).toMatchObject({ status: 'warning', files: { examined: 12 } });
  });

  it('reports failed when robocopy was killed before it finished', async () => {
    const out = await runRobocopy(opts(), ctx(fakeRobocopy(readFileSync(join(fixtures, 'robocopy_01_en_extra_success.txt')), null)), 'win32');
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toContain('did not finish');
  });

  it('turns a missing robocopy.exe into PLUGIN_UNAVAILABLE', async () => {
    const missing: ProcessRunner = async () => {
      throw Object.assign(new Error('spawn robocopy ENOENT'), { code: 'ENOENT' });
    };
    await expect(runRobocopy(opts(), ctx(missing), 'win32')).rejects.toMatchObject({ code: 'PLUGIN_UNAVAILABLE' });
  });
});

describe('robocopy check (agent check)', () => {
  it('says off Windows that robocopy runs on Windows only and how to report its logs', () => {
    expect(checkRobocopy('linux')).toEqual([expect.stringMatching(/^plugin: robocopy runs on Windows only \(this is linux\);.*agent submit/)]);
    expect(checkRobocopy('win32')).toEqual([]);
  });
});
