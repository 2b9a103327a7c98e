import { randomUUID } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { SynError } from '../../core/errors.ts';

interface LockInfo {
  pid: number;
  host: string;
  at: number;
  token: string;
}

export interface LockOptions {
  /** Give up after this long (ms). */
  timeoutMs?: number;
  /** A lock older than this is stale even if its holder looks alive (a hung or foreign host). */
  staleMs?: number;
}

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL), so that two collectors
 * appending to one archive cannot interleave. A lock left by a dead process on this host, or
 * older than `staleMs`, is broken; the lock is released in any case when `fn` ends.
 */
export async function withLockFile<T>(lockPath: string, fn: () => T | Promise<T>, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const staleMs = opts.staleMs ?? 60_000;
  const mine: LockInfo = { pid: process.pid, host: hostname(), at: Date.now(), token: randomUUID() };
  const deadline = Date.now() + timeoutMs;
  let holder: LockInfo | null = null;
  for (let attempt = 0; ; attempt++) {
    mine.at = Date.now();
    if (tryCreate(lockPath, mine)) break;
    holder = readLock(lockPath);
    if (holder && isStale(holder, staleMs)) breakStale(lockPath, holder);
    if (Date.now() > deadline) {
      const who = holder ? `process ${holder.pid} on ${holder.host} since ${new Date(holder.at).toISOString()}` : 'another process';
      throw new SynError('REPORT_FAILED', `the archive lock ${lockPath} is held by ${who}; if no collector is running, remove the file`, { permanent: false });
    }
    await sleep(5 + Math.random() * Math.min(50, 5 * (attempt + 1)));
  }
  try {
    return await fn();
  } finally {
    // Release only our own lock: if it was broken as stale meanwhile, it belongs to someone else.
    if (readLock(lockPath)?.token === mine.token) unlinkSync(lockPath);
  }
}

function tryCreate(lockPath: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new SynError('REPORT_FAILED', `the archive lock ${lockPath} cannot be created`, { cause: e });
  }
  try {
    writeSync(fd, JSON.stringify(info));
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(lockPath: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as LockInfo;
  } catch {
    // Absent, or being written this very moment (empty): not ours to judge yet.
    return null;
  }
}

function isStale(info: LockInfo, staleMs: number): boolean {
  if (Date.now() - info.at > staleMs) return true;
  if (info.host !== hostname()) return false;
  try {
    process.kill(info.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Moves the stale lock aside and checks that what was moved is the lock judged stale; if a
 * live holder took the lock in between, its lock is put back (link fails rather than clobber).
 */
function breakStale(lockPath: string, stale: LockInfo): void {
  const aside = `${lockPath}.${randomUUID()}.stale`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return; // someone else broke or released it
  }
  const moved = readLock(aside);
  if (moved?.token !== stale.token) {
    try {
      linkSync(aside, lockPath);
    } catch {
      // The lock was taken again meanwhile; the displaced holder's release will be a no-op.
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}
