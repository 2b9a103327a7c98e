import { emptyResult, type DuplicatiResult } from './result.ts';

/**
 * The text report (`--send-mail-result-output-format=Duplicati`, the default), as
 * DuplicatiFormatSerializer writes it: one `Key: value` line per property of the result
 * (Utility.PrintSerializeObject), lists as `Key: [` + items indented 4 and separated by `,` +
 * `]`, and for a run that threw `Failed: <message>` / `Details: <exception>` first. A `Log data:`
 * section with the warning/error log lines may follow. The HTTP module's body starts with a
 * heading `Duplicati Backup report for <name>`.
 */

const KEY = /^([A-Za-z][A-Za-z0-9]*): ?(.*)$/;
const LOG_LINE = /\[(Warning|Error)-[^\]]*\]:\s*(.*)$/;
const HEADING = /^Duplicati (\w+) report for (.+?)(?: \(([0-9a-f]{32}), ([^,()]*), ([^()]*)\))?\s*$/;
const MAX_ITEMS = 200;

/** True when the text has the labels only a Duplicati text report has. */
export function looksLikeTextReport(text: string): boolean {
  const head = text.slice(0, 200_000);
  return (/^ParsedResult: \w+/m.test(head) && /^(MainOperation|BeginTime|EndTime|ExaminedFiles): /m.test(head))
    || (/^ExaminedFiles: \d/m.test(head) && /^SizeOfExaminedFiles: \d/m.test(head)) // cut off before its verdict
    || /^Failed: .*\r?\nDetails: Duplicati\./m.test(head);
}

/** A count or size: `123`, or `10.12 KB (10364)` in some 2018 canaries. */
function numberOf(value: string): number | null {
  const m = /^\s*(\d+)\s*$/.exec(value) ?? /\((\d+)\)\s*$/.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

/** The items of a list that starts on `lines[at]`; returns them and the index after the list. */
function readList(lines: string[], at: number, first: string): { items: string[]; next: number } {
  const rest = first.slice(1).trim();
  if (rest.endsWith(']')) { // `Warnings: []`, `Warnings: [one item]`
    const inner = rest.slice(0, -1).trim();
    return { items: inner ? [inner] : [], next: at + 1 };
  }
  const items: string[] = [];
  let startsItem = true;
  let i = at + 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\]\s*$/.test(line)) return { items, next: i + 1 };
    // Items are written indented, one after another with ",\n"; a multi-line item (an exception
    // with its stack trace) continues on unindented lines: only its first line is kept.
    if (startsItem && line.trim() && items.length < MAX_ITEMS) items.push(line.trim().replace(/,$/, ''));
    startsItem = /,\s*$/.test(line);
  }
  return { items, next: i }; // cut off inside the list
}

export function readTextReport(text: string): DuplicatiResult | null {
  if (!looksLikeTextReport(text)) return null;
  const r = emptyResult('text');
  const lines = text.slice(0, 2_000_000).split(/\r?\n/);
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^Log data:\s*$/.test(line)) break;
    const heading = HEADING.exec(line);
    if (heading && !values.size) {
      r.job = heading[2]!.trim();
      r.host = heading[5]?.trim() || null;
      continue;
    }
    const kv = KEY.exec(line);
    if (!kv) continue;
    const [, key = '', value = ''] = kv;
    if (value.startsWith('[')) {
      const list = readList(lines, i, value);
      lists.set(key, list.items);
      i = list.next - 1;
    } else if (!values.has(key)) values.set(key, value.trim());
  }
  for (; i < lines.length && r.errors.length + r.warnings.length < MAX_ITEMS; i++) {
    const m = LOG_LINE.exec(lines[i]!);
    if (m) (m[1] === 'Error' ? r.errors : r.warnings).push(lines[i]!.trim());
  }

  const num = (k: string) => { const v = values.get(k); return v === undefined ? null : numberOf(v); };
  const bool = (k: string) => /^true$/i.test(values.get(k) ?? '');
  r.failure = values.get('Failed') || null;
  r.parsedResult = values.get('ParsedResult')?.split(/\s/)[0] || null;
  r.operation = values.get('MainOperation') || null;
  r.begin = values.get('BeginTime') || null;
  r.end = values.get('EndTime') || null;
  r.examinedFiles = num('ExaminedFiles');
  r.addedFiles = num('AddedFiles');
  r.modifiedFiles = num('ModifiedFiles');
  r.deletedFiles = num('DeletedFiles');
  r.filesWithError = num('FilesWithError');
  r.sizeOfExaminedFiles = num('SizeOfExaminedFiles');
  r.sizeOfAddedFiles = num('SizeOfAddedFiles');
  r.sizeOfModifiedFiles = num('SizeOfModifiedFiles');
  r.partial = bool('PartialBackup');
  r.interrupted = bool('Interrupted');
  r.dryrun = bool('Dryrun');
  // 2.0.5.1 renamed the lists LimitedErrors/LimitedWarnings and added the *ActualLength counts.
  const errors = lists.get('Errors') ?? lists.get('LimitedErrors') ?? [];
  const warnings = lists.get('Warnings') ?? lists.get('LimitedWarnings') ?? [];
  r.errorCount = num('ErrorsActualLength') ?? (errors.length || null);
  r.warningCount = num('WarningsActualLength') ?? (warnings.length || null);
  r.errors = [...errors, ...r.errors];
  r.warnings = [...warnings, ...r.warnings];
  if (r.failure) r.errors.unshift(`Failed: ${r.failure}`);
  return r;
}
