import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { CommandRef, ResultPayload } from '../core/result/schema.ts';
import type { PluginOutcome } from '../plugins/types.ts';
import type { AgentConfig, JobConfig } from './config.ts';
import { executePlugin, type ExecuteDeps } from './execute.ts';
import { acquireJobLock } from './lock.ts';
import type { FlushReport, Outbox, SendDeps } from './outbox.ts';
import { buildResultPayload } from './payload.ts';
import { nextSequence } from './sequence.ts';
import { prepareManifest, putWithManifest } from './catalogue/send.ts';

/** Everything a run needs, each side effect behind its seam. */
export interface RunnerDeps extends ExecuteDeps {
  config: AgentConfig;
  outbox: Outbox;
  /** How to send; without it the report only goes to the outbox (sent by a later flush). */
  send?: SendDeps;
}

/** One finished run: its report, where it waits, and what the send attempt did. */
export interface JobRun {
  payload: ResultPayload;
  file: string;
  flush?: FlushReport;
}

/**
 * Runs one job: takes its lock (JOB_ALREADY_RUNNING when a live process holds it), runs the
 * plugin inside the timeout and error wrappers, records the report, then tries to send what
 * waits in the outbox. `command` is the signed command that asked for the run (its result says so).
 */
export async function runJob(job: JobConfig, deps: RunnerDeps, signal?: AbortSignal, command?: CommandRef): Promise<JobRun> {
  const release = acquireJobLock(deps.config.stateDir, job.id, deps.clock.now());
  let recorded: { payload: ResultPayload; file: string };
  try {
    const runId = randomUUID();
    const startedAt = deps.clock.now();
    deps.log.info({ runId, jobId: job.id, plugin: job.plugin }, 'job started');
    const outcome = await executePlugin(job, runId, deps, signal);
    recorded = recordRun(job, outcome, { runId, startedAt, endedAt: deps.clock.now(), ...(command ? { command } : {}) }, deps);
  } finally {
    release();
  }
  const flush = deps.send ? await deps.outbox.flush(deps.send) : undefined;
  return { ...recorded, ...(flush ? { flush } : {}) };
}

/**
 * Turns an outcome into a report in the outbox: the sequence number is taken (and persisted)
 * first, then the validated payload is written. Used by runJob and `agent submit`; the caller
 * holds the job lock.
 */
export function recordRun(
  job: JobConfig,
  outcome: PluginOutcome,
  times: { runId: string; startedAt: Date; endedAt: Date; command?: CommandRef },
  deps: { config: AgentConfig; outbox: Outbox; log: Logger; clock: Clock },
): { payload: ResultPayload; file: string } {
  const sequence = nextSequence(deps.config.stateDir, job.id);
  const manifest = prepareManifest(deps.config, job, times.runId, times.endedAt, outcome, deps.log);
  const payload = buildResultPayload(deps.config, job, { ...times, sequence }, manifest.outcome, manifest.ref);
  const file = putWithManifest(deps.outbox, deps.config, payload, manifest.parts);
  deps.log.info({ runId: payload.runId, jobId: job.id, status: payload.status, sequence }, 'job finished');
  return { payload, file };
}
