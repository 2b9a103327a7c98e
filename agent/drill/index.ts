import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError, SynError } from '../../core/errors.ts';
import type { DrillPayload, RunError, RunStatus } from '../../core/result/schema.ts';
import { RESTORE_HASH_MISMATCH, type BackupPlugin, type RestoreOutcome } from '../../plugins/types.ts';
import { loadManifest } from '../catalogue/local.ts';
import type { JobConfig } from '../config.ts';
import { StopReason } from '../execute.ts';
import { acquireJobLock } from '../lock.ts';
import type { FlushReport } from '../outbox.ts';
import { checkRestored } from '../restore/verify.ts';
import type { RunnerDeps } from '../runner.ts';
import { buildDrillPayload, type DrillFacts } from './payload.ts';
import { sampleEntries, type RandomSource } from './sample.ts';
import { compareWithSource } from './source.ts';

/** A job's drill settings; the defaults apply to `agent drill` on a job without a `drill:` block. */
export const DRILL_DEFAULTS = { sample: 20, maxBytes: 100_000_000 } as const;

export const NO_MANIFEST = 'no backup manifest yet: run the job first';

export interface DrillDeps extends RunnerDeps {
  /** The random seam of the sample (default Math.random). */
  random?: RandomSource;
  /** Where the temporary restore folder is made (default the system's temp folder). */
  tempDir?: string;
}

export interface DrillRun {
  payload: DrillPayload;
  file: string;
  flush?: FlushReport;
}

/**
 * One restore drill of a job: a random, size-weighted sample of the newest backup's files
 * (agent/catalogue/local.ts) is restored by the job's plugin into a fresh temporary folder, each
 * file hashed and compared with its backup-time hash, and, where the source file still has the
 * size and mtime it had at the backup, with the source too. Reported as kind `drill` through the
 * outbox; the temporary folder is removed afterwards, whatever happened. It holds the job's lock,
 * so it never runs while the job does (JOB_ALREADY_RUNNING otherwise, nothing reported).
 */
export async function runDrill(job: JobConfig, deps: DrillDeps, signal?: AbortSignal): Promise<DrillRun> {
  const release = acquireJobLock(deps.config.stateDir, job.id, deps.clock.now());
  let recorded: { payload: DrillPayload; file: string };
  try {
    const runId = randomUUID();
    const startedAt = deps.clock.now();
    const log = deps.log.child({ runId, jobId: job.id });
    log.info({ plugin: job.plugin }, 'drill started');
    const facts = await drill(job, deps, runId, signal);
    const payload = buildDrillPayload(deps.config, job, { ...facts, runId, startedAt, endedAt: deps.clock.now() });
    const file = deps.outbox.put(payload);
    log.info({ status: payload.status, sample: payload.sample.files, mismatches: payload.verification?.mismatches ?? null }, 'drill finished');
    recorded = { payload, file };
  } finally {
    release();
  }
  const flush = deps.send ? await deps.outbox.flush(deps.send) : undefined;
  return { ...recorded, ...(flush ? { flush } : {}) };
}

type Facts = Omit<DrillFacts, 'runId' | 'startedAt' | 'endedAt'>;

function failedFacts(message: string, extra: Partial<Facts> = {}): Facts {
  return {
    status: 'failed',
    from: { runId: null, at: null },
    target: '',
    paths: [],
    files: { restored: 0, failed: 0 },
    bytes: { restored: 0 },
    verification: null,
    incomplete: false,
    errors: [{ message }],
    logTail: message,
    sample: { files: 0, bytes: 0, ofFiles: 0, ofBytes: 0 },
    sourceCompared: { checked: 0, mismatches: 0 },
    ...extra,
  };
}

async function drill(job: JobConfig, deps: DrillDeps, runId: string, outer?: AbortSignal): Promise<Facts> {
  const plugin: BackupPlugin<any> = deps.plugins(job.plugin);
  if (!plugin.restore) return failedFacts(`the ${job.plugin} plugin cannot restore, so its backups cannot be drilled`);
  const manifest = loadManifest(deps.config.stateDir, job.id);
  if (!manifest) return failedFacts(NO_MANIFEST);
  const from = { runId: manifest.runId, at: manifest.at.toISOString() };
  const limits = { files: job.drill?.sample ?? DRILL_DEFAULTS.sample, maxBytes: job.drill?.maxBytes ?? DRILL_DEFAULTS.maxBytes };
  const sample = sampleEntries(manifest.entries, limits, deps.random ?? Math.random);
  const of = { ofFiles: manifest.entries.length, ofBytes: manifest.entries.reduce((n, e) => n + e.size, 0) };
  const sampled = { files: sample.length, bytes: sample.reduce((n, e) => n + e.size, 0), ...of };
  if (sample.length === 0) {
    const why = manifest.entries.length === 0 ? `the newest backup (${from.at}) holds no files` : `no file of the newest backup fits in maxBytes (${limits.maxBytes} bytes)`;
    return failedFacts(`nothing to drill: ${why}`, { from, sample: sampled });
  }

  const ac = new AbortController();
  const onOuter = () => ac.abort(outer?.reason instanceof StopReason ? outer.reason : new StopReason('stopped: the agent is shutting down'));
  if (outer?.aborted) onOuter();
  outer?.addEventListener('abort', onOuter, { once: true });
  const timer = job.timeoutMinutes !== undefined ? setTimeout(() => ac.abort(new StopReason(`timed out after ${job.timeoutMinutes} min`)), job.timeoutMinutes * 60_000) : undefined;
  const target = mkdtempSync(join(deps.tempDir ?? tmpdir(), 'synecdoche-drill-'));
  const paths = sample.map((e) => e.path);
  try {
    const log = deps.log.child({ runId, jobId: job.id });
    let outcome: RestoreOutcome;
    try {
      outcome = await plugin.restore(job.options, { to: target, paths, at: null, manifest }, { jobId: job.id, runId, signal: ac.signal, log, exec: deps.exec, clock: deps.clock });
    } catch (e) {
      outcome = { status: 'failed', from: { at: null, snapshot: null }, files: { restored: 0, failed: 0 }, bytes: { restored: 0 }, written: [], errors: [{ message: describeError(e), ...(e instanceof SynError ? { code: e.code } : {}) }], logTail: '' };
    }
    const base = { from, target, paths, sample: sampled, files: outcome.files, bytes: outcome.bytes };
    if (ac.signal.aborted) {
      const why = (ac.signal.reason as Error).message;
      return failedFacts(why, { ...base, incomplete: true, errors: [{ message: why }, ...outcome.errors], logTail: outcome.logTail });
    }
    // Only the sample counts: a plugin that restored a whole folder around a file is not checked on the rest.
    const wanted = new Set(paths);
    const written = outcome.written.filter((w) => wanted.has(w.path));
    let check;
    try {
      check = await checkRestored(target, { ...outcome, written }, manifest.entries, ac.signal);
    } catch (e) {
      if (!ac.signal.aborted) throw e;
      const why = (ac.signal.reason as Error).message;
      return failedFacts(why, { ...base, incomplete: true, errors: [{ message: why }], logTail: outcome.logTail });
    }
    const verification = check.verification;
    const errors: RunError[] = [...outcome.errors, ...check.errors];
    const got = new Set(written.map((w) => w.path));
    // Files the plugin found damaged in the backup (not written) are mismatches already.
    const damaged = new Set(outcome.errors.filter((e) => e.code === RESTORE_HASH_MISMATCH && e.path).map((e) => e.path!));
    for (const e of sample) {
      if (got.has(e.path) || damaged.has(e.path)) continue;
      verification.checked++;
      verification.mismatches++;
      if (verification.mismatchedPaths.length < 100) verification.mismatchedPaths.push(e.path);
      if (!errors.some((x) => x.path === e.path)) errors.push({ path: e.path, message: 'in the backup, but the restore did not bring it back' });
    }
    const root = plugin.sourceRoot?.(job.options) ?? null;
    const source = root ? await compareWithSource(root, target, sample.filter((e) => got.has(e.path)), ac.signal) : { checked: 0, mismatches: 0, errors: [], proven: new Set<string>() };
    errors.push(...source.errors);
    // A file that differs from its unchanged source is a mismatch too (counted once per file).
    for (const e of source.errors) {
      if (!e.path || verification.mismatchedPaths.includes(e.path)) continue;
      verification.mismatches++;
      if (verification.mismatchedPaths.length < 100) verification.mismatchedPaths.push(e.path);
    }
    // Size-only comparisons prove little: a file is proven by its backup-time hash or by the unchanged source.
    const unproven = sample.filter((e) => got.has(e.path) && e.sha256 === null && !source.proven.has(e.path)).length;
    let status: RunStatus = outcome.status;
    if (verification.mismatches > 0 || source.mismatches > 0) status = 'failed';
    else if (status === 'ok' && unproven > 0) status = 'warning';
    const notes = [
      ...check.notes,
      `sample: ${sample.length} of ${of.ofFiles} files, ${sampled.bytes} of ${of.ofBytes} bytes (backup of ${from.at})`,
      `verification: ${verification.checked} checked, ${verification.mismatches} mismatches; source compared: ${source.checked}, ${source.mismatches} mismatches`,
      ...(unproven > 0 ? [`${unproven} sampled file${unproven === 1 ? ' was' : 's were'} compared by size only (no backup-time hash, source changed since)`] : []),
    ];
    return {
      ...base,
      status,
      verification,
      incomplete: false,
      errors,
      logTail: [outcome.logTail, ...notes].filter(Boolean).join('\n'),
      sourceCompared: { checked: source.checked, mismatches: source.mismatches },
    };
  } finally {
    if (timer) clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
    rmSync(target, { recursive: true, force: true });
  }
}

