import { alignColumns } from '../status/format.ts';
import { localTimeWords } from '../status/clock-words.ts';
import { listQuarantined } from '../store/messages.ts';
import { printJson, type Loaded } from './common.ts';

/** One notification of a known tool that no rule maps, with the rule that would. */
export interface UnmappedNotification {
  id: number;
  receivedAt: Date;
  from: string | null;
  subject: string | null;
  why: string;
  parser: string | null;
  job: string | null;
  host: string | null;
  status: string | null;
  suggestion: string | null;
}

/**
 * `collector unmapped [--json]`: notifications a parser recognised but no rule maps to a
 * client and site, each with a suggested rule. After adding the rule, `collector quarantine
 * release ID` files the kept message under its job.
 */
export function unmappedCommand(l: Loaded, o: { json?: boolean }): UnmappedNotification[] {
  const list = listQuarantined(l.db)
    .filter((m) => m.reason === 'unmapped')
    .map((m) => {
      let d: Partial<Omit<UnmappedNotification, 'id'>> = {};
      try {
        d = JSON.parse(m.detail ?? '{}');
      } catch {
        d = { why: m.detail ?? '' };
      }
      return { id: m.id, receivedAt: m.receivedAt, from: m.from, subject: m.subject, why: d.why ?? '', parser: d.parser ?? null, job: d.job ?? null, host: d.host ?? null, status: d.status ?? null, suggestion: d.suggestion ?? null };
    });
  if (o.json) {
    printJson(l, list);
    return list;
  }
  if (list.length === 0) {
    l.out('Every notification is mapped.');
    return list;
  }
  const now = l.clock.now();
  const rows = list.map((u) => [String(u.id), localTimeWords(u.receivedAt, l.cfg.consultant.timeZone, now), u.from ?? '-', u.parser ?? '-', u.job ?? '-', u.status ?? '-']);
  for (const line of alignColumns([['ID', 'RECEIVED', 'FROM', 'PARSER', 'JOB', 'STATUS'], ...rows])) l.out(line);
  l.out('');
  for (const u of list) {
    l.out(`${u.id}: ${u.why}. A rule that would map it (thirdParty.rules in the config):`);
    for (const line of (u.suggestion ?? '').split('\n')) l.out(`    ${line}`);
  }
  l.out('Then: collector quarantine release ID');
  return list;
}
