import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManifestEntry } from './types.ts';

export interface WalkManifestOptions {
  /** Names in the root folder itself to leave out (the copy plugin's `.synecdoche-versions`). */
  rootSkip?: readonly string[];
  /** Hashes known from this run (copied and verified files), by relative path. */
  hashes?: ReadonlyMap<string, string>;
  signal?: AbortSignal;
}

/**
 * The manifest of a local backup folder (issue 11): every regular file under `root`, path
 * relative to it with "/" separators, sorted by path. Symlinks, devices and folders are not
 * entries. A sub-folder that cannot be listed throws: a manifest with holes in it would tell
 * the catalogue that files are gone which are not.
 */
export async function walkManifest(root: string, opts: WalkManifestOptions = {}): Promise<ManifestEntry[]> {
  const skip = new Set(opts.rootSkip ?? []);
  const out: ManifestEntry[] = [];
  const stack: string[] = [''];
  while (stack.length > 0) {
    opts.signal?.throwIfAborted();
    const rel = stack.pop()!;
    const dirents = await readdir(rel === '' ? root : join(root, rel), { withFileTypes: true });
    for (const d of dirents) {
      if (rel === '' && skip.has(d.name)) continue;
      const child = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) stack.push(child);
      else if (d.isFile()) {
        const st = await lstat(join(root, child));
        out.push({ path: child, size: st.size, mtimeMs: st.mtimeMs, sha256: opts.hashes?.get(child) ?? null });
      }
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
