import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describeError } from '../../core/errors.ts';
import type { RunError, Verification } from '../../core/result/schema.ts';
import { RESTORE_HASH_MISMATCH, type ManifestEntry, type RestoreOutcome } from '../../plugins/types.ts';

const MAX_PATHS = 100;

/** What the agent's own check of a restore found. */
export interface RestoreCheck {
  verification: Verification;
  /** Files compared by size only: the manifest had no hash for them. */
  sizeOnly: number;
  errors: RunError[];
  notes: string[];
}

const SMALL = 256 * 1024;

/** SHA-256 of a file; small ones read synchronously (a promise per read costs more than the read). */
async function sha256(file: string, buf: Buffer, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  if (fs.statSync(file).size <= SMALL) {
    const fd = fs.openSync(file, 'r');
    try {
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
    return h.digest('hex');
  }
  const fh = await fs.promises.open(file, 'r');
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/**
 * Re-reads every file the plugin says it wrote under `to` and compares it with the backup-time
 * facts: the manifest's SHA-256, or its size where the manifest has no hash (said so). Without a
 * manifest there are no backup-time facts: the files are compared with what the plugin read from
 * the backup, and a note says so. Files the plugin found only damaged (RESTORE_HASH_MISMATCH) count
 * as mismatches too. A file that cannot be read back is a mismatch, never a pass.
 */
export async function checkRestored(
  to: string,
  outcome: RestoreOutcome,
  manifest: readonly ManifestEntry[] | null,
  signal?: AbortSignal,
  onChecked?: (checked: number, total: number) => void,
): Promise<RestoreCheck> {
  const v: Verification = { mode: 'all', algorithm: 'sha256', checked: 0, mismatches: 0, mismatchedPaths: [] };
  const errors: RunError[] = [];
  const notes: string[] = [];
  const byPath = manifest ? new Map(manifest.map((e) => [e.path, e])) : null;
  let sizeOnly = 0;
  const buf = Buffer.allocUnsafe(1024 * 1024);
  const mismatch = (p: string, message: string) => {
    v.mismatches++;
    if (v.mismatchedPaths.length < MAX_PATHS) v.mismatchedPaths.push(p);
    errors.push({ path: p, message, code: RESTORE_HASH_MISMATCH });
  };
  for (const w of outcome.written) {
    const expected = byPath ? byPath.get(w.path) : w;
    v.checked++;
    onChecked?.(v.checked, outcome.written.length);
    if (!expected) {
      mismatch(w.path, 'restored, but the backup-time manifest does not list this file');
      continue;
    }
    const file = path.join(to, w.path);
    try {
      if (expected.sha256 === null) {
        sizeOnly++;
        const size = fs.statSync(file).size;
        if (size !== expected.size) mismatch(w.path, `restored ${size} bytes, the backup held ${expected.size}`);
        continue;
      }
      const actual = await sha256(file, buf, signal);
      // A long run of small files gives the event loop a turn now and then (signals, progress).
      if (v.checked % 256 === 0) await new Promise((r) => setImmediate(r));
      if (actual !== expected.sha256) mismatch(w.path, `restored content differs from the backup's (sha256 ${actual.slice(0, 12)}... instead of ${expected.sha256.slice(0, 12)}...)`);
    } catch (e) {
      if (signal?.aborted) throw e;
      mismatch(w.path, `cannot read back the restored file: ${describeError(e)}`);
    }
  }
  for (const e of outcome.errors) {
    if (e.code !== RESTORE_HASH_MISMATCH || !e.path) continue;
    v.mismatches++;
    if (v.mismatchedPaths.length < MAX_PATHS) v.mismatchedPaths.push(e.path);
  }
  if (!byPath) notes.push('no backup-time hashes (no manifest of this backup on this machine): restored files were compared with the backup as it is now');
  if (sizeOnly > 0) notes.push(`${sizeOnly} file${sizeOnly === 1 ? '' : 's'} compared by size only: the backup recorded no hash for them`);
  return { verification: v, sizeOnly, errors, notes };
}
