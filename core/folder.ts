import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SynError, type ErrorCode } from './errors.ts';

/**
 * Makes sure `path` is a folder this process can write into, creating it and its missing parents.
 * Every problem is one SynError that names `key` (the config key or option that gave the path)
 * and says what is wrong: "outbox: /x/y is a file, expected a folder".
 *
 * Parents are created one at a time instead of with `mkdirSync(..., { recursive: true })`:
 * Node 20's recursive mkdir loops forever at 100% CPU where mkdir fails with ENOENT under an
 * existing parent (anything under /proc, some FUSE mounts).
 */
export function ensureFolder(path: string, key: string, code: ErrorCode = 'CONFIG_INVALID'): void {
  const target = resolve(path);
  // The OS reason is in the message already (reasonOf); a `cause` would only say it twice.
  const fail = (what: string): never => {
    throw new SynError(code, `${key}: ${what}`);
  };
  const missing: string[] = [];
  for (let cur = target; ; cur = dirname(cur)) {
    let st: Stats | undefined;
    try {
      st = statSync(cur);
    } catch (e) {
      const c = errnoOf(e);
      // ENOTDIR: some parent is a file; walking up finds it and names it.
      if (c !== 'ENOENT' && c !== 'ENOTDIR') fail(`cannot use the folder ${target}: ${cur}: ${reasonOf(e)}`);
    }
    if (st) {
      if (st.isDirectory()) break;
      if (cur === target) fail(`${target} is ${kindOf(st)}, expected a folder`);
      fail(`cannot create the folder ${target}: ${cur} is ${kindOf(st)}, not a folder`);
    }
    if (dirname(cur) === cur) fail(`cannot create the folder ${target}: ${cur} does not exist`);
    missing.unshift(cur);
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (e) {
      // Made meanwhile by another process: fine when it is a folder.
      if (errnoOf(e) === 'EEXIST' && isFolder(dir)) continue;
      fail(`cannot create the folder ${target}${dir === target ? '' : ` (at ${dir})`}: ${reasonOf(e)}`);
    }
  }
  try {
    accessSync(target, constants.W_OK | constants.X_OK);
  } catch (e) {
    fail(`the folder ${target} is not writable by this user (${reasonOf(e)})`);
  }
}

/** True when `p` is an existing folder (following links); false for anything else or an error. */
export function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** True when `p` is an existing regular file (following links); false for anything else or an error. */
export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function kindOf(st: Stats): string {
  if (st.isFile()) return 'a file';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a folder';
}

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** The OS reason in plain words, with its code for searching. */
function reasonOf(e: unknown): string {
  const c = errnoOf(e);
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    ENOENT: 'the file system does not allow a folder there',
    EEXIST: 'something else of that name exists',
    ENAMETOOLONG: 'the name is too long',
    ELOOP: 'too many symbolic links',
  };
  if (c && words[c]) return `${words[c]} (${c})`;
  return (e as Error)?.message ?? String(e);
}
