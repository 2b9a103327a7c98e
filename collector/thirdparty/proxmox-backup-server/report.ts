import { noCounts, worstStatus, type ReportObject, type ThirdPartyReport } from '../types.ts';
import type { PbsBody } from './body.ts';
import { describeGc, readGcStats, type GcStats } from './gc.ts';
import type { Operation, SubjectInfo } from './subject.ts';

/** Turns what was read from a PBS mail into the report; the body beats the subject throughout. */

const LABEL: Record<Operation, string> = {
  verify: 'Verify',
  prune: 'Prune',
  'garbage-collection': 'Garbage collection',
  sync: 'Sync',
  'tape-backup': 'Tape backup',
};

/** Without a verdict line the body's labels still tell the operation (a mail cut off early). */
function guessOperation(b: PbsBody): Operation | null {
  const has = (k: string) => b.labels.has(k);
  if (has('tape pool') || has('tape drive')) return 'tape-backup';
  if (has('remote store') || has('local source store')) return 'sync';
  if (has('task id') || has('removed garbage')) return 'garbage-collection';
  return null;
}

const cap = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function listed(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

function objectsOf(op: string, b: PbsBody): ReportObject[] {
  const obj = (name: string, status: ReportObject['status'], detail: string): ReportObject => ({ name: cap(name, 500), status, detail, bytes: null, startedAt: null, endedAt: null });
  if (op === 'verify') return b.failedItems.map((i) => obj(i, 'failed', 'verification failed'));
  if (op === 'tape-backup') {
    const pool = b.labels.get('tape pool');
    return b.snapshots.map((s) => obj(s, 'ok', pool ? `written to tape pool '${pool}'` : 'written to tape'));
  }
  return [];
}

/** Where a sync came from: " (from remote 'pbs-main' datastore 'backup')". */
function syncSource(b: PbsBody, subject: SubjectInfo | null): string {
  const remote = b.labels.get('remote') ?? subject?.remote;
  if (remote) {
    const remoteStore = b.labels.get('remote store') ?? subject?.sourceStore;
    return ` (from remote '${remote}'${remoteStore ? ` datastore '${remoteStore}'` : ''})`;
  }
  const local = b.labels.get('local source store') ?? subject?.sourceStore;
  return local ? ` (from local datastore '${local}')` : '';
}

/** "5 snapshots to pool 'weekly' in 1h 12m 5s on WK0003L8, WK0004L8". */
function tapeDetail(b: PbsBody): string {
  const parts = [`${b.snapshots.length} snapshot${b.snapshots.length === 1 ? '' : 's'}`];
  const pool = b.labels.get('tape pool');
  if (pool) parts.push(`to pool '${pool}'`);
  const duration = b.labels.get('duration');
  if (duration) parts.push(`in ${duration}`);
  if (b.usedTapes.length) parts.push(`on ${listed(b.usedTapes, 5)}`);
  return parts.join(' ');
}

function outcomeOf(operation: string, b: PbsBody, gc: GcStats | null): string {
  if (!b.verdict) return ': no result in the mail (cut off?)';
  if (b.verdict === 'ok') {
    const stats = gc ? describeGc(gc) : '';
    if (stats) return ` successful: ${stats}`;
    return operation === 'tape-backup' ? ` successful: ${tapeDetail(b)}` : ' successful';
  }
  if (operation === 'verify') {
    const n = b.failedItems.length;
    return ` failed on ${n} snapshot${n === 1 ? '' : 's'}/group${n === 1 ? '' : 's'}${n ? `: ${listed(b.failedItems)}` : ''}`;
  }
  const written = operation === 'tape-backup' && b.snapshots.length ? ` (${b.snapshots.length} snapshots written before)` : '';
  return ` failed: ${b.error || 'no error given'}${written}`;
}

export function toReport(subject: SubjectInfo | null, b: PbsBody): ThirdPartyReport {
  const operation: Operation | 'unknown' = b.operation ?? subject?.operation ?? guessOperation(b) ?? 'unknown';
  const store = b.labels.get('datastore') || subject?.store || null;
  const jobId = b.labels.get('job id') || subject?.jobId || null;
  const job = jobId ?? (store ? `${operation} ${store}` : operation);
  const gc = operation === 'garbage-collection' ? readGcStats(b.labels) : null;
  const objects = objectsOf(operation, b);

  const errors: string[] = [];
  let status: ThirdPartyReport['status'] = b.verdict === 'ok' ? 'ok' : 'failed';
  if (b.error && b.operation) errors.push(`${LABEL[b.operation]} failed: ${b.error}`);
  for (const item of b.failedItems) errors.push(`Verification failed: ${item}`);
  if (b.verdict === 'failed' && operation === 'verify' && !b.failedItems.length) errors.push('Verification failed (no snapshots listed)');
  if (!b.verdict) errors.push('the mail has no result line (cut off, or not a PBS job mail)');
  if (status === 'ok' && gc?.leftoverBad) {
    status = 'warning';
    errors.push(`Leftover bad chunks: ${gc.leftoverBad} (corrupt chunks still referenced by backups)`);
  }
  status = worstStatus([status, ...objects.map((o) => o.status)]);

  const what = `${operation === 'unknown' ? 'PBS job' : LABEL[operation]}${jobId ? ` job ${jobId}` : ''}${store ? ` on datastore '${store}'` : ''}`;
  const source = operation === 'sync' ? syncSource(b, subject) : '';
  const summary = cap(`${what}${source}${outcomeOf(operation, b, gc)}`, 1000);

  return {
    tool: 'proxmox-backup-server',
    job: cap(job, 500),
    host: cap(b.linkHost ?? b.upidNode ?? '', 500) || null,
    operation,
    status,
    startedAt: b.upidStart,
    endedAt: null,
    files: noCounts(),
    bytes: { examined: gc?.originalBytes ?? null, copied: null, failed: null },
    errors: errors.slice(0, 50).map((e) => e.slice(0, 2000)),
    summary,
    objects,
  };
}
