/**
 * The robocopy summary table, found by its shape rather than its words. Every language prints
 *
 *                Total    Copied   Skipped  Mismatch    FAILED    Extras
 *     Dirs :         2         0         2         0         0         0
 *    Files :        19         0        19         0         0         0
 *    Bytes :  476.65 m         0  476.65 m         0         0         0
 *
 * with translated labels (Каталогов, ディレクトリ, Verzeichnisse ...) and a header whose words may
 * run together, so we look for three consecutive lines of "<label> : <six numbers>" and read
 * them as directories, files and bytes, in that order.
 */

/** One row in column order: total, copied, skipped, mismatch, failed, extras. */
export interface TableRow {
  total: number;
  copied: number;
  skipped: number;
  mismatch: number;
  failed: number;
  extras: number;
}

export interface SummaryTable {
  dirs: TableRow;
  files: TableRow;
  bytes: TableRow;
  /** Index of the directories line in the lines searched. */
  line: number;
}

// A value: digits with optional decimal part ("476.65", "1,23") and optional unit (" m").
const VALUE = String.raw`\d+(?:[.,]\d+)*(?: [kmgtp](?![\p{L}]))?`;
const ROW = new RegExp(String.raw`^\s*[^\d:：]*[^\d\s:：]\s*[:：]\s*(${VALUE}(?:\s+${VALUE}){5})\s*$`, 'iu');
const VALUE_G = new RegExp(VALUE, 'giu');

const UNITS: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5 };

/**
 * A table value in plain units. Robocopy scales byte counts by 1024 with a one-letter unit
 * ("1.5 m", "12.3 g", and "1,23 m" where the decimal separator is a comma); a value without
 * unit is a whole number, possibly with grouping separators ("94.566.769").
 */
export function parseTableValue(raw: string): number {
  const m = /^(\d+(?:[.,]\d+)*)(?:\s*([kmgtp]))?$/i.exec(raw.trim());
  if (!m) return Number.NaN;
  const digits = m[1]!;
  const unit = m[2]?.toLowerCase();
  if (!unit) return Number(digits.replace(/[.,]/g, ''));
  const parts = digits.split(/[.,]/);
  // With a unit, the last separator is the decimal point; any before it group thousands.
  const number = parts.length === 1 ? Number(digits) : Number(`${parts.slice(0, -1).join('')}.${parts.at(-1)}`);
  return Math.round(number * 1024 ** UNITS[unit]!);
}

function parseRow(line: string): TableRow | null {
  const m = ROW.exec(line);
  if (!m) return null;
  const v = (m[1]!.match(VALUE_G) ?? []).map(parseTableValue);
  if (v.length !== 6 || v.some((n) => !Number.isFinite(n))) return null;
  const [total, copied, skipped, mismatch, failed, extras] = v as [number, number, number, number, number, number];
  return { total, copied, skipped, mismatch, failed, extras };
}

/** Every summary table in `lines`, in order (a log appended by several runs has several). */
export function findTables(lines: readonly string[]): SummaryTable[] {
  const found: SummaryTable[] = [];
  for (let i = 0; i + 2 < lines.length; i++) {
    const dirs = parseRow(lines[i]!);
    if (!dirs) continue;
    const files = parseRow(lines[i + 1]!);
    const bytes = files && parseRow(lines[i + 2]!);
    if (!files || !bytes) continue;
    found.push({ dirs, files, bytes, line: i });
    i += 2;
  }
  return found;
}
