import type { Operation } from './subject.ts';

/**
 * The body of a PBS job mail, as the templates write it: `Label:   value` lines (Job ID,
 * Datastore, Remote ...), one verdict line (`Verification successful.`, `Pruning failed: <error>`),
 * lists (failed snapshots, snapshots written to tape, used tapes) and a link to the server's web
 * interface, `<https://<fqdn>:8007/#DataStore-<store>>` or `...#pbsServerAdministration:tasks>`.
 */

export interface PbsBody {
  /** The operation the verdict line names; null when there is none. */
  operation: Operation | null;
  verdict: 'ok' | 'failed' | null;
  /** The failure message after `... failed: `. */
  error: string | null;
  /** Label values by lower-case label ("job id", "datastore", "remote store" ...). */
  labels: ReadonlyMap<string, string>;
  /** Verify: the snapshots/groups that failed. */
  failedItems: string[];
  /** Tape backup: the snapshots written, and the tapes used. */
  snapshots: string[];
  usedTapes: string[];
  /** The server the web-interface link names (fqdn). */
  linkHost: string | null;
  /** The node and start of the task a GC mail names in its `Task ID: UPID:...`. */
  upidNode: string | null;
  upidStart: Date | null;
}

// [ \t] rather than \s: a line anchor followed by \s* would backtrack over every blank line.
const VERDICTS: readonly { operation: Operation; ok: RegExp; failed: RegExp }[] = [
  { operation: 'verify', ok: /^[ \t]*Verification successful\.[ \t]*$/m, failed: /^[ \t]*Verification failed on these snapshots(?:\/groups)?:[ \t]*()$/m },
  { operation: 'garbage-collection', ok: /^[ \t]*Garbage collection successful\.[ \t]*$/m, failed: /^[ \t]*Garbage collection failed:[ \t]*(.*)$/m },
  { operation: 'prune', ok: /^[ \t]*Pruning successful\.[ \t]*$/m, failed: /^[ \t]*Pruning failed:[ \t]*(.*)$/m },
  { operation: 'sync', ok: /^[ \t]*Synchronization successful\.[ \t]*$/m, failed: /^[ \t]*Synchronization failed:[ \t]*(.*)$/m },
  { operation: 'tape-backup', ok: /^[ \t]*Tape Backup successful\.[ \t]*$/m, failed: /^[ \t]*Tape Backup failed:[ \t]*(.*)$/m },
];

const LABELS = new Set([
  'job id', 'datastore', 'remote', 'remote store', 'local source store', 'tape pool', 'tape drive', 'duration', 'task id',
  'index file count', 'removed garbage', 'removed chunks', 'removed bad chunks', 'leftover bad chunks', 'pending removals',
  'original data usage', 'on-disk usage', 'on-disk chunks', 'deduplication factor',
]);
const LABEL_LINE = /^[ \t]*([A-Za-z][A-Za-z -]{0,30}?):[ \t]*(.*?)[ \t]*$/;
const LINK = /<https?:\/\/([^/:>\s]+)(?::\d+)?\/#(?:DataStore-|pbsServerAdministration)/;
const UPID = /UPID:([^:\s]+):[0-9A-Fa-f]{8,}:[0-9A-Fa-f]{8,}:[0-9A-Fa-f]{8,}:([0-9A-Fa-f]{8}):/;
const FOOTER = /^[ \t]*Please visit the web interface/;

function isStop(line: string): boolean {
  const label = LABEL_LINE.exec(line);
  return FOOTER.test(line) || (!!label && LABELS.has(label[1]!.toLowerCase())) || VERDICTS.some((v) => v.ok.test(line) || v.failed.test(line));
}

/**
 * The items listed after a heading line, up to the next label, verdict or footer, or the blank
 * line after them. Items may share a line (some handlebars versions join `{{this~}}` items), so a
 * line is split at runs of two or more spaces.
 */
function listAfter(lines: readonly string[], heading: RegExp): string[] {
  const at = lines.findIndex((l) => heading.test(l));
  if (at < 0) return [];
  const items: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (!line.trim()) {
      if (items.length) break;
      continue;
    }
    if (isStop(line)) break;
    items.push(...line.trim().split(/\s{2,}/).filter(Boolean));
  }
  return items.slice(0, 10_000);
}

/** The failure message, with any continuation lines up to the next blank line. */
function errorAfter(lines: readonly string[], at: number, first: string): string {
  const parts = [first.trim()];
  for (const line of lines.slice(at + 1, at + 20)) {
    if (!line.trim() || isStop(line)) break;
    parts.push(line.trim());
  }
  return parts.filter(Boolean).join(' ').slice(0, 1500);
}

function verdictOf(text: string, lines: readonly string[]): Pick<PbsBody, 'operation' | 'verdict' | 'error'> {
  for (const v of VERDICTS) {
    const failed = v.failed.exec(text);
    if (failed) {
      const at = lines.findIndex((l) => v.failed.test(l));
      return { operation: v.operation, verdict: 'failed', error: v.operation === 'verify' ? null : errorAfter(lines, at, failed[1] ?? '') };
    }
    if (v.ok.test(text)) return { operation: v.operation, verdict: 'ok', error: null };
  }
  return { operation: null, verdict: null, error: null };
}

export function readBody(raw: string): PbsBody {
  const text = raw.replace(/\r\n?/g, '\n');
  const lines = text.split('\n');
  const labels = new Map<string, string>();
  for (const line of lines) {
    const m = LABEL_LINE.exec(line);
    const key = m?.[1]!.toLowerCase();
    if (m && key && LABELS.has(key) && !labels.has(key)) labels.set(key, m[2]!.slice(0, 500));
  }
  const upid = UPID.exec(labels.get('task id') ?? '');
  const start = upid ? Number.parseInt(upid[2]!, 16) * 1000 : Number.NaN;
  return {
    ...verdictOf(text, lines),
    labels,
    failedItems: listAfter(lines, /^[ \t]*Verification failed on these snapshots/),
    snapshots: listAfter(lines, /^[ \t]*Snapshots included:[ \t]*$/),
    usedTapes: listAfter(lines, /^[ \t]*Used Tapes:[ \t]*$/),
    linkHost: LINK.exec(text)?.[1] ?? null,
    upidNode: upid?.[1] ?? null,
    upidStart: Number.isFinite(start) ? new Date(start) : null,
  };
}

/** A PBS job body: the web-interface link of PBS and a verdict line or a `Datastore:` label. */
export function looksLikePbsBody(text: string): boolean {
  if (!LINK.test(text)) return false;
  return /^[ \t]*Datastore:/m.test(text) || VERDICTS.some((v) => v.ok.test(text) || v.failed.test(text));
}
