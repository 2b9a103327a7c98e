import { tailLines } from '../../core/process.ts';
import type { RunError, RunStatus } from '../../core/result/schema.ts';
import { zeroCounts, type PluginOutcome } from '../types.ts';

/** The numbers of restic's backup summary, from `--json` or from the text of `--verbose`. */
export interface ResticSummary {
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  dirsNew: number;
  dirsChanged: number;
  dirsUnmodified: number;
  dataAdded: number;
  totalFilesProcessed: number;
  totalBytesProcessed: number;
  snapshotId: string | null;
}

/** restic's documented exit codes for `backup`. */
export const RESTIC_EXIT_CODES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'fatal error (no snapshot created)',
  3: 'some source files could not be read (incomplete snapshot created)',
};

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 0);

function fromJson(m: Record<string, unknown>): ResticSummary {
  return {
    filesNew: num(m.files_new),
    filesChanged: num(m.files_changed),
    filesUnmodified: num(m.files_unmodified),
    dirsNew: num(m.dirs_new),
    dirsChanged: num(m.dirs_changed),
    dirsUnmodified: num(m.dirs_unmodified),
    dataAdded: num(m.data_added),
    totalFilesProcessed: num(m.total_files_processed),
    totalBytesProcessed: num(m.total_bytes_processed),
    snapshotId: typeof m.snapshot_id === 'string' ? m.snapshot_id : null,
  };
}

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4, PiB: 1024 ** 5 };

/** "1.720 GiB" -> bytes (restic's formatBytes uses binary units). */
export function parseResticSize(text: string): number | undefined {
  const m = /(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB|PiB)\b/.exec(text);
  return m ? Math.round(Number(m[1]) * UNITS[m[2]!]!) : undefined;
}

/** Best effort: the summary that `restic --verbose backup` prints as text, or null. */
export function parseResticText(text: string): ResticSummary | null {
  const files = /^\s*Files:\s+(\d+) new,\s+(\d+) changed,\s+(\d+) unmodified/m.exec(text);
  if (!files) return null;
  const dirs = /^\s*Dirs:\s+(\d+) new,\s+(\d+) changed,\s+(\d+) unmodified/m.exec(text);
  const added = /^\s*Added to the repository:\s*(.+)$/m.exec(text);
  const processed = /^\s*processed (\d+) files, (.+?) in /m.exec(text);
  const snapshot = /^\s*snapshot ([0-9a-f]+) saved/m.exec(text);
  const n = (s: string | undefined) => Number(s ?? 0);
  return {
    filesNew: n(files[1]),
    filesChanged: n(files[2]),
    filesUnmodified: n(files[3]),
    dirsNew: n(dirs?.[1]),
    dirsChanged: n(dirs?.[2]),
    dirsUnmodified: n(dirs?.[3]),
    dataAdded: added ? (parseResticSize(added[1]!) ?? 0) : 0,
    totalFilesProcessed: processed ? n(processed[1]) : n(files[1]) + n(files[2]) + n(files[3]),
    totalBytesProcessed: processed ? (parseResticSize(processed[2]!) ?? 0) : 0,
    snapshotId: snapshot?.[1] ?? null,
  };
}

function jsonError(m: Record<string, unknown>): RunError {
  const e = m.error;
  const detail = typeof e === 'string' ? e : e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message : '';
  const item = typeof m.item === 'string' ? m.item : undefined;
  const during = typeof m.during === 'string' ? ` during ${m.during}` : '';
  const message = `restic error${during}${item ? ` on ${item}` : ''}${detail ? `: ${detail}` : ''}`.slice(0, 2000);
  return item ? { message, path: item.slice(0, 1000) } : { message };
}

/** Plain-text lines restic writes to stderr even with --json: fatal errors and skipped paths. */
const TEXT_ERROR = /^(Fatal: |error: |.+ does not exist, skipping$|.+: (permission denied|no such file or directory)$)/i;
/** restic's reason for giving up, at the start of a line or after a prefix ("Resolving password failed: Fatal: ..."). */
const FATAL = /(^|: )Fatal: /;

/**
 * The outcome of one `restic backup --json` run from its output (stdout and stderr together)
 * and exit code; also reads the text summary of `--verbose` runs, best effort.
 *
 * Status: no summary is `failed` (no snapshot to trust); exit 0 is `ok`, or `warning` when
 * restic complained about some path (restic 0.14 exits 0 when a path it was given does not
 * exist); 3 is `warning`; 1 and anything else `failed`. Counts: examined = files processed,
 * copied = new + changed, skipped = unmodified, failed = paths restic reported errors for.
 * Bytes: examined = bytes processed, copied = data added to the repository.
 */
export function parseResticOutput(log: string, exitCode: number | null): PluginOutcome {
  let summary: ResticSummary | null = null;
  const errors: RunError[] = [];
  const kept: string[] = [];
  for (const raw of log.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line.startsWith('{')) {
      let m: Record<string, unknown> | null = null;
      try {
        m = JSON.parse(line) as Record<string, unknown>;
      } catch {
        /* not JSON after all: keep it as text */
      }
      if (m && m.message_type === 'status') continue; // progress noise
      if (m && m.message_type === 'summary') summary = fromJson(m);
      if (m && m.message_type === 'error') errors.push(jsonError(m));
    } else if (TEXT_ERROR.test(line) || FATAL.test(line)) {
      const path = /^(.+) does not exist, skipping$/.exec(line)?.[1];
      errors.push(path ? { message: line.slice(0, 2000), path: path.slice(0, 1000) } : { message: line.slice(0, 2000) });
    }
    kept.push(raw);
  }
  summary ??= parseResticText(log);

  const files = zeroCounts();
  const bytes = zeroCounts();
  if (summary) {
    files.examined = summary.totalFilesProcessed;
    files.copied = summary.filesNew + summary.filesChanged;
    files.skipped = summary.filesUnmodified;
    bytes.examined = summary.totalBytesProcessed;
    bytes.copied = summary.dataAdded;
  }
  files.failed = new Set(errors.flatMap((e) => (e.path ? [e.path] : []))).size;
  // restic's own "Fatal: ..." line says why far better than the exit code: it goes into the first error, said once.
  const fatal = errors.find((e) => FATAL.test(e.message) && e.path === undefined)?.message;
  const [status, generic] = decide(exitCode, summary, errors);
  const reason = generic && fatal && status === 'failed' ? (exitCode === null ? `restic failed: ${fatal}` : `restic exited with code ${exitCode}: ${fatal}`) : generic;
  const rest = reason && fatal && reason.endsWith(fatal) ? errors.filter((e) => e.message !== fatal) : errors;
  const all = reason ? [{ message: reason, ...(exitCode === null ? {} : { code: String(exitCode) }) }, ...rest] : errors;
  return { status, exitCode, files, bytes, verification: null, errors: all.slice(0, 200), logTail: tailLines(kept.join('\n'), 40) };
}

function decide(code: number | null, summary: ResticSummary | null, errors: RunError[]): [RunStatus, string | null] {
  if (code !== null && code !== 0 && code !== 3) return ['failed', `restic exited with code ${code} (${RESTIC_EXIT_CODES[code] ?? 'undocumented exit code'})`];
  if (!summary) return ['failed', 'restic did not report a backup summary'];
  if (code === 3) return ['warning', `restic exited with code 3 (${RESTIC_EXIT_CODES[3]})`];
  return errors.length > 0 ? ['warning', null] : ['ok', null];
}
