import type { Clock } from '../core/clock.ts';
import { describeError, isSynError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { ProcessRunner } from '../core/process.ts';
import { failedOutcome, type PluginOutcome, type Progress } from '../plugins/types.ts';
import type { JobConfig, PluginLookup } from './config.ts';

/** Why a run was stopped from outside the plugin (the abort reason plugins see). */
export class StopReason extends Error {
  override readonly name = 'StopReason';
}

export interface ExecuteDeps {
  plugins: PluginLookup;
  clock: Clock;
  log: Logger;
  exec: ProcessRunner;
  progress?: (p: Progress) => void;
  /** How long a plugin may take to stop after its signal aborted, ms (default 10 s). */
  graceMs?: number;
}

/**
 * Runs a job's plugin inside the agent's wrappers: a timeout (the signal aborts and the run is
 * `failed`, "timed out after N minutes"), an outside stop (shutdown), and exception capture: a
 * plugin that throws (misconfigured, tool missing, a bug) gives a `failed` outcome carrying the
 * message, so that the consultant hears of it instead of the report silently not existing. A
 * SynError's code (PLUGIN_UNAVAILABLE ...) goes with the message, so that `run-job` can exit by it.
 */
export async function executePlugin(job: JobConfig, runId: string, deps: ExecuteDeps, outer?: AbortSignal): Promise<PluginOutcome> {
  const ac = new AbortController();
  const onOuter = () => ac.abort(outer?.reason instanceof StopReason ? outer.reason : new StopReason('stopped: the agent is shutting down'));
  if (outer?.aborted) onOuter();
  outer?.addEventListener('abort', onOuter, { once: true });
  const timer = job.timeoutMinutes !== undefined
    ? setTimeout(() => ac.abort(new StopReason(`timed out after ${formatMinutes(job.timeoutMinutes!)}`)), job.timeoutMinutes * 60_000)
    : undefined;
  const log = deps.log.child({ runId, jobId: job.id });
  try {
    const running = Promise.resolve().then(() =>
      deps.plugins(job.plugin).run(job.options, { jobId: job.id, runId, signal: ac.signal, log, exec: deps.exec, clock: deps.clock, progress: deps.progress }),
    );
    const outcome = await untilStopped(running, ac.signal, deps.graceMs ?? 10_000);
    if (!ac.signal.aborted) return outcome;
    const why = (ac.signal.reason as StopReason).message;
    log.warn({ reason: why }, 'job stopped');
    const errors = outcome.errors[0]?.message === why ? outcome.errors : [{ message: why }, ...outcome.errors];
    return { ...outcome, status: 'failed', errors };
  } catch (e) {
    const message = describeError(e);
    log.error({ err: message }, 'plugin failed with an error');
    const failed = failedOutcome(message);
    return isSynError(e) ? { ...failed, errors: [{ message, code: e.code }] } : failed;
  } finally {
    if (timer) clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

/** The plugin's outcome; after an abort, waits at most `graceMs` for it before giving up on it. */
function untilStopped(running: Promise<PluginOutcome>, signal: AbortSignal, graceMs: number): Promise<PluginOutcome> {
  return new Promise((resolve, reject) => {
    let grace: NodeJS.Timeout | undefined;
    const onAbort = () => {
      grace = setTimeout(() => {
        resolve(failedOutcome(`the plugin did not stop within ${Math.round(graceMs / 1000)} s of being told to`));
      }, graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    running.then(
      (o) => {
        clearTimeout(grace);
        signal.removeEventListener('abort', onAbort);
        resolve(o);
      },
      (e) => {
        clearTimeout(grace);
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function formatMinutes(m: number): string {
  return m >= 1 && Number.isInteger(m) ? `${m} minute${m === 1 ? '' : 's'}` : `${Number((m * 60).toFixed(1))} seconds`;
}
