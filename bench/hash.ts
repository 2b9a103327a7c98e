import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CHUNK_BYTES, hashFile, hashFileSync } from '../plugins/copy/hash.ts';
import { forEachBySize } from '../plugins/copy/work.ts';
import { benchDir, makeTree, median, secs } from './copy.ts';

/** Hashes every file the way the copy plugin's verification does (same functions, same split). */
async function hashLikeTheCopyPlugin(root: string, files: { rel: string; size: number }[], concurrency: number): Promise<number> {
  const buffers = Array.from({ length: concurrency + 1 }, () => Buffer.allocUnsafe(CHUNK_BYTES));
  let n = 0;
  const t = performance.now();
  await forEachBySize(
    files,
    concurrency,
    (f) => {
      n += hashFileSync(path.join(root, f.rel), buffers[0]!).length;
    },
    async (f, slot) => {
      const hex = await hashFile(path.join(root, f.rel), buffers[slot + 1]!);
      n += hex.length;
    },
  );
  if (n !== files.length * 64) throw new Error('a hash is missing');
  return performance.now() - t;
}

function timeSha256sum(root: string): number {
  const t = performance.now();
  const r = spawnSync('sh', ['-c', 'find . -type f -print0 | xargs -0 sha256sum > /dev/null'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`sha256sum pipeline exited ${r.status ?? r.signal}`);
  return performance.now() - t;
}

/**
 * SHA-256 throughput of the copy plugin's verification against `sha256sum` over the same tree
 * (20,000 files, about 1 GB). Both run warm: one discarded pass of each first, then the median of
 * three. The plugin hashes with its default concurrency of 4 (small files on the main thread,
 * large ones on the libuv pool); concurrency 1 is shown as well, single-core like sha256sum.
 */
export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<Record<string, number | string>> {
  const count = opts.quick ? 2_000 : 20_000;
  const root = benchDir('hash');
  try {
    const tree = makeTree(root, count);
    const files = tree.files.map((rel) => ({ rel, size: fs.statSync(path.join(root, rel)).size }));
    const mb = tree.bytes / 1e6;
    opts.log(`tree: ${count} files, ${mb.toFixed(0)} MB`);
    await hashLikeTheCopyPlugin(root, files, 4);
    timeSha256sum(root);
    const plugin4: number[] = [];
    const plugin1: number[] = [];
    const sums: number[] = [];
    for (let r = 0; r < 3; r++) {
      plugin4.push(await hashLikeTheCopyPlugin(root, files, 4));
      plugin1.push(await hashLikeTheCopyPlugin(root, files, 1));
      sums.push(timeSha256sum(root));
    }
    const rate = (ms: number): number => Math.round(mb / (ms / 1000));
    const [p4, p1, s] = [median(plugin4), median(plugin1), median(sums)];
    opts.log(`copy plugin hashing (concurrency 4): ${secs(p4)} s, ${rate(p4)} MB/s`);
    opts.log(`copy plugin hashing (concurrency 1): ${secs(p1)} s, ${rate(p1)} MB/s`);
    opts.log(`sha256sum: ${secs(s)} s, ${rate(s)} MB/s`);
    opts.log(`rate ratio plugin/sha256sum: ${(s / p4).toFixed(2)} (concurrency 1: ${(s / p1).toFixed(2)}; target >= 0.8)`);
    return {
      files: count,
      megabytes: Math.round(mb),
      pluginMBps: rate(p4),
      pluginSingleMBps: rate(p1),
      sha256sumMBps: rate(s),
      rateRatio: Number((s / p4).toFixed(2)),
      rateRatioSingle: Number((s / p1).toFixed(2)),
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
