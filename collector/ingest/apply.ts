import type { Db } from '../store/db.ts';
import type { Disposition, MessageRow } from '../store/messages.ts';
import { recordHeartbeat, recordRun, storedHeartbeat, storedRun } from '../store/records.ts';
import { recordThirdParty } from '../store/third-party.ts';
import type { Classified } from './classify.ts';
import type { SignedPayload } from '../../core/result/schema.ts';
import { applyRestore } from '../store/restores.ts';
import { applyCommandReceipt, markCommandDone } from '../store/commands.ts';
import { applyManifestPart, noteResultManifest } from '../store/catalogue.ts';
import type { ManifestAttachment } from '../../core/email/decode.ts';
import { applyClientRequest } from '../requests/intake.ts';

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
export function applyClassified(db: Db, c: Classified, row: Pick<MessageRow, 'receivedAt' | 'messageId' | 'sha256'>, now: number): Applied {
  if (c.kind === 'quarantine') return { disposition: 'quarantined', reason: c.reason, detail: c.detail, siteId: c.siteId, runId: null };
  if (c.kind === 'own-report') return { disposition: 'own-report', reason: null, detail: c.header, siteId: null, runId: null };
  if (c.kind === 'client-request') return applyClientRequest(db, c.mail, c.intake, row, now);
  if (c.kind === 'third-party') {
    const runId = recordThirdParty(db, { parser: c.parser, report: c.report, mapping: c.mapping, dated: c.facts.date }, row, now);
    const detail = JSON.stringify({ parser: c.parser, rule: c.mapping.rule, client: c.mapping.clientId, job: c.mapping.jobId, status: c.report.status, summary: c.report.summary });
    if (runId === null) return { disposition: 'duplicate', reason: null, detail: null, siteId: c.mapping.siteId, runId: null };
    return { disposition: 'third-party', reason: null, detail, siteId: c.mapping.siteId, runId };
  }
  const p = c.payload;
  const ids = { siteId: p.site.id, runId: p.runId };
  if (p.kind !== 'result' && p.kind !== 'heartbeat') return applyIssue11(db, p, row, now, c.manifestParts ?? []);
  const earlier = p.kind === 'result' ? storedRun(db, p.runId) : storedHeartbeat(db, p.runId);
  if (earlier) {
    if (earlier.messageId === row.messageId) return { disposition: 'duplicate', reason: null, detail: null, ...ids };
    const detail = `${p.kind} ${p.runId} was first received under Message-ID ${earlier.messageId ?? '(none)'}, now again under ${row.messageId ?? '(none)'}`;
    return { disposition: 'quarantined', reason: 'replay', detail, ...ids };
  }
  if (p.kind === 'result') {
    recordRun(db, p, row.receivedAt, row.messageId, now);
    // Its file manifest (part 1 attached, further parts in their own emails): store/catalogue.ts.
    if (p.manifest) noteResultManifest(db, p, c.manifestParts ?? [], row, now);
    // A run that a signed run-now command started: the command is done (store/commands.ts).
    if (p.command) markCommandDone(db, p.command.id, p.site.id, p.runId, p.status, row.receivedAt);
  } else recordHeartbeat(db, p, row.receivedAt, row.messageId);
  return { disposition: 'accepted', reason: null, detail: null, ...ids };
}

/** Issue 11's kinds, each applied by its own store module. */
function applyIssue11(db: Db, p: Exclude<SignedPayload, { kind: 'result' | 'heartbeat' }>, row: Pick<MessageRow, 'receivedAt' | 'messageId' | 'sha256'>, now: number, parts: readonly ManifestAttachment[]): Applied {
  switch (p.kind) {
    case 'restore':
    case 'drill': {
      const applied = applyRestore(db, p, row, now);
      // A restore a signed command asked for: the command is done once its report is stored.
      if (applied.disposition === 'accepted' && p.command) markCommandDone(db, p.command.id, p.site.id, p.runId, p.status, row.receivedAt);
      return applied;
    }
    case 'command-receipt':
      return applyCommandReceipt(db, p, row, now);
    case 'manifest-part':
      return applyManifestPart(db, p, row, now, parts);
  }
}
