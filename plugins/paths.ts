import { isAbsolute, posix, resolve, sep, win32 } from 'node:path';
import type { BackupPlugin, PathOption } from './types.ts';

/**
 * `p` made absolute against `base` (the agent config's folder) when it is a relative local
 * path. Left alone: absolute paths of either system (so a Windows job's `D:\Data` or
 * `\\nas\share` stays as it is when the config is checked on Linux) and drive-relative ones
 * (`D:data`, whose meaning depends on that drive's own current folder). A trailing separator is
 * kept: for rsync, `src/` and `src` mean different things.
 */
export function resolveLocalPath(p: string, base: string): string {
  if (isAbsolute(p) || posix.isAbsolute(p) || win32.isAbsolute(p) || /^[A-Za-z]:/.test(p)) return p;
  const trailing = /[\\/]$/.test(p) && !/[\\/]$/.test(resolve(base, p)) ? sep : '';
  return resolve(base, p) + trailing;
}

/** A job's options with the plugin's `pathOptions` resolved against `base`; other options untouched. */
export function resolvePathOptions<O>(plugin: BackupPlugin<O>, options: O, base: string): O {
  const spec = plugin.pathOptions;
  if (!spec || options === null || typeof options !== 'object') return options;
  const out: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const [key, kind] of Object.entries(spec) as [string, PathOption | undefined][]) {
    if (kind === undefined) continue;
    const one = (v: unknown) => (typeof v === 'string' && (kind === 'path' || kind(v)) ? resolveLocalPath(v, base) : v);
    const value = out[key];
    if (Array.isArray(value)) out[key] = value.map(one);
    else if (value !== undefined) out[key] = one(value);
  }
  return out as O;
}
