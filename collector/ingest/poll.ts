import { describeError, isSynError, SynError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { MailSource, SourceMessage } from '../sources/types.ts';
import type { Db } from '../store/db.ts';
import { recordPollError, recordPollGood } from '../store/polls.ts';
import { commitBatch, decodeBatch, type BatchOutcome } from './batch.ts';
import type { IngestContext } from './classify.ts';

/** What one pass over a mailbox did. */
export interface PollSummary {
  mailbox: string;
  accepted: number;
  duplicates: number;
  thirdParty: number;
  /** The collector's own digests, summaries and alerts found in the mailbox (ignored). */
  ownReports: number;
  quarantined: number;
  /** Quarantined messages by reason. */
  reasons: Record<string, number>;
}

export interface PollOptions {
  /** Name under which mailbox_polls records the outcome (the config's mailbox name); null records nothing (import). */
  mailbox: string | null;
  batchSize: number;
  /** Stops after the current batch is committed and moved (service shutdown). */
  signal?: AbortSignal;
  /** Told the running totals after each committed batch (progress for a person watching). */
  onBatch?: (soFar: Readonly<PollSummary>) => void;
}

/**
 * One pass over a source: open, drain, close. A crash between a batch's commit and its move
 * leaves messages that the next pass finds again as duplicates (by SHA-256) and moves then:
 * nothing lost, nothing doubled. A mailbox that cannot be opened or read is recorded in
 * mailbox_polls (so status shows "monitoring blind") and MAILBOX_FAILED is thrown.
 */
export async function pollSource(db: Db, source: MailSource, ctx: IngestContext, log: Logger, opts: PollOptions): Promise<PollSummary> {
  try {
    await openSource(db, source, ctx, log, opts);
    return await drainSource(db, source, ctx, log, opts);
  } finally {
    await source.close();
  }
}

/** Opens a source; a failure is recorded in mailbox_polls and thrown (MAILBOX_FAILED unless it is another SynError). */
export async function openSource(db: Db, source: MailSource, ctx: IngestContext, log: Logger, opts: PollOptions): Promise<void> {
  try {
    await source.open();
  } catch (e) {
    throw recordFailure(db, source, ctx, log, opts, e);
  }
}

/**
 * Reads an open source until its inbox is empty: fetch a batch, ingest it in one transaction,
 * and only after the commit move its messages. Records the good poll, or the failure.
 */
export async function drainSource(db: Db, source: MailSource, ctx: IngestContext, log: Logger, opts: PollOptions): Promise<PollSummary> {
  const summary: PollSummary = { mailbox: opts.mailbox ?? source.name, accepted: 0, duplicates: 0, thirdParty: 0, ownReports: 0, quarantined: 0, reasons: {} };
  const clog = log.child({ mailbox: summary.mailbox });
  try {
    const seen = new Set<string>();
    let next = prefetch(source, opts.batchSize);
    let moving: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        const batch = await next;
        if (batch.length === 0) break;
        if (batch.every((m) => seen.has(m.id))) {
          throw new SynError('MAILBOX_FAILED', `${source.name}: the same messages came back after they were moved (moves do not take effect)`);
        }
        batch.forEach((m) => seen.add(m.id));
        // The mailbox works while the CPU does: the next batch is read, and the previous one
        // moved, while this one is decoded. Its commit waits for that move, so the order of
        // what is stored and moved stays commit N, move N, commit N+1: a failed move stops
        // the pass before anything else is committed.
        next = prefetch(source, opts.batchSize);
        const decoded = await decodeBatch(db, batch, ctx);
        await moving;
        const out = commitBatch(db, decoded, ctx);
        moving = moveOut(source, out);
        moving.catch(() => undefined);
        summary.accepted += out.accepted.length;
        summary.duplicates += out.duplicates.length;
        summary.thirdParty += out.thirdParty.length;
        summary.ownReports += out.ownReports.length;
        summary.quarantined += out.quarantined.length;
        for (const q of out.quarantined) summary.reasons[q.reason] = (summary.reasons[q.reason] ?? 0) + 1;
        clog.info({ fetched: batch.length, accepted: out.accepted.length, quarantined: out.quarantined.length }, 'batch ingested');
        opts.onBatch?.(summary);
        if (opts.signal?.aborted) break;
      }
    } finally {
      // the last move is waited for on every way out: close() must not cut it off
      await moving.catch(() => undefined);
    }
    await moving;
    if (opts.signal?.aborted) return summary;
    if (opts.mailbox !== null) recordPollGood(db, opts.mailbox, source.name, ctx.clock.now().getTime());
    return summary;
  } catch (e) {
    throw recordFailure(db, source, ctx, log, opts, e);
  }
}

/** Moves a committed batch out of the inbox: processed (and duplicates, third-party) and quarantined. */
async function moveOut(source: MailSource, out: BatchOutcome): Promise<void> {
  await source.markProcessed([...out.accepted, ...out.duplicates, ...out.thirdParty, ...out.ownReports]);
  await source.markQuarantined(out.quarantined.map((q) => q.id));
}

/** fetchBatch, with a rejection that nobody awaits (the loop ended first) not left unhandled. */
function prefetch(source: MailSource, limit: number): Promise<SourceMessage[]> {
  const p = source.fetchBatch(limit);
  p.catch(() => undefined);
  return p;
}

function recordFailure(db: Db, source: MailSource, ctx: IngestContext, log: Logger, opts: PollOptions, e: unknown): SynError {
  const err = isSynError(e) ? e : new SynError('MAILBOX_FAILED', `${source.name}: ${describeError(e)}`, { cause: e, permanent: false });
  const clog = log.child({ mailbox: opts.mailbox ?? source.name });
  clog.error({ err: describeError(err) }, 'mailbox poll failed');
  if (opts.mailbox !== null && err.code !== 'STORE_FAILED') {
    try {
      recordPollError(db, opts.mailbox, source.name, describeError(err), ctx.clock.now().getTime());
    } catch (recordErr) {
      clog.error({ err: describeError(recordErr) }, 'could not record the poll failure');
    }
  }
  return err;
}

/** "12 accepted, 1 quarantined (bad-signature), 0 duplicates"; thousands grouped ("6,000 accepted") */
export function describeSummary(s: PollSummary): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const reasons = Object.entries(s.reasons).map(([r, k]) => (k > 1 ? `${r} x${n(k)}` : r));
  const parts = [`${n(s.accepted)} accepted`, `${n(s.quarantined)} quarantined${reasons.length ? ` (${reasons.join(', ')})` : ''}`, `${n(s.duplicates)} duplicate${s.duplicates === 1 ? '' : 's'}`];
  if (s.thirdParty > 0) parts.push(`${n(s.thirdParty)} third-party`);
  if (s.ownReports > 0) parts.push(`${n(s.ownReports)} own report${s.ownReports === 1 ? '' : 's'} ignored`);
  return parts.join(', ');
}
