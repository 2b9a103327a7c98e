import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../core/clock.ts';
import { describeError } from '../../core/errors.ts';
import { ensureFolder } from '../../core/folder.ts';
import type { Counts, RunError, Verification } from '../../core/result/schema.ts';
import type { Progress } from '../types.ts';
import { zeroCounts } from '../types.ts';
import { CHUNK_BYTES } from './hash.ts';
import { ListingMerger } from './merge.ts';
import type { CopyOptions } from './options.ts';
import type { DirPlan } from './plan.ts';
import { ProgressThrottle } from './progress.ts';
import { RootUnreadable, walkTreeInline, walkTreeInWorker } from './scan.ts';
import { copyFileHashed, copyFileHashedSync, copySymlinkSync, type CopiedFile } from './transfer.ts';
import { verifyFiles, type VerifyItem } from './verify.ts';
import { keepBeforeRemove, keepBeforeReplace, pruneVersions, versionStamp, VERSIONS_DIR } from './versions.ts';
import { FileWork } from './work.ts';

export interface MirrorEnv {
  signal: AbortSignal;
  clock: Clock;
  progress?: (p: Progress) => void;
  /** Test seam: called just before each file is copied, to make faults a walk cannot show. */
  beforeCopy?: (rel: string) => void;
}

/** The source or destination root could not be listed: nothing was done. */
export class SourceUnreadable extends Error {}

type Job = { rel: string; size: number; link?: boolean };

/**
 * One mirror run: both trees are walked in worker threads, their listings paired folder by folder
 * (ListingMerger), and each folder's new and changed files are copied as soon as it is planned.
 * Fields are filled as it goes, so a run stopped by an abort still reports what it had done.
 * Per-path errors never stop the run; only an unreadable root or an abort does.
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
  private readonly toVerify: VerifyItem[] = [];
  /** SHA-256 of files this run copied (and verified, when it verifies), for the manifest. */
  readonly hashes = new Map<string, string>();
  private planned = 0;
  /** Extra folders to remove after the walks, and the copies that must wait for that. */
  private readonly lateRemovals: string[] = [];
  private readonly lateJobs: Job[] = [];
  private done = 0;
  /** The run's folder name under .synecdoche-versions (keepVersions). */
  private readonly stamp: string;

  constructor(
    private readonly o: CopyOptions,
    private readonly env: MirrorEnv,
  ) {
    this.progress = new ProgressThrottle(env.clock, env.progress);
    this.stamp = versionStamp(env.clock.now());
  }

  async run(): Promise<void> {
    const { signal } = this.env;
    const { source, destination, excludes, concurrency } = this.o;
    const buffers = Array.from({ length: concurrency + 1 }, () => Buffer.allocUnsafe(CHUNK_BYTES));
    const work = new FileWork<Job>(concurrency, (j) => this.copySync(j, buffers[0]!), (j, slot) => this.copyAsync(j, buffers[slot + 1]!), signal);
    const merger = new ListingMerger(this.o, (plan, unreadable) => this.apply(plan, unreadable, work));
    try {
      // Not fs.mkdir({ recursive: true }): it spins at 100% CPU where mkdir meets ENOENT under an existing parent (/proc).
      try {
        ensureFolder(destination, 'destination');
      } catch (e) {
        throw new SourceUnreadable(describeError(e));
      }
      const walks = await Promise.allSettled([
        // The versions folder is the plugin's own: never copied, counted, or removed as an extra.
        walkTreeInline(source, { excludes, signal, rootSkip: [VERSIONS_DIR], onListings: (dirs) => dirs.forEach((l) => merger.addSource(l)) }),
        walkTreeInWorker(destination, { excludes, signal, rootSkip: [VERSIONS_DIR], onListings: (dirs) => dirs.forEach((l) => merger.addDestination(l)) }),
      ]);
      signal.throwIfAborted();
      const [src, dst] = walks;
      if (src.status === 'rejected') throw unreadable('source', source, src.reason);
      if (dst.status === 'rejected') throw unreadable('destination', destination, dst.reason);
      merger.finish();
      for (const rel of this.lateRemovals) this.remove(rel);
      for (const j of this.lateJobs) work.push(j);
      if (src.value.excludedFiles > 0) {
        this.files.examined += src.value.excludedFiles;
        this.files.skipped += src.value.excludedFiles;
        this.notes.push(`skipped ${src.value.excludedFiles} excluded files`);
      }
    } finally {
      work.close();
      await work.done;
    }
    this.progress.update('copy', this.done, this.planned, this.bytes.copied, true);
    if (this.o.removeExtras && this.removalFailures === 0) this.extrasRemoved = this.files.extra;
    await this.verify();
    if (this.o.keepVersions) this.notes.push(...pruneVersions(this.o.destination, this.env.clock.now(), this.o.keepVersions.days));
  }

  /** Carries out one folder's plan: counts, removals and folders now, copies queued. */
  private apply(p: DirPlan, unreadableDir: { rel: string; message: string; code?: string } | undefined, work: FileWork<Job>): void {
    const f = this.files;
    const b = this.bytes;
    if (unreadableDir) this.fail(unreadableDir.rel, unreadableDir.message, unreadableDir.code);
    for (const e of p.failed) this.fail(e.rel, e.message, e.code);
    f.examined += p.copies.length + p.unchanged.length + p.symlinks.length + p.special.length;
    f.skipped += p.unchanged.length + p.special.length;
    f.extra += p.extras.length;
    for (const x of p.copies) b.examined += x.size;
    for (const x of p.unchanged) b.examined += x.size;
    for (const x of p.unchanged) b.skipped += x.size;
    for (const x of p.extras) b.extra += x.size;
    for (const rel of p.special) this.notes.push(`skipped ${rel}: not a regular file, folder or symlink`);
    if (this.o.verify === 'all') for (const x of p.unchanged) this.toVerify.push({ rel: x.rel, size: x.size });
    // Folders are removed once the walks are over: the destination walk may still be inside them.
    const late = new Set(this.o.removeExtras ? p.extraDirs.filter((rel) => p.removals.includes(rel)) : []);
    if (this.o.removeExtras) for (const rel of p.removals) if (!late.has(rel)) this.remove(rel);
    for (const rel of late) this.lateRemovals.push(rel);
    for (const rel of p.mkdirs) {
      try {
        fs.mkdirSync(path.join(this.o.destination, rel));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') this.errors.push({ path: rel, message: `cannot create folder: ${describeError(e)}` });
      }
    }
    for (const c of p.copies) (late.has(c.rel) ? this.lateJobs : work).push(c);
    for (const rel of p.symlinks) (late.has(rel) ? this.lateJobs : work).push({ rel, size: 0, link: true });
    this.planned += p.copies.length + p.symlinks.length;
    this.progress.update('scan', f.examined);
  }

  private remove(rel: string): void {
    try {
      if (this.o.keepVersions) keepBeforeRemove(this.o.destination, this.stamp, rel);
      else fs.rmSync(path.join(this.o.destination, rel), { recursive: true, force: true });
    } catch (e) {
      this.removalFailures++;
      this.errors.push({ path: rel, message: `cannot remove extra: ${describeError(e)}` });
    }
  }

  private fail(rel: string, message: string, code?: string, size = 0): void {
    this.files.failed++;
    this.bytes.failed += size;
    this.errors.push(code ? { path: rel, message, code } : { path: rel, message });
  }

  private copySync(j: Job, buf: Buffer): void {
    const { source, destination, preserveTimes } = this.o;
    try {
      this.env.beforeCopy?.(j.rel);
      this.keepOld(j);
      if (!j.link) this.copied(j, copyFileHashedSync(path.join(source, j.rel), path.join(destination, j.rel), buf, preserveTimes));
      else if (copySymlinkSync(path.join(source, j.rel), path.join(destination, j.rel), preserveTimes)) this.files.copied++;
      else this.files.skipped++;
    } catch (e) {
      this.fail(j.rel, `cannot copy: ${describeError(e)}`, (e as NodeJS.ErrnoException).code, j.size);
    }
    this.progress.update('copy', ++this.done, this.planned, this.bytes.copied);
  }

  private async copyAsync(j: Job, buf: Buffer): Promise<void> {
    try {
      this.env.beforeCopy?.(j.rel);
      this.keepOld(j);
      this.copied(j, await copyFileHashed(path.join(this.o.source, j.rel), path.join(this.o.destination, j.rel), buf, this.o.preserveTimes, this.env.signal));
    } catch (e) {
      if (this.env.signal.aborted) throw e; // the run stops; the file did not fail
      this.fail(j.rel, `cannot copy: ${describeError(e)}`, (e as NodeJS.ErrnoException).code, j.size);
    }
    this.progress.update('copy', ++this.done, this.planned, this.bytes.copied);
  }

  /** keepVersions: the destination's current content of a file about to be replaced goes to the run's versions folder first. */
  private keepOld(j: Job): void {
    if (!this.o.keepVersions || j.link) return;
    try {
      keepBeforeReplace(this.o.destination, this.stamp, j.rel);
    } catch (e) {
      throw new Error(`cannot keep the old version before replacing it: ${describeError(e)}`, { cause: e });
    }
  }

  private copied(j: Job, r: CopiedFile): void {
    this.files.copied++;
    this.bytes.copied += r.bytes;
    this.hashes.set(j.rel, r.hash);
    if (this.o.verify !== 'none') this.toVerify.push({ rel: j.rel, size: j.size, expected: r.hash });
  }

  private async verify(): Promise<void> {
    const mode = this.o.verify;
    if (mode === 'none') return;
    const items = this.toVerify;
    const onChecked = (n: number): void => this.progress.update('verify', n, items.length, undefined, n === items.length);
    const onVerified = (rel: string, sha: string | null): void => void (sha ? this.hashes.set(rel, sha) : this.hashes.delete(rel));
    const env = { source: this.o.source, destination: this.o.destination, concurrency: this.o.concurrency, signal: this.env.signal, onChecked, onVerified };
    const r = await verifyFiles(mode, items, env);
    this.verification = r.verification;
    this.errors.push(...r.errors);
  }
}

function unreadable(side: string, root: string, e: unknown): SourceUnreadable {
  return new SourceUnreadable(`${side} folder ${root} cannot be read: ${e instanceof RootUnreadable ? e.message : describeError(e)}`);
}
