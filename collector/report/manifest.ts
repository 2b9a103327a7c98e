import { sha256Hex } from '../../core/hash.ts';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { canonicalJson } from '../../core/result/canonical.ts';

/** The manifest of an archive: one JSON line per archived file, a hash chain in file order. */
export const MANIFEST_NAME = 'manifest.jsonl';

/** prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

export type ReportKind = 'digest' | 'client' | 'monthly';

/**
 * One archived file. `entryHash` is the SHA-256 of the canonical JSON of every other field,
 * and `prevHash` is the entryHash of the entry before it: editing, removing or inserting a line
 * breaks the chain at that point. A verifier in any language can recompute it (RFC 8785).
 */
export interface ManifestEntry {
  seq: number;
  /** Relative to the archive folder, with forward slashes: "2026/11/digest-2026-11-24.pdf". */
  path: string;
  sha256: string;
  size: number;
  kind: ReportKind;
  /** The client id, or "consultant" for the digest. */
  key: string;
  /** The report's date, YYYY-MM-DD. */
  date: string;
  createdAt: string;
  prevHash: string;
  entryHash: string;
}

export { sha256Hex };

/** The entryHash an entry must carry: computed over all its fields but entryHash itself. */
export function entryHashOf(entry: Omit<ManifestEntry, 'entryHash'> & { entryHash?: unknown }): string {
  const { entryHash: _ignored, ...rest } = entry;
  return sha256Hex(canonicalJson(rest));
}

/** A manifest line as read: parsed when it is JSON, with its 1-based line number. */
export interface ManifestLine {
  line: number;
  text: string;
  entry: ManifestEntry | null;
}

/** Every non-empty line of the manifest; an absent manifest is an empty archive. */
export function readManifest(manifestPath: string): ManifestLine[] {
  if (!existsSync(manifestPath)) return [];
  const out: ManifestLine[] = [];
  readFileSync(manifestPath, 'utf8').split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    out.push({ line: i + 1, text, entry: parseEntry(text) });
  });
  return out;
}

function parseEntry(text: string): ManifestEntry | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as ManifestEntry) : null;
  } catch {
    return null;
  }
}

/**
 * The last entry of the manifest, read from its end so that appending stays cheap however long
 * the archive grows. Throws when the last line is not an entry: appending after a damaged tail
 * would bury the damage.
 */
export function readLastEntry(manifestPath: string): ManifestEntry | null {
  if (!existsSync(manifestPath)) return null;
  const fd = openSync(manifestPath, 'r');
  try {
    const size = fstatSync(fd).size;
    for (let window = 64 * 1024; ; window *= 4) {
      const start = Math.max(0, size - window);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      const lines = buf.toString('utf8').split('\n').filter((l) => l.trim() !== '');
      // A full line is known once the window reaches the file start or holds two lines.
      if (start === 0 || lines.length >= 2) {
        const last = lines.at(-1);
        if (last === undefined) return null;
        const entry = parseEntry(last);
        if (!entry || typeof entry.entryHash !== 'string' || typeof entry.seq !== 'number') {
          throw new Error(`the last line of ${manifestPath} is not a manifest entry: ${last.slice(0, 80)}`);
        }
        return entry;
      }
    }
  } finally {
    closeSync(fd);
  }
}
