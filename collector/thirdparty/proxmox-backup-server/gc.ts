/**
 * The statistics of a successful garbage collection mail (gc-ok template):
 * `Removed garbage:      3.605 GiB`, `Pending removals:     1.145 GiB (in 534 chunks)`,
 * `On-Disk usage:        384.002 GiB (7.53%)`. PBS prints sizes with proxmox-human-byte in
 * binary units (KiB, MiB, GiB: 1024-based); decimal units (KB, MB) are read as 1000-based.
 */

export interface GcStats {
  removed: string | null;
  removedChunks: number | null;
  pending: string | null;
  pendingChunks: number | null;
  original: string | null;
  originalBytes: number | null;
  onDisk: string | null;
  dedup: string | null;
  /** Chunks that are corrupt and still referenced: the datastore has damaged backups. */
  leftoverBad: number | null;
}

const UNIT_POWER: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };

/** "3.605 GiB", "512 B", "16,5 GB", "512MB" as bytes; null when not a size. */
export function parseBytes(s: string): number | null {
  const m = /^\s*(\d+(?:[.,]\d+)?)\s*([kmgtpe]?)(i?)b(?:ytes?)?\b/i.exec(s);
  if (!m) return null;
  const value = Number(m[1]!.replace(',', '.'));
  const power = UNIT_POWER[m[2]!.toLowerCase()] ?? 0;
  const base = m[3] || power === 0 ? 1024 : 1000;
  const bytes = Math.round(value * base ** power);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

const int = (s: string | undefined): number | null => {
  const m = s ? /^\s*(\d+)/.exec(s) : null;
  return m ? Number(m[1]) : null;
};

/** The size part of a value, without its "(in 534 chunks)" / "(7.53%)" tail. */
const size = (s: string | undefined): string | null => (s ? /^\s*(\d+(?:[.,]\d+)?\s*[A-Za-z]+)/.exec(s)?.[1] ?? null : null);

export function readGcStats(labels: ReadonlyMap<string, string>): GcStats {
  const pending = labels.get('pending removals');
  const original = size(labels.get('original data usage'));
  return {
    removed: size(labels.get('removed garbage')),
    removedChunks: int(labels.get('removed chunks')),
    pending: size(pending),
    pendingChunks: int(/\(in (\d+) chunks\)/.exec(pending ?? '')?.[1]),
    original,
    originalBytes: original ? parseBytes(original) : null,
    onDisk: size(labels.get('on-disk usage')),
    dedup: labels.get('deduplication factor')?.trim() || null,
    leftoverBad: int(labels.get('leftover bad chunks')),
  };
}

/** "removed 3.605 GiB in 1742 chunks, 1.145 GiB pending, on-disk 384.002 GiB of 4.982 TiB (deduplication factor 13.29)". */
export function describeGc(g: GcStats): string {
  const parts: string[] = [];
  if (g.removed) parts.push(`removed ${g.removed}${g.removedChunks !== null ? ` in ${g.removedChunks} chunks` : ''}`);
  if (g.pending) parts.push(`${g.pending} pending`);
  if (g.onDisk) parts.push(`on-disk ${g.onDisk}${g.original ? ` of ${g.original}` : ''}${g.dedup ? ` (deduplication factor ${g.dedup})` : ''}`);
  if (g.leftoverBad) parts.push(`${g.leftoverBad} leftover bad chunks`);
  return parts.join(', ');
}
