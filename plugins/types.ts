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
 */
export interface BackupPlugin<Options = unknown> {
  /** Unique name, used in job configs (`plugin: rsync`). */
  readonly name: string;
  /** One line for `--help` and docs. */
  readonly description: string;
  /** Validates the job's `options:` block. Unknown keys MUST be rejected (`.strict()`). */
  readonly configSchema: z.ZodType<Options>;
  run(options: Options, ctx: PluginContext): Promise<PluginOutcome>;
  parse?(log: Buffer, exitCode: number | null, options?: Partial<Options>): PluginOutcome;
}

/** What the agent hands to a plugin run. */
export interface PluginContext {
  readonly jobId: string;
  readonly runId: string;
  /** Aborted on timeout or shutdown. */
  readonly signal: AbortSignal;
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
