import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { isSynError } from '../../core/errors.ts';
import { createLogger, silentLogger } from '../../core/log.ts';
import { PROJECT_ROOT } from '../../core/paths.ts';
import { runProcess } from '../../core/process.ts';
import { callUnprivileged } from '../../core/testing/unprivileged.ts';
import type { PluginContext } from '../types.ts';
import { checkResticOptions, ResticOptions, resticArgs, resticEnv, resticPlugin } from './index.ts';

function context(over: Partial<PluginContext> = {}): PluginContext {
  return { jobId: 'restic-test', runId: 'run-1', signal: new AbortController().signal, log: silentLogger, exec: runProcess, clock: systemClock, ...over };
}

let dir: string;
let repo: string;
let pw: string;
let src: string;
const FILES = ['a.txt', 'b.txt', 'sub/c.txt', 'sub/d.txt', 'sub/deeper/e.txt', 'sub/deeper/f.txt'];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syn-restic-'));
  repo = path.join(dir, 'repo');
  pw = path.join(dir, 'password');
  src = path.join(dir, 'src');
  fs.writeFileSync(pw, 'correct horse battery staple\n', { mode: 0o600 });
  fs.mkdirSync(path.join(src, 'sub', 'deeper'), { recursive: true });
  for (const f of FILES) fs.writeFileSync(path.join(src, f), `content of ${f}\n`);
  const init = await runProcess('restic', ['init'], { env: { ...process.env, RESTIC_REPOSITORY: repo, RESTIC_PASSWORD_FILE: pw } });
  expect(init.exitCode).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const options = (extra: Partial<ResticOptions> = {}) => ResticOptions.parse({ repository: repo, passwordFile: pw, paths: [src], ...extra });

// One repository for the file: the runs build on each other in order (first, then incremental).
describe('restic plugin running the real restic', () => {
  it('backs up every file of a new tree as new', async () => {
    const out = await resticPlugin.run(options(), context());
    expect(out.status).toBe('ok');
    expect(out.exitCode).toBe(0);
    expect(out.files).toEqual({ examined: FILES.length, copied: FILES.length, skipped: 0, failed: 0, extra: 0 });
    expect(out.bytes.examined).toBe(FILES.reduce((n, f) => n + `content of ${f}\n`.length, 0));
  });

  it('reports the one changed file of a second run', async () => {
    fs.appendFileSync(path.join(src, 'sub/c.txt'), 'changed\n');
    const out = await resticPlugin.run(options(), context());
    expect(out.status).toBe('ok');
    expect(out.files).toMatchObject({ copied: 1, skipped: FILES.length - 1 });
  });

  it('warns when one of the paths does not exist (restic 0.14 skips it and exits 0)', async () => {
    const missing = path.join(dir, 'not-there');
    const out = await resticPlugin.run(options({ paths: [src, missing] }), context());
    expect(out.exitCode).toBe(0);
    expect(out.status).toBe('warning');
    expect(out.errors.map((e) => e.path)).toContain(missing);
  });

  it('fails when no path exists (restic exits 1)', async () => {
    const out = await resticPlugin.run(options({ paths: [path.join(dir, 'not-there')] }), context());
    expect(out.exitCode).toBe(1);
    expect(out.status).toBe('failed');
  });

  it('fails with restic\'s message for a wrong password', async () => {
    const wrong = path.join(dir, 'wrong');
    fs.writeFileSync(wrong, 'not the password\n');
    const out = await resticPlugin.run(options({ passwordFile: wrong }), context());
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toBe('restic exited with code 1: Fatal: wrong password or no key found');
  });

  it("fails with restic's own Fatal line when the password file does not exist", async () => {
    const gone = path.join(dir, 'no-such-password-file');
    const out = await resticPlugin.run(options({ passwordFile: gone }), context());
    expect(out.status).toBe('failed');
    expect(out.errors[0]!.message).toMatch(new RegExp(`^restic exited with code 1: .*Fatal: .*${gone}`));
  });

  it('takes the password from a named variable and never logs it', async () => {
    const lines: string[] = [];
    const log = createLogger({ destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    process.env.SYN_TEST_RESTIC_PW = 'correct horse battery staple';
    try {
      const out = await resticPlugin.run(options({ passwordFile: undefined, passwordEnv: 'SYN_TEST_RESTIC_PW' }), context({ log }));
      expect(out.status).toBe('ok');
    } finally {
      delete process.env.SYN_TEST_RESTIC_PW;
    }
    expect(lines.join('')).toContain('starting restic');
    expect(lines.join('')).not.toContain('battery');
  });

  it('throws PLUGIN_UNAVAILABLE when the restic binary is missing', async () => {
    const err = await resticPlugin.run(options({ binary: 'restic-not-installed-here' }), context()).catch((e: unknown) => e);
    expect(isSynError(err, 'PLUGIN_UNAVAILABLE')).toBe(true);
  });
});

describe('restic options and environment', () => {
  it('requires exactly one password source', () => {
    expect(ResticOptions.safeParse({ repository: 'r', paths: ['/'] }).success).toBe(false);
    expect(ResticOptions.safeParse({ repository: 'r', paths: ['/'], passwordFile: 'f', passwordEnv: 'E' }).success).toBe(false);
    expect(ResticOptions.safeParse({ repository: 'r', paths: ['/'], passwordFile: 'f', pasword: 'x' }).success).toBe(false);
  });

  it('replaces inherited restic variables with the job\'s own', () => {
    const env = resticEnv(options(), { PATH: '/bin', RESTIC_PASSWORD: 'stray', RESTIC_REPOSITORY: '/elsewhere' });
    expect(env).toEqual({ PATH: '/bin', RESTIC_REPOSITORY: repo, RESTIC_PASSWORD_FILE: pw });
  });

  it('refuses a password variable that is not set', () => {
    expect(() => resticEnv(options({ passwordFile: undefined, passwordEnv: 'SYN_UNSET_VAR' }), {})).toThrow(/SYN_UNSET_VAR/);
  });

  it('builds the backup command line with excludes and tags before the paths', () => {
    expect(resticArgs(options({ excludes: ['*.tmp'], tags: ['nightly'] }))).toEqual(['backup', '--json', '--exclude=*.tmp', '--tag=nightly', '--', src]);
  });
});

describe('restic check (agent check)', () => {
  it('finds nothing wrong with a readable password file and an initialised repository', () => {
    expect(checkResticOptions(options())).toEqual([]);
  });

  it('names passwordFile when the file is missing, empty or a folder', () => {
    const empty = path.join(dir, 'empty-password');
    fs.writeFileSync(empty, '\n');
    expect(checkResticOptions(options({ passwordFile: path.join(dir, 'nope') }))).toEqual([`passwordFile: ${dir}/nope does not exist (expected the file holding the repository password)`]);
    expect(checkResticOptions(options({ passwordFile: empty }))).toEqual([`passwordFile: ${empty} is empty (expected the repository password in it)`]);
    expect(checkResticOptions(options({ passwordFile: dir }))).toEqual([`passwordFile: ${dir} is a folder, expected the file holding the repository password`]);
  });

  // Run by an ordinary user (as root the call drops to nobody: root reads through any mode).
  it.runIf(process.platform !== 'win32')('names passwordFile when this user cannot read it', () => {
    fs.chmodSync(dir, 0o755);
    const locked = path.join(dir, 'locked-password');
    fs.writeFileSync(locked, 'x\n', { mode: 0o000 });
    const checked = callUnprivileged(path.join(PROJECT_ROOT, 'plugins/restic/index.ts'), 'checkResticOptions', [options({ passwordFile: locked, repository: 'sftp:backup@nas:/srv/restic' })]);
    expect(checked).toEqual({ returned: [`passwordFile: ${locked} cannot be read by this user (permission denied); the agent's user must be able to read it`] });
  });

  it('names a local repository that is missing or was never initialised, and leaves remote ones alone', () => {
    expect(checkResticOptions(options({ repository: path.join(dir, 'no-repo') }))).toEqual([`repository: ${dir}/no-repo does not exist or is not a folder (make the repository with "restic init")`]);
    expect(checkResticOptions(options({ repository: src }))).toEqual([`repository: ${src} is not a restic repository (no "config" file in it; make one with "restic init")`]);
    expect(checkResticOptions(options({ repository: 'sftp:backup@nas:/srv/restic' }))).toEqual([]);
  });
});
