import { alignColumns } from '../status/format.ts';
import { localTimeWords } from '../status/clock-words.ts';
import { listCommands, type ListedCommand, type ShownState } from '../store/commands.ts';
import { printJson, type Loaded } from './common.ts';

export const WORDS: Record<ShownState, string> = { sent: 'sent', 'picked-up': 'picked up', done: 'done', expired: 'expired', refused: 'refused' };

/**
 * `collector requests [--json]`: every command sent to an agent, newest first, with its state
 * (sent, picked up, done, expired, refused with the reason) and every refusal a site reported
 * about it (a replayed copy's too).
 */
export function requestsCommand(l: Loaded, o: { json?: boolean }): ListedCommand[] {
  const now = l.clock.now();
  const list = listCommands(l.db, now.getTime());
  if (o.json) {
    printJson(l, list);
    return list;
  }
  if (list.length === 0) {
    l.out('No commands have been sent (synecdoche collector request SITE JOB run-now|restore ...).');
    return list;
  }
  const zone = l.cfg.consultant.timeZone;
  const rows = list.map((c) => [
    c.id.slice(0, 8),
    c.issuedAt ? localTimeWords(c.issuedAt, zone, now) : '-',
    `${c.siteId}/${c.jobId ?? '?'}`,
    c.action,
    WORDS[c.state],
    note(c),
  ]);
  for (const line of alignColumns([['ID', 'ISSUED', 'SITE/JOB', 'ACTION', 'STATE', 'NOTE'], ...rows])) l.out(line);
  return list;
}

/** The NOTE column of a command (also the dashboard's /requests page). */
export function note(c: ListedCommand): string {
  const parts: string[] = [];
  if (!c.issued) parts.push('NOT SENT BY THIS COLLECTOR');
  if (c.state === 'done') parts.push(`run ${c.resultRunId}${c.resultStatus ? ` (${c.resultStatus})` : ''}`);
  if (c.state === 'refused' && c.reason) parts.push(c.reason);
  if (c.state === 'expired') parts.push('no agent answered before it expired');
  // Refusals that did not decide the state: a replayed copy, a misaddressed copy elsewhere.
  for (const r of c.receipts) if (r.state === 'refused' && !(c.state === 'refused' && r.reason === c.reason)) parts.push(`${r.siteId} refused a copy: ${r.reason}`);
  if (c.requestedBy) parts.push(`by ${c.requestedBy}`);
  return parts.join('; ');
}
