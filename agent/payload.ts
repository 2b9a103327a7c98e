import { hostname } from 'node:os';
import { FORMAT_NAME, FORMAT_VERSION, HeartbeatPayload, ResultPayload, type CommandRef, type ManifestRef } from '../core/result/schema.ts';
import { VERSION } from '../core/version.ts';
import { describeError } from '../core/errors.ts';
import { failedOutcome, type PluginOutcome } from '../plugins/types.ts';
import type { AgentConfig, JobConfig } from './config.ts';
import { nextRunAt } from './schedule.ts';

/** The facts of one run that the agent (not the plugin) knows. */
export interface RunFacts {
  runId: string;
  sequence: number;
  startedAt: Date;
  endedAt: Date;
  /** The signed command that started this run (issue 11), if one did. */
  command?: CommandRef;
}

/** The fields every payload of this site starts with: format, site, agent, runId, sentAt. */
export function payloadCommon(config: AgentConfig, runId: string, sentAt: Date) {
  return common(config, runId, sentAt);
}

/** The fields every report kind starts with (format, site, agent, run id, sentAt placeholder). */
export function common(config: AgentConfig, runId: string, sentAt: Date) {
  return {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    site: { id: config.site.id, ...(config.site.client ? { client: config.site.client } : {}) },
    agent: { host: hostname().slice(0, 255), version: VERSION, timeZone: config.site.timeZone },
    runId,
    sentAt: sentAt.toISOString(),
  } as const;
}

/** When the job will next start (null without a schedule): the collector expects a report then. */
export function jobNextRun(config: AgentConfig, job: JobConfig, after: Date): Date | null {
  return job.schedule ? nextRunAt(job.schedule, config.site.timeZone, after) : null;
}

/**
 * Builds and validates the result payload of a run. `sentAt` is a placeholder (the end time)
 * until the outbox sends it. A plugin outcome that breaks the schema (a bug) must not produce an
 * unreadable report: it is trimmed to the schema's limits, and if it still does not validate
 * the report becomes `failed` with the validation problem as its error.
 */
export function buildResultPayload(config: AgentConfig, job: JobConfig, facts: RunFacts, outcome: PluginOutcome, manifest?: ManifestRef): ResultPayload {
  const next = jobNextRun(config, job, facts.endedAt);
  const base = {
    ...common(config, facts.runId, facts.endedAt),
    kind: 'result' as const,
    job: { id: job.id, name: job.name, plugin: job.plugin, schedule: job.schedule ?? null, nextRunAt: next ? next.toISOString() : null },
    sequence: facts.sequence,
    startedAt: facts.startedAt.toISOString(),
    endedAt: facts.endedAt.toISOString(),
    ...(facts.command ? { command: { id: facts.command.id } } : {}),
    // Here, not in the outcome: trim() keeps only the plugin's fields, and a fallback keeps the manifest.
    ...(manifest ? { manifest } : {}),
  };
  const first = ResultPayload.safeParse({ ...base, ...trim(outcome) });
  if (first.success) return first.data;
  const problem = first.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  const fallback = failedOutcome(`the plugin returned an outcome that does not fit the result format (${problem})`, safeExitCode(outcome), String(outcome?.logTail ?? '').slice(-20_000));
  return ResultPayload.parse({ ...base, ...fallback });
}

/** The heartbeat: the agent is alive, these jobs are due then, this many reports wait. */
export function buildHeartbeat(config: AgentConfig, runId: string, startedAt: Date, now: Date, outboxPending: number): HeartbeatPayload {
  return HeartbeatPayload.parse({
    ...common(config, runId, now),
    kind: 'heartbeat',
    startedAt: startedAt.toISOString(),
    nextHeartbeatAt: nextRunAt(config.heartbeat.schedule, config.site.timeZone, now).toISOString(),
    jobs: config.jobs.map((j) => ({ id: j.id, nextRunAt: jobNextRun(config, j, now)?.toISOString() ?? null })),
    outboxPending,
  });
}

function trim(o: PluginOutcome): PluginOutcome {
  try {
    return {
      status: o.status,
      exitCode: o.exitCode,
      files: o.files,
      bytes: o.bytes,
      verification: o.verification ? { ...o.verification, mismatchedPaths: o.verification.mismatchedPaths.slice(0, 100) } : null,
      errors: o.errors.slice(0, 200).map((e) => ({
        message: String(e.message).slice(0, 2000),
        ...(e.path !== undefined ? { path: String(e.path).slice(0, 1000) } : {}),
        ...(e.code !== undefined ? { code: String(e.code).slice(0, 100) } : {}),
      })),
      logTail: String(o.logTail ?? '').slice(-20_000),
    };
  } catch (e) {
    return failedOutcome(`the plugin returned a malformed outcome: ${describeError(e)}`);
  }
}

function safeExitCode(o: PluginOutcome): number | null {
  return Number.isInteger(o?.exitCode) ? o.exitCode : null;
}
