import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/log.ts';
import { runProcess } from '../core/process.ts';
import { copyPlugin, CopyOptions } from '../plugins/copy/index.ts';
import { seededRandom } from '../core/random.ts';


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
  const rnd = seededRandom(20_000);
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

/** Rewrites every `step`-th file from `offset` with new content of the same size and a new mtime. */
export function changeFiles(root: string, files: readonly string[], step: number, offset: number, mtime: Date): number {
  let n = 0;
  for (let i = offset; i < files.length; i += step) {
    const p = path.join(root, files[i]!);
    fs.writeFileSync(p, crypto.randomBytes(fs.statSync(p).size));
    fs.utimesSync(p, mtime, mtime);
    n++;
  }
  return n;
}

/** A scratch folder for benchmark trees (removed by the caller). */
export function benchDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `syn-bench-${name}-`));
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const secs = (ms: number): number => Math.round(ms) / 1000;

async function timeCopy(source: string, destination: string): Promise<{ ms: number; copied: number; status: string }> {
  const ctx = { jobId: 'bench', runId: 'bench', signal: new AbortController().signal, log: silentLogger, exec: runProcess, clock: systemClock };
  const t = performance.now();
  const out = await copyPlugin.run(CopyOptions.parse({ source, destination }), ctx);
  return { ms: performance.now() - t, copied: out.files.copied, status: out.status };
}

function timeRsync(source: string, destination: string): number {
  const t = performance.now();
  const r = spawnSync('rsync', ['-a', `${source}/`, `${destination}/`], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`rsync exited ${r.status ?? r.signal}`);
  return performance.now() - t;
}

/**
 * The copy plugin (default options: verification of copied files on) against `rsync -a` on the
 * same tree in the same run: a first run into empty folders, then rounds in which 1% of the files
 * get new content (same size) and a new mtime, each followed by an incremental run of both, in
 * alternating order. Everything runs warm: the tree was just written and fits in the page cache
 * many times over, and dropping caches is not possible here.
 */
export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<Record<string, number | string>> {
  const count = opts.quick ? 2_000 : 20_000;
  // nine rounds: single incremental runs of ~150 ms vary by ±20% on a shared VM
  const rounds = opts.quick ? 3 : 9;
  const root = benchDir('copy');
  try {
    const src = path.join(root, 'src');
    const viaCopy = path.join(root, 'dst-copy');
    const viaRsync = path.join(root, 'dst-rsync');
    const tree = makeTree(src, count);
    opts.log(`tree: ${count} files, ${(tree.bytes / 1e6).toFixed(0)} MB in ${src}`);
    const firstRsync = timeRsync(src, viaRsync);
    const first = await timeCopy(src, viaCopy);
    if (first.status !== 'ok' || first.copied !== count) throw new Error(`copy plugin first run: ${first.status}, ${first.copied} copied`);
    opts.log(`first run: copy ${secs(first.ms)} s, rsync -a ${secs(firstRsync)} s, ratio ${(first.ms / firstRsync).toFixed(2)}`);
    const copyTimes: number[] = [];
    const rsyncTimes: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const changed = changeFiles(src, tree.files, 100, r * 7 + 1, new Date(Date.now() + (r + 1) * 10_000));
      let c: Awaited<ReturnType<typeof timeCopy>>;
      if (r % 2 === 0) {
        rsyncTimes.push(timeRsync(src, viaRsync));
        c = await timeCopy(src, viaCopy);
      } else {
        c = await timeCopy(src, viaCopy);
        rsyncTimes.push(timeRsync(src, viaRsync));
      }
      if (c.status !== 'ok' || c.copied !== changed) throw new Error(`copy plugin incremental run: ${c.status}, ${c.copied} copied of ${changed} changed`);
      copyTimes.push(c.ms);
      opts.log(`incremental round ${r + 1} (${changed} files changed): copy ${secs(c.ms)} s, rsync -a ${secs(rsyncTimes.at(-1)!)} s`);
    }
    const inc = median(copyTimes);
    const incRsync = median(rsyncTimes);
    opts.log(`incremental median of ${rounds}: copy ${secs(inc)} s, rsync -a ${secs(incRsync)} s, ratio ${(inc / incRsync).toFixed(2)} (target <= 1.2)`);
    return {
      files: count,
      megabytes: Math.round(tree.bytes / 1e6),
      firstCopySeconds: secs(first.ms),
      firstRsyncSeconds: secs(firstRsync),
      firstRatio: Number((first.ms / firstRsync).toFixed(2)),
      incrementalCopySeconds: secs(inc),
      incrementalRsyncSeconds: secs(incRsync),
      incrementalRatio: Number((inc / incRsync).toFixed(2)),
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
