import fs from 'node:fs';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { AgentConfig } from '../config.ts';
import type { Outbox } from '../outbox.ts';
import { buildRestorePayload } from './payload.ts';
import { leftoverRecords } from './state.ts';

/** The error of a restore whose agent died before the end. */
export const KILLED_MESSAGE = 'the agent stopped during the restore (killed or crashed)';

/**
 * Reports restores that a dead agent left behind (their state record is still there, their
 * process gone): a `restore` report with `incomplete: true`, status failed, into the outbox; the
 * record goes, the marker in the target stays. Called when an agent command loads its config.
 */
export function reportLeftoverRestores(deps: { config: AgentConfig; outbox: Outbox; clock: Clock; log: Logger }): number {
  let n = 0;
  for (const { file, record } of leftoverRecords(deps.config.stateDir)) {
    if (!record) {
      deps.log.warn({ file }, 'unreadable restore state record removed');
      fs.rmSync(file, { force: true });
      continue;
    }
    const payload = buildRestorePayload(deps.config, {
      record,
      endedAt: deps.clock.now(),
      status: 'failed',
      files: { restored: 0, failed: 0 },
      bytes: { restored: 0 },
      verification: null,
      sizeOnly: 0,
      incomplete: true,
      errors: [{ message: KILLED_MESSAGE }],
      logTail: `${KILLED_MESSAGE}; found when the agent started again. The target ${record.target} keeps its .synecdoche-restore-incomplete marker: do not trust its contents. The end time is when this was noticed.`,
    });
    deps.outbox.put(payload);
    fs.rmSync(file, { force: true });
    deps.log.warn({ runId: record.runId, jobId: record.job.id, target: record.target }, 'restore left incomplete by an agent that stopped; reported');
    n++;
  }
  return n;
}
