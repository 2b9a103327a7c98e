import { hostname } from 'node:os';
import { openSync, readFileSync, renameSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { SynError } from '../core/errors.ts';
import { ensureFolder } from '../core/folder.ts';

/** Lock files this process holds, so a lock with our own pid is told apart from a stale one. */
const held = new Set<string>();

/** What a lock file says about its holder. */
export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

/**
 * Takes the lock of a job: a file `<stateDir>/locks/<jobId>.lock` created exclusively, holding
 * the pid. A lock whose process is gone (kill -9, power cut) is stale and taken over; a lock of
 * a live process refuses with JOB_ALREADY_RUNNING. Returns the release function.
 *
 * Limits: a pid reused by an unrelated process makes a stale lock look live until that process
 * ends; delete the lock file by hand then (the error message names it).
 */
export function acquireJobLock(stateDir: string, jobId: string, now: Date = new Date()): () => void {
  const dir = join(stateDir, 'locks');
  ensureFolder(dir, 'stateDir');
  const path = join(dir, `${jobId}.lock`);
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: now.toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      held.add(path);
      return () => release(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new SynError('INTERNAL', `cannot create lock file ${path}`, { cause: e });
    }
    const other = readLock(path);
    if (other && isHeld(path, other)) {
      throw new SynError('JOB_ALREADY_RUNNING', `job "${jobId}" is already running (pid ${other.pid} since ${other.startedAt}; lock file ${path})`);
    }
    // Stale: move it aside atomically so that two processes taking over do not both win.
    try {
      renameSync(path, `${path}.stale.${process.pid}`);
      unlinkSync(`${path}.stale.${process.pid}`);
    } catch {
      /* another process took it over first; try again */
    }
  }
  throw new SynError('JOB_ALREADY_RUNNING', `job "${jobId}": could not take the lock ${path}`);
}

function release(path: string): void {
  if (!held.delete(path)) return;
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** The lock file's content, or undefined when it is unreadable (a half-written lock is stale). */
export function readLock(path: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof v.pid === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

function isHeld(path: string, info: LockInfo): boolean {
  if (info.host !== hostname()) return true; // another machine sharing the folder: never steal
  if (info.pid === process.pid) return held.has(path);
  return pidAlive(info.pid);
}

/** True when a process with that pid exists (EPERM: it exists but belongs to another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
