import { tailLines } from '../../core/process.ts';
import type { RunError, RunStatus } from '../../core/result/schema.ts';
import { zeroCounts, type PluginOutcome } from '../types.ts';
import { decodeLog } from './decode.ts';
import { statusFromExitCode, worst } from './exit-codes.ts';
import { collectErrors } from './log-errors.ts';
import { findTables, type SummaryTable } from './table.ts';

export interface RobocopyParseOptions {
  /** Force the log's encoding (an iconv-lite name: cp850, cp866, cp932, utf16le ...) instead of guessing. */
  encoding?: string;
}

export const NO_SUMMARY = 'no robocopy summary found (log truncated?)';

/** The banner that opens every run, in every language: "   ROBOCOPY     ::     Robust File Copy ...". */
const BANNER = /^\s*ROBOCOPY\s+::/;
const DASHES = /^\s*-{20,}\s*$/;
/** A progress line left after splitting on bare CRs ("  36%  "). */
const PROGRESS = /^\s*\d+(?:[.,]\d+)?%\s*$/;

/**
 * Reads a robocopy log (console output, /LOG or /UNILOG file) into an outcome. Pure.
 *
 * Only the last run counts when several runs appended to one log. Counts come from the summary
 * table (files and bytes; directories only decide the status). The status is the worse of what
 * the exit code says (see exit-codes.ts) and what the table says (FAILED > 0 failed, Mismatch > 0
 * warning); without an exit code the table alone decides, and without a table the run failed.
 */
export function parseRobocopyLog(bytes: Buffer, exitCode: number | null, options: RobocopyParseOptions = {}): PluginOutcome {
  const { text } = decodeLog(bytes, options.encoding);
  const run = lastRun(text.split(/\r\n|\r|\n/).filter((l) => !PROGRESS.test(l)));
  const table = findTables(run).at(-1);
  const logTail = tailLines(run.join('\n'), 40);
  const notes: RunError[] = [];
  let status: RunStatus;

  if (exitCode === null) {
    status = table ? tableStatus(table, notes) : 'failed';
    if (!table) notes.push({ message: NO_SUMMARY });
  } else {
    const verdict = statusFromExitCode(exitCode);
    status = verdict.status;
    if (verdict.reason) notes.push({ message: verdict.reason });
    if (table) status = worst(status, tableStatus(table, notes));
    else if (status !== 'failed') {
      // The exit code alone says nothing about what was copied (/NJS, or a cut log): look at it.
      status = 'warning';
      notes.push({ message: `${NO_SUMMARY}; counts unknown` });
    }
  }

  return {
    status,
    exitCode,
    files: table ? counts(table.files) : zeroCounts(),
    bytes: table ? counts(table.bytes) : zeroCounts(),
    verification: null,
    errors: [...notes, ...collectErrors(run)].slice(0, 200),
    logTail,
  };
}

/** The lines of the last run: from the dashes above the last banner; else after the previous table. */
function lastRun(lines: string[]): string[] {
  for (let i = lines.length - 1; i >= 0; i--) {
    if (BANNER.test(lines[i]!)) return lines.slice(i > 0 && DASHES.test(lines[i - 1]!) ? i - 1 : i);
  }
  const tables = findTables(lines);
  return tables.length > 1 ? lines.slice(tables.at(-2)!.line + 3) : lines;
}

function tableStatus(t: SummaryTable, notes: RunError[]): RunStatus {
  const failed = t.dirs.failed + t.files.failed;
  const mismatch = t.dirs.mismatch + t.files.mismatch;
  if (failed > 0) notes.push({ message: `robocopy summary: ${plural(t.files.failed, 'file')} and ${plural(t.dirs.failed, 'directory', 'directories')} failed` });
  if (mismatch > 0) notes.push({ message: `robocopy summary: ${plural(t.files.mismatch, 'file')} and ${plural(t.dirs.mismatch, 'directory', 'directories')} mismatched` });
  return failed > 0 ? 'failed' : mismatch > 0 ? 'warning' : 'ok';
}

function counts(r: SummaryTable['files']) {
  return { examined: r.total, copied: r.copied, skipped: r.skipped, failed: r.failed, extra: r.extras };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
