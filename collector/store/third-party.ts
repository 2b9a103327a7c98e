import { createHash } from 'node:crypto';
import type { ResultPayload } from '../../core/result/schema.ts';
import type { Mapping } from '../ingest/third-party.ts';
import { slug } from '../ingest/third-party.ts';
import type { ReportCounts, ThirdPartyReport } from '../thirdparty/types.ts';
import type { Db } from './db.ts';
import { recordRun, storedRun } from './records.ts';

/** The `plugin` of a third-party job: `third-party/<parser>`. Anything unsigned is marked by it. */
export const THIRD_PARTY_PREFIX = 'third-party/';

/** A stable UUID-shaped id from a message hash and a part name, so that a message ingested twice gives the same runs. */
function runIdOf(sha256: string, part: string): string {
  const h = part === '' ? sha256 : sha256Of(sha256, part);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function sha256Of(a: string, b: string): string {
  return createHash('sha256').update(a).update('\u0000').update(b).digest('hex');
}

const counts = (c: ReportCounts) => ({ examined: c.examined ?? 0, copied: c.copied ?? 0, skipped: 0, failed: c.failed ?? 0, extra: 0 });

/** The job id of one object (VM, guest) of a third-party job: `<job>.<object>`. */
export function objectJobId(jobId: string, objectName: string): string {
  return `${jobId}.${slug(objectName)}`.slice(0, 64);
}

export interface ThirdPartyRun {
  parser: string;
  report: ThirdPartyReport;
  mapping: Mapping;
  /** The mail's Date header, the fallback for times the report does not give. */
  dated: Date | null;
}

/**
 * Records a mapped notification as runs: one of the job, and one per object it lists (a Veeam
 * VM, a Proxmox guest), so that each is a job of its own in status and history. Returns the
 * job's run id, or null when these runs were already stored (a duplicate). Must run inside the
 * batch transaction.
 */
export function recordThirdParty(db: Db, t: ThirdPartyRun, row: { receivedAt: number; messageId: string | null; sha256: string }, now: number): string | null {
  const { report: r, mapping: m } = t;
  const mainId = runIdOf(row.sha256, '');
  if (storedRun(db, mainId)) return null;
  const fallback = t.dated && !Number.isNaN(t.dated.getTime()) ? t.dated : new Date(row.receivedAt);
  const started = r.startedAt ?? r.endedAt ?? fallback;
  const ended = r.endedAt ?? started;
  const sentAt = (t.dated ?? new Date(row.receivedAt)).toISOString();
  const base = (jobId: string, jobName: string, runId: string) => ({
    format: 'synecdoche-result' as const,
    version: 1 as const,
    kind: 'result' as const,
    site: { id: m.siteId, client: m.clientId },
    agent: { host: r.host ?? '', version: t.parser, timeZone: 'UTC' },
    runId,
    sentAt,
    job: { id: jobId, name: jobName, plugin: `${THIRD_PARTY_PREFIX}${t.parser}`, schedule: null, nextRunAt: null },
    // Notifications carry no sequence: a constant 1 records no gaps.
    sequence: 1,
    exitCode: null,
    verification: null,
  });
  const main: ResultPayload & { thirdParty: unknown } = {
    ...base(m.jobId, m.jobName, mainId),
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    status: r.status,
    files: counts(r.files),
    bytes: counts(r.bytes),
    errors: r.errors.map((message) => ({ message })),
    logTail: [r.summary, ...r.errors].join('\n').slice(0, 20_000),
    thirdParty: { parser: t.parser, rule: m.rule, operation: r.operation, summary: r.summary, objects: r.objects.map((o) => ({ name: o.name, status: o.status, detail: o.detail })) },
  };
  write(db, main, m, row, now);
  for (const o of r.objects) {
    const p: ResultPayload & { thirdParty: unknown } = {
      ...base(objectJobId(m.jobId, o.name), `${m.jobName}: ${o.name}`, runIdOf(row.sha256, o.name)),
      startedAt: (o.startedAt ?? started).toISOString(),
      endedAt: (o.endedAt ?? o.startedAt ?? ended).toISOString(),
      status: o.status,
      files: counts({ examined: null, copied: null, failed: null }),
      bytes: counts({ examined: o.bytes, copied: null, failed: null }),
      errors: o.status === 'ok' || !o.detail ? [] : [{ message: o.detail }],
      logTail: o.detail ?? '',
      thirdParty: { parser: t.parser, rule: m.rule, operation: r.operation, summary: `${o.name}: ${o.status}${o.detail ? ` (${o.detail})` : ''}`, objectOf: m.jobId },
    };
    write(db, p, m, row, now);
  }
  return mainId;
}

const ownerSql = (db: Db) => db.prepare<[string, string, string, string]>('UPDATE jobs SET client_id = ?, rule = ? WHERE site_id = ? AND job_id = ?');
const setOwner = new WeakMap<Db, ReturnType<typeof ownerSql>>();

/** One run, and the client and rule of its job. Its object runs share the message's fate: checked once, for the job's run. */
function write(db: Db, p: ResultPayload, m: Mapping, row: { receivedAt: number; messageId: string | null }, now: number): void {
  recordRun(db, p, row.receivedAt, row.messageId, now);
  let s = setOwner.get(db);
  if (!s) setOwner.set(db, (s = ownerSql(db)));
  s.run(m.clientId, m.rule, p.site.id, p.job.id);
}
