import crypto from 'node:crypto';
import fs from 'node:fs';

/** The verification algorithm, as named in the result's `verification.algorithm`. */
export const HASH_ALGORITHM = 'sha256';

/** Read size for copying and hashing: large reads keep syscalls and promise hops per byte low. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * SHA-256 of a file's bytes (hex). `buf` is a scratch buffer owned by the caller, so that a pool
 * of workers reuses one buffer each instead of allocating per file. Symlinks are followed here:
 * callers hash regular files only.
 */
export async function hashFile(file: string, buf: Buffer = Buffer.allocUnsafe(CHUNK_BYTES)): Promise<string> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const hash = crypto.createHash(HASH_ALGORITHM);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
    return hash.digest('hex');
  } finally {
    await fh.close();
  }
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight. A fixed set of loops pulls the
 * next index, which costs one promise per item instead of a queue of closures; each loop gets a
 * slot number so it can own a scratch buffer. `work` must not throw (it records its own errors);
 * the signal stops the loops between items.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, slot: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const loop = async (slot: number): Promise<void> => {
    while (next < items.length) {
      signal?.throwIfAborted();
      await work(items[next++]!, slot);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, (_, i) => loop(i)));
}
