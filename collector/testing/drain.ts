import { ingestBatch, type BatchOutcome } from '../ingest/batch.ts';
import type { IngestContext } from '../ingest/classify.ts';
import type { MailSource } from '../sources/types.ts';
import type { Db } from '../store/db.ts';

/**
 * Reads a source to the end the way a poll does: fetch a batch, commit it, then move it. Used by
 * the Dovecot tests and the benchmark as long as they do not go through `pollSource`.
 */
export async function drain(source: MailSource, db: Db, ctx: IngestContext, batchSize = 200): Promise<BatchOutcome> {
  const total: BatchOutcome = { accepted: [], duplicates: [], quarantined: [], thirdParty: [] };
  await source.open();
  try {
    for (;;) {
      const batch = await source.fetchBatch(batchSize);
      if (batch.length === 0) return total;
      const out = await ingestBatch(db, batch, ctx);
      await source.markProcessed([...out.accepted, ...out.duplicates, ...out.thirdParty]);
      await source.markQuarantined(out.quarantined.map((q) => q.id));
      total.accepted.push(...out.accepted);
      total.duplicates.push(...out.duplicates);
      total.thirdParty.push(...out.thirdParty);
      total.quarantined.push(...out.quarantined);
    }
  } finally {
    await source.close();
  }
}
