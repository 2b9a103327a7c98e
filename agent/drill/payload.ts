import { DrillPayload, type RunError, type RunStatus, type Verification } from '../../core/result/schema.ts';
import type { AgentConfig, JobConfig } from '../config.ts';
import { common } from '../payload.ts';
import { boundedRestoreFields } from '../restore/payload.ts';

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

/** The `drill` payload, trimmed to the format's limits and validated (a drill that broke the schema would never be reported). */
export function buildDrillPayload(config: AgentConfig, job: JobConfig, f: DrillFacts): DrillPayload {
  return DrillPayload.parse({
    ...common(config, f.runId, f.endedAt),
    kind: 'drill',
    job: { id: job.id, name: job.name, plugin: job.plugin },
    command: null,
    startedAt: f.startedAt.toISOString(),
    endedAt: f.endedAt.toISOString(),
    status: f.status,
    from: f.from,
    inPlace: false,
    files: f.files,
    bytes: f.bytes,
    incomplete: f.incomplete,
    ...boundedRestoreFields(f),
    sample: f.sample,
    sourceCompared: f.sourceCompared,
  });
}
