import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * The manifest's wire format (issue 11, docs/result-format.md "The file manifest"): NDJSON, one
 * object per line, gzip-compressed, cut into parts at line boundaries. A `full` manifest has
 * one `put` per file; a `delta` has a `put` per added or changed file and a `del` per removed
 * path, against the manifest of `ManifestRef.baseRunId`.
 *
 *   {"op":"put","path":"docs/a.txt","size":12,"mtimeMs":1764806400000,"sha256":"9f86…"|null}
 *   {"op":"del","path":"docs/old.txt"}
 */
export interface FileFacts {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string | null;
}

export type ManifestLine = ({ op: 'put' } & FileFacts) | { op: 'del'; path: string };

/** Longest path a line may carry (characters). */
export const MAX_MANIFEST_PATH = 4096;

/** The lines of a full manifest: a put per file. */
export function fullLines(entries: readonly FileFacts[]): ManifestLine[] {
  return entries.map((e) => ({ op: 'put', path: e.path, size: e.size, mtimeMs: e.mtimeMs, sha256: e.sha256 }));
}

/** The lines that turn manifest `before` into `after`: puts for added or changed files, dels for removed ones. */
export function deltaLines(before: readonly FileFacts[], after: readonly FileFacts[]): ManifestLine[] {
  const old = new Map<string, FileFacts>();
  for (const e of before) old.set(e.path, e);
  const out: ManifestLine[] = [];
  for (const e of after) {
    const o = old.get(e.path);
    old.delete(e.path);
    if (o && o.size === e.size && o.mtimeMs === e.mtimeMs && o.sha256 === e.sha256) continue;
    out.push({ op: 'put', path: e.path, size: e.size, mtimeMs: e.mtimeMs, sha256: e.sha256 });
  }
  for (const path of old.keys()) out.push({ op: 'del', path });
  return out;
}

/**
 * Gzips the lines into parts of at most `maxPartBytes` compressed bytes each, cut at line
 * boundaries, in order. Throws when one line alone does not fit (nothing is dropped quietly).
 * The first cut guesses from a 4:1 ratio; each later one from the ratio seen so far.
 */
export function encodeParts(lines: readonly ManifestLine[], maxPartBytes: number): Buffer[] {
  const texts = lines.map((l) => JSON.stringify(l));
  const parts: Buffer[] = [];
  let ratio = 4;
  let i = 0;
  if (texts.length === 0) return [gzipSync(Buffer.alloc(0))];
  while (i < texts.length) {
    const budget = Math.max(1, Math.floor(maxPartBytes * 0.9 * ratio));
    let j = i;
    let size = 0;
    while (j < texts.length && (j === i || size + texts[j]!.length + 1 <= budget)) size += texts[j++]!.length + 1;
    let gz = gzipText(texts, i, j);
    while (gz.length > maxPartBytes) {
      if (j - i === 1) throw new Error(`one manifest line (${texts[i]!.length} bytes, path ${texts[i]!.slice(0, 80)}...) does not fit in a part of ${maxPartBytes} bytes`);
      j = i + Math.max(1, Math.floor((j - i) * (maxPartBytes / gz.length) * 0.9));
      gz = gzipText(texts, i, j);
    }
    ratio = Math.max(1, textBytes(texts, i, j) / Math.max(1, gz.length));
    parts.push(gz);
    i = j;
  }
  return parts;
}

function textBytes(texts: readonly string[], from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) n += Buffer.byteLength(texts[k]!) + 1;
  return n;
}

function gzipText(texts: readonly string[], from: number, to: number): Buffer {
  return gzipSync(Buffer.from(texts.slice(from, to).join('\n'), 'utf8'), { level: 6 });
}

/** Hex SHA-256 of a part, as ManifestRef.parts lists it. */
export function partSha256(part: Buffer): string {
  return createHash('sha256').update(part).digest('hex');
}

/** The attachment name of part `n` (1-based). */
export function manifestAttachmentName(n: number): string {
  return `synecdoche-manifest-${n}.ndjson.gz`;
}

/** The part number of a manifest attachment name, or null for any other name. */
export function manifestPartNumber(filename: string | undefined): number | null {
  const m = /^synecdoche-manifest-([1-9][0-9]{0,4})\.ndjson\.gz$/.exec(filename ?? '');
  return m ? Number(m[1]) : null;
}

const SHA = /^[0-9a-f]{64}$/;

/**
 * Reads one part back into lines, checking each (an agent bug or a foreign sender must not
 * corrupt the catalogue): throws an Error naming the line and what is wrong.
 */
export function decodePart(part: Buffer): ManifestLine[] {
  const text = gunzipSync(part).toString('utf8');
  if (text === '') return [];
  const out: ManifestLine[] = [];
  let n = 0;
  for (const raw of text.split('\n')) {
    n++;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new Error(`line ${n} is not JSON`);
    }
    const path = v?.path;
    if (typeof path !== 'string' || path === '' || path.length > MAX_MANIFEST_PATH) throw new Error(`line ${n}: "path" must be a string of 1 to ${MAX_MANIFEST_PATH} characters`);
    if (v.op === 'del') {
      out.push({ op: 'del', path });
      continue;
    }
    if (v.op !== 'put') throw new Error(`line ${n}: "op" must be "put" or "del"`);
    const { size, mtimeMs, sha256 } = v;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new Error(`line ${n}: "size" must be a whole number >= 0`);
    if (typeof mtimeMs !== 'number' || !Number.isFinite(mtimeMs)) throw new Error(`line ${n}: "mtimeMs" must be a number`);
    if (sha256 !== null && (typeof sha256 !== 'string' || !SHA.test(sha256))) throw new Error(`line ${n}: "sha256" must be 64 hex digits or null`);
    out.push({ op: 'put', path, size, mtimeMs, sha256: sha256 as string | null });
  }
  return out;
}
