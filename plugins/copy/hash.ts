import crypto from 'node:crypto';
import fs from 'node:fs';

/** The verification algorithm, as named in the result's `verification.algorithm`. */
export const HASH_ALGORITHM = 'sha256';

/** Read size for copying and hashing: large reads keep syscalls and promise hops per byte low. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * SHA-256 of a file's bytes (hex). `buf` is a scratch buffer owned by the caller, so that a pool
 * of workers reuses one buffer each instead of allocating per file. Symlinks are followed here:
 * callers hash regular files only. `signal` is checked before every chunk, so that an abort
 * does not wait for the end of a large file.
 */
export async function hashFile(file: string, buf: Buffer = Buffer.allocUnsafe(CHUNK_BYTES), signal?: AbortSignal): Promise<string> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const hash = crypto.createHash(HASH_ALGORITHM);
    for (;;) {
      signal?.throwIfAborted();
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
