/**
 * Files up to this size are copied and hashed with synchronous calls on the main thread, larger
 * ones through the libuv pool. A small file costs about ten filesystem calls; as promises each
 * call is a hop to a pool thread and back, which dominated the time of a run (bench/copy.ts). The
 * large files keep going on pool threads while the main thread works through the small ones.
 */
export const SMALL_FILE_BYTES = 256 * 1024;

/** Longest stretch of synchronous work before yielding, so timers, messages and aborts are served. */
const SLICE_MS = 10;

/**
 * A stream of file jobs split by size: `small` runs synchronously on the main thread in slices of
 * at most SLICE_MS, `large` runs asynchronously, at most `concurrency` at a time. Jobs can be
 * pushed while earlier ones run (the walks stream them in); `done` settles once `close` was
 * called and every job ran, or rejects when the signal aborts (checked before every job). The
 * job functions must not throw: they record their own errors.
 */
export class FileWork<T extends { size: number }> {
  private readonly smallQ: T[] = [];
  private readonly largeQ: T[] = [];
  private smallHead = 0;
  private largeHead = 0;
  private closed = false;
  private waiters: (() => void)[] = [];
  readonly done: Promise<void>;

  constructor(
    concurrency: number,
    private readonly small: (item: T) => void,
    private readonly large: (item: T, slot: number) => Promise<void>,
    private readonly signal?: AbortSignal,
  ) {
    const runners = [this.runSmall(), ...Array.from({ length: concurrency }, (_, slot) => this.runLarge(slot))];
    this.done = Promise.allSettled(runners).then((results) => {
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    });
    this.done.catch(() => undefined); // observed by the caller; never an unhandled rejection
    signal?.addEventListener('abort', () => this.wake(), { once: true });
  }

  push(item: T): void {
    (item.size > SMALL_FILE_BYTES ? this.largeQ : this.smallQ).push(item);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async runSmall(): Promise<void> {
    for (;;) {
      this.signal?.throwIfAborted();
      if (this.smallHead < this.smallQ.length) {
        const sliceStart = performance.now();
        while (this.smallHead < this.smallQ.length && performance.now() - sliceStart < SLICE_MS) {
          this.signal?.throwIfAborted();
          this.small(this.smallQ[this.smallHead++]!);
        }
        if (this.smallHead === this.smallQ.length) this.smallQ.length = this.smallHead = 0;
        await new Promise((resolve) => setImmediate(resolve));
      } else if (this.closed) return;
      else await this.idle();
    }
  }

  private async runLarge(slot: number): Promise<void> {
    for (;;) {
      this.signal?.throwIfAborted();
      if (this.largeHead < this.largeQ.length) await this.large(this.largeQ[this.largeHead++]!, slot);
      else if (this.closed) return;
      else await this.idle();
    }
  }
}

/** Runs a FileWork over a fixed list. */
export async function forEachBySize<T extends { size: number }>(
  items: readonly T[],
  concurrency: number,
  small: (item: T) => void,
  large: (item: T, slot: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const work = new FileWork(concurrency, small, large, signal);
  for (const item of items) work.push(item);
  work.close();
  await work.done;
}
