import { z } from 'zod';

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** "100 MB", "2 GiB", "500k" or a plain number of bytes -> bytes; null when it is not a size. */
export function parseSize(value: string | number): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$/i.exec(value);
  if (!m) return null;
  let unit = (m[2] ?? 'b').toLowerCase();
  if (!unit.endsWith('b')) unit += 'b';
  const factor = UNITS[unit];
  const bytes = factor === undefined ? NaN : Math.round(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/** A size in a config: bytes, or a string with a unit (decimal kB/MB/GB/TB, binary KiB/MiB/GiB/TiB). */
export const SizeOption = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => {
    const bytes = parseSize(v);
    if (bytes === null) {
      ctx.addIssue({ code: 'custom', message: `not a size: ${JSON.stringify(v)} (expected a number of bytes or e.g. "100 MB", "2 GiB")` });
      return z.NEVER;
    }
    return bytes;
  });
