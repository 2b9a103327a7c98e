import path from 'node:path';
import type { Verification } from '../../core/result/schema.ts';
import { describeError } from '../../core/errors.ts';
import { CHUNK_BYTES, hashFile, hashFileSync, HASH_ALGORITHM } from './hash.ts';
import { forEachBySize } from './work.ts';

/** A file to check: `expected` is the hash taken while copying; without it the source is hashed too. */
export interface VerifyItem {
  rel: string;
  /** Size found by the walk: picks the synchronous or the pooled way of reading. */
  size: number;
  expected?: string;
}

export interface VerifyEnv {
  source: string;
  destination: string;
  concurrency: number;
  signal: AbortSignal;
  onChecked: (checked: number) => void;
  /** Each file's verified hash (issue 11: the manifest's sha256), or null when it did not verify. */
  onVerified?: (rel: string, sha256: string | null) => void;
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
  const buffers = Array.from({ length: Math.min(env.concurrency, items.length) + 1 }, () => Buffer.allocUnsafe(CHUNK_BYTES));
  const mismatch = (rel: string): void => {
    verification.mismatches++;
    if (verification.mismatchedPaths.length < MAX_MISMATCHED_PATHS) verification.mismatchedPaths.push(rel);
  };
  const check = (item: VerifyItem, expected: string | undefined, actual: string | undefined, e?: unknown): void => {
    if (e !== undefined) {
      mismatch(item.rel);
      errors.push({ path: item.rel, message: `cannot verify: ${describeError(e)}` });
    } else if (actual !== expected) mismatch(item.rel);
    env.onVerified?.(item.rel, e === undefined && actual === expected ? (actual ?? null) : null);
    env.onChecked(++verification.checked);
  };
  const src = (rel: string): string => path.join(env.source, rel);
  const dst = (rel: string): string => path.join(env.destination, rel);
  const small = buffers[0] ?? Buffer.allocUnsafe(0);
  await forEachBySize(
    items,
    env.concurrency,
    (item) => {
      try {
        const expected = item.expected ?? hashFileSync(src(item.rel), small);
        check(item, expected, hashFileSync(dst(item.rel), small));
      } catch (e) {
        check(item, undefined, undefined, e);
      }
    },
    async (item, slot) => {
      const buf = buffers[slot + 1]!;
      try {
        const expected = item.expected ?? (await hashFile(src(item.rel), buf, env.signal));
        check(item, expected, await hashFile(dst(item.rel), buf, env.signal));
      } catch (e) {
        if (env.signal.aborted) throw e; // stopped, not a mismatch
        check(item, undefined, undefined, e);
      }
    },
    env.signal,
  );
  return { verification, errors };
}
