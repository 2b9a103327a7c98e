import { randomUUID } from 'node:crypto';
import type { HeartbeatPayload, ResultPayload } from './schema.ts';

/**
 * Builders of valid payloads for tests, benchmarks and the demo. Not used by the agent itself,
 * which builds payloads from real runs.
 */
export function sampleResult(over: Partial<ResultPayload> & { siteId?: string; jobId?: string } = {}): ResultPayload {
  const { siteId = 'site-a', jobId = 'nightly', ...rest } = over;
  const startedAt = rest.startedAt ?? '2026-11-23T01:00:00.000Z';
  return {
    format: 'synecdoche-result',
    version: 1,
    kind: 'result',
    site: { id: siteId, client: 'Acme Ltd' },
    agent: { host: 'fileserver', version: '0.1.0', timeZone: 'Europe/Berlin' },
    job: { id: jobId, name: 'Nightly documents', plugin: 'copy', schedule: '0 2 * * *', nextRunAt: '2026-11-24T01:00:00.000Z' },
    runId: randomUUID(),
    sequence: 1,
    startedAt,
    endedAt: rest.endedAt ?? new Date(Date.parse(startedAt) + 65_000).toISOString(),
    status: 'ok',
    exitCode: null,
    files: { examined: 120, copied: 12, skipped: 108, failed: 0, extra: 0 },
    bytes: { examined: 50_000_000, copied: 4_000_000, skipped: 46_000_000, failed: 0, extra: 0 },
    verification: { mode: 'copied', algorithm: 'sha256', checked: 12, mismatches: 0, mismatchedPaths: [] },
    errors: [],
    logTail: 'copied 12 files',
    sentAt: rest.sentAt ?? new Date(Date.parse(startedAt) + 70_000).toISOString(),
    ...rest,
  };
}

export function sampleHeartbeat(over: Partial<HeartbeatPayload> & { siteId?: string } = {}): HeartbeatPayload {
  const { siteId = 'site-a', ...rest } = over;
  return {
    format: 'synecdoche-result',
    version: 1,
    kind: 'heartbeat',
    site: { id: siteId, client: 'Acme Ltd' },
    agent: { host: 'fileserver', version: '0.1.0', timeZone: 'Europe/Berlin' },
    runId: randomUUID(),
    startedAt: '2026-11-22T08:00:00.000Z',
    nextHeartbeatAt: '2026-11-24T08:00:00.000Z',
    jobs: [{ id: 'nightly', nextRunAt: '2026-11-24T01:00:00.000Z' }],
    outboxPending: 0,
    sentAt: '2026-11-23T08:00:00.000Z',
    ...rest,
  };
}
