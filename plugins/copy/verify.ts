import path from 'node:path';
import type { Verification } from '../../core/result/schema.ts';
import { describeError } from '../../core/errors.ts';
import { CHUNK_BYTES, forEachLimited, hashFile, HASH_ALGORITHM } from './hash.ts';

/** A file to check: `expected` is the hash taken while copying; without it the source is hashed too. */
export interface VerifyItem {
  rel: string;
  expected?: string;
}

export interface VerifyEnv {
  source: string;
  destination: string;
  concurrency: number;
  signal: AbortSignal;
  onChecked: (checked: number) => void;
}

/** Most mismatched paths a result may list (the result format's limit). */
export const MAX_MISMATCHED_PATHS = 100;

/**
 * Re-reads files at the destination and compares their SHA-256 with the source's. A file that
 * cannot be read back counts as a mismatch: what is at the destination is not known to be what
 * was copied, and a backup that cannot be confirmed must not pass as verified.
 */
export async function verifyFiles(
  mode: Verification['mode'],
  items: readonly VerifyItem[],
  env: VerifyEnv,
): Promise<{ verification: Verification; errors: { path: string; message: string }[] }> {
  const verification: Verification = { mode, algorithm: HASH_ALGORITHM, checked: 0, mismatches: 0, mismatchedPaths: [] };
  const errors: { path: string; message: string }[] = [];
  const buffers = Array.from({ length: Math.min(env.concurrency, items.length) }, () => Buffer.allocUnsafe(CHUNK_BYTES));
  const mismatch = (rel: string): void => {
    verification.mismatches++;
    if (verification.mismatchedPaths.length < MAX_MISMATCHED_PATHS) verification.mismatchedPaths.push(rel);
  };
  await forEachLimited(
    items,
    env.concurrency,
    async (item, slot) => {
      const buf = buffers[slot]!;
      try {
        const expected = item.expected ?? (await hashFile(path.join(env.source, item.rel), buf));
        const actual = await hashFile(path.join(env.destination, item.rel), buf);
        if (actual !== expected) mismatch(item.rel);
      } catch (e) {
        mismatch(item.rel);
        errors.push({ path: item.rel, message: `cannot verify: ${describeError(e)}` });
      }
      env.onChecked(++verification.checked);
    },
    env.signal,
  );
  return { verification, errors };
}
