import type { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { ProcessRunner } from '../core/process.ts';
import type { Counts, RunError, RunStatus, Verification } from '../core/result/schema.ts';

/**
 * The backup plugin contract.
 *
 * A plugin is a plain object `{ name, description, configSchema, run, parse? }` that `satisfies
 * BackupPlugin`. It is listed explicitly in `plugins/index.ts`.
 *
 * - `run` MUST resolve to a PluginOutcome for every backup that ran, however badly: a failed
 *   copy, a tool that exited non-zero, a timeout (the `signal` aborted) are outcomes with status
 *   `failed`, not exceptions.
 * - `run` MUST report status `failed` for any exit code or state it does not understand; it MUST
 *   NOT report `ok` unless it has positive evidence of success.
 * - `run` MAY throw a SynError `PLUGIN_MISCONFIGURED` (options it cannot use) or
 *   `PLUGIN_UNAVAILABLE` (the tool is not installed); the agent turns those into a `failed`
 *   result too, so that the consultant hears of them.
 * - `run` MUST stop promptly when `ctx.signal` aborts.
 * - `parse`, when present, MUST be pure: the same log bytes and exit code give the same outcome.
 *   It is what `synecdoche parse` and `synecdoche agent submit` use.
 * - Every option that names a local file or folder MUST be listed in `pathOptions`: the agent
 *   resolves relative ones against the config file's folder before `run` sees them, so `run`
 *   MUST NOT resolve them itself (against the process's working folder).
 * - `check` MUST NOT change anything; it only looks.
 */
export interface BackupPlugin<Options = unknown> {
  /** Unique name, used in job configs (`plugin: rsync`). */
  readonly name: string;
  /** One line for `--help` and docs. */
  readonly description: string;
  /** Validates the job's `options:` block. Unknown keys MUST be rejected (`.strict()`). */
  readonly configSchema: z.ZodType<Options>;
  /** Options holding local paths (a string or a list of strings), resolved by the agent at load; see PathOption. */
  readonly pathOptions?: { readonly [K in keyof Options]?: PathOption };
  /**
   * Options that name an environment variable the job needs, with what it holds ("the
   * repository password"). The agent checks at load that each is set and not empty: a config
   * error at start, not a failed run at 3 a.m.
   */
  readonly envOptions?: { readonly [K in keyof Options]?: string };
  /**
   * True when `parse` can tell the status from the log alone (exit code null) from positive
   * evidence in it, such as robocopy's summary table. `agent submit` then does not require
   * `--exit-code`. Leave it unset when only the exit code tells (the `command` plugin).
   */
  readonly statusFromLog?: boolean;
  run(options: Options, ctx: PluginContext): Promise<PluginOutcome>;
  parse?(log: Buffer, exitCode: number | null, options?: Partial<Options>): PluginOutcome;
  /**
   * What `agent check` can find wrong on this machine without running the backup (a password
   * file that cannot be read ...): one line per problem, starting with the option's name
   * (`passwordFile: ...`), or with `plugin: ` for a problem with the plugin itself on this
   * machine (robocopy off Windows); [] when all is well. Not called for `external` jobs, whose
   * tool the agent never runs.
   */
  check?(options: Options): string[];
  /**
   * Issue 11: puts files of a backup back. Present only on plugins that can restore (copy,
   * rsync, restic, robocopy). It MUST write only under `req.to`; the agent has already checked
   * that `req.to` is not the source (unless in place, confirmed). Like `run`, it MUST resolve to
   * an outcome for a restore that went wrong (status `failed`), MUST stop promptly when
   * `ctx.signal` aborts, and MUST NOT report `ok` without positive evidence. The agent verifies
   * `written` against the backup-time hashes itself: the plugin does not need to.
   */
  restore?(options: Options, req: RestoreRequest, ctx: PluginContext): Promise<RestoreOutcome>;
  /**
   * Issue 11 (drills): the local folder that manifest paths are relative to (the backup's root
   * at the source), so that a drill can compare restored files with unchanged source files;
   * null when the source is not on this machine (rsync's host:path). Absent: no such comparison.
   */
  sourceRoot?(options: Options): string | null;
}

/** Issue 11: what to restore, as the agent hands it to a plugin. */
export interface RestoreRequest {
  /** The folder to write into: empty or new, or the source itself for a confirmed in-place restore. */
  to: string;
  /** Paths relative to the backup's root ("/" separators), files or folders; [] for everything. */
  paths: string[];
  /** Which backup: the newest at or before this time; null for the newest. */
  at: Date | null;
  /**
   * The agent's manifest of the chosen backup run (agent/catalogue/local.ts), when it has one:
   * what the backup held and each file's backup-time hash. Plugins that keep replaced versions
   * (copy) find older contents by hash through it.
   */
  manifest: { runId: string; at: Date; entries: readonly ManifestEntry[] } | null;
}

/** Issue 11: what a plugin knows about one restore; the agent verifies, signs and reports it. */
export interface RestoreOutcome {
  status: RunStatus;
  /** The backup restored from: its time, and the tool's own id (a restic snapshot) when there is one. */
  from: { at: Date | null; snapshot: string | null };
  files: { restored: number; failed: number };
  bytes: { restored: number };
  /** Files written, `path` relative to `req.to` ("/" separators). */
  written: ManifestEntry[];
  /**
   * An error with code RESTORE_HASH_MISMATCH names a file whose copies in the backup all differ
   * from the backup-time hash (damaged backup): not written, and counted as a verification mismatch.
   */
  errors: RunError[];
  logTail: string;
}

/** The RunError code of a file that the backup holds only with content other than what was backed up. */
export const RESTORE_HASH_MISMATCH = 'HASH_MISMATCH';

/**
 * How the agent treats a path-valued option. `'path'`: always a local path. A function: the
 * value is a local path only when it returns true, so that remote locations (rsync's
 * `host:path`, restic's `sftp:host:/repo`) are left as they are. A relative local path is
 * resolved against the folder of the agent config file; a trailing separator is kept (it
 * matters to rsync); absolute paths, Windows drive and UNC paths are left as they are.
 */
export type PathOption = 'path' | ((value: string) => boolean);

/** What the agent hands to a plugin run. */
export interface PluginContext {
  readonly jobId: string;
  readonly runId: string;
  /** Aborted on timeout or shutdown. */
  readonly signal: AbortSignal;
  /** Already carries `jobId` and `runId`: log lines MUST NOT repeat them (duplicate JSON keys). */
  readonly log: Logger;
  readonly exec: ProcessRunner;
  readonly clock: Clock;
  /** Set when progress should be shown (stdout is a TTY). */
  readonly progress?: (p: Progress) => void;
}

export interface Progress {
  phase: string;
  done: number;
  total?: number;
  bytes?: number;
}

/** What a plugin knows about one run; the agent adds ids, times and the signature. */
export interface PluginOutcome {
  status: RunStatus;
  /** Exit code of the tool; null when there is none (pure Node plugins). */
  exitCode: number | null;
  files: Counts;
  bytes: Counts;
  verification: Verification | null;
  errors: RunError[];
  logTail: string;
  /**
   * Issue 11: every file the backup holds after this run (not only those copied), for the
   * catalogue, restores and drills. Absent when the plugin cannot list them.
   */
  manifest?: ManifestEntry[];
}

/**
 * One file in a backup. `path` is relative to the backup's root, with "/" separators, as the
 * source names it; `sha256` is the hash known at backup time (verified or read), else null.
 */
export interface ManifestEntry {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string | null;
}

/** Counts of zero, for building outcomes. */
export function zeroCounts(): Counts {
  return { examined: 0, copied: 0, skipped: 0, failed: 0, extra: 0 };
}

/** An outcome for a run that failed before the tool said anything useful. */
export function failedOutcome(message: string, exitCode: number | null = null, logTail = ''): PluginOutcome {
  return { status: 'failed', exitCode, files: zeroCounts(), bytes: zeroCounts(), verification: null, errors: [{ message }], logTail };
}

/**
 * Why a run stopped, for its outcome: the agent's own reason ("timed out after 2 min",
 * "stopped: the agent was shut down ...") when it gave one, else "timed out" or "cancelled".
 */
export function abortMessage(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  const text = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : '';
  const timedOut = /time/i.test(text) || (reason instanceof Error && reason.name === 'TimeoutError');
  if (/^(timed out|cancelled|stopped)/i.test(text)) return text.slice(0, 2000);
  return timedOut ? 'timed out' : 'cancelled';
}
