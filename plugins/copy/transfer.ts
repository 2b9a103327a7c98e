import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HASH_ALGORITHM } from './hash.ts';

/** What one file copy did. `hash` is of the bytes read from the source and written out. */
export interface CopiedFile {
  bytes: number;
  hash: string;
}

/**
 * Copies one regular file atomically, hashing the bytes on the way: they go to a temporary file
 * in the destination folder, which is renamed over the target once complete, so a reader (or a
 * crash) never sees half a file under the real name. The source's mode is kept, and its mtime
 * when `preserveTimes` (taken from the open descriptor before reading: if the source changes
 * during the copy, its newer mtime makes the next run copy it again).
 *
 * Why not `fs.copyFile`: it copies in the kernel but then verification would need a third read
 * of the source to learn its hash; reading once through a 1 MiB buffer gives the hash of exactly
 * the bytes written (see bench/copy.ts for the figures).
 *
 * `signal` is checked before every chunk: one large file must not hold an aborted run for
 * minutes (the temporary file is removed and the target left as it was).
 */
export async function copyFileHashed(src: string, dst: string, buf: Buffer, preserveTimes: boolean, signal?: AbortSignal): Promise<CopiedFile> {
  const tmp = tempName(dst);
  const input = await fs.promises.open(src, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const st = await input.stat();
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    const output = await fs.promises.open(tmp, 'wx', st.mode & 0o7777);
    let done = false;
    try {
      const hash = crypto.createHash(HASH_ALGORITHM);
      let bytes = 0;
      for (;;) {
        signal?.throwIfAborted();
        const { bytesRead } = await input.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        const chunk = buf.subarray(0, bytesRead);
        hash.update(chunk);
        let written = 0;
        while (written < bytesRead) {
          const { bytesWritten } = await output.write(chunk, written, bytesRead - written, null);
          written += bytesWritten;
        }
        bytes += bytesRead;
      }
      await output.chmod(st.mode & 0o7777); // open's mode is masked by the umask
      if (preserveTimes) await output.utimes(st.atimeMs / 1000, st.mtimeMs / 1000); // Dates would round to the ms
      await output.close();
      await fs.promises.rename(tmp, dst);
      done = true;
      return { bytes, hash: hash.digest('hex') };
    } finally {
      if (!done) {
        await output.close().catch(() => undefined);
        await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      }
    }
  } finally {
    await input.close();
  }
}

/** copyFileHashed with synchronous calls, for small files (see SMALL_FILE_BYTES). */
export function copyFileHashedSync(src: string, dst: string, buf: Buffer, preserveTimes: boolean): CopiedFile {
  const tmp = tempName(dst);
  const input = fs.openSync(src, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const st = fs.fstatSync(input);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    const output = fs.openSync(tmp, 'wx', st.mode & 0o7777);
    let closed = false;
    let done = false;
    try {
      const hash = crypto.createHash(HASH_ALGORITHM);
      let bytes = 0;
      for (;;) {
        const n = fs.readSync(input, buf, 0, buf.length, null);
        if (n === 0) break;
        hash.update(buf.subarray(0, n));
        let written = 0;
        while (written < n) written += fs.writeSync(output, buf, written, n - written);
        bytes += n;
      }
      fs.fchmodSync(output, st.mode & 0o7777);
      if (preserveTimes) fs.futimesSync(output, st.atimeMs / 1000, st.mtimeMs / 1000);
      closed = true;
      fs.closeSync(output);
      fs.renameSync(tmp, dst);
      done = true;
      return { bytes, hash: hash.digest('hex') };
    } finally {
      if (!done) {
        if (!closed) fs.closeSync(output);
        fs.rmSync(tmp, { force: true });
      }
    }
  } finally {
    fs.closeSync(input);
  }
}

/** A name in the destination's folder that no source file has, for writing before the rename. */
function tempName(dst: string): string {
  return path.join(path.dirname(dst), `.${path.basename(dst)}.syn-${RUN_TAG}-${++tempCounter}.tmp`);
}
const RUN_TAG = `${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
let tempCounter = 0;

/** Recreates a symlink (not followed) atomically; false when the destination link already matched. */
export function copySymlinkSync(src: string, dst: string, preserveTimes: boolean): boolean {
  const target = fs.readlinkSync(src);
  let existing: string | null = null;
  try {
    existing = fs.readlinkSync(dst);
  } catch {
    // missing, or not a symlink: write it
  }
  if (existing === target) return false;
  const tmp = tempName(dst);
  fs.symlinkSync(target, tmp);
  try {
    if (preserveTimes) {
      const st = fs.lstatSync(src);
      fs.lutimesSync(tmp, st.atimeMs / 1000, st.mtimeMs / 1000);
    }
    fs.renameSync(tmp, dst);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return true;
}
