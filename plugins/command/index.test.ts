import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { isSynError } from '../../core/errors.ts';
import { silentLogger } from '../../core/log.ts';
import { runProcess } from '../../core/process.ts';
import type { PluginContext } from '../types.ts';
import { CommandOptions, checkCommandOptions, commandLine, commandPlugin } from './index.ts';

function context(signal = new AbortController().signal): PluginContext {
  return { jobId: 'command-test', runId: 'run-1', signal, log: silentLogger, exec: runProcess, clock: systemClock };
}
const opts = (o: Record<string, unknown>) => CommandOptions.parse(o);

describe('command plugin running real commands', () => {
  it('reports ok for exit code 0 and keeps the output', async () => {
    const out = await commandPlugin.run(opts({ command: 'sh', args: ['-c', 'echo copied everything'] }), context());
    expect(out).toMatchObject({ status: 'ok', exitCode: 0, errors: [], logTail: 'copied everything' });
    expect(out.files).toEqual({ examined: 0, copied: 0, skipped: 0, failed: 0, extra: 0 });
  });

  it('reports warning for an exit code mapped to warning', async () => {
    const out = await commandPlugin.run(opts({ command: 'sh', args: ['-c', 'echo hi; exit 3'], statusByExitCode: { '0': 'ok', '3': 'warning' } }), context());
    expect(out.status).toBe('warning');
    expect(out.exitCode).toBe(3);
    expect(out.errors).toEqual([{ message: 'exited with code 3: hi', code: '3' }]);
    expect(out.logTail).toBe('hi');
  });

  it('reports failed for an exit code the map does not list', async () => {
    const out = await commandPlugin.run(opts({ command: 'sh', args: ['-c', 'echo oops >&2; exit 7'], statusByExitCode: { '0': 'ok', '3': 'warning' } }), context());
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toBe('exited with code 7: oops');
    expect(out.logTail).toBe('oops');
  });

  it('names the last error line of stderr with the exit code of a failed run, whatever stdout said last', async () => {
    const script = 'echo "dumping patients"; echo "pg_dump: error: connection to server at db1 failed: Connection refused" >&2; echo "pg_dump: hint: is the server running?" >&2; echo "cleanup done"; exit 1';
    const out = await commandPlugin.run(opts({ command: script, shell: true }), context());
    expect(out.status).toBe('failed');
    expect(out.errors).toEqual([{ message: 'exited with code 1: pg_dump: error: connection to server at db1 failed: Connection refused', code: '1' }]);
  });

  it('names the last line of stdout when a failed run wrote nothing to stderr', async () => {
    const out = await commandPlugin.run(opts({ command: 'echo step 1; echo "   disk full at step 2  "; exit 4', shell: true }), context());
    expect(out.errors[0]!.message).toBe('exited with code 4: disk full at step 2');
  });

  it('says only the exit code when a failed run printed nothing', async () => {
    const out = await commandPlugin.run(opts({ command: 'exit 1', shell: true }), context());
    expect(out.errors[0]!.message).toBe('exited with code 1');
  });

  it('runs a command line through the shell, args as positional parameters', async () => {
    const out = await commandPlugin.run(opts({ command: 'echo "$1-$2"; exit 0', args: ['a', 'b'], shell: true }), context());
    expect(out).toMatchObject({ status: 'ok', logTail: 'a-b' });
  });

  it('runs in the given working directory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syn-command-'));
    try {
      const out = await commandPlugin.run(opts({ command: 'pwd', cwd: dir }), context());
      expect(out.logTail).toBe(fs.realpathSync(dir));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps only the configured number of output lines', async () => {
    const out = await commandPlugin.run(opts({ command: 'seq 1 100', shell: true, tailLines: 3 }), context());
    expect(out.logTail).toBe('98\n99\n100');
  });

  it('reports failed when the command is killed by a signal', async () => {
    const out = await commandPlugin.run(opts({ command: 'kill -9 $$', shell: true }), context());
    expect(out.status).toBe('failed');
    expect(out.exitCode).toBeNull();
    expect(out.errors[0]!.message).toBe('killed by signal SIGKILL');
  });

  it('throws PLUGIN_UNAVAILABLE when the program does not exist', async () => {
    const err = await commandPlugin.run(opts({ command: 'no-such-program-here' }), context()).catch((e: unknown) => e);
    expect(isSynError(err, 'PLUGIN_UNAVAILABLE')).toBe(true);
  });

  it('kills a long command promptly when the timeout aborts and reports it timed out', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('timed out after 0.2 s')), 200);
    const started = Date.now();
    const out = await commandPlugin.run(opts({ command: 'sleep', args: ['30'] }), context(ac.signal));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toMatch(/^timed out/);
  });

  it('reports cancelled when the run is stopped for another reason', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const out = await commandPlugin.run(opts({ command: 'sleep', args: ['30'] }), context(ac.signal));
    expect(out.errors[0]!.message).toBe('cancelled');
  });
});

describe('command options and parse', () => {
  it('rejects unknown keys, non-numeric exit codes and unknown statuses', () => {
    expect(CommandOptions.safeParse({ command: 'x', shel: true }).success).toBe(false);
    expect(CommandOptions.safeParse({ command: 'x', statusByExitCode: { zero: 'ok' } }).success).toBe(false);
    expect(CommandOptions.safeParse({ command: 'x', statusByExitCode: { '0': 'fine' } }).success).toBe(false);
  });

  it('wraps the shell around a command line on POSIX and Windows', () => {
    expect(commandLine(opts({ command: 'backup.sh --all', shell: true }), 'linux')).toEqual(['/bin/sh', ['-c', 'backup.sh --all', 'synecdoche']]);
    expect(commandLine(opts({ command: 'backup.cmd', args: ['/all'], shell: true }), 'win32')).toEqual(['cmd.exe', ['/d', '/s', '/c', 'backup.cmd /all']]);
    expect(commandLine(opts({ command: 'backup', args: ['--all'] }), 'linux')).toEqual(['backup', ['--all']]);
  });

  it('parses a saved log with its exit code through the map', () => {
    expect(commandPlugin.parse(Buffer.from('done\n'), 0).status).toBe('ok');
    expect(commandPlugin.parse(Buffer.from('done\n'), 2, { statusByExitCode: { '2': 'warning' } }).status).toBe('warning');
    expect(commandPlugin.parse(Buffer.from('done\n'), 1).status).toBe('failed');
    expect(commandPlugin.parse(Buffer.from('done\n'), null).status).toBe('failed');
  });

  it('names the error line of a saved log, on one line and at most 300 characters', () => {
    const log = `starting\ntar: /srv/data: Cannot open: Permission denied\ntar: Exiting with failure status due to previous errors\n1 file archived\n`;
    expect(commandPlugin.parse(Buffer.from(log), 2).errors[0]!.message).toBe('exited with code 2: tar: Exiting with failure status due to previous errors');
    expect(commandPlugin.parse(Buffer.from('ok\n'), 0).errors).toEqual([]);
    const long = commandPlugin.parse(Buffer.from(`error: ${'x'.repeat(1000)}\r\n`), null).errors[0]!.message;
    expect(long.startsWith('the command left no exit code: error: xxx')).toBe(true);
    expect(long.length).toBeLessThanOrEqual(340);
    expect(long).not.toMatch(/[\r\n]/);
  });
});

describe('command check (agent check)', () => {
  it('passes a program on PATH and leaves shell command lines to the shell', () => {
    expect(checkCommandOptions(opts({ command: 'sh' }))).toEqual([]);
    expect(checkCommandOptions(opts({ command: 'no-such-program-here; true', shell: true }))).toEqual([]);
  });

  it('names a program that is not on PATH', () => {
    expect(checkCommandOptions(opts({ command: 'no-such-program-here' }))).toEqual([expect.stringMatching(/^command: no-such-program-here is not installed or not on PATH/)]);
  });

  it('finds a relative program path in the working directory and names a missing working directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syn-command-'));
    try {
      fs.writeFileSync(path.join(dir, 'backup.sh'), '#!/bin/sh\n', { mode: 0o755 });
      expect(checkCommandOptions(opts({ command: './backup.sh', cwd: dir }))).toEqual([]);
      expect(checkCommandOptions(opts({ command: './other.sh', cwd: dir }))).toEqual([`command: ${dir}/other.sh does not exist`]);
      expect(checkCommandOptions(opts({ command: 'sh', cwd: path.join(dir, 'gone') }))).toEqual([`cwd: ${dir}/gone does not exist`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
