import { ingestContext } from '../ingest/classify.ts';
import { releaseMessage, type ReleaseOutcome } from '../ingest/release.ts';
import { alignColumns } from '../status/format.ts';
import { localTimeWords } from '../status/clock-words.ts';
import { listQuarantined, type StoredMessage } from '../store/messages.ts';
import { SynError } from '../../core/errors.ts';
import { printJson, type Loaded } from './common.ts';

const clip = (s: string | null, n: number) => (s === null ? '-' : s.length > n ? `${s.slice(0, n - 1)}…` : s).replace(/[\r\n\t]+/g, ' ');

/** `collector quarantine [--json]`: every held message with its reason. */
export function quarantineListCommand(l: Loaded, o: { json?: boolean }): StoredMessage[] {
  const list = listQuarantined(l.db);
  if (o.json) {
    printJson(l, list);
    return list;
  }
  if (list.length === 0) {
    l.out('The quarantine is empty.');
    return list;
  }
  const now = l.clock.now();
  const rows = list.map((m) => [String(m.id), localTimeWords(m.receivedAt, l.cfg.consultant.timeZone, now), clip(m.from, 40), clip(m.subject, 60), m.reason ?? '-', clip(m.detail, 120)]);
  for (const line of alignColumns([['ID', 'RECEIVED', 'FROM', 'SUBJECT', 'REASON', 'DETAIL'], ...rows])) l.out(line);
  return list;
}

/**
 * `collector quarantine release ID`: decode the kept message again with the current config
 * (after a missing key was registered, say). It is ingested if it now verifies; otherwise the
 * command says why it still fails and exits 2.
 */
export async function quarantineReleaseCommand(l: Loaded, idText: string, o: { json?: boolean }): Promise<ReleaseOutcome> {
  if (!/^\d+$/.test(idText)) throw new SynError('USAGE', `"${idText}" is not a message id (see "collector quarantine")`);
  const ctx = ingestContext(l.cfg, { source: 'release', clock: l.clock, log: l.log });
  const r = await releaseMessage(l.db, Number(idText), ctx);
  if (o.json) printJson(l, { id: Number(idText), ...r });
  if (!r.released) throw new SynError('USAGE', `message ${idText} still fails: ${r.reason}: ${r.detail}`);
  if (!o.json) {
    const what = r.kind === 'already-stored' ? 'its run was already stored' : r.kind === 'third-party' ? 'stored as a third-party notification' : r.kind === 'own-report' ? 'it is a report or alert of this collector (ignored)' : `${r.kind} ${r.runId} of site ${r.siteId} stored`;
    l.out(`message ${idText} released: ${what}`);
  }
  return r;
}
