import { RestorePayload, type RunError, type RunStatus, type Verification } from '../../core/result/schema.ts';
import type { AgentConfig } from '../config.ts';
import { common } from '../payload.ts';
import type { RestoreRecord } from './state.ts';

/** The facts of a restore, gathered by restoreJob (or from a leftover state record). */
export interface RestoreFactsIn {
  record: RestoreRecord;
  endedAt: Date;
  status: RunStatus;
  files: { restored: number; failed: number };
  bytes: { restored: number };
  verification: Verification | null;
  sizeOnly: number;
  incomplete: boolean;
  errors: RunError[];
  logTail: string;
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** Errors cut to the format's limits (200, each field bounded); the last one says how many more there were. */
function boundedErrors(list: readonly RunError[]): RunError[] {
  const errors: RunError[] = list.slice(0, 200).map((e) => ({
    message: clip(String(e.message), 2000),
    ...(e.path !== undefined ? { path: clip(String(e.path), 1000) } : {}),
    ...(e.code !== undefined ? { code: clip(String(e.code), 100) } : {}),
  }));
  if (list.length > 200) errors[199] = { message: `and ${list.length - 199} more errors` };
  return errors;
}

/** The fields restore and drill reports share that can outgrow the format: cut to its limits. */
export function boundedRestoreFields(f: { target: string; paths: readonly string[]; verification: Verification | null; errors: readonly RunError[]; logTail: string }) {
  return {
    target: clip(f.target, 1000),
    paths: f.paths.slice(0, 100).map((p) => clip(p, 1000)),
    verification: f.verification ? { ...f.verification, mismatchedPaths: f.verification.mismatchedPaths.slice(0, 100).map((p) => clip(p, 1000)) } : null,
    errors: boundedErrors(f.errors),
    logTail: f.logTail.slice(-20_000),
  };
}

/**
 * The signed-to-be `restore` payload, trimmed to the format's limits (paths, errors, log), then
 * validated: a restore that broke the schema would otherwise never be reported at all.
 */
export function buildRestorePayload(config: AgentConfig, f: RestoreFactsIn): RestorePayload {
  const r = f.record;
  return RestorePayload.parse({
    ...common(config, r.runId, f.endedAt),
    kind: 'restore',
    job: r.job,
    command: r.command,
    startedAt: r.startedAt,
    endedAt: f.endedAt.toISOString(),
    status: f.status,
    from: r.from,
    inPlace: r.inPlace,
    files: f.files,
    bytes: f.bytes,
    incomplete: f.incomplete,
    sizeOnly: f.sizeOnly,
    ...boundedRestoreFields({ target: r.target, paths: r.paths, verification: f.verification, errors: f.errors, logTail: f.logTail }),
  });
}
