import type { Db } from '../store/db.ts';
import { approvedWithCommand, finishRequest, type RequestArgs } from '../store/client-requests.ts';

interface CommandRow {
  state: 'sent' | 'picked-up' | 'done' | 'refused';
  expires_at: number | null;
  reason: string | null;
  result_run_id: string | null;
  result_status: string | null;
}

/**
 * Moves approved requests on when their command's outcome is known (store/commands.ts): done
 * with an ok or warning report is `done`, with a failed one `failed`; refused by the agent, or
 * expired before any agent picked it up, is `failed` with the reason. What came back (files and
 * bytes restored or copied) is kept for the client's notice. Returns how many moved.
 */
export function followRequests(db: Db, now: Date): number {
  const command = db.prepare<[string], CommandRow>('SELECT state, expires_at, reason, result_run_id, result_status FROM commands WHERE id = ?');
  let moved = 0;
  for (const r of approvedWithCommand(db)) {
    const c = command.get(r.commandId!);
    if (!c) continue;
    if (c.state === 'done') {
      const result = { ...outcomeOf(db, r.action, c.result_run_id), runId: c.result_run_id ?? undefined, status: c.result_status ?? undefined };
      const failed = c.result_status === 'failed' || result.incomplete === true;
      const { incomplete, ...kept } = result;
      void incomplete;
      finishRequest(db, r.id, failed ? 'failed' : 'done', { ...r.args, result: kept }, failed ? (result.summary ?? 'the office computer reported that it failed') : null);
      moved++;
    } else if (c.state === 'refused') {
      finishRequest(db, r.id, 'failed', r.args, `the office computer could not do it: ${c.reason ?? 'no reason given'}`);
      moved++;
    } else if (c.state === 'sent' && c.expires_at !== null && c.expires_at < now.getTime()) {
      finishRequest(db, r.id, 'failed', r.args, 'the office computer did not pick it up in time (is it switched on and connected?)');
      moved++;
    }
  }
  return moved;
}

type Outcome = NonNullable<RequestArgs['result']> & { incomplete?: boolean };

/** Files and bytes of the run that answered: the restore report, or the backup run. */
function outcomeOf(db: Db, action: string, runId: string | null): Outcome {
  if (runId === null) return {};
  if (action === 'backup') {
    const run = db.prepare<[string], { files_copied: number; bytes_copied: number; first_error: string | null }>('SELECT files_copied, bytes_copied, first_error FROM runs WHERE run_id = ?').get(runId);
    return run ? { files: run.files_copied, bytes: run.bytes_copied, ...(run.first_error ? { summary: run.first_error } : {}) } : {};
  }
  const r = db
    .prepare<[string], { files_restored: number; bytes_restored: number; incomplete: number; target: string; payload_json: string }>(
      "SELECT files_restored, bytes_restored, incomplete, target, payload_json FROM restores WHERE run_id = ? AND kind = 'restore'",
    )
    .get(runId);
  if (!r) return {};
  const errors = (JSON.parse(r.payload_json) as { errors?: { message?: string }[] }).errors ?? [];
  return {
    files: r.files_restored,
    bytes: r.bytes_restored,
    target: r.target,
    ...(r.incomplete ? { incomplete: true, summary: 'the restore stopped before it was complete' } : errors[0]?.message ? { summary: errors[0].message } : {}),
  };
}
