import type { CollectorConfig } from '../../config.ts';
import type { JobStatus, StatusReport } from '../../status/types.ts';
import { formatGeneratedAt } from '../furniture.ts';
import { dayLabel } from '../digest/days.ts';
import { categoryOf, type Category } from '../digest/subject.ts';
import { needsAttention } from '../../status/category.ts';
import { jobKey } from '../digest/history.ts';
import type { Theme } from '../digest/theme.ts';
import type { ConsultantTold } from './told.ts';
import { drillKey, type DrillState } from '../drills.ts';

/**
 * The client summary: plain English for an office manager about THEIR backups only. Which jobs
 * belong to the client is decided by the config's site -> client mapping (the status report
 * carries clientId from it), never by anything an email says. No exit codes, no tool names, no
 * sequence numbers; error text (which often holds paths) only when the client's `showPaths` is on.
 */
export interface ClientJobLine {
  name: string;
  /** Read from another tool's unsigned notification, not a signed agent report. */
  unsigned: boolean;
  /** Where it runs, in the client's words: the site id. */
  where: string;
  good: boolean;
  colour: string;
  /** "OK" / "Needs attention" / "New". */
  badge: string;
  sentence: string;
  lastGood: string;
  /** Whether a trial restore (drill) proved the backup can be recovered, in plain words; null when the job cannot have one. */
  restorable: string | null;
  detail: string | null;
}

export interface ClientSummaryModel {
  subject: string;
  title: string;
  clientName: string;
  /** The client's local date, YYYY-MM-DD. */
  date: string;
  dateLabel: string;
  period: string;
  generatedAt: string;
  headline: string;
  good: boolean;
  jobs: ClientJobLine[];
  notes: string[];
  consultant: { name: string; email: string };
  theme: Theme;
  printCss?: string;
}

export interface ClientInput {
  report: StatusReport;
  cfg: Pick<CollectorConfig, 'clients' | 'consultant'>;
  clientId: string;
  theme: Theme;
  /** The client's local date, YYYY-MM-DD. */
  date: string;
  now: Date;
  /** What the consultant was demonstrably sent (a digest, an alert): only that is "told". */
  told: ConsultantTold;
  /** Each job's restore drills (report/drills.ts), keyed by drillKey; none when absent. */
  drills?: ReadonlyMap<string, DrillState>;
}

/** Said after a problem: only what is true (see ConsultantTold). */
const TOLD = 'Your consultant has been told.';
const NOT_TOLD = 'Your consultant has not been told yet.';

const NUMBERS = ['No', 'One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine', 'Ten'];
const number = (n: number) => NUMBERS[n] ?? String(n);

/** What went wrong, in a few plain words ("did not run"). */
const PROBLEM: Record<Exclude<Category, 'ok' | 'new'>, string> = {
  // A failed run ended, with errors: it did finish (a run that never ends sends no report).
  failed: 'failed',
  missing: 'did not run',
  late: 'has not run yet',
  warning: 'ran, but some files were not saved',
  anomaly: 'ran, but saved much less than usual',
};

const whenFmt = new Map<string, Intl.DateTimeFormat>();
function when(d: Date, zone: string): string {
  let f = whenFmt.get(zone);
  if (!f) whenFmt.set(zone, (f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  return f.format(d).replace(/,? (at )?(\d\d:\d\d)$/, ' at $2');
}

function ago(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  if (h < 1) return 'less than an hour ago';
  if (h < 36) return `${h} hour${h === 1 ? '' : 's'} ago`;
  const d = Math.round(h / 24);
  return `${d} days ago`;
}

/**
 * When nothing needs attention: "as planned", not "last night" (a job may run in the morning or
 * weekly), and a job set up but not yet run is not said to have run.
 */
export function allWellHeadline(total: number, notYet: number): string {
  const ran = total - notYet;
  if (notYet === 0) return total === 1 ? 'Your backup ran as planned.' : `All ${total} backups ran as planned.`;
  if (ran === 0) return total === 1 ? 'Your backup is set up and has not run yet.' : `Your ${total} backups are set up and have not run yet.`;
  return `${ran === 1 ? 'One backup' : `${ran} backups`} ran as planned; ${notYet === 1 ? 'one new backup has' : `${notYet} new backups have`} not run yet.`;
}

/** Builds one client's summary. Pure. Throws nothing for a client without jobs: it says so. */
export function clientSummaryModel(input: ClientInput): ClientSummaryModel {
  const client = input.cfg.clients.find((c) => c.id === input.clientId);
  if (!client) throw new Error(`clientSummaryModel: no client "${input.clientId}"`);
  const zone = client.timeZone;
  const c = input.theme.colours;
  const mine = input.report.jobs.filter((j) => j.clientId === client.id);
  const told = (j: JobStatus) => input.told.jobs.has(jobKey(j.siteId, j.jobId));
  const lines = mine.map((j) => ({ ...jobLine(j, zone, client.showPaths, c, told(j)), restorable: restorableWords(input.drills?.get(drillKey(j.siteId, j.jobId)), zone, input.now) }));
  const bad = mine.filter(needsAttention);
  const label = dayLabel(input.date);

  let headline: string;
  if (mine.length === 0) headline = 'No backups are set up for monitoring yet.';
  else if (bad.length === 0) headline = allWellHeadline(mine.length, mine.filter((j) => categoryOf(j) === 'new').length);
  else if (bad.length === 1) headline = `One backup needs attention: ${bad[0]!.jobName} ${PROBLEM[categoryOf(bad[0]!) as keyof typeof PROBLEM]}. ${told(bad[0]!) ? TOLD : NOT_TOLD}`;
  else headline = `${number(bad.length)} backups need attention. ${bad.every(told) ? TOLD : bad.some(told) ? 'Your consultant has been told about some of them, not yet about all.' : NOT_TOLD}`;

  const notes: string[] = [];
  for (const s of input.report.sites.filter((x) => x.clientId === client.id && x.agentSilent)) {
    notes.push(`The backup computer "${s.siteId}" has not checked in as expected. ${input.told.silentSites.has(s.siteId) ? TOLD : NOT_TOLD}`);
  }
  if (input.report.monitoringBlind) {
    notes.push(`Some backup reports could not be collected in time, so this summary may not be complete. ${input.told.blind ? TOLD : NOT_TOLD}`);
  }
  const okCount = mine.length - bad.length;
  const subject = mine.length === 0
    ? `Your backups: none monitored yet - ${label}`
    : bad.length === 0
      ? `Your backups: ${mine.length === 1 ? 'OK' : `all ${mine.length} OK`} - ${label}`
      : `Your backups: ${bad.length} need${bad.length === 1 ? 's' : ''} attention${okCount > 0 ? `, ${okCount} OK` : ''} - ${label}`;
  return {
    subject,
    title: `Backups of ${client.name}`,
    clientName: client.name,
    date: input.date,
    dateLabel: dayLabel(input.date, true),
    period: dayLabel(input.date, true),
    generatedAt: formatGeneratedAt(input.now, zone),
    headline,
    good: bad.length === 0 && notes.length === 0,
    jobs: lines,
    notes,
    consultant: { name: input.cfg.consultant.name, email: input.cfg.consultant.email },
    theme: input.theme,
  };
}

/**
 * "Last proven restorable: 3 days ago (a trial restore of a sample of files on ... matched the
 * backup)." in a client's words; null for a job that cannot have trial restores.
 */
export function restorableWords(d: DrillState | undefined, zone: string, now: Date): string | null {
  if (!d || d.words === null) return null;
  const failed = d.newest && (d.newest.status === 'failed' || d.newest.incomplete) ? ` The latest trial restore, on ${when(d.newest.startedAt, zone)}, found a problem.` : '';
  if (!d.lastGood) return `Never proven restorable: no trial restore has succeeded yet.${failed}`;
  return `Last proven restorable: ${ago(now.getTime() - d.lastGood.getTime())} (on ${when(d.lastGood, zone)}, a sample of files was restored and matched the backup).${failed}`;
}

function jobLine(j: JobStatus, zone: string, showPaths: boolean, c: Theme['colours'], told: boolean): Omit<ClientJobLine, 'restorable'> {
  const cat = categoryOf(j);
  const last = j.lastRun;
  const after = told ? TOLD : NOT_TOLD;
  let sentence: string;
  if (cat === 'ok') sentence = `Ran on ${when(last!.startedAt, zone)} and finished normally.`;
  else if (cat === 'new') sentence = j.nextDueAt ? `New: the first backup is planned for ${when(j.nextDueAt, zone)}.` : 'New: waiting for the first backup.';
  else if (cat === 'missing' || cat === 'late') sentence = j.since ? `Was due on ${when(j.since, zone)} but ${PROBLEM[cat]}. ${after}` : `${PROBLEM[cat]}. ${after}`;
  else if (cat === 'failed') sentence = `${last ? `Ran on ${when(last.startedAt, zone)} but ended with errors` : 'Failed'}. ${after}`;
  else sentence = `${last ? `Ran on ${when(last.startedAt, zone)}, but ` : 'Ran, but '}${cat === 'warning' ? 'some files were not saved' : 'saved much less than usual'}. ${after}`;
  const good = cat === 'ok' || cat === 'new';
  return {
    name: j.jobName,
    unsigned: j.source === 'third-party',
    where: j.siteId,
    good,
    colour: good ? c.ok : cat === 'failed' || cat === 'missing' ? c.failed : c.warning,
    badge: cat === 'ok' ? 'OK' : cat === 'new' ? 'New' : 'Needs attention',
    sentence: sentence.charAt(0).toUpperCase() + sentence.slice(1),
    lastGood: j.lastGoodRun && j.lastGoodAgeMs !== null ? `Last successful backup: ${when(j.lastGoodRun.endedAt, zone)} (${ago(j.lastGoodAgeMs)}).` : 'No successful backup yet.',
    detail: showPaths && !good && last?.firstError ? last.firstError.split(/\r?\n/)[0]!.slice(0, 200) : null,
  };
}
