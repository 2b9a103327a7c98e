import { ingestContext } from '../ingest/classify.ts';
import { releaseMessage, type ReleaseOutcome } from '../ingest/release.ts';
import { alignColumns } from '../status/format.ts';
import { localTimeWords } from '../status/clock-words.ts';
import { listQuarantined, type StoredMessage } from '../store/messages.ts';
import { describeError, SynError } from '../../core/errors.ts';
import { getMessage } from '../store/messages.ts';
import { printJson, type CollectorCliDeps, type Loaded } from './common.ts';

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
 * (after a missing key was registered, say). It is ingested if it now verifies, and then its
 * copy in the mailbox is moved from the quarantine folder to the processed folder; otherwise the
 * command says why it still fails and exits 2. A mailbox copy that is gone or cannot be moved
 * is said, not an error: the database already holds the release.
 */
export async function quarantineReleaseCommand(l: Loaded, deps: CollectorCliDeps, env: NodeJS.ProcessEnv, idText: string, o: { json?: boolean }): Promise<ReleaseOutcome> {
  if (!/^\d+$/.test(idText)) throw new SynError('USAGE', `"${idText}" is not a message id (see "collector quarantine")`);
  const id = Number(idText);
  const ctx = ingestContext(l.cfg, { source: 'release', clock: l.clock, log: l.log });
  const r = await releaseMessage(l.db, id, ctx);
  const mailbox = r.released ? await moveOutOfQuarantine(l, id, deps, env) : null;
  if (o.json) printJson(l, { id, ...r, ...(mailbox === null ? {} : { mailbox }) });
  if (!r.released) throw new SynError('USAGE', `message ${idText} still fails: ${r.reason}: ${r.detail}`);
  if (!o.json) {
    const what = r.kind === 'already-stored' ? 'its run was already stored' : r.kind === 'third-party' ? 'stored as a third-party notification' : r.kind === 'own-report' ? 'it is a report or alert of this collector (ignored)' : `${r.kind} ${r.runId} of site ${r.siteId} stored`;
    l.out(`message ${idText} released: ${what}`);
    if (mailbox !== null) l.out(mailbox);
  }
  return r;
}

/** Moves the mailbox copy of a released message to the processed folder; says what became of it. */
async function moveOutOfQuarantine(l: Loaded, id: number, deps: CollectorCliDeps, env: NodeJS.ProcessEnv): Promise<string> {
  const msg = getMessage(l.db, id)!;
  const m = l.cfg.mailboxes.find((x) => x.name === msg.source);
  if (!m) {
    return msg.source === 'import'
      ? 'it was imported from a file: there is no mailbox copy to move'
      : `its mailbox "${msg.source}" is no longer configured: its copy there was not moved`;
  }
  let source;
  try {
    source = await deps.sourceFor(m, env, l.log);
    if (!source.releaseFromQuarantine) return `mailbox ${m.name}: this kind of mailbox has no quarantine folder`;
    await source.open();
    const moved = await source.releaseFromQuarantine({ sha256: msg.sha256, sourceId: msg.sourceId, messageId: msg.messageId });
    return moved === 'moved'
      ? `mailbox ${source.name}: moved from the quarantine folder to the processed folder`
      : `mailbox ${source.name}: the message is no longer in the quarantine folder (moved or deleted by someone); nothing to move`;
  } catch (e) {
    l.log.warn({ mailbox: m.name, messageId: id, err: describeError(e) }, 'released message not moved out of quarantine');
    return `mailbox ${m.name}: could not move the message out of the quarantine folder (${describeError(e)}); move it by hand`;
  } finally {
    await source?.close();
  }
}
