import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { systemClock } from '../core/clock.ts';
import { isSynError } from '../core/errors.ts';
import { silentLogger } from '../core/log.ts';
import { runProcess } from '../core/process.ts';
import { Counts, RunError, RunStatus, Verification } from '../core/result/schema.ts';
import { buildRegistry, plugins } from './index.ts';
import type { BackupPlugin, PluginContext, PluginOutcome } from './types.ts';

/**
 * The one test suite every plugin passes (like restic's shared backend tests). A new plugin adds
 * a row to CASES; the suite fails for a registered plugin without one.
 */
const tmp = mkdtempSync(join(tmpdir(), 'syn-contract-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const missing = join(tmp, 'does-not-exist');
const src = join(tmp, 'src');
mkdirSync(src);
writeFileSync(join(src, 'a.txt'), 'hello');

interface Case {
  /** Options that parse. */
  valid: Record<string, unknown>;
  /** Options that parse but make the backup fail (run must resolve to `failed` or throw a plugin SynError). */
  failing: Record<string, unknown>;
  /** Options for a run that takes long, to test the abort; omitted when the plugin cannot run here. */
  slow?: Record<string, unknown>;
}

const CASES: Record<string, Case> = {
  copy: {
    valid: { source: src, destination: join(tmp, 'copy-dst') },
    failing: { source: missing, destination: join(tmp, 'copy-dst2') },
  },
  rsync: {
    valid: { source: `${src}/`, destination: join(tmp, 'rsync-dst') },
    failing: { source: `${missing}/`, destination: join(tmp, 'rsync-dst2') },
  },
  robocopy: {
    valid: { source: 'C:\\Data', destination: '\\\\nas\\backup' },
    failing: { source: 'C:\\Data', destination: '\\\\nas\\backup' },
  },
  restic: {
    valid: { repository: join(tmp, 'repo'), passwordFile: join(tmp, 'pw'), paths: [src] },
    failing: { repository: missing, passwordFile: join(tmp, 'pw'), paths: [src] },
  },
  command: {
    valid: { command: 'true' },
    failing: { command: 'false' },
    slow: { command: 'sleep', args: ['30'] },
  },
};
writeFileSync(join(tmp, 'pw'), 'secret\n');

function ctx(signal = new AbortController().signal): PluginContext {
  return { jobId: 'contract', runId: '00000000-0000-4000-8000-000000000000', signal, log: silentLogger, exec: runProcess, clock: systemClock };
}

/** Resolves to the outcome, or to the SynError a plugin may throw (misconfigured / unavailable). */
async function runOrPluginError(p: BackupPlugin<any>, options: unknown, signal?: AbortSignal): Promise<PluginOutcome | 'plugin-error'> {
  try {
    return await p.run(p.configSchema.parse(options), ctx(signal));
  } catch (e) {
    if (isSynError(e, 'PLUGIN_MISCONFIGURED') || isSynError(e, 'PLUGIN_UNAVAILABLE')) return 'plugin-error';
    throw e;
  }
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

    it('reports a failing backup as a failed outcome, not an exception', async () => {
      const r = await runOrPluginError(plugin, c.failing);
      if (r === 'plugin-error') return; // allowed by the contract (e.g. robocopy off Windows)
      expectValidOutcome(r);
      expect(r.status).toBe('failed');
      expect(r.errors.length).toBeGreaterThan(0);
    });

    if (c.slow) {
      it('ends an aborted run promptly as failed', async () => {
        const ac = new AbortController();
        const t0 = Date.now();
        setTimeout(() => ac.abort(new Error('timed out after 1 min')), 200);
        const r = await runOrPluginError(plugin, c.slow!, ac.signal);
        expect(r).not.toBe('plugin-error');
        expect(Date.now() - t0).toBeLessThan(5000);
        expect((r as PluginOutcome).status).toBe('failed');
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
