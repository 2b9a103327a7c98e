import { randomUUID } from 'node:crypto';
import { describeError, SynError } from '../../core/errors.ts';
import type { RestorePayload, RunStatus } from '../../core/result/schema.ts';
import { plugins as registry } from '../../plugins/index.ts';
import type { RestoreOutcome } from '../../plugins/types.ts';
import type { JobConfig } from '../config.ts';
import { StopReason } from '../execute.ts';
import { acquireJobLock } from '../lock.ts';
import type { FlushReport } from '../outbox.ts';
import type { RunnerDeps } from '../runner.ts';
import { parseAt, pickBackup } from './at.ts';
import { buildRestorePayload } from './payload.ts';
import { markEnded, markStarted } from './state.ts';
import { checkTarget, jobFolders, normalisePaths } from './target.ts';
import { checkRestored } from './verify.ts';

export { reportLeftoverRestores } from './leftovers.ts';

/** What to restore, as `agent restore` (or a signed restore command) asks for it. */
export interface RestoreJobRequest {
  /** The folder to write into: empty or new, or the job's source with `inPlace`. */
  to: string;
  /** Paths inside the backup (files or folders); [] for everything. */
  paths: string[];
  /** `--at` as typed: a run id, "yesterday", a date or a time (the site's zone); null for the newest. */
  at: string | null;
  inPlace: boolean;
  /** An in-place restore was confirmed (--yes, the job id typed at a terminal, or a signed command that says so). */
  confirmed: boolean;
  /** The signed command that asked for it, when one did. */
  command?: { id: string };
}

/** One finished restore: its report, where it waits, what the send attempt did. */
export interface RestoreRun {
  payload: RestorePayload;
  file: string;
  flush?: FlushReport;
}

/**
 * Restores a job's backup and verifies what was written against the backup-time hashes, then
 * reports it (kind `restore`) through the outbox. Checks come first and throw USAGE or NOT_FOUND
 * (nothing written): a plugin that cannot restore, a target that touches the source or the
 * backup or is not empty, an unconfirmed in-place restore, an unknown `--at`. It holds the job's
 * lock throughout (JOB_ALREADY_RUNNING while a backup runs). While it runs, a marker in the target
 * and a state record say so; if the agent dies, the next start reports the restore incomplete.
 */
export async function restoreJob(job: JobConfig, req: RestoreJobRequest, deps: RunnerDeps, signal?: AbortSignal): Promise<RestoreRun> {
  const plugin = deps.plugins(job.plugin);
  if (!plugin.restore) {
    const able = [...registry.values()].filter((p) => p.restore).map((p) => p.name);
    throw new SynError('USAGE', `job "${job.id}" uses the ${job.plugin} plugin, which cannot restore (plugins that can: ${able.join(', ') || 'none'})`);
  }
  if (req.inPlace && !req.confirmed) {
    throw new SynError('USAGE', `--in-place writes over the source of job "${job.id}": confirm with --yes, or run it at a terminal and type the job id`);
  }
  const paths = normalisePaths(req.paths);
  const target = checkTarget(req.to, jobFolders(job.options), req.inPlace);
  const zone = deps.config.site.timeZone;
  const picked = pickBackup(deps.config.stateDir, job.id, parseAt(req.at ?? undefined, zone, deps.clock.now()), zone);

  const release = acquireJobLock(deps.config.stateDir, job.id, deps.clock.now());
  let recorded: { payload: RestorePayload; file: string };
  try {
    const runId = randomUUID();
    const log = deps.log.child({ runId, jobId: job.id });
    const record = markStarted(deps.config.stateDir, {
      runId,
      job: { id: job.id, name: job.name, plugin: job.plugin },
      command: req.command ? { id: req.command.id } : null,
      startedAt: deps.clock.now().toISOString(),
      target,
      inPlace: req.inPlace,
      paths,
      from: { runId: picked.manifest?.runId ?? null, at: (picked.manifest?.at ?? picked.at)?.toISOString() ?? null },
    });
    log.info({ target, paths, from: record.from }, 'restore started');
    const ac = new AbortController();
    const onOuter = () => ac.abort(signal?.reason instanceof StopReason ? signal.reason : new StopReason('stopped: the agent is shutting down'));
    if (signal?.aborted) onOuter();
    signal?.addEventListener('abort', onOuter, { once: true });
    let outcome: RestoreOutcome;
    try {
      outcome = await plugin.restore(job.options, { to: target, paths, at: picked.at, manifest: picked.manifest }, { jobId: job.id, runId, signal: ac.signal, log, exec: deps.exec, clock: deps.clock, progress: deps.progress });
    } catch (e) {
      outcome = { status: 'failed', from: { at: null, snapshot: null }, files: { restored: 0, failed: 0 }, bytes: { restored: 0 }, written: [], errors: [{ message: describeError(e), ...(e instanceof SynError ? { code: e.code } : {}) }], logTail: '' };
    } finally {
      signal?.removeEventListener('abort', onOuter);
    }
    const incomplete = ac.signal.aborted;
    const onChecked = deps.progress ? (done: number, total: number) => deps.progress!({ phase: 'verify', done, total }) : undefined;
    const check = incomplete ? null : await checkRestored(target, outcome, picked.manifest?.entries ?? null, undefined, onChecked);
    let status: RunStatus = outcome.status;
    if (incomplete || (check && check.verification.mismatches > 0)) status = 'failed';
    else if (status === 'ok' && !picked.manifest) status = 'warning'; // nothing to verify against: no positive evidence
    const why = incomplete ? (ac.signal.reason as Error).message : null;
    // The stop's reason first, said once (a plugin's "stopped before the end: <reason>" repeats it).
    const stop = why ? [{ message: why }] : [];
    const pluginErrors = why ? outcome.errors.filter((e) => !e.message.includes(why)) : outcome.errors;
    const logTail = [outcome.logTail, ...(check ? check.notes : []), check ? `verification: ${check.verification.checked} checked, ${check.verification.mismatches} mismatches` : 'verification: not done (stopped)'].filter(Boolean).join('\n');
    const payload = buildRestorePayload(deps.config, {
      record,
      endedAt: deps.clock.now(),
      status,
      files: outcome.files,
      bytes: outcome.bytes,
      verification: check?.verification ?? null,
      sizeOnly: check?.sizeOnly ?? 0,
      incomplete,
      errors: [...stop, ...pluginErrors, ...(check?.errors ?? [])],
      logTail,
    });
    const file = deps.outbox.put(payload);
    markEnded(deps.config.stateDir, record, incomplete);
    log.info({ status, files: payload.files, mismatches: payload.verification?.mismatches ?? null, incomplete }, 'restore finished');
    recorded = { payload, file };
  } finally {
    release();
  }
  const flush = deps.send ? await deps.outbox.flush(deps.send) : undefined;
  return { ...recorded, ...(flush ? { flush } : {}) };
}
