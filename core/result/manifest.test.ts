import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodePart, deltaLines, encodeParts, fullLines, manifestPartNumber, type FileFacts } from './manifest.ts';

const file = (i: number): FileFacts => ({ path: `dir-${i % 13}/name-${i}-${(i * 2654435761).toString(36)}.dat`, size: i, mtimeMs: 1_700_000_000_000 + i, sha256: i % 2 ? 'ab'.repeat(32) : null });

describe('the manifest wire format', () => {
  it('cuts lines into gzip parts that each stay within maxPartBytes and together hold every line in order', () => {
    const lines = fullLines(Array.from({ length: 5000 }, (_, i) => file(i)));
    const parts = encodeParts(lines, 8192);
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(8192);
    expect(parts.flatMap((p) => decodePart(p))).toEqual(lines);
  });

  it('refuses to cut a line that alone does not fit, rather than drop it', () => {
    const long = { op: 'put' as const, path: Array.from({ length: 400 }, (_, i) => (i * 2654435761).toString(36)).join('/'), size: 1, mtimeMs: 1, sha256: null };
    expect(() => encodeParts([long], 512)).toThrow(/does not fit in a part of 512 bytes/);
  });

  it('makes a delta of changed and added files as puts and removed ones as dels', () => {
    const before = [file(1), file(2), file(3)];
    const after = [{ ...file(1), size: 99 }, file(2), file(4)];
    expect(deltaLines(before, after)).toEqual([
      { op: 'put', ...file(1), size: 99 },
      { op: 'put', ...file(4) },
      { op: 'del', path: file(3).path },
    ]);
  });

  it('reads back an empty manifest (a backup of an empty folder) as no lines', () => {
    expect(decodePart(encodeParts([], 4096)[0]!)).toEqual([]);
  });

  it('names the line and the field of a malformed part', () => {
    const bad = (text: string) => () => decodePart(gzipSync(Buffer.from(text)));
    expect(bad('{"op":"put","path":"a","size":1,"mtimeMs":1,"sha256":null}\n{"op":"put","path":"b","size":-1,"mtimeMs":1,"sha256":null}')).toThrow(/line 2: "size"/);
    expect(bad('{"op":"put","path":"a","size":1,"mtimeMs":1,"sha256":"xyz"}')).toThrow(/line 1: "sha256"/);
    expect(bad('{"op":"move","path":"a"}')).toThrow(/"op" must be/);
    expect(bad('not json')).toThrow(/line 1 is not JSON/);
  });

  it('knows its attachment names and no others', () => {
    expect(manifestPartNumber('synecdoche-manifest-12.ndjson.gz')).toBe(12);
    expect(manifestPartNumber('synecdoche-manifest-0.ndjson.gz')).toBeNull();
    expect(manifestPartNumber('synecdoche-result.json')).toBeNull();
  });
});
