import type { JobStatus, StatusReport } from './types.ts';
import { categoryLabel, categoryOf, type Category } from './category.ts';
import { localTimeWords } from './clock-words.ts';
import { plural, relativeWords } from './words.ts';
import { provenanceNotes } from './provenance.ts';

/** Clock drift smaller than this (minutes) is mail delivery noise and is not shown. */
export const SHOWN_DRIFT_MINUTES = 5;

const HEADER = ['CLIENT', 'SITE', 'JOB', 'STATE', 'LAST RUN', 'LAST GOOD', 'NEXT DUE', 'NOTE'];

/**
 * The `collector status` table: one line per job (client, site, job, state, last run start, last
 * good run start and its age, next due, and a note with the reason and any anomaly), columns
 * aligned, times in the reader's zone; then one line per silent agent, blind mailbox, notable
 * clock drift and the quarantine count. Blind mailboxes come first among those lines because
 * they mean the table itself may be incomplete.
 */
export function formatStatusTable(report: StatusReport, opts: { now: Date; timeZone: string }): string {
  const when = (d: Date | null): string => (d ? localTimeWords(d, opts.timeZone, opts.now) : '-');
  const rows = report.jobs.map((j) => [
    j.clientId,
    j.siteId,
    j.jobId,
    categoryLabel(categoryOf(j)),
    j.lastRun ? when(j.lastRun.startedAt) : 'never',
    // The age is of the instant shown beside it (the start), not of the end: the two must agree.
    j.lastGoodRun ? `${when(j.lastGoodRun.startedAt)} (${relativeWords(opts.now.getTime() - j.lastGoodRun.startedAt.getTime())})` : 'never',
    when(j.nextDueAt),
    noteOf(j),
  ]);
  const lines = report.jobs.length === 0 ? ['No jobs have been heard of yet.'] : alignColumns([HEADER, ...rows]);

  const t = opts.now.getTime();
  for (const m of report.mailboxes.filter((x) => x.blind)) {
    const poll = m.lastGoodPollAt ? `last good poll ${relativeWords(t - m.lastGoodPollAt.getTime())}` : 'never polled successfully';
    lines.push(`MONITORING BLIND: ${m.name} ${poll}${m.lastError ? `: ${m.lastError}` : ''}`);
  }
  for (const s of report.sites.filter((x) => x.agentSilent)) {
    lines.push(`AGENT SILENT: ${s.clientId}/${s.siteId}: ${s.reason ?? 'no heartbeat'}`);
  }
  for (const s of report.sites) {
    const d = s.clockDriftMinutes;
    if (d !== null && Math.abs(d) >= SHOWN_DRIFT_MINUTES) {
      lines.push(`CLOCK: ${s.clientId}/${s.siteId}: the agent's clock is about ${Math.round(Math.abs(d))} min ${d > 0 ? 'ahead' : 'behind'}`);
    }
  }
  if ((report.unmappedCount ?? 0) > 0) lines.push(`UNMAPPED: ${plural(report.unmappedCount!, 'notification')} of known tools no rule maps (see: collector unmapped)`);
  if (report.quarantinedCount > 0) {
    lines.push(`QUARANTINE: ${plural(report.quarantinedCount, 'message')} held (see: collector quarantine)`);
  }
  return `${lines.join('\n')}\n`;
}

function noteOf(j: JobStatus): string {
  const parts: string[] = [];
  if (j.state !== 'ok') parts.push(j.reason);
  for (const a of j.anomalies) parts.push(`anomaly: ${a.message}`);
  if (j.missingSequences > 0) parts.push(`${plural(j.missingSequences, 'report')} never arrived`);
  parts.push(...provenanceNotes(j));
  return parts.join('; ');
}

/** Pads every column but the last to its widest cell, two spaces apart. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** A type with every Date turned into its ISO string, as JSON.stringify writes it. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

/** The JSON of a report: each job also carries its `category`, the word the table and the digest show. */
export type StatusJson = Jsonified<Omit<StatusReport, 'jobs'>> & { jobs: (Jsonified<JobStatus> & { category: Category })[] };

/**
 * The report as plain JSON data for `--json`: dates as ISO 8601 strings in UTC. `state` is the
 * engine's state; `category` is what the table and the digest show (`anomaly` for an ok run
 * with an anomaly, `new` or `missing` for a job never heard of).
 */
export function statusToJson(report: StatusReport): StatusJson {
  const plain = toPlain(report) as Jsonified<StatusReport>;
  return { ...plain, jobs: plain.jobs.map((j, i) => ({ ...j, category: categoryOf(report.jobs[i]!) })) };
}

function toPlain(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = toPlain((v as Record<string, unknown>)[k]);
  return out;
}
