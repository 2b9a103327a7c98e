import { htmlTableRows } from '../html.ts';
import { countOf, isResultWord } from './values.ts';

/**
 * The layout of a Veeam job mail (Backup & Replication and Veeam Agent share it): one table whose
 * first row is the header (`Backup job: NAME (Retry N)` over a `Created by ...` description, and
 * the result word over `2 of 2 VMs processed`), then the session's long date, three summary rows
 * of label/value pairs (`Success 0 | Start time 01:00:29 | Total size 16,5 GB | Backup size ...`)
 * with the session's messages in a ninth cell, a `Details` row, and a `Name | Status | Start time
 * | End time | Size | Read | Transferred | Duration | Details` header with one row per VM or
 * object. Agent mails put each object's details in a row of their own under a `Details` header.
 */
export interface VeeamMail {
  type: string;
  job: string;
  retry: number | null;
  description: string | null;
  result: string | null;
  processed: string | null;
  sessionLine: string | null;
  summary: Map<string, string>;
  sessionDetails: string[];
  objects: VeeamRow[];
  /** The Success + Warning + Error counts of the summary, when all three are there. */
  counted: number | null;
}

export interface VeeamRow {
  cells: Map<string, string>;
  details: string[];
}

/** Marks where a `<div>` or `<br>` began inside a cell, so the cell's parts stay apart. */
const PART = '\u241e';
const HEADER = /^\s*((?:[A-Za-z][\w-]*\s+){0,4}?)job:\s*(.+?)\s*$/i;
const RETRY = /\s*\(Retry\s+(\d+)\)\s*$/i;
const LABELS = ['Success', 'Warning', 'Error', 'Start time', 'End time', 'Duration', 'Total size', 'Backup size', 'Data read', 'Dedupe', 'Transferred', 'Compression', 'Bottleneck', 'Processing rate'];

const parts = (cell: string | undefined): string[] => (cell ?? '').split(PART).map((p) => p.trim()).filter(Boolean);
const label = (cell: string): string | null => {
  const c = cell.replace(/:\s*$/, '').trim().toLowerCase();
  return LABELS.find((l) => l.toLowerCase() === c) ?? null;
};

/** The table rows of the body, each cell's `<div>`/`<br>` parts joined by PART. */
function rowsOf(html: string): string[][] {
  return htmlTableRows(html.replace(/<(?:div|br|p)\b[^>]*>/gi, `$&${PART}`));
}

/** The header row: the job type, name and retry, the description, the result and the processed count. */
function readHeader(row: string[]): Pick<VeeamMail, 'type' | 'job' | 'retry' | 'description' | 'result' | 'processed'> | null {
  const [title, ...description] = parts(row[0]);
  const m = HEADER.exec(title ?? '');
  if (!m || !m[2]) return null;
  const retry = RETRY.exec(m[2]);
  const job = m[2].replace(RETRY, '').trim();
  if (!job) return null;
  const [result, ...processed] = parts(row[1]);
  return {
    type: (m[1] ?? '').trim() || 'Backup',
    job,
    retry: retry ? Number(retry[1]) : null,
    description: description.join(' ') || null,
    result: isResultWord(result) ? result!.split(/\s/)[0]! : null,
    processed: processed.join(' ') || null,
  };
}

/** Label/value pairs of a summary row; a cell that is neither is the session's messages. */
function readSummaryRow(row: string[], into: Map<string, string>, messages: string[]): boolean {
  let found = false;
  for (let i = 0; i < row.length; i++) {
    const l = label(parts(row[i]).join(' '));
    if (l && i + 1 < row.length) {
      into.set(l, parts(row[i + 1]).join(' '));
      found = true;
      i++;
    } else if (!l) messages.push(...parts(row[i]));
  }
  return found;
}

const isObjectHeader = (row: string[]) => row.length >= 2 && /^name$/i.test(row[0]!.trim()) && row.some((c) => /^status$/i.test(c.trim()));

/** The mail's job, summary and objects, or null when the body has no Veeam job header. */
export function readMail(html: string): VeeamMail | null {
  const rows = rowsOf(html);
  const at = rows.findIndex((r) => readHeader(r) !== null && isResultWord(parts(r[1])[0]));
  const headerAt = at >= 0 ? at : rows.findIndex((r) => readHeader(r) !== null);
  if (headerAt < 0) return null;
  const mail: VeeamMail = { ...readHeader(rows[headerAt]!)!, sessionLine: null, summary: new Map(), sessionDetails: [], objects: [], counted: null };
  let columns: string[] | null = null;
  let detailsRow = false;
  for (const row of rows.slice(headerAt + 1)) {
    const text = parts(row.join(PART)).join(' ');
    if (isObjectHeader(row)) {
      columns = row.map((c) => c.trim().toLowerCase());
      continue;
    }
    if (columns === null) {
      if (row.length === 1 && !mail.sessionLine && !mail.summary.size && /\d{1,2}[:.]\d{2}/.test(text)) mail.sessionLine = text;
      else if (row.length > 1) readSummaryRow(row, mail.summary, mail.sessionDetails);
      continue;
    }
    // Agent layout: a one-cell `Details` header, then one cell with the previous object's details.
    if (row.length === 1) {
      if (/^details$/i.test(text)) detailsRow = true;
      else if (detailsRow && mail.objects.length) mail.objects[mail.objects.length - 1]!.details.push(...parts(row[0]));
      continue;
    }
    const cells = new Map<string, string>();
    const details: string[] = [];
    columns.forEach((c, i) => (c === 'details' ? details.push(...parts(row[i])) : cells.set(c, parts(row[i]).join(' '))));
    if (cells.get('name')) mail.objects.push({ cells, details });
  }
  const counts = ['Success', 'Warning', 'Error'].map((l) => countOf(mail.summary.get(l)));
  mail.counted = counts.every((c) => c !== null) ? counts.reduce((a, b) => a! + b!, 0) : null;
  return mail;
}
