import { htmlTableRows } from '../html.ts';

/**
 * The guest table of a vzdump mail, in its two layouts:
 *
 * - the notification system (PVE 8.1+, templates `vzdump-body.txt.hbs` / `.html.hbs`): a
 *   `Details` heading, then `VMID  Name  Status  Time  Size  Filename`, every cell padded to its
 *   column's widest value plus four spaces (`11s`, `430.758 MiB`, `null` for a failed guest's
 *   file), then `Total running time:` and `Total size:`;
 * - the legacy mail (PVE.VZDump `sendmail`, up to 8.0): `VMID NAME STATUS TIME SIZE FILENAME`
 *   printed with `%-10s %-20s %-6s %10s %10s  %s` (`00:01:23`, `1.20GB`, `-` for a failed guest),
 *   then `Detailed backup logs:`; its HTML part says `OK` / `FAILED` (the error in place of the
 *   size and file) and ends with a `TOTAL` row. Before PVE 6.3 the text part has no NAME column.
 *
 * A job-level error (storage not available, a hook that failed) comes before the table.
 */
export interface Guest {
  vmid: string;
  name: string | null;
  /** vzdump's task state: `ok`, `err`, `todo` (never reached: the job was aborted). */
  state: string;
  time: string | null;
  size: string | null;
  filename: string | null;
  /** The legacy HTML part's error text for a failed guest. */
  message: string | null;
}

export interface GuestTable {
  guests: Guest[];
  /** The table was followed by its totals (or the logs): the mail is not cut off inside it. */
  complete: boolean;
  totalSize: string | null;
  totalTime: string | null;
  /** Lines before the table: the job-level error, if any. */
  preamble: string[];
}

const NEW_HEADER = /^\s*VMID\s{2,}Name\s{2,}Status\s{2,}Time\s{2,}Size\s{2,}Filename\s*$/;
const OLD_HEADER = /^\s*VMID\s+(?:NAME\s+)?STATUS\s+TIME\s+SIZE\s+FILENAME\s*$/;
const OLD_ROW = /^\s*(\d+)\s+(?:(.{1,20}?)\s+)?(ok|err|todo)\s+(\d+:\d{2}:\d{2})\s+(\S+)\s+(.*?)\s*$/;
const TOTAL_TIME = /^\s*Total running time:\s*(.*?)\s*$/i;
const TOTAL_SIZE = /^\s*Total size:\s*(.*?)\s*$/i;
const LEGACY_END = /^\s*(?:Detailed backup logs:|Log output was too long)/i;

/** Whether a text looks like a vzdump guest table (cheap; used by `recognises`). */
export function hasTableHeader(text: string): boolean {
  return text.split(/\r?\n/, 400).some((l) => NEW_HEADER.test(l) || OLD_HEADER.test(l));
}

const value = (cell: string | undefined): string | null => (cell && cell !== 'null' && cell !== '-' ? cell : null);

function newRow(line: string): Guest | null {
  const cells = line.trim().split(/\s{2,}/);
  if (cells.length < 5 || !/^\d+$/.test(cells[0]!)) return null;
  const [vmid, name, state, time, size, filename] = cells as [string, string, string, string, string, string?];
  return { vmid, name: value(name), state: state.toLowerCase(), time: value(time), size: value(size), filename: value(filename), message: null };
}

function oldRow(line: string): Guest | null {
  const m = OLD_ROW.exec(line);
  if (!m) return null;
  const [, vmid = '', name, state = '', time, size, filename] = m;
  return { vmid, name: value(name?.trim()), state, time: value(time), size: value(size), filename: value(filename), message: null };
}

/** The guest table of the text part, or null when it has none. */
export function readTextTable(text: string): GuestTable | null {
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((l) => NEW_HEADER.test(l) || OLD_HEADER.test(l));
  if (at < 0) return null;
  const legacy = !NEW_HEADER.test(lines[at]!);
  let preamble = lines.slice(0, at);
  if (!legacy && /^=+\s*$/.test(preamble.at(-1) ?? '') && /^\s*Details\s*$/.test(preamble.at(-2) ?? '')) preamble = preamble.slice(0, -2);
  const table: GuestTable = { guests: [], complete: false, totalSize: null, totalTime: null, preamble: preamble.map((l) => l.trim()).filter(Boolean) };
  let i = at + 1;
  for (; i < lines.length; i++) {
    const g = legacy ? oldRow(lines[i]!) : newRow(lines[i]!);
    if (!g) break;
    table.guests.push(g);
  }
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const time = TOTAL_TIME.exec(line);
    const size = TOTAL_SIZE.exec(line);
    if (time) table.totalTime = value(time[1]);
    else if (size) table.totalSize = value(size[1]);
    else {
      if (legacy && LEGACY_END.test(line)) table.complete = true;
      break;
    }
  }
  // `Total running time:` follows the last row of the new layout only when the table was sent whole.
  if (!legacy && table.totalTime !== null) table.complete = true;
  return table;
}

/** The guest table of the HTML part (both layouts), or null when it has none. */
export function readHtmlTable(html: string, plain: string): GuestTable | null {
  // The legacy part writes `<td><font color=red>FAILED<td>`: unclosed cells around a <font> lose
  // their text in the table reader, and the colour says nothing the word does not.
  const rows = htmlTableRows(html.replace(/<\/?font\b[^>]*>/gi, ''));
  const at = rows.findIndex((r) => /^VMID$/i.test(r[0] ?? '') && r.some((c) => /^STATUS$/i.test(c)));
  if (at < 0) return null;
  const header = rows[at]!.map((c) => c.toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const table: GuestTable = { guests: [], complete: false, totalSize: null, totalTime: null, preamble: [] };
  for (const row of rows.slice(at + 1)) {
    if (/^TOTAL$/i.test(row[0] ?? '')) {
      [table.totalTime, table.totalSize] = [value(row[1]), value(row[2])];
      table.complete = true;
      break;
    }
    if (!/^\d+$/.test(row[0] ?? '')) continue;
    const cell = (name: string) => value(row[col(name)]);
    const state = (cell('status') ?? '').toLowerCase();
    const failed = state === 'failed';
    table.guests.push({
      vmid: row[0]!,
      name: cell('name'),
      state: failed ? 'err' : state,
      time: cell('time'),
      size: failed ? null : cell('size'),
      filename: failed ? null : cell('filename'),
      message: failed ? cell('size') : null,
    });
  }
  const lines = plain.split(/\r?\n/);
  for (const line of lines) {
    const time = TOTAL_TIME.exec(line);
    const size = TOTAL_SIZE.exec(line);
    if (time) table.totalTime = value(time[1]);
    if (size) table.totalSize = value(size[1]);
  }
  if (table.totalTime !== null) table.complete = true;
  // The job-level error is the text before the `Details` heading (or, legacy, the table).
  const first = lines.findIndex((l) => /^\s*(DETAILS|VMID)\b/i.test(l));
  table.preamble = (first < 0 ? [] : lines.slice(0, first)).map((l) => l.trim()).filter(Boolean);
  return table;
}
