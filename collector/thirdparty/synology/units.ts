/**
 * Sizes as DSM prints them: `522.6 MB`, `14,4 GB`, `1.2 TB`, `512 KB`. DSM computes sizes in
 * binary units while labelling them KB/MB/GB (Storage Manager, Hyper Backup, Active Backup all
 * do), so 1 GB = 1024^3 bytes here.
 */
const POWERS: Record<string, number> = { b: 0, byte: 0, bytes: 0, k: 1, kb: 1, kib: 1, m: 2, mb: 2, mib: 2, g: 3, gb: 3, gib: 3, t: 4, tb: 4, tib: 4, p: 5, pb: 5, pib: 5 };

/** Bytes as an integer, or null when the value is not a size. */
export function sizeBytes(value: string): number | null {
  const m = /^\s*(\d+(?:[.,]\d+)?)\s*([kmgtp]?i?b|bytes?|[kmgtp])\b/i.exec(value);
  if (!m) return null;
  const power = POWERS[m[2]!.toLowerCase()];
  if (power === undefined) return null;
  const n = Number(m[1]!.replace(',', '.'));
  return Number.isFinite(n) ? Math.round(n * 1024 ** power) : null;
}
