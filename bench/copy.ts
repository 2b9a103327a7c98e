import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A deterministic generator (mulberry32), so every run of the benchmark builds the same tree. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Size of file i: 70% under 16 KiB, 27% 16-128 KiB, 3% 128 KiB-1.75 MiB; about 53 KB on average. */
function sizeOf(r: number, r2: number): number {
  if (r < 0.7) return Math.floor(r2 * 16 * 1024);
  if (r < 0.97) return 16 * 1024 + Math.floor(r2 * 112 * 1024);
  return 128 * 1024 + Math.floor(r2 * 1664 * 1024);
}

export function relPathOf(i: number): string {
  const dir = `a${i % 10}/b${Math.floor(i / 10) % 20}` + (i % 3 === 0 ? `/c${Math.floor(i / 200) % 5}` : '');
  return `${dir}/f${i}.bin`;
}

/** Builds `count` files of random content in nested folders under `root`; returns their total size. */
export function makeTree(root: string, count: number, scale = 1): { files: string[]; bytes: number } {
  const rnd = prng(20_000);
  const buf = Buffer.alloc(2 * 1024 * 1024);
  const files: string[] = [];
  let bytes = 0;
  const made = new Set<string>();
  for (let i = 0; i < count; i++) {
    const rel = relPathOf(i);
    const dir = path.dirname(path.join(root, rel));
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const size = Math.floor(sizeOf(rnd(), rnd()) * scale);
    crypto.randomFillSync(buf, 0, size);
    fs.writeFileSync(path.join(root, rel), buf.subarray(0, size));
    files.push(rel);
    bytes += size;
  }
  fs.mkdirSync(path.join(root, 'empty/nested'), { recursive: true });
  return { files, bytes };
}
