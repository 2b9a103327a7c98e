import type { Db } from '../store/db.ts';
import type { Disposition, MessageRow } from '../store/messages.ts';
import { recordHeartbeat, recordRun, storedHeartbeat, storedRun } from '../store/records.ts';
import type { Classified } from './classify.ts';

/** The fields of a message row that the classification decides. */
export interface Applied {
  disposition: Disposition;
  reason: string | null;
  detail: string | null;
  siteId: string | null;
  runId: string | null;
}

/**
 * Writes what a classified message means (a run, a heartbeat) and says what to record of the
 * message itself. Must run inside the batch transaction. A run id already stored under the same
 * Message-ID is a duplicate (changes nothing); under another Message-ID it is a replay.
 */
export function applyClassified(db: Db, c: Classified, row: Pick<MessageRow, 'receivedAt' | 'messageId'>, now: number): Applied {
  if (c.kind === 'quarantine') return { disposition: 'quarantined', reason: c.reason, detail: c.detail, siteId: c.siteId, runId: null };
  if (c.kind === 'own-report') return { disposition: 'own-report', reason: null, detail: c.header, siteId: null, runId: null };
  if (c.kind === 'third-party') {
    return { disposition: 'third-party', reason: null, detail: JSON.stringify({ parser: c.parser, ...c.report }), siteId: null, runId: null };
  }
  const p = c.payload;
  const ids = { siteId: p.site.id, runId: p.runId };
  const earlier = p.kind === 'result' ? storedRun(db, p.runId) : storedHeartbeat(db, p.runId);
  if (earlier) {
    if (earlier.messageId === row.messageId) return { disposition: 'duplicate', reason: null, detail: null, ...ids };
    const detail = `${p.kind} ${p.runId} was first received under Message-ID ${earlier.messageId ?? '(none)'}, now again under ${row.messageId ?? '(none)'}`;
    return { disposition: 'quarantined', reason: 'replay', detail, ...ids };
  }
  if (p.kind === 'result') recordRun(db, p, row.receivedAt, row.messageId, now);
  else recordHeartbeat(db, p, row.receivedAt, row.messageId);
  return { disposition: 'accepted', reason: null, detail: null, ...ids };
}
