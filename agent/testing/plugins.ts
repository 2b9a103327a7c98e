import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { SynError } from '../../core/errors.ts';
import { zeroCounts, type BackupPlugin } from '../../plugins/types.ts';
import type { PluginLookup } from '../config.ts';

const FakeOptions = z
  .object({
    status: z.enum(['ok', 'warning', 'failed']).default('ok'),
    copied: z.number().int().nonnegative().default(0),
    sleepMs: z.number().int().nonnegative().default(0),
    /** Ignore the abort signal (a misbehaving plugin). */
    ignoreAbort: z.boolean().default(false),
    throws: z.enum(['misconfigured', 'unavailable', 'bug']).optional(),
    source: z.string().optional(),
  })
  .strict();

/**
 * A test-only plugin passed in through the PluginLookup seam: it sleeps, succeeds, fails or
 * throws on demand, and stops when its signal aborts (unless told not to).
 */
export const fakePlugin = {
  name: 'fake',
  description: 'test double',
  configSchema: FakeOptions,
  async run(o, ctx) {
    if (o.throws === 'misconfigured') throw new SynError('PLUGIN_MISCONFIGURED', 'fake: source folder does not exist');
    if (o.throws === 'unavailable') throw new SynError('PLUGIN_UNAVAILABLE', 'fake: tool not installed');
    if (o.throws === 'bug') throw new TypeError('cannot read properties of undefined');
    if (o.sleepMs) await sleep(o.sleepMs, undefined, o.ignoreAbort ? {} : { signal: ctx.signal }).catch(() => undefined);
    return {
      status: o.status,
      exitCode: null,
      files: { ...zeroCounts(), examined: o.copied, copied: o.copied },
      bytes: { ...zeroCounts(), examined: o.copied * 10, copied: o.copied * 10 },
      verification: null,
      errors: [],
      logTail: `fake copied ${o.copied}`,
    };
  },
} satisfies BackupPlugin<z.infer<typeof FakeOptions>>;

/** A lookup that knows only the fake plugin (and any extra ones given). */
export function fakeLookup(...extra: BackupPlugin<any>[]): PluginLookup {
  const all = [fakePlugin as BackupPlugin<any>, ...extra];
  return (name) => {
    const p = all.find((x) => x.name === name);
    if (!p) throw new SynError('NOT_FOUND', `unknown plugin "${name}" (known: ${all.map((x) => x.name).join(', ')})`);
    return p;
  };
}
