import { tailLines } from '../../core/process.ts';
import type { RunError, RunStatus } from '../../core/result/schema.ts';
import { zeroCounts, type PluginOutcome } from '../types.ts';
import { PARTIAL_TRANSFER_CODES, describeExitCode } from './exit-codes.ts';

/** Which rsync wrote the stats block; they label the same numbers differently. */
export type RsyncDialect = 'rsync3' | 'rsync2' | 'openrsync';

/** The numbers of one `--stats` block. Absent fields were not in the block. */
export interface RsyncStats {
  dialect: RsyncDialect;
  /** "Number of files": every entry (files, dirs, links ...). */
  entries: number;
  /** Regular files among `entries`; rsync 3.x only ("reg: N"). */
  regularFiles?: number;
  /** Regular files deleted at the destination; rsync 3.x only. */
  deleted?: number;
  transferred?: number;
  totalSize?: number;
  transferredSize?: number;
  sent?: number;
  received?: number;
}

/** What a run's output says besides the stats. */
export interface RsyncItemized {
  /** `>f...` / `<f...` lines: regular files sent or received. */
  transferred: number;
  /** `*deleting path` (itemised) or `deleting path` (verbose) lines, directories left out. */
  deleted: number;
}

export interface RsyncParseOptions {
  /** What exit codes 23 and 24 (partial transfers) become. Default `warning`. */
  partialTransferStatus?: 'warning' | 'failed';
  /** The command line asked for a dry run (`-n`, `--dry-run`); the log's "(DRY RUN)" marker tells too. */
  dryRun?: boolean;
}

/** The reason a dry run gives: it ran, but it wrote nothing. */
export const DRY_RUN_MESSAGE = 'dry run: rsync only listed what it would copy; nothing was written';

/** rsync ends a dry run's summary line ("total size is N  speedup is X") with "(DRY RUN)". */
export function isDryRunLog(text: string): boolean {
  return /^\s*total size is .*\(DRY RUN\)\s*$/m.test(text);
}

const SUFFIX: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };

/**
 * A number as rsync prints it: "1234", "1,234" or "1.234" (the locale's thousands separator),
 * or with `--human-readable` units "1.23M". Returns undefined when there is no number.
 */
export function parseRsyncNumber(text: string): number | undefined {
  const m = /^\s*(\d[\d.,']*)\s*([KMGTP])?/.exec(text);
  if (!m) return undefined;
  const [, digits = '', unit] = m;
  if (unit) return Math.round(Number(digits.replace(',', '.')) * (SUFFIX[unit] ?? 1));
  return Number(digits.replace(/[.,']/g, ''));
}

/** "(reg: 6,846, dir: 346)" -> {reg: 6846, dir: 346}; undefined without a breakdown. */
function breakdown(rest: string): Record<string, number> | undefined {
  const inner = /\(([^)]*)\)/.exec(rest)?.[1];
  if (inner === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const m of inner.matchAll(/([a-z]+):\s*(\d[\d.,']*)/g)) out[m[1]!] = parseRsyncNumber(m[2]!) ?? 0;
  return out;
}

const LABELS: ReadonlyArray<[RegExp, (s: RsyncStats, rest: string) => void]> = [
  [/^Number of files transferred$/, (s, r) => (s.transferred = parseRsyncNumber(r))],
  [/^Number of regular files transferred$/, (s, r) => ((s.transferred = parseRsyncNumber(r)), (s.dialect = 'rsync3'))],
  [/^Number of deleted files$/, (s, r) => ((s.deleted = breakdown(r)?.reg ?? parseRsyncNumber(r)), (s.dialect = 'rsync3'))],
  [/^Number of created files$/, (s) => (s.dialect = 'rsync3')],
  [/^Total file size$/, (s, r) => (s.totalSize = parseRsyncNumber(r))],
  [/^Total transferred file size$/, (s, r) => (s.transferredSize = parseRsyncNumber(r))],
  [/^Total (bytes )?sent$/, (s, r) => (s.sent = parseRsyncNumber(r))],
  [/^Total (bytes )?received$/, (s, r) => (s.received = parseRsyncNumber(r))],
  [/^Unmatched data$/, (s) => (s.dialect = 'openrsync')],
];

/**
 * The last `--stats` block in the text (a log may hold several appended runs; the last counts),
 * or null when there is none. Lines may be indented (logs pasted into other files).
 */
export function parseRsyncStats(text: string): RsyncStats | null {
  let stats: RsyncStats | null = null;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const label = line.slice(0, colon);
    const rest = line.slice(colon + 1);
    if (label === 'Number of files') {
      const parts = breakdown(rest);
      stats = { dialect: parts ? 'rsync3' : 'rsync2', entries: parseRsyncNumber(rest) ?? 0 };
      if (parts) stats.regularFiles = parts.reg ?? 0;
      continue;
    }
    if (label === 'Transfer starting') continue;
    if (!stats) continue;
    for (const [re, apply] of LABELS) if (re.test(label)) apply(stats, rest);
  }
  if (stats && stats.dialect === 'rsync2' && /^Transfer starting: /m.test(text)) stats.dialect = 'openrsync';
  return stats;
}

/** A line of a `--log-file` log: "2026/12/04 18:05:19 [5988] message". */
const LOG_FILE_LINE = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(\d+)\] ?(.*)$/;

/**
 * The text of a `--log-file` log as rsync's own output: the date and process prefix taken off
 * every line, and only the last run kept (a log file is appended to by every run; each run has
 * its own process id). Text that is not such a log is returned as it is.
 */
export function unwrapLogFile(text: string): string {
  const lines = text.split(/\r\n|\r|\n/);
  let pid: string | null = null;
  for (let i = lines.length - 1; i >= 0 && pid === null; i--) pid = LOG_FILE_LINE.exec(lines[i]!)?.[1] ?? null;
  if (pid === null) return text;
  const out: string[] = [];
  for (const line of lines) {
    const m = LOG_FILE_LINE.exec(line);
    if (m) {
      if (m[1] === pid) out.push(m[2]!);
    } else if (line.trim()) out.push(line);
  }
  return out.join('\n');
}

/** The closing line(s) of a run that finished its transfer, without --stats. */
export interface RsyncSummary {
  sent: number;
  received: number;
  /** "total size is N" / "total size N": the size of all files in the transfer. */
  totalSize?: number;
}

/**
 * The summary rsync writes at the end of every completed transfer, with or without --stats:
 * `sent N bytes  received N bytes  R bytes/sec` then `total size is N  speedup is X` on its
 * output (`-v`), or `sent N bytes  received N bytes  total size N` in a `--log-file` log. The
 * last one counts; null when there is none (the run was cut off or never got that far).
 */
export function parseRsyncSummary(text: string): RsyncSummary | null {
  let summary: RsyncSummary | null = null;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    const sent = /^sent ([\d.,']+[KMGTP]?) bytes\s+received ([\d.,']+[KMGTP]?) bytes(?:\s+total size ([\d.,']+[KMGTP]?))?/.exec(line);
    if (sent) {
      summary = { sent: parseRsyncNumber(sent[1]!) ?? 0, received: parseRsyncNumber(sent[2]!) ?? 0 };
      if (sent[3] !== undefined) summary.totalSize = parseRsyncNumber(sent[3]) ?? 0;
      continue;
    }
    const total = /^total size is ([\d.,']+[KMGTP]?)/.exec(line);
    if (total && summary) summary.totalSize = parseRsyncNumber(total[1]!) ?? 0;
  }
  return summary;
}

/** Counts the lines of `--itemize-changes` (and `-v` deletions) in the text. */
export function countItemized(text: string): RsyncItemized {
  let transferred = 0;
  let deleted = 0;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trimStart();
    const del = /^\*?deleting\s+(.+)$/.exec(line);
    if (del) {
      if (!del[1]!.endsWith('/')) deleted++;
    } else if (/^[<>]f[.+?a-zA-Z]{9,10} /.test(line)) transferred++;
  }
  return { transferred, deleted };
}

/**
 * rsync's own complaints: lines starting "rsync:", "rsync error:", "rsync warning:",
 * "file has vanished:" or "openrsync:". Repeated lines (a log of many failed runs) are kept once.
 */
export function collectRsyncErrors(text: string): RunError[] {
  const seen = new Set<string>();
  const errors: RunError[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (!/^(rsync( error| warning)?:|file has vanished:|openrsync:)/.test(line) || seen.has(line)) continue;
    seen.add(line);
    const path = /"([^"]+)"/.exec(line)?.[1];
    errors.push(path === undefined ? { message: line.slice(0, 2000) } : { message: line.slice(0, 2000), path: path.slice(0, 1000) });
    if (errors.length >= 150) break;
  }
  return errors;
}

/** The code of the last "rsync error: ... (code N)" line: the exit code of a log read alone. */
export function exitCodeFromLog(text: string): number | null {
  const codes = [...text.matchAll(/^\s*rsync (?:error|warning):.*\(code (\d+)\)/gm)];
  const last = codes.at(-1);
  return last ? Number(last[1]) : null;
}

/**
 * The normalised outcome of one rsync run from its output (stdout and stderr together), or from
 * a `--log-file` log (the last run in it), and its exit code. With no exit code (a log read
 * alone) the code of the last "rsync error ... (code N)" line is used; without one, a stats
 * block or the closing "sent N bytes received N bytes" summary is the evidence of success (a
 * log written without --stats has only the latter).
 *
 * Counts: `examined` is the regular files when rsync 3.x gives them, else every entry;
 * `copied` the files transferred; `extra` the files deleted at the destination; `failed` the
 * paths rsync complained about; `skipped` the rest of `examined`. Bytes: total and transferred
 * file size.
 */
export function parseRsyncOutput(output: string, exitCode: number | null, options: RsyncParseOptions = {}): PluginOutcome {
  const log = unwrapLogFile(output);
  const stats = parseRsyncStats(log);
  const summary = stats ? null : parseRsyncSummary(log);
  const items = countItemized(log);
  const found = collectRsyncErrors(log);
  const code = exitCode ?? exitCodeFromLog(log);
  const files = zeroCounts();
  const bytes = zeroCounts();
  files.failed = found.filter((e) => e.path !== undefined).length;
  // Without --stats, the itemised lines are all there is: the files it copied (those it left
  // alone are not listed), so `examined` is at least those.
  files.examined = stats?.regularFiles ?? stats?.entries ?? items.transferred + files.failed;
  files.copied = stats?.transferred ?? items.transferred;
  files.extra = stats?.deleted ?? items.deleted;
  files.skipped = Math.max(0, files.examined - files.copied - files.failed);
  bytes.examined = stats?.totalSize ?? summary?.totalSize ?? 0;
  bytes.copied = stats?.transferredSize ?? 0;
  bytes.skipped = Math.max(0, bytes.examined - bytes.copied);

  const [decided, reason] = decide(code, stats, summary !== null, found, options.partialTransferStatus ?? 'warning');
  const reasons: RunError[] = reason ? [{ message: reason, ...(code === null ? {} : { code: String(code) }) }] : [];
  // A dry run that worked is still no backup: it must never read as ok. It stays a warning, not
  // failed, because the tool ran and could have copied; what is wrong is the job's own setting.
  const dryRun = options.dryRun === true || isDryRunLog(log);
  const status = dryRun && decided === 'ok' ? 'warning' : decided;
  if (dryRun) reasons[decided === 'failed' ? 'push' : 'unshift']({ message: DRY_RUN_MESSAGE });
  const errors = [...reasons, ...found];
  return { status, exitCode: code, files, bytes, verification: null, errors: errors.slice(0, 200), logTail: tailLines(log, 40) };
}

function decide(code: number | null, stats: RsyncStats | null, finished: boolean, found: RunError[], partial: 'warning' | 'failed'): [RunStatus, string | null] {
  if (code === null) {
    if (found.some((e) => e.message.startsWith('rsync error'))) return ['failed', 'rsync reported an error'];
    return stats || finished ? ['ok', null] : ['failed', 'no rsync statistics or closing summary found (log cut off?)'];
  }
  if (code === 0) return ['ok', null];
  if (PARTIAL_TRANSFER_CODES.includes(code)) {
    // A "partial" transfer of nothing at all (the source itself is missing) is no backup.
    if (stats && stats.entries === 0) return ['failed', `${describeExitCode(code)}: the source had no files`];
    return [partial, describeExitCode(code)];
  }
  return ['failed', describeExitCode(code)];
}
