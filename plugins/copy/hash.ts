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

/** hashFile without the event loop: for small files, where a promise per read costs more than the read. */
export function hashFileSync(file: string, buf: Buffer): string {
  const fd = fs.openSync(file, 'r');
  try {
    const hash = crypto.createHash(HASH_ALGORITHM);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
    return hash.digest('hex');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Files up to this size are copied and hashed with synchronous calls on the main thread, larger
 * ones through the libuv pool. A small file costs about ten filesystem calls; as promises each
 * call is a hop to a pool thread and back, which dominated the time of a run (bench/copy.ts). The
 * large files keep going on pool threads while the main thread works through the small ones.
 */
export const SMALL_FILE_BYTES = 256 * 1024;

/** Longest stretch of synchronous work before yielding, so timers and aborts are still served. */
const SLICE_MS = 10;

/**
 * Runs synchronous `work` over `items`, yielding to the event loop every SLICE_MS; the signal is
 * checked before every item (a property read), so an abort stops the run at the next file.
 */
export async function forEachSliced<T>(items: readonly T[], work: (item: T) => void, signal?: AbortSignal): Promise<void> {
  let sliceStart = performance.now();
  for (let i = 0; i < items.length; i++) {
    signal?.throwIfAborted();
    work(items[i]!);
    if (performance.now() - sliceStart >= SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      sliceStart = performance.now();
    }
  }
}

/**
 * Runs synchronous `small` work over the items up to SMALL_FILE_BYTES and asynchronous `large`
 * work over the rest (at most `concurrency` at a time) side by side; rejects when aborted, once
 * both have stopped.
 */
export async function forEachBySize<T extends { size: number }>(
  items: readonly T[],
  concurrency: number,
  small: (item: T) => void,
  large: (item: T, slot: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const big = items.filter((i) => i.size > SMALL_FILE_BYTES);
  const results = await Promise.allSettled([
    forEachLimited(big, concurrency, large, signal),
    forEachSliced(big.length === 0 ? items : items.filter((i) => i.size <= SMALL_FILE_BYTES), small, signal),
  ]);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
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
