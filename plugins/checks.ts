import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

/*
 * Small look-ups for the plugins' `check()`: each returns the problem as text ("... does not
 * exist"), or null when all is well. They only look; nothing is created or changed.
 */

function statOf(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

function can(p: string, mode: number): boolean {
  try {
    accessSync(p, mode);
    return true;
  } catch {
    return false;
  }
}

/** What is wrong with `p` as a folder to read from: missing, not a folder, not readable. */
export function readableFolderProblem(p: string): string | null {
  const st = statOf(p);
  if (!st) return `${p} does not exist`;
  if (!st.isDirectory()) return `${p} is not a folder`;
  if (!can(p, constants.R_OK | constants.X_OK)) return `${p} cannot be read by this user (permission denied)`;
  return null;
}

/**
 * What is wrong with `p` as a folder to write into, which the run creates when it is missing:
 * it is a file, or the nearest folder that exists above it is a file or cannot be written.
 */
export function writableFolderProblem(p: string): string | null {
  const st = statOf(p);
  if (st) {
    if (!st.isDirectory()) return `${p} is not a folder`;
    return can(p, constants.W_OK) ? null : `${p} cannot be written by this user (permission denied)`;
  }
  let above = dirname(resolve(p));
  for (let up = statOf(above); !up; up = statOf(above)) {
    if (dirname(above) === above) return `${p} cannot be created: no folder above it exists`;
    above = dirname(above);
  }
  if (!statOf(above)!.isDirectory()) return `${p} cannot be created: ${above} is a file, not a folder`;
  if (!can(above, constants.W_OK)) return `${p} cannot be created: ${above} cannot be written by this user (permission denied)`;
  return null;
}

/**
 * What is wrong with `program` as something to spawn: a name is looked up in the folders of
 * `pathVar` (with the PATHEXT endings on Windows), as spawn does; a path (it holds a separator)
 * must be an executable file, relative ones taken from `cwd`. `pathVar` defaults to this
 * process's PATH, the one the job's run will inherit.
 */
export function programProblem(program: string, options: { cwd?: string; pathVar?: string; platform?: NodeJS.Platform } = {}): string | null {
  const platform = options.platform ?? process.platform;
  const endings = platform === 'win32' ? ['', ...(process.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)] : [''];
  const runnable = (p: string) => endings.some((e) => statOf(p + e)?.isFile() === true && (platform === 'win32' || can(p + e, constants.X_OK)));
  if (/[\\/]/.test(program)) {
    const p = resolve(options.cwd ?? '.', program);
    const st = endings.map((e) => statOf(p + e)).find((s) => s !== null);
    if (!st) return `${p} does not exist`;
    if (!st.isFile()) return `${p} is not a file`;
    return runnable(p) ? null : `${p} is not executable (chmod +x)`;
  }
  const dirs = (options.pathVar ?? process.env.PATH ?? '').split(platform === 'win32' ? ';' : delimiter).filter(Boolean);
  if (dirs.some((d) => runnable(join(d, program)))) return null;
  return `${program} is not installed or not on PATH (${dirs.length} folders searched as this user); install it or give its full path`;
}
