import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { SynError } from '../../core/errors.ts';
import type { Listing } from './plan.ts';
import { WALKER_FACTORY_JS, WORKER_JS } from './walker.ts';

export interface WalkOptions {
  /** Exact names and `*suffix` patterns, as validated by the options schema. */
  excludes: readonly string[];
  signal: AbortSignal;
  /** Receives folder listings as the walk finds them; a folder comes before its subfolders. */
  onListings: (dirs: Listing[]) => void;
  /** Names in the root folder itself to leave out, unseen and uncounted. */
  rootSkip?: readonly string[];
}

/** The root of a walk could not be listed. */
export class RootUnreadable extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * Walks a tree in a worker thread without following symlinks, streaming folder listings to
 * `onListings`; resolves with the number of excluded files once the walk is complete. Rejects with
 * RootUnreadable when the root itself cannot be listed; anything unreadable below it is reported
 * in the listings. Aborting terminates the worker at once.
 *
 * Why threads and synchronous calls: an incremental run is dominated by stat'ing tens of
 * thousands of unchanged files on both sides. Synchronous `lstat` is several times cheaper than
 * promise-based calls through the libuv pool (about 60 ms against 290 ms for 20,000 files here).
 * The mirror walks the source on the main thread (walkTreeInline) and the destination in a worker,
 * using two cores as rsync's sender and receiver processes do; listings stream, so copying starts
 * while the walks go on.
 */
export function walkTreeInWorker(root: string, opts: WalkOptions): Promise<{ excludedFiles: number }> {
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(opts.signal.reason);
    const { exact, suffixes } = splitPatterns(opts.excludes);
    const worker = new Worker(WORKER_JS, { eval: true, workerData: { root, exact, suffixes, rootSkip: [...(opts.rootSkip ?? [])] } });
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = (): void => finish(() => reject(opts.signal.reason));
    opts.signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (settled) return;
      if (m.t === 'b') {
        try {
          opts.onListings(m.dirs);
        } catch (e) {
          finish(() => reject(e));
        }
      } else if (m.t === 'e') finish(() => reject(new RootUnreadable(m.message, m.code)));
      else finish(() => resolve({ excludedFiles: m.excludedFiles }));
    });
    worker.on('error', (e) => finish(() => reject(new SynError('INTERNAL', `folder walk of ${root} crashed`, { cause: e }))));
    worker.on('exit', (code) => finish(() => reject(new SynError('INTERNAL', `folder walk of ${root} ended (exit ${code}) without a result`))));
  });
}

type WorkerMessage = { t: 'b'; dirs: Listing[] } | { t: 'e'; message: string; code?: string } | { t: 'd'; excludedFiles: number };

type Walker = { run(deadline: number): boolean; excludedFiles(): number };
type WalkerFactory = (fs: typeof import('node:fs'), root: string, exact: string[], suffixes: string[], emit: (dirs: Listing[]) => void, rootSkip: readonly string[]) => Walker;
let factory: WalkerFactory | undefined;

/** Longest stretch of walking on the main thread before yielding to other work. */
const INLINE_SLICE_MS = 8;

/** walkTreeInWorker's twin on the main thread, walking in slices of INLINE_SLICE_MS. */
export async function walkTreeInline(root: string, opts: WalkOptions): Promise<{ excludedFiles: number }> {
  opts.signal.throwIfAborted();
  factory ??= new Function(`return ${WALKER_FACTORY_JS}`)() as WalkerFactory;
  const { exact, suffixes } = splitPatterns(opts.excludes);
  let walker: Walker;
  try {
    walker = factory(fs, root, exact, suffixes, opts.onListings, opts.rootSkip ?? []);
  } catch (e) {
    throw new RootUnreadable((e as Error).message, (e as NodeJS.ErrnoException).code);
  }
  while (!walker.run(performance.now() + INLINE_SLICE_MS)) {
    await new Promise((resolve) => setImmediate(resolve));
    opts.signal.throwIfAborted();
  }
  return { excludedFiles: walker.excludedFiles() };
}

function splitPatterns(excludes: readonly string[]): { exact: string[]; suffixes: string[] } {
  return { exact: excludes.filter((p) => !p.startsWith('*')), suffixes: excludes.filter((p) => p.startsWith('*')).map((p) => p.slice(1)) };
}
