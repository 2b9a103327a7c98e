/**
 * The body of a Bacula/Bareos job mail: the job's log lines (`14-Sep 14:26 host-dir JobId 7:
 * ...`, or `2022-10-07 20:00:02host-dir JobId 7: ...` from a joblog), and the director's job
 * report, which starts with a heading `Bacula host-dir 9.6.7 (10Dec20):` (`Bareos ...`,
 * `Bacula Enterprise ...`, after `Error: ` when the job failed) followed by one `Label: value`
 * line per field, indented by the director (pasted copies lose the indentation), up to a blank
 * line. The last field is `Termination:`; a report without it was cut off.
 */

export interface ReportBlock {
  /** `Bacula` or `Bareos`, from the heading; null when the heading is missing. */
  product: string | null;
  /** Field label (as printed, e.g. `FD Bytes Written`) to its value, first occurrence wins. */
  fields: Map<string, string>;
}

export interface JobMail {
  blocks: ReportBlock[];
  /** Log lines saying `Fatal error:` or `Error:` (continuation lines joined), in order. */
  errors: string[];
  /** Log lines saying `Warning:`. */
  warnings: string[];
  /** `Job=name.2022-...` from a `Start Backup JobId 7, Job=...` log line, for reports cut off early. */
  startedJob: string | null;
}

const HEADING = /(?:^|\s)(Bacula|Bareos)(?: Enterprise)? \S+ \S+ \(\d{1,2}[A-Za-z]{3}\d{2}\):\s*$/;
const LOG_LINE = /^\s*(?:\S.*?\s)?\S+ JobId \d+: (.*)$/;
const FIELD = /^\s*([A-Za-z][A-Za-z0-9 ()/.-]{0,40}?):(?:\s+(.*?))?\s*$/;
const FIRST_FIELD = /^\s*(?:Build OS|JobId):/;
const KIND = /^(Fatal error|Error|Warning): /;
const STARTED = /\bJob=(\S+)/;

const clip = (s: string) => (s.length > 2000 ? `${s.slice(0, 1997)}...` : s);

/** A block of report fields starting at `start` (the first field line); ends at a blank or log line. */
function readBlock(lines: readonly string[], start: number, product: string | null): { block: ReportBlock; next: number } {
  const fields = new Map<string, string>();
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) break;
    if (LOG_LINE.test(line) && !FIELD.test(line)) break;
    const m = FIELD.exec(line);
    // Lines without a label are wrapped values (a long Volume name(s) list): skipped.
    if (m && !fields.has(m[1]!.replace(/\s+/g, ' '))) fields.set(m[1]!.replace(/\s+/g, ' '), m[2] ?? '');
    if (m && m[1] === 'Termination') { i++; break; }
  }
  return { block: { product, fields }, next: i };
}

/** Reads the log lines and report blocks of a job mail's text. Never throws on odd text. */
export function readJobMail(text: string): JobMail {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: JobMail = { blocks: [], errors: [], warnings: [], startedJob: null };
  let last: { list: string[]; index: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = HEADING.exec(line);
    if (heading || (FIRST_FIELD.test(line) && !out.blocks.length && i + 1 < lines.length && FIELD.test(lines[i + 1]!))) {
      const { block, next } = readBlock(lines, heading ? i + 1 : i, heading ? heading[1]! : null);
      if (block.fields.size) out.blocks.push(block);
      i = next - 1;
      last = null;
      continue;
    }
    const log = LOG_LINE.exec(line);
    if (log) {
      const message = log[1]!;
      out.startedJob ??= /^Start \w+/.test(message) ? (STARTED.exec(message)?.[1]?.replace(/,$/, '') ?? null) : null;
      const kind = KIND.exec(message)?.[1];
      const list = kind === 'Warning' ? out.warnings : kind ? out.errors : null;
      if (list) {
        list.push(clip(line.trim()));
        last = { list, index: list.length - 1 };
      } else last = null;
      continue;
    }
    // A message that runs over several lines (", got 2902 Bad storage", numbered advice).
    if (last && line.trim()) last.list[last.index] = clip(`${last.list[last.index]} ${line.trim()}`);
    else last = null;
  }
  return out;
}
