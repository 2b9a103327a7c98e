import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../core/clock.ts';
import { describeError } from '../../core/errors.ts';
import type { Counts, RunError, Verification } from '../../core/result/schema.ts';
import type { Progress } from '../types.ts';
import { zeroCounts } from '../types.ts';
import { CHUNK_BYTES, forEachBySize } from './hash.ts';
import type { CopyOptions } from './options.ts';
import { makePlan, type Plan } from './plan.ts';
import { ProgressThrottle } from './progress.ts';
import { scanTree, type ScanResult } from './scan.ts';
import { copyFileHashed, copyFileHashedSync, copySymlink, type CopiedFile } from './transfer.ts';
import { verifyFiles, type VerifyItem } from './verify.ts';

export interface MirrorEnv {
  signal: AbortSignal;
  clock: Clock;
  progress?: (p: Progress) => void;
  /** Test seam: called just before each file is copied, to make faults a walk cannot show. */
  beforeCopy?: (rel: string) => void;
}

/** The source root could not be listed: nothing was done. */
export class SourceUnreadable extends Error {}

/**
 * One mirror run. Its fields are filled as it goes, so that a run stopped by an abort still
 * reports what it had done. Errors are per path and never stop the run; only an unreadable
 * source root (SourceUnreadable) or an abort does.
 */
export class MirrorRun {
  readonly files: Counts = zeroCounts();
  readonly bytes: Counts = zeroCounts();
  verification: Verification | null = null;
  readonly errors: RunError[] = [];
  readonly notes: string[] = [];
  extrasRemoved = 0;
  removalFailures = 0;
  private readonly progress: ProgressThrottle;

  constructor(
    private readonly o: CopyOptions,
    private readonly env: MirrorEnv,
  ) {
    this.progress = new ProgressThrottle(env.clock, env.progress);
  }

  async run(): Promise<void> {
    const { src, dst } = await this.scan();
    const plan = makePlan(src, dst, this.o);
    this.count(src, dst, plan);
    if (this.o.removeExtras) await this.removeExtras(plan);
    await this.makeDirs(plan);
    const hashes = await this.copy(plan);
    await this.verify(plan, hashes);
  }

  private async scan(): Promise<{ src: ScanResult; dst: ScanResult }> {
    const { signal } = this.env;
    const onProgress = (n: number): void => this.progress.update('scan', n);
    await fs.promises.mkdir(this.o.destination, { recursive: true }).catch(() => undefined);
    const [src, dst] = await Promise.allSettled([
      scanTree(this.o.source, { excludes: this.o.excludes, signal, onProgress }),
      scanTree(this.o.destination, { excludes: this.o.excludes, signal }),
    ]);
    signal.throwIfAborted();
    if (src.status === 'rejected') throw new SourceUnreadable(`source folder ${this.o.source} cannot be read: ${describeError(src.reason)}`);
    if (dst.status === 'rejected') throw new SourceUnreadable(`destination folder ${this.o.destination} cannot be read: ${describeError(dst.reason)}`);
    this.progress.update('scan', src.value.entries.size, src.value.entries.size);
    return { src: src.value, dst: dst.value };
  }

  private count(src: ScanResult, dst: ScanResult, plan: Plan): void {
    const sizeOf = (list: { size: number }[]): number => list.reduce((a, f) => a + f.size, 0);
    const f = this.files;
    const b = this.bytes;
    f.examined = plan.copies.length + plan.unchanged.length + plan.symlinks.length + plan.special.length + src.excludedFiles;
    b.examined = sizeOf(plan.copies) + sizeOf(plan.unchanged);
    f.skipped = plan.unchanged.length + plan.special.length + src.excludedFiles;
    b.skipped = sizeOf(plan.unchanged);
    f.extra = plan.extras.length;
    b.extra = plan.extras.reduce((a, rel) => a + (dst.entries.get(rel)?.size ?? 0), 0);
    for (const e of src.errors) this.fail(e.path, e.message, e.code);
    for (const rel of plan.special) this.notes.push(`skipped ${rel}: not a regular file, folder or symlink`);
    if (src.excludedFiles > 0) this.notes.push(`skipped ${src.excludedFiles} excluded files`);
  }

  private fail(rel: string, message: string, code?: string, size = 0): void {
    this.files.failed++;
    this.bytes.failed += size;
    this.errors.push(code ? { path: rel, message, code } : { path: rel, message });
  }

  private async removeExtras(plan: Plan): Promise<void> {
    for (const rel of plan.removals) {
      this.env.signal.throwIfAborted();
      try {
        await fs.promises.rm(path.join(this.o.destination, rel), { recursive: true, force: true });
      } catch (e) {
        this.removalFailures++;
        this.errors.push({ path: rel, message: `cannot remove extra: ${describeError(e)}` });
      }
    }
    if (this.removalFailures === 0) this.extrasRemoved = plan.extras.length;
  }

  private async makeDirs(plan: Plan): Promise<void> {
    for (const rel of plan.mkdirs) {
      try {
        await fs.promises.mkdir(path.join(this.o.destination, rel));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') this.errors.push({ path: rel, message: `cannot create folder: ${describeError(e)}` });
      }
    }
  }

  /** Copies new and changed files; returns the hash of each copied file, by relative path. */
  private async copy(plan: Plan): Promise<Map<string, string>> {
    const hashes = new Map<string, string>();
    const { concurrency, source, destination, preserveTimes } = this.o;
    const buffers = Array.from({ length: Math.min(concurrency, plan.copies.length) + 1 }, () => Buffer.allocUnsafe(CHUNK_BYTES));
    const total = plan.copies.length + plan.symlinks.length;
    const small = buffers[0] ?? Buffer.allocUnsafe(0);
    let done = 0;
    const copied = (rel: string, r: CopiedFile): void => {
      hashes.set(rel, r.hash);
      this.files.copied++;
      this.bytes.copied += r.bytes;
    };
    const failed = (rel: string, size: number, e: unknown): void =>
      this.fail(rel, `cannot copy: ${describeError(e)}`, (e as NodeJS.ErrnoException).code, size);
    const step = (): void => this.progress.update('copy', ++done, total, this.bytes.copied);
    await forEachBySize(
      plan.copies,
      concurrency,
      ({ rel, size }) => {
        try {
          this.env.beforeCopy?.(rel);
          copied(rel, copyFileHashedSync(path.join(source, rel), path.join(destination, rel), small, preserveTimes));
        } catch (e) {
          failed(rel, size, e);
        }
        step();
      },
      async ({ rel, size }, slot) => {
        try {
          this.env.beforeCopy?.(rel);
          copied(rel, await copyFileHashed(path.join(source, rel), path.join(destination, rel), buffers[slot + 1]!, preserveTimes));
        } catch (e) {
          failed(rel, size, e);
        }
        step();
      },
      this.env.signal,
    );
    for (const rel of plan.symlinks) {
      this.env.signal.throwIfAborted();
      try {
        if (await copySymlink(path.join(source, rel), path.join(destination, rel), preserveTimes)) this.files.copied++;
        else this.files.skipped++;
      } catch (e) {
        this.fail(rel, `cannot copy symlink: ${describeError(e)}`, (e as NodeJS.ErrnoException).code);
      }
      this.progress.update('copy', ++done, total, this.bytes.copied);
    }
    return hashes;
  }

  private async verify(plan: Plan, hashes: Map<string, string>): Promise<void> {
    const mode = this.o.verify;
    if (mode === 'none') return;
    const items: VerifyItem[] = [];
    for (const { rel, size } of plan.copies) {
      const expected = hashes.get(rel);
      if (expected) items.push({ rel, size, expected });
    }
    if (mode === 'all') for (const { rel, size } of plan.unchanged) items.push({ rel, size });
    const onChecked = (n: number): void => this.progress.update('verify', n, items.length);
    const env = { source: this.o.source, destination: this.o.destination, concurrency: this.o.concurrency, signal: this.env.signal, onChecked };
    const r = await verifyFiles(mode, items, env);
    this.verification = r.verification;
    this.errors.push(...r.errors);
  }
}
