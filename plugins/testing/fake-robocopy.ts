import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runProcess, type ProcessRunner } from '../../core/process.ts';

/** What the fake robocopy does when asked to copy one source folder. */
export interface FakeRobocopyRun {
  /** A real robocopy log (a fixture): written to the /UNILOG+ file and to stdout (/TEE). */
  log: string;
  exitCode: number;
  /** Stop writing the log just before this text and hang there for `stallMs`, as a slow copy does. */
  stallBefore?: string;
  stallMs?: number;
}

export interface FakeRobocopy {
  /** The folder holding the `robocopy` executable. */
  dir: string;
  /** The real ProcessRunner with `dir` first on the PATH, so that `robocopy` is the fake. */
  exec: ProcessRunner;
}

/*
 * Run by node: the table beside it says, per source folder (robocopy's first argument), which
 * log to write and how to exit. CommonJS, because the file lives outside the project.
 */
const SCRIPT = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const table = JSON.parse(fs.readFileSync(path.join(__dirname, 'robocopy.json'), 'utf8'));
const args = process.argv.slice(2);
const run = table[args[0]];
if (!run) {
  process.stdout.write('ERROR : Invalid Parameter #1 : "' + args[0] + '"\r\n');
  process.exit(16);
}
const unilog = args.find((a) => /^\/UNILOG\+?:/i.test(a));
const target = unilog ? unilog.slice(unilog.indexOf(':') + 1) : null;
const log = fs.readFileSync(run.log);
const write = (bytes) => {
  if (target) fs.appendFileSync(target, bytes);
  process.stdout.write(bytes);
};
if (run.stallAt === undefined) {
  write(log);
  process.exitCode = run.exitCode;
} else {
  write(log.subarray(0, run.stallAt));
  setTimeout(() => {
    write(log.subarray(run.stallAt));
    process.exitCode = run.exitCode;
  }, run.stallMs);
}
`;

/**
 * Puts a stand-in for robocopy.exe into `dir`, for machines without Windows: an executable
 * named `robocopy` that answers each source folder of `runs` with a real robocopy log and exit
 * code (and an unknown source with robocopy's "Invalid Parameter", exit 16). It is a real
 * process, killed by the abort like robocopy would be: the plugin's Windows path runs unchanged.
 */
export function installFakeRobocopy(dir: string, runs: Record<string, FakeRobocopyRun>): FakeRobocopy {
  mkdirSync(dir, { recursive: true });
  const table: Record<string, { log: string; exitCode: number; stallAt?: number; stallMs?: number }> = {};
  for (const [source, run] of Object.entries(runs)) {
    const entry: (typeof table)[string] = { log: run.log, exitCode: run.exitCode };
    if (run.stallBefore !== undefined) {
      const at = readFileSync(run.log).indexOf(run.stallBefore);
      if (at < 0) throw new Error(`fake robocopy: "${run.stallBefore}" is not in ${run.log}`);
      Object.assign(entry, { stallAt: at, stallMs: run.stallMs ?? 60_000 });
    }
    table[source] = entry;
  }
  writeFileSync(join(dir, 'robocopy.json'), JSON.stringify(table));
  writeFileSync(join(dir, 'robocopy.cjs'), SCRIPT);
  // exec keeps one process, so the abort's kill reaches the fake itself and not just a shell.
  writeFileSync(join(dir, 'robocopy'), `#!/bin/sh\nexec '${process.execPath}' '${join(dir, 'robocopy.cjs')}' "$@"\n`);
  chmodSync(join(dir, 'robocopy'), 0o755);
  const exec: ProcessRunner = (command, args, options = {}) => {
    const env = options.env ?? process.env;
    return runProcess(command, args, { ...options, env: { ...env, PATH: `${dir}${delimiter}${env.PATH ?? ''}` } });
  };
  return { dir, exec };
}
