import { DrillPayload, type RunError, type RunStatus, type Verification } from '../../core/result/schema.ts';
import type { AgentConfig, JobConfig } from '../config.ts';
import { common } from '../payload.ts';
import { boundedErrors } from '../restore/payload.ts';

/** Everything a drill found, before it becomes a payload. */
export interface DrillFacts {
  runId: string;
  startedAt: Date;
  endedAt: Date;
  status: RunStatus;
  from: { runId: string | null; at: string | null };
  target: string;
  paths: string[];
  files: { restored: number; failed: number };
  bytes: { restored: number };
  verification: Verification | null;
  incomplete: boolean;
  errors: RunError[];
  logTail: string;
  sample: { files: number; bytes: number; ofFiles: number; ofBytes: number };
  sourceCompared: { checked: number; mismatches: number };
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** The `drill` payload, trimmed to the format's limits and validated (a drill that broke the schema would never be reported). */
export function buildDrillPayload(config: AgentConfig, job: JobConfig, f: DrillFacts): DrillPayload {
  const errors = boundedErrors(f.errors);
  return DrillPayload.parse({
    ...common(config, f.runId, f.endedAt),
    kind: 'drill',
    job: { id: job.id, name: job.name, plugin: job.plugin },
    command: null,
    startedAt: f.startedAt.toISOString(),
    endedAt: f.endedAt.toISOString(),
    status: f.status,
    from: f.from,
    target: clip(f.target, 1000),
    inPlace: false,
    paths: f.paths.slice(0, 100).map((p) => clip(p, 1000)),
    files: f.files,
    bytes: f.bytes,
    verification: f.verification ? { ...f.verification, mismatchedPaths: f.verification.mismatchedPaths.slice(0, 100).map((p) => clip(p, 1000)) } : null,
    incomplete: f.incomplete,
    errors,
    logTail: f.logTail.slice(-20_000),
    sample: f.sample,
    sourceCompared: f.sourceCompared,
  });
}
