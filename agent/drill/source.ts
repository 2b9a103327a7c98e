import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunError } from '../../core/result/schema.ts';
import { CHUNK_BYTES, hashFile } from '../../plugins/copy/hash.ts';
import type { ManifestEntry } from '../../plugins/types.ts';

/** What comparing restored files with their source found. */
export interface SourceComparison {
  checked: number;
  mismatches: number;
  errors: RunError[];
  /** Paths whose restored content equals the unchanged source's. */
  proven: Set<string>;
}

/**
 * Compares restored files with the source for the sampled files that have not changed there
 * since the backup (same size, same mtime to the second): for those the restored bytes must
 * equal the source's. A difference means the backup or the source is damaged (the content
 * changed without its mtime), which is a failed drill either way. Changed or vanished source
 * files are simply not compared: they prove nothing.
 */
export async function compareWithSource(root: string, restoredRoot: string, entries: readonly ManifestEntry[], signal?: AbortSignal): Promise<SourceComparison> {
  const out: SourceComparison = { checked: 0, mismatches: 0, errors: [], proven: new Set() };
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  for (const e of entries) {
    const source = join(root, ...e.path.split('/'));
    let st;
    try {
      st = statSync(source);
    } catch {
      continue;
    }
    if (!st.isFile() || st.size !== e.size || Math.floor(st.mtimeMs / 1000) !== Math.floor(e.mtimeMs / 1000)) continue;
    let a: string;
    let b: string;
    try {
      a = await hashFile(source, buf, signal);
      b = await hashFile(join(restoredRoot, ...e.path.split('/')), buf, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      continue; // the restored file's own check reports an unreadable file
    }
    out.checked++;
    if (a === b) out.proven.add(e.path);
    else {
      out.mismatches++;
      out.errors.push({ path: e.path, message: 'restored content differs from the source, although the source has the size and mtime it had at the backup (the backup or the source is damaged)', code: 'HASH_MISMATCH' });
    }
  }
  return out;
}
