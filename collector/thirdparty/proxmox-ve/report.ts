import type { ReportObject } from '../types.ts';
import type { RunStatus } from '../../../core/result/schema.ts';
import { naiveLogTime, offsetFromMailDate } from './dates.ts';
import { failureLine, guestLog, type GuestLog, type Logs } from './logs.ts';
import type { Guest } from './table.ts';
import { parseBytes } from './units.ts';

/**
 * One guest of the table as a report object. vzdump lists a guest whose backup was written as
 * `ok` even when its log warned (`WARN:`) or logged an error it survived; such a guest is a
 * warning. `err` is a failed backup, `todo` a guest the job never reached (it was aborted).
 */
export interface GuestResult {
  object: ReportObject;
  log: GuestLog;
  /** The line that says why it failed or warned, for the summary. */
  reason: string | null;
}

function statusOf(g: Guest, log: GuestLog): RunStatus {
  if (g.state !== 'ok') return 'failed';
  return log.errors.length || log.warnings.length ? 'warning' : 'ok';
}

function reasonOf(g: Guest, log: GuestLog, status: RunStatus): string | null {
  if (status === 'ok') return null;
  if (status === 'failed') return failureLine(log.errors)?.message ?? g.message ?? (g.state === 'todo' ? 'aborted: the job ended before this guest' : `status ${g.state}`);
  return (log.errors[0] ?? log.warnings[0])?.message ?? null;
}

export interface Clock {
  /** The naive time plus the zone the mail date implies, or null. */
  at(time: string | null): Date | null;
}

/** The zone of the log times, taken from the last of them and the mail's Date header. */
export function clockFor(logs: Logs, mailDate: Date | null): Clock {
  let last: number | null = null;
  for (const l of logs.lines) {
    const t = l.time ? naiveLogTime(l.time, mailDate) : null;
    if (t !== null && (last === null || t > last)) last = t;
  }
  const offset = last === null ? null : offsetFromMailDate(last, mailDate);
  return {
    at(time) {
      if (offset === null || !time) return null;
      const t = naiveLogTime(time, mailDate);
      return t === null ? null : new Date(t + offset);
    },
  };
}

export function guestResult(g: Guest, logs: Logs, clock: Clock): GuestResult {
  const log = guestLog(logs, g.vmid);
  const status = statusOf(g, log);
  const reason = reasonOf(g, log, status);
  const done = [g.filename, g.time, g.size].filter(Boolean).join(', ');
  const detail = status === 'ok' ? done || null : [reason, status === 'warning' ? done : ''].filter(Boolean).join('; ') || null;
  return {
    object: {
      name: (g.name ? `${g.vmid} ${g.name}` : g.vmid).slice(0, 500),
      status,
      detail: detail ? detail.slice(0, 2000) : null,
      bytes: g.state === 'ok' ? parseBytes(g.size) : null,
      startedAt: clock.at(log.started),
      endedAt: clock.at(log.ended),
    },
    log,
    reason,
  };
}

/** The lines that say what went wrong: job errors, then guest errors, then warnings; at most 50. */
export function errorLines(jobErrors: readonly string[], logs: Logs, results: readonly GuestResult[]): string[] {
  const failedWithoutLog = results.filter((r) => r.object.status === 'failed' && !r.log.errors.length && r.reason).map((r) => `${r.object.name}: ${r.reason}`);
  const errors = [...jobErrors, ...failedWithoutLog, ...logs.lines.filter((l) => l.level === 'ERROR').map((l) => l.raw)];
  const warnings = logs.lines.filter((l) => l.level === 'WARN').map((l) => l.raw);
  return [...new Set([...errors, ...warnings])].slice(0, 50).map((l) => l.slice(0, 2000));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line a person can read. */
export function summaryOf(status: RunStatus, jobError: string | null, results: readonly GuestResult[], totalSize: string | null, totalTime: string | null): string {
  const n = results.length;
  const bad = results.filter((r) => r.object.status === status && status !== 'ok');
  const first = bad[0];
  const why = first?.reason ? ` (${first.object.name}: ${first.reason})` : '';
  const totals = [totalSize, totalTime].filter(Boolean).join(' in ');
  let line: string;
  if (status === 'ok') line = `Backup successful: ${n === 1 ? '1 guest' : `${n} of ${n} guests`} ok${totals ? ` (${totals})` : ''}`;
  else if (status === 'warning') line = `Backup successful with warnings: ${bad.length} of ${plural(n, 'guest')} warned${why}`;
  else if (jobError && !bad.length) line = `Backup failed: ${jobError}`;
  else line = `Backup failed: ${bad.length} of ${plural(n, 'guest')} failed${why}${jobError ? `; ${jobError}` : ''}`;
  return line.slice(0, 1000);
}
