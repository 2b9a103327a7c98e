import { SynError } from '../../core/errors.ts';
import { toStatusParams } from '../config.ts';
import { evaluateStatus } from '../status/engine.ts';
import { formatStatusTable, statusToJson } from '../status/format.ts';
import type { StatusFacts, StatusReport } from '../status/types.ts';
import { loadStatusFacts } from '../store/facts.ts';
import { printJson, type Loaded } from './common.ts';

/**
 * `collector status [--client C] [--json]`: one line per job with its state, last run, last
 * good run and its age, next due; then silent agents, blind mailboxes and the quarantine.
 * Times are shown in the consultant's time zone.
 */
export function statusCommand(l: Loaded, o: { client?: string; json?: boolean }): StatusReport {
  const now = l.clock.now();
  let facts = loadStatusFacts(l.db, l.cfg);
  if (o.client !== undefined) facts = forClient(facts, o.client, l.cfg.clients.map((c) => c.id));
  const report = evaluateStatus(facts, toStatusParams(l.cfg), now);
  if (o.json) printJson(l, statusToJson(report));
  else l.out(formatStatusTable(report, { now, timeZone: l.cfg.consultant.timeZone }).trimEnd());
  return report;
}

/** The facts of one client's sites and jobs; mailboxes stay, since a blind one concerns every client. */
export function forClient(facts: StatusFacts, client: string, known: readonly string[]): StatusFacts {
  if (!known.includes(client)) throw new SynError('NOT_FOUND', `no client "${client}" in the config (clients: ${known.join(', ') || 'none'})`);
  return { ...facts, jobs: facts.jobs.filter((j) => j.clientId === client), sites: facts.sites.filter((s) => s.clientId === client) };
}
