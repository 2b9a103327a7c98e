import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { runProcess } from '../core/process.ts';
import { Counts, RunError, RunStatus, Verification } from '../core/result/schema.ts';
import { buildRegistry, plugins } from './index.ts';
import type { RobocopyOptions } from './robocopy/options.ts';
import { restoreRobocopy } from './robocopy/restore.ts';
import { runRobocopy } from './robocopy/run.ts';
import { installFakeRobocopy } from './testing/fake-robocopy.ts';
import type { BackupPlugin, PluginContext, PluginOutcome, RestoreOutcome, RestoreRequest } from './types.ts';

/**
 * The one test suite every plugin passes (like restic's shared backend tests). A new plugin adds
 * a row to CASES; the suite fails for a registered plugin without one. Every case runs, and
 * asserts, on every machine: a real failing backup, a real slow backup aborted part way.
 */
const tmp = mkdtempSync(join(tmpdir(), 'syn-contract-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const missing = join(tmp, 'does-not-exist');
const src = join(tmp, 'src');
mkdirSync(src);
writeFileSync(join(src, 'a.txt'), 'hello');
// Slow sources, so that the abort lands in the middle of a real run: random bytes (nothing for
// restic to deduplicate) for the tools held back by a rate limit, and for copy a sparse file
// of 2 GiB, which takes no disk to make but seconds to read, hash and write.
const big = join(tmp, 'big');
mkdirSync(big);
writeFileSync(join(big, 'random.bin'), randomBytes(8 * 1024 * 1024));
const sparse = join(tmp, 'sparse');
mkdirSync(sparse);
writeFileSync(join(sparse, 'zeros.bin'), '');
truncateSync(join(sparse, 'zeros.bin'), 2 * 1024 ** 3);
const pw = join(tmp, 'pw');
writeFileSync(pw, 'secret\n');
const resticRepo = join(tmp, 'restic-repo');
beforeAll(async () => {
  const env = { ...process.env, RESTIC_REPOSITORY: resticRepo, RESTIC_PASSWORD_FILE: pw };
  const init = await runProcess('restic', ['init'], { env });
  expect(init.exitCode, init.stderr.toString()).toBe(0);
  const backup = await runProcess('restic', ['backup', big], { env });
  expect(backup.exitCode, backup.stderr.toString()).toBe(0);
});

/*
 * robocopy exists only on Windows. Elsewhere its Windows path runs against a fake robocopy
 * executable (a real process, killed by the abort) that prints real robocopy logs: for the
 * missing source the Russian CP866 log of a file robocopy could not copy (access denied, retried,
 * exit 11 = 8 failed + 2 extras + 1 copied), for the big source the start of a run that then
 * hangs as a slow copy does.
 */
const onWindows = process.platform === 'win32';
const robocopyLog = (name: string) => fileURLToPath(new URL(`./robocopy/fixtures/${name}`, import.meta.url));
const fakeRobocopy = onWindows
  ? null
  : installFakeRobocopy(join(tmp, 'bin'), {
      [missing]: { log: robocopyLog('robocopy_08_ru_cp866_error5_retry_failed.log'), exitCode: 11 },
      [big]: { log: robocopyLog('robocopy_01_en_extra_success.txt'), exitCode: 3, stallBefore: '               Total    Copied', stallMs: 60_000 },
    });

interface Case {
  /** Options that parse. */
  valid: Record<string, unknown>;
  /** Options that parse but make the backup fail: run must resolve to `failed`, not throw. */
  failing: Record<string, unknown>;
  /** What the errors of the failing run say (the tool's own reason, not just "failed"). */
  failingSays: RegExp;
  /** Options for a run that takes long (tens of seconds at least), to test the abort. */
  slow: Record<string, unknown>;
  /** How this machine runs the plugin, when not through `plugin.run` (robocopy off Windows). */
  run?: (options: any, ctx: PluginContext) => Promise<PluginOutcome>;
  /** For plugins that can restore (issue 11). */
  restore?: {
    /** Options whose backup cannot be read (missing): restore must resolve to `failed`, not throw. */
    failing: Record<string, unknown>;
    /** Options whose backup (the 8 MiB `big` folder) restores slowly, to test the abort. */
    slow: Record<string, unknown>;
    /** How this machine restores, when not through `plugin.restore` (robocopy off Windows). */
    run?: (options: any, req: RestoreRequest, ctx: PluginContext) => Promise<RestoreOutcome>;
  };
}

const CASES: Record<string, Case> = {
  copy: {
    valid: { source: src, destination: join(tmp, 'copy-dst') },
    failing: { source: missing, destination: join(tmp, 'copy-dst2') },
    failingSays: /does-not-exist cannot be read: ENOENT/,
    slow: { source: sparse, destination: join(tmp, 'copy-slow') },
    // Restoring reads the backup: a missing destination, and the 2 GiB sparse file as a backup to restore.
    restore: { failing: { source: src, destination: missing }, slow: { source: src, destination: sparse } },
  },
  rsync: {
    valid: { source: `${src}/`, destination: join(tmp, 'rsync-dst') },
    failing: { source: `${missing}/`, destination: join(tmp, 'rsync-dst2') },
    failingSays: /does-not-exist" failed: No such file or directory/,
    slow: { source: `${big}/`, destination: join(tmp, 'rsync-slow'), extraArgs: ['--bwlimit=10'] },
    restore: { failing: { source: `${src}/`, destination: missing }, slow: { source: `${src}/`, destination: big, restoreArgs: ['--bwlimit=10'] } },
  },
  robocopy: {
    valid: { source: 'C:\\Data', destination: '\\\\nas\\backup' },
    failing: { source: missing, destination: join(tmp, 'robocopy-dst'), retries: 0 },
    // Windows: ERROR 2 accessing the source folder; the fake: the log's ERROR 5 (access denied).
    failingSays: onWindows ? /\(0x00000002\)/ : /\(0x00000005\).*Отказано в доступе/,
    // /IPG waits a second after each 64 KiB: 8 MiB take two minutes.
    slow: { source: big, destination: join(tmp, 'robocopy-slow'), extraArgs: ['/IPG:1000'] },
    ...(fakeRobocopy ? { run: (o: RobocopyOptions, c: PluginContext) => runRobocopy(o, { ...c, exec: fakeRobocopy.exec }, 'win32') } : {}),
    // A restore reads the destination: the fake answers `missing` with the failing log and hangs on `big`.
    restore: {
      failing: { source: src, destination: missing, retries: 0 },
      slow: { source: src, destination: big, extraArgs: ['/IPG:1000'] },
      ...(fakeRobocopy ? { run: (o: RobocopyOptions, r: RestoreRequest, c: PluginContext) => restoreRobocopy(o, r, { ...c, exec: fakeRobocopy.exec }, 'win32') } : {}),
    },
  },
  restic: {
    valid: { repository: join(tmp, 'repo'), passwordFile: pw, paths: [src] },
    failing: { repository: missing, passwordFile: pw, paths: [src] },
    failingSays: /Fatal: unable to open config file/,
    // 1 KiB/s to the repository: the 8 MiB of the big source take hours.
    slow: { repository: resticRepo, passwordFile: pw, paths: [big], extraArgs: ['--limit-upload=1'] },
    // A snapshot of `big` is made in beforeAll; 1 KiB/s from the repository makes its restore take hours.
    restore: {
      failing: { repository: missing, passwordFile: pw, paths: [src] },
      slow: { repository: resticRepo, passwordFile: pw, paths: [big], restoreArgs: ['--limit-download=1'] },
    },
  },
  command: {
    valid: { command: 'true' },
    failing: { command: 'false' },
    failingSays: /^exited with code 1$/,
    slow: { command: 'sleep', args: ['30'] },
  },
};

function ctx(signal = new AbortController().signal): PluginContext {
  return { jobId: 'contract', runId: '00000000-0000-4000-8000-000000000000', signal, log: silentLogger, exec: runProcess, clock: systemClock };
}

/** Runs the plugin as this machine can (see Case.run); any exception fails the test. */
function runCase(p: BackupPlugin<any>, c: Case, options: unknown, signal?: AbortSignal): Promise<PluginOutcome> {
  const parsed = p.configSchema.parse(options);
  return c.run ? c.run(parsed, ctx(signal)) : p.run(parsed, ctx(signal));
}

let restoreTargets = 0;
/** Restores as this machine can (see Case.restore.run) into a fresh folder; any exception fails the test. */
function restoreCase(p: BackupPlugin<any>, c: Case, options: unknown, signal?: AbortSignal): Promise<RestoreOutcome> {
  const parsed = p.configSchema.parse(options);
  const req: RestoreRequest = { to: join(tmp, `restore-${++restoreTargets}`), paths: [], at: null, manifest: null };
  return c.restore!.run ? c.restore!.run(parsed, req, ctx(signal)) : p.restore!(parsed, req, ctx(signal));
}

function expectValidRestore(o: RestoreOutcome): void {
  expect(RunStatus.safeParse(o.status).success).toBe(true);
  for (const n of [o.files.restored, o.files.failed, o.bytes.restored]) expect(Number.isInteger(n) && n >= 0).toBe(true);
  for (const e of o.errors) expect(RunError.safeParse(e).success).toBe(true);
  for (const w of o.written) expect(w.path).toMatch(/^[^/\\]/);
  expect(typeof o.logTail).toBe('string');
}

function expectValidOutcome(o: PluginOutcome): void {
  expect(RunStatus.safeParse(o.status).success).toBe(true);
  expect(Counts.safeParse(o.files).success).toBe(true);
  expect(Counts.safeParse(o.bytes).success).toBe(true);
  if (o.verification !== null) expect(Verification.safeParse(o.verification).success).toBe(true);
  for (const e of o.errors) expect(RunError.safeParse(e).success).toBe(true);
  expect(typeof o.logTail).toBe('string');
  expect(o.exitCode === null || Number.isInteger(o.exitCode)).toBe(true);
}

describe('plugin registry', () => {
  it('refuses two plugins with the same name', () => {
    const p = plugins.get('command')!;
    expect(() => buildRegistry([p, p])).toThrow(/two plugins are named "command"/);
  });
  it('has a contract case for every registered plugin', () => {
    expect(Object.keys(CASES).sort()).toEqual([...plugins.keys()].sort());
  });
});

for (const [name, plugin] of plugins) {
  const c = CASES[name]!;
  describe(`plugin contract: ${name}`, () => {
    it('has a name and a one-line description', () => {
      expect(plugin.name).toBe(name);
      expect(plugin.description.length).toBeGreaterThan(10);
      expect(plugin.description).not.toContain('\n');
    });

    it('accepts its valid options and rejects an unknown option key', () => {
      expect(plugin.configSchema.safeParse(c.valid).success).toBe(true);
      const bad = plugin.configSchema.safeParse({ ...c.valid, sourcee: 'typo' });
      expect(bad.success).toBe(false);
    });

    it('lists in pathOptions and envOptions only options of its own schema, and every string path of its options', () => {
      const props = (z.toJSONSchema(plugin.configSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, { description?: string }> }).properties;
      for (const key of [...Object.keys(plugin.pathOptions ?? {}), ...Object.keys(plugin.envOptions ?? {})]) expect(Object.keys(props), key).toContain(key);
      // An option described as a file or folder that is not in pathOptions would be read against the working folder.
      const pathLike = Object.entries(props).filter(([k, v]) => /^(source|destination|cwd|logFile|passwordFile|repository|paths)$/.test(k) || /^(file|folder) (to|that|holding|whose|of|where) /.test(v.description ?? ''));
      for (const [key] of pathLike) expect(Object.keys(plugin.pathOptions ?? {}), `${name}: ${key} looks like a path`).toContain(key);
    });

    if (plugin.statusFromLog) {
      it('says the status from a log alone only from evidence in it (statusFromLog)', () => {
        expect(plugin.parse, 'statusFromLog needs a parser').toBeDefined();
        expect(plugin.parse!(Buffer.from('some output\n'), null).status).toBe('failed');
      });
    }

    it('rejects an options block that is not an object', () => {
      expect(plugin.configSchema.safeParse('rsync -a /x /y').success).toBe(false);
    });

    it("reports a failing backup as a failed outcome with the tool's reason, not an exception", async () => {
      const r = await runCase(plugin, c, c.failing);
      expectValidOutcome(r);
      expect(r.status).toBe('failed');
      expect(r.errors.map((e) => e.message).join('\n')).toMatch(c.failingSays);
    });

    it('ends an aborted run promptly as failed, saying why it stopped', async () => {
      const ac = new AbortController();
      let abortedAt = 0;
      setTimeout(() => {
        abortedAt = Date.now();
        ac.abort(new Error('timed out after 1 min'));
      }, 300);
      const r = await runCase(plugin, c, c.slow, ac.signal);
      expect(abortedAt, 'the run ended before the abort: the slow case is not slow').toBeGreaterThan(0);
      expect(Date.now() - abortedAt).toBeLessThan(3000);
      expectValidOutcome(r);
      expect(r.status).toBe('failed');
      expect(r.errors[0]?.message).toMatch(/timed out after 1 min$/);
    });

    if (plugin.restore) {
      it('has a restore case (failing and slow options)', () => {
        expect(c.restore, `${name} can restore: add restore options to its contract case`).toBeDefined();
      });

      it('reports a restore from a backup that cannot be read as a failed outcome, not an exception', async () => {
        const r = await restoreCase(plugin, c, c.restore!.failing);
        expectValidRestore(r);
        expect(r.status).toBe('failed');
        expect(r.errors.length).toBeGreaterThan(0);
      });

      it('ends an aborted restore promptly as failed, saying why it stopped', async () => {
        const ac = new AbortController();
        let abortedAt = 0;
        setTimeout(() => {
          abortedAt = Date.now();
          ac.abort(new Error('timed out after 1 min'));
        }, 300);
        const r = await restoreCase(plugin, c, c.restore!.slow, ac.signal);
        expect(abortedAt, 'the restore ended before the abort: the slow case is not slow').toBeGreaterThan(0);
        expect(Date.now() - abortedAt).toBeLessThan(3000);
        expectValidRestore(r);
        expect(r.status).toBe('failed');
        expect(r.errors.map((e) => e.message).join('\n')).toMatch(/timed out after 1 min/);
      });
    }

    if (plugin.parse) {
      it('never says ok for an empty log', () => {
        const o = plugin.parse!(Buffer.alloc(0), null);
        expectValidOutcome(o);
        expect(o.status).not.toBe('ok');
      });
      it('says failed for an exit code it does not know', () => {
        expect(plugin.parse!(Buffer.from('some output\n'), 9999).status).toBe('failed');
      });
      it('is pure: the same log gives the same outcome', () => {
        const log = Buffer.from('line one\nline two\n');
        expect(plugin.parse!(log, 0)).toEqual(plugin.parse!(log, 0));
      });
    }
  });
}
