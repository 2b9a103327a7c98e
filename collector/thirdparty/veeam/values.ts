import type { RunStatus } from '../../../core/result/schema.ts';

/**
 * Veeam's values as its mails print them: sizes in the server's culture with binary units
 * (`16,5 GB`, `84,8 MB`, `0,0 B`, `1.2 TB`: Veeam's GB is 1024^3 bytes), result words in English
 * (`Success`, `Warning`, `Failed`, `Error`), whatever the server's language.
 */

const UNITS: Record<string, number> = { b: 0, kb: 1, kib: 1, mb: 2, mib: 2, gb: 3, gib: 3, tb: 4, tib: 4, pb: 5, pib: 5 };

/** Bytes from `16,5 GB`, `813.1 MB`, `1 024,0 KB`; null when unreadable or absent (`N/A`). */
export function bytesOf(value: string | undefined): number | null {
  const m = /^\s*([\d\s\u00a0.,']+?)\s*([kmgtp]?i?b)\b/i.exec(value ?? '');
  if (!m) return null;
  let num = m[1]!.replace(/[\s\u00a0']/g, '');
  // The last separator is the decimal one (Veeam prints one decimal); any other groups thousands.
  const last = Math.max(num.lastIndexOf(','), num.lastIndexOf('.'));
  if (last >= 0) num = num.slice(0, last).replace(/[.,]/g, '') + '.' + num.slice(last + 1);
  const n = Number(num);
  const power = UNITS[m[2]!.toLowerCase()];
  if (!Number.isFinite(n) || power === undefined) return null;
  return Math.round(n * 1024 ** power);
}

/** A result word as a status; anything else (Pending, In progress, None, a word we do not know) is failed. */
export function statusOf(word: string | undefined): RunStatus {
  const w = (word ?? '').trim();
  if (/^success/i.test(w)) return 'ok';
  if (/^warning/i.test(w)) return 'warning';
  return 'failed';
}

/** True for the result words Veeam writes (a cell or header that carries a verdict). */
export function isResultWord(word: string | undefined): boolean {
  return /^(success|warning|failed|error)\b/i.test((word ?? '').trim());
}

/** A count cell (`4`); null when it is no plain number. */
export function countOf(value: string | undefined): number | null {
  const m = /^\s*(\d{1,9})\s*$/.exec(value ?? '');
  return m ? Number(m[1]) : null;
}
