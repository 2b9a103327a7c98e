import { walkManifest } from '../manifest.ts';
import type { ManifestEntry, PluginContext, PluginOutcome } from '../types.ts';
import { isLocalRsyncPath, type RsyncOptions } from './index.ts';
import { rsyncBackupRoot } from './restore.ts';

/**
 * Issue 11: the outcome with the manifest of what the destination holds after the run: a walk
 * of the backup's root when it is local, else rsync's own listing of it (`--list-only`, one
 * more connection, file names and sizes only, times to the second). No manifest for a dry run
 * or a killed rsync; a listing that fails is an error in the outcome, not a silent absence.
 */
export async function withRsyncManifest(o: RsyncOptions, outcome: PluginOutcome, ctx: PluginContext, dryRun: boolean): Promise<PluginOutcome> {
  if (dryRun || outcome.exitCode === null || ctx.signal.aborted) return outcome;
  const root = rsyncBackupRoot(o);
  try {
    const manifest = isLocalRsyncPath(o.destination) ? await walkManifest(root, { signal: ctx.signal }) : await listRemote(o, root, ctx);
    return { ...outcome, manifest };
  } catch (e) {
    return { ...outcome, errors: [...outcome.errors, { message: `cannot list the destination for the file manifest: ${(e as Error).message}`.slice(0, 2000) }] };
  }
}

/** `rsync -r --list-only ROOT/` with TZ=UTC, so that the times it prints are UTC. */
export async function listRemote(o: Pick<RsyncOptions, 'binary' | 'rsh'>, root: string, ctx: Pick<PluginContext, 'exec' | 'signal'>): Promise<ManifestEntry[]> {
  const args = ['-r', '--list-only', '--no-human-readable', ...(o.rsh ? ['-e', o.rsh] : []), '--', root];
  const r = await ctx.exec(o.binary, args, { signal: ctx.signal, env: { ...process.env, TZ: 'UTC' } });
  if (r.exitCode !== 0) throw new Error(`rsync --list-only exited ${r.exitCode ?? `on signal ${r.signal}`}: ${r.stderr.toString('utf8').trim().slice(-500)}`);
  return parseListOnly(r.stdout.toString('utf8'));
}

const LINE = /^-\S{9}\s+(\d+)\s+(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) (.+)$/;

/** The regular files of rsync's `--list-only --no-human-readable` output (times read as UTC), sorted by path. */
export function parseListOnly(text: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, size, y, mo, d, h, mi, s, name] = m as unknown as string[];
    out.push({ path: unescapeName(name!), size: Number(size), mtimeMs: Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!), sha256: null });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** rsync writes bytes it will not print as `\#ooo` (octal). */
function unescapeName(name: string): string {
  if (!name.includes('\\#')) return name;
  const bytes: number[] = [];
  const raw = Buffer.from(name, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x5c && raw[i + 1] === 0x23 && /^[0-7]{3}$/.test(raw.subarray(i + 2, i + 5).toString('latin1'))) {
      bytes.push(parseInt(raw.subarray(i + 2, i + 5).toString('latin1'), 8));
      i += 4;
    } else bytes.push(raw[i]!);
  }
  return Buffer.from(bytes).toString('utf8');
}
