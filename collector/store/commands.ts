import type { Applied } from '../ingest/apply.ts';
import type { Db } from './db.ts';
import type { MessageRow } from './messages.ts';
import type { CommandReceiptPayload } from '../../core/result/schema.ts';

/** ISSUE-11 STUB (command receipts): kept in quarantine until implemented; replace this function. */
export function applyCommandReceipt(db: Db, p: CommandReceiptPayload & { signature: unknown }, row: Pick<MessageRow, 'receivedAt' | 'messageId' | 'sha256'>, now: number): Applied {
  void db; void row; void now;
  return { disposition: 'quarantined', reason: 'internal-error', detail: `reports of kind ${p.kind} are not handled by this collector yet`, siteId: p.site.id, runId: p.runId };
}
