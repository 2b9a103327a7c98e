import { CATEGORY_ORDER, categoryOf, type Category } from '../../status/category.ts';
import type { JobStatus } from '../../status/types.ts';

// The category is the status table's too (collector/status/category.ts): both say the same word.
export { CATEGORY_ORDER, categoryOf, type Category };

export type CategoryCounts = Record<Category, number>;

export function countCategories(jobs: readonly JobStatus[]): CategoryCounts {
  const c: CategoryCounts = { failed: 0, missing: 0, late: 0, warning: 0, anomaly: 0, new: 0, ok: 0 };
  for (const j of jobs) c[categoryOf(j)]++;
  return c;
}

const WORDS: Record<Category, [string, string]> = {
  failed: ['failed', 'failed'],
  missing: ['missing', 'missing'],
  late: ['late', 'late'],
  warning: ['warning', 'warnings'],
  anomaly: ['anomaly', 'anomalies'],
  new: ['new', 'new'],
  ok: ['OK', 'OK'],
};

export interface SubjectExtras {
  blindMailboxes: number;
  silentAgents: number;
  quarantined: number;
  /** Jobs whose restore drills warn (report/drills.ts); none when absent. */
  notProven?: number;
  /** Client requests waiting for a decision, and commands of the period refused, expired or unknown (requests.ts); none when absent. */
  pendingRequests?: number;
  commandsRefused?: number;
  commandsExpired?: number;
  unknownCommands?: number;
}

/**
 * The counts in words, worst first: "2 failed, 1 missing, 37 OK"; "All 40 backups OK" when
 * nothing needs attention; "MONITORING BLIND" in front when a mailbox cannot be read, because
 * then every other count may be wrong. Silent agents, quarantined messages, waiting client requests
 * and commands refused or expired follow the jobs.
 */
export function digestSummary(counts: CategoryCounts, extras: SubjectExtras): string {
  const total = CATEGORY_ORDER.reduce((n, c) => n + counts[c], 0);
  const extraParts: string[] = [];
  if (extras.silentAgents > 0) extraParts.push(`${extras.silentAgents} agent${extras.silentAgents === 1 ? '' : 's'} silent`);
  if (extras.quarantined > 0) extraParts.push(`${extras.quarantined} message${extras.quarantined === 1 ? '' : 's'} quarantined`);
  if (extras.notProven) extraParts.push(`${extras.notProven} not proven restorable`);
  if (extras.pendingRequests) extraParts.push(`${extras.pendingRequests} client request${extras.pendingRequests === 1 ? '' : 's'} waiting`);
  if (extras.commandsRefused) extraParts.push(`${extras.commandsRefused} command${extras.commandsRefused === 1 ? '' : 's'} refused`);
  if (extras.commandsExpired) extraParts.push(`${extras.commandsExpired} command${extras.commandsExpired === 1 ? '' : 's'} expired`);
  if (extras.unknownCommands) extraParts.push(`${extras.unknownCommands} unknown command${extras.unknownCommands === 1 ? '' : 's'}`);
  let jobs: string;
  if (total === 0) jobs = 'No backup jobs reported yet';
  else if (counts.ok === total) jobs = total === 1 ? 'The 1 backup OK' : `All ${total} backups OK`;
  else jobs = CATEGORY_ORDER.filter((c) => counts[c] > 0).map((c) => `${counts[c]} ${WORDS[c][counts[c] === 1 ? 0 : 1]}`).join(', ');
  const parts = [jobs, ...extraParts].join(', ');
  return extras.blindMailboxes > 0 ? `MONITORING BLIND - ${parts}` : parts;
}

/** The digest's email subject: the summary, then the consultant's local date ("Tue 24 Nov"). */
export function digestSubject(counts: CategoryCounts, extras: SubjectExtras, dayLabel: string): string {
  return `${digestSummary(counts, extras)} - ${dayLabel}`;
}
