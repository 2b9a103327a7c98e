import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '../../plugins/types.ts';
import { sampleEntries, seededRandom } from './sample.ts';
import { parseSize } from './size.ts';

const entry = (path: string, size: number, sha256: string | null = 'a'.repeat(64)): ManifestEntry => ({ path, size, mtimeMs: 0, sha256 });

describe('drill sample', () => {
  it('is the same for the same seed and differs for another', () => {
    const entries = Array.from({ length: 50 }, (_, i) => entry(`f${i}`, 100 + i));
    const a = sampleEntries(entries, { files: 5, maxBytes: 1e9 }, seededRandom(1));
    expect(sampleEntries(entries, { files: 5, maxBytes: 1e9 }, seededRandom(1))).toEqual(a);
    expect(sampleEntries(entries, { files: 5, maxBytes: 1e9 }, seededRandom(2))).not.toEqual(a);
    expect(new Set(a.map((e) => e.path)).size).toBe(5);
  });

  it('picks a large file far more often than small ones', () => {
    const entries = [entry('big', 1_000_000), ...Array.from({ length: 99 }, (_, i) => entry(`small${i}`, 1000))];
    let big = 0;
    for (let seed = 1; seed <= 200; seed++) if (sampleEntries(entries, { files: 1, maxBytes: 1e9 }, seededRandom(seed))[0]!.path === 'big') big++;
    // Weight 1,000,001 against 99 x 1,001: about 91% of the draws.
    expect(big).toBeGreaterThan(160);
    expect(big).toBeLessThan(200);
  });

  it('keeps the sample within maxBytes and leaves out files larger than it', () => {
    const entries = [entry('huge', 10_000), ...Array.from({ length: 20 }, (_, i) => entry(`f${i}`, 300))];
    for (let seed = 1; seed <= 20; seed++) {
      const s = sampleEntries(entries, { files: 20, maxBytes: 1000 }, seededRandom(seed));
      expect(s.reduce((n, e) => n + e.size, 0)).toBeLessThanOrEqual(1000);
      expect(s.map((e) => e.path)).not.toContain('huge');
      expect(s).toHaveLength(3);
    }
  });

  it('prefers files with a backup-time hash and fills up with the others', () => {
    const entries = [entry('h1', 10), entry('h2', 10), entry('n1', 10_000, null), entry('n2', 10_000, null)];
    expect(sampleEntries(entries, { files: 2, maxBytes: 1e9 }, seededRandom(3)).map((e) => e.path)).toEqual(['h1', 'h2']);
    expect(sampleEntries(entries, { files: 3, maxBytes: 1e9 }, seededRandom(3)).filter((e) => e.sha256 === null)).toHaveLength(1);
  });

  it('reads sizes with decimal and binary units', () => {
    expect(parseSize('100 MB')).toBe(100_000_000);
    expect(parseSize('2 GiB')).toBe(2 * 1024 ** 3);
    expect(parseSize('500k')).toBe(500_000);
    expect(parseSize(4096)).toBe(4096);
    expect(parseSize('lots')).toBeNull();
    expect(parseSize(0)).toBeNull();
  });
});
