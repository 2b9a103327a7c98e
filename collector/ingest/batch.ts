import { sha256Hex } from '../../core/hash.ts';
import { gzipSync } from 'node:zlib';
import type { SourceMessage } from '../sources/types.ts';
import { inTransaction, type Db } from '../store/db.ts';
import { insertMessage, messageBySha, type MessageRow } from '../store/messages.ts';
import { applyClassified } from './apply.ts';
import { classify, type Classified, type IngestContext } from './classify.ts';

/** What became of a batch: the source ids to move, by destination. */
export interface BatchOutcome {
  accepted: string[];
  duplicates: string[];
  quarantined: { id: string; reason: string }[];
  thirdParty: string[];
  /** The collector's own digests, summaries and alerts: recorded, moved to processed, not quarantined. */
  ownReports: string[];
}

interface Prepared {
  msg: SourceMessage;
  sha256: string;
  /** Undefined for a message already stored (not decoded again). */
  classified?: Classified;
  rawGz?: Buffer;
}

/** Messages decoded at the same time: enough to keep the thread pool (signature checks) busy, few enough to bound memory. */
const DECODE_CONCURRENCY = 8;

/**
 * Ingests one batch. Messages are decoded a few at a time, then everything is written in ONE
 * transaction, so a crash leaves either the whole batch or nothing. The same raw bytes seen
 * again (say, after a crash between the commit and the mailbox move) are a duplicate and change
 * nothing; the caller moves the ids only after this returns.
 */
export async function ingestBatch(db: Db, messages: readonly SourceMessage[], ctx: IngestContext): Promise<BatchOutcome> {
  return commitBatch(db, await decodeBatch(db, messages, ctx), ctx);
}

/** A batch decoded and ready to commit (the first half of ingestBatch). */
export interface DecodedBatch {
  readonly prepared: readonly Prepared[];
}

/**
 * The first half of ingestBatch: hashes, decodes and compresses, writes nothing. pollSource
 * runs it while the previous batch is still being moved out of the mailbox.
 */
export async function decodeBatch(db: Db, messages: readonly SourceMessage[], ctx: IngestContext): Promise<DecodedBatch> {
  return { prepared: await mapLimit(messages, DECODE_CONCURRENCY, (m) => prepare(db, m, ctx)) };
}

/** The second half of ingestBatch: the one transaction that stores a decoded batch. */
export function commitBatch(db: Db, { prepared }: DecodedBatch, ctx: IngestContext): BatchOutcome {
  const out: BatchOutcome = { accepted: [], duplicates: [], quarantined: [], thirdParty: [], ownReports: [] };
  const now = ctx.clock.now().getTime();
  inTransaction(db, () => {
    const seen = new Map<string, { disposition: string; reason: string | null }>();
    for (const p of prepared) {
      const earlier = seen.get(p.sha256) ?? messageBySha(db, p.sha256);
      if (earlier || !p.classified) {
        if (earlier?.disposition === 'quarantined') out.quarantined.push({ id: p.msg.id, reason: earlier.reason ?? 'unknown' });
        else out.duplicates.push(p.msg.id);
        continue;
      }
      const row = baseRow(p, ctx, now);
      const result = applyClassified(db, p.classified, row, now);
      seen.set(p.sha256, { disposition: result.disposition, reason: result.reason });
      if (result.disposition !== 'duplicate') insertMessage(db, { ...row, ...result, rawGz: p.rawGz ?? null });
      if (result.disposition === 'accepted') out.accepted.push(p.msg.id);
      else if (result.disposition === 'third-party') out.thirdParty.push(p.msg.id);
      else if (result.disposition === 'own-report') out.ownReports.push(p.msg.id);
      else if (result.disposition === 'duplicate') out.duplicates.push(p.msg.id);
      else {
        out.quarantined.push({ id: p.msg.id, reason: result.reason ?? 'unknown' });
        ctx.log.warn({ source: ctx.source, id: p.msg.id, reason: result.reason, detail: result.detail }, 'message quarantined');
      }
    }
  });
  return out;
}

async function prepare(db: Db, msg: SourceMessage, ctx: IngestContext): Promise<Prepared> {
  const sha256 = sha256Hex(msg.raw);
  if (messageBySha(db, sha256)) return { msg, sha256 };
  const classified = await classify(msg.raw, ctx);
  // Synchronous on purpose: zlib's async form costs several times more per small message.
  return { msg, sha256, classified, rawGz: gzipSync(msg.raw, { level: 1, chunkSize: gzipChunk(msg.raw.length) }) };
}

/**
 * zlib's output buffer, by default 16 KB for every message, is what the compressed copy keeps
 * referenced until the commit; half the input fits a typical report (it compresses to ~45%),
 * and a larger output simply takes another chunk.
 */
function gzipChunk(size: number): number {
  return Math.min(64 * 1024, Math.max(1024, size >>> 1));
}

/** `fn` over `items` with at most `limit` calls in flight; results in the order of `items`. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function baseRow(p: Prepared, ctx: IngestContext, now: number): MessageRow {
  const f = p.classified!.facts;
  return {
    source: ctx.source,
    sourceId: p.msg.id,
    messageId: f.messageId,
    from: f.from?.slice(0, 500) ?? null,
    subject: f.subject?.slice(0, 1000) ?? null,
    sha256: p.sha256,
    size: p.msg.raw.length,
    receivedAt: p.msg.receivedAt?.getTime() ?? now,
    ingestedAt: now,
    disposition: 'quarantined',
    reason: null,
    detail: null,
    siteId: null,
    runId: null,
    rawGz: null,
  };
}
