import { gunzipSync } from 'node:zlib';
import { REJECTION_REASONS, type RejectionReason } from '../../core/email/decode.ts';
import { SynError } from '../../core/errors.ts';
import { inTransaction, type Db } from '../store/db.ts';
import { getMessage, markReleased, rawOf, updateQuarantineReason } from '../store/messages.ts';
import { applyClassified } from './apply.ts';
import { classify, type IngestContext } from './classify.ts';

export type ReleaseOutcome =
  | { released: true; kind: 'run' | 'heartbeat' | 'third-party' | 'own-report' | 'already-stored'; siteId: string | null; runId: string | null }
  | { released: false; reason: string; detail: string };

/**
 * Decodes a quarantined message again with the current config (say, after its site's key was
 * registered) and, if it now passes, ingests it and marks it `released`. If it still fails, the
 * stored reason is brought up to date and the outcome says why. The mailbox copy stays in the
 * quarantine folder: the database is the record.
 */
export async function releaseMessage(db: Db, id: number, ctx: IngestContext): Promise<ReleaseOutcome> {
  const msg = getMessage(db, id);
  if (!msg) throw new SynError('NOT_FOUND', `no stored message with id ${id} (see "collector quarantine")`);
  if (msg.disposition !== 'quarantined') throw new SynError('USAGE', `message ${id} is not in quarantine (it is ${msg.disposition})`);
  const gz = rawOf(db, id);
  if (!gz) throw new SynError('NOT_FOUND', `message ${id} has no stored raw bytes to decode again`);
  const classified = await classify(gunzipSync(gz), ctx);
  const now = ctx.clock.now().getTime();
  return inTransaction(db, () => {
    const applied = applyClassified(db, classified, { receivedAt: msg.receivedAt.getTime(), messageId: msg.messageId, sha256: msg.sha256 }, now);
    if (applied.disposition === 'quarantined') {
      const reason = applied.reason ?? 'unknown';
      updateQuarantineReason(db, id, reason, applied.detail ?? '');
      return { released: false, reason, detail: applied.detail ?? REJECTION_REASONS[reason as RejectionReason] ?? '' };
    }
    const keepDetail = applied.disposition === 'third-party' || applied.disposition === 'own-report';
    markReleased(db, id, { disposition: 'released', detail: keepDetail ? applied.detail : null, siteId: applied.siteId, runId: applied.runId }, now);
    const kind =
      applied.disposition === 'duplicate'
        ? 'already-stored'
        : applied.disposition === 'third-party' || applied.disposition === 'own-report'
          ? applied.disposition
          : classified.kind === 'verified' && classified.payload.kind === 'heartbeat'
            ? 'heartbeat'
            : 'run';
    return { released: true, kind, siteId: applied.siteId, runId: applied.runId };
  });
}
