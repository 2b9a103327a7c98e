import type { CollectorConfig } from '../../config.ts';
import { formatGeneratedAt } from '../furniture.ts';
import type { Theme } from '../digest/theme.ts';
import { percentOf, type JobFigures } from './figures.ts';
import type { JobMonth } from './load.ts';
import type { MonthWindow } from './month.ts';
import { percentText, spanWords, whenWords } from './words.ts';

/**
 * The monthly compliance report: per client and job, the share of scheduled runs that produced
 * a good backup, the failures and how long each lasted, the longest time without a good backup,
 * and the restore drills. One model for a client's own report and for the consultant's report of
 * every client (one section per client, each counted in that client's zone, so both show the
 * same figures). Everything here is plain text: the HTML template escapes it.
 */
export interface MonthlyFailureLine {
  from: string;
  to: string;
  lasted: string;
  what: string;
  detail: string | null;
}

export interface MonthlyJobLine {
  name: string;
  where: string;
  unsigned: boolean;
  basis: string;
  /** "93.3%", or "n/a" when no run was expected. */
  percent: string;
  colour: string;
  expected: number;
  good: number;
  failed: number;
  missed: number;
  pending: number;
  warnings: number;
  /** "28 of 30 expected runs good; 1 failed, 1 missed." */
  counts: string;
  longestGap: string;
  failures: MonthlyFailureLine[];
}

/**
 * A restore drill of the month (a test restore that proved a backup can be read back). There
 * is no drill feature yet (issue 11): `drills` is empty and the report says so; when drills are
 * recorded, their lines go here and the templates already list them.
 */
export interface MonthlyDrillLine {
  date: string;
  job: string;
  outcome: string;
}

export interface MonthlyClientSection {
  id: string;
  name: string;
  timeZone: string;
  percent: string;
  colour: string;
  expected: number;
  good: number;
  failures: number;
  summary: string;
  jobs: MonthlyJobLine[];
  drills: MonthlyDrillLine[];
  drillsNote: string | null;
}

export interface MonthlyModel {
  subject: string;
  title: string;
  /** "November 2026" (the PDF header's period). */
  period: string;
  /** YYYY-MM */
  month: string;
  /** The archive date: the first day of the month. */
  date: string;
  dateLabel: string;
  generatedAt: string;
  /** The month is still running: figures are up to now. */
  partial: string | null;
  scope: 'client' | 'all';
  headline: string;
  clients: MonthlyClientSection[];
  definitions: string[];
  consultant: { name: string; email: string };
  theme: Theme;
  printCss?: string;
}

export interface MonthlyInput {
  cfg: Pick<CollectorConfig, 'clients' | 'consultant'>;
  /** The clients in the report with their jobs' figures and the month in their zone. */
  sections: { clientId: string; window: MonthWindow; jobs: JobMonth[] }[];
  scope: 'client' | 'all';
  /** The reader's zone (the client's, or the consultant's for all clients). */
  zone: string;
  month: string;
  monthLabel: string;
  now: Date;
  theme: Theme;
}

export const NO_DRILLS = 'No restore drills recorded for this month.';

/** How each figure is computed, printed at the end of every report (auditors ask). */
export const DEFINITIONS = [
  'Expected runs: the times the job\'s schedule started it this month (cron schedule in the job\'s own time zone), from the day the job was first reported. A job without a schedule is counted by days: each day with at least one run is one expected run (a day without any run cannot be counted as missed).',
  'Good: at least one run for that time ended OK or with warnings and raised no anomaly (such as 0 files examined or a sudden drop in size), by the same rule as the status\' "last good backup". Failed: it ran but produced no good backup. Missed: no run reported at all; it counts against the share.',
  'Share: good / expected, rounded down to one decimal. Runs whose report may still arrive (the grace time after the scheduled start has not passed) are shown as pending and not counted.',
  'Failure: from a failed or missed run until the next good backup finished (or the end of the month).',
  'Longest time without a good backup: between the ends of two good backups, counted from the last good backup before the month.',
];

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function colourOf(p: number | null, c: Theme['colours']): string {
  return p === null ? c.neutral : p >= 100 ? c.ok : p >= 90 ? c.warning : c.failed;
}

function countsLine(f: JobFigures): string {
  if (f.expected === 0 && f.pending === 0) return f.basis === 'days' ? 'No runs this month.' : 'No runs were scheduled this month.';
  const bad = [f.failed ? `${f.failed} failed` : '', f.missed ? `${f.missed} missed` : ''].filter(Boolean).join(', ');
  const extra = [f.warnings ? `${plural(f.warnings, 'good run')} ended with warnings` : '', f.pending ? `${f.pending} pending (report not due yet)` : ''].filter(Boolean).join('; ');
  const unit = f.basis === 'days' ? 'days with a run' : 'expected runs';
  return `${f.good} of ${f.expected} ${unit} good${bad ? `; ${bad}` : ''}.${extra ? ` ${extra.charAt(0).toUpperCase()}${extra.slice(1)}.` : ''}`;
}

function jobLine(j: JobMonth, zone: string, year: string, showDetail: boolean, c: Theme['colours']): MonthlyJobLine {
  const f = j.figures;
  const at = (t: number) => whenWords(t, zone, year);
  const basis = j.schedule
    ? `Schedule "${j.schedule.cron}" (${j.schedule.timeZone})`
    : `No schedule (${j.scheduleNote ?? 'none known'}): counted by days with a run`;
  const gap = f.longestGap;
  return {
    name: j.name,
    where: j.siteId,
    unsigned: j.source === 'third-party',
    basis,
    percent: percentText(f.percent),
    colour: colourOf(f.percent, c),
    expected: f.expected, good: f.good, failed: f.failed, missed: f.missed, pending: f.pending, warnings: f.warnings,
    counts: countsLine(f),
    longestGap: gap
      ? `${spanWords(gap.ms)} (${gap.fromBeforeMonth ? 'since the last good backup before the month, ' : ''}from ${at(gap.from)} to ${at(gap.to)})`
      : 'n/a',
    failures: f.failures.map((x) => ({
      from: at(x.start),
      to: x.ongoing ? 'not resolved by the end of the period' : at(x.end),
      lasted: `${spanWords(x.end - x.start)}${x.ongoing ? ' or more' : ''}`,
      what: [x.failed ? plural(x.failed, 'failed run') : '', x.anomalous ? `${plural(x.anomalous, 'run')} with an anomaly (no good backup)` : '', x.missed ? plural(x.missed, 'missed run') : ''].filter(Boolean).join(', ') + (x.carriedOver ? ' (already failing when the month began)' : ''),
      detail: showDetail && x.firstError ? x.firstError.split(/\r?\n/)[0]!.slice(0, 200) : null,
    })),
  };
}

/** Builds the monthly report. Pure. */
export function monthlyModel(input: MonthlyInput): MonthlyModel {
  const c = input.theme.colours;
  const year = input.month.slice(0, 4);
  const sections: MonthlyClientSection[] = input.sections.map((s) => {
    const client = input.cfg.clients.find((x) => x.id === s.clientId)!;
    // The consultant sees error details; a client only with showPaths (errors often hold paths).
    const showDetail = input.scope === 'all' || client.showPaths;
    const jobs = s.jobs.map((j) => jobLine(j, s.window.zone, year, showDetail, c));
    const expected = jobs.reduce((n, j) => n + j.expected, 0);
    const good = jobs.reduce((n, j) => n + j.good, 0);
    const failures = jobs.reduce((n, j) => n + j.failures.length, 0);
    const p = percentOf(good, expected);
    return {
      id: client.id,
      name: client.name,
      timeZone: s.window.zone,
      percent: percentText(p),
      colour: colourOf(p, c),
      expected, good, failures,
      summary: jobs.length === 0
        ? 'No backups were monitored this month.'
        : `${percentText(p)} of expected backups were good (${good} of ${expected}) across ${plural(jobs.length, 'job')}; ${failures === 0 ? 'no failures' : plural(failures, 'failure')}.`,
      jobs,
      drills: [],
      drillsNote: NO_DRILLS,
    };
  });
  const expected = sections.reduce((n, s) => n + s.expected, 0);
  const good = sections.reduce((n, s) => n + s.good, 0);
  const total = percentText(percentOf(good, expected));
  const end = Math.max(...input.sections.map((s) => s.window.end));
  const partial = input.now.getTime() < end ? `The month is not over: figures up to ${whenWords(input.now.getTime(), input.zone, year)}.` : null;
  const only = input.scope === 'client' ? sections[0]! : null;
  const title = only ? `Monthly backup report: ${only.name}` : 'Monthly backup compliance: all clients';
  const headline = only ? only.summary : `${total} of expected backups were good (${good} of ${expected}) across ${plural(sections.length, 'client')}.`;
  return {
    subject: `${title} - ${input.monthLabel}: ${total} good`,
    title,
    period: input.monthLabel,
    month: input.month,
    date: `${input.month}-01`,
    dateLabel: input.monthLabel,
    generatedAt: formatGeneratedAt(input.now, input.zone),
    partial,
    scope: input.scope,
    headline,
    clients: sections,
    definitions: DEFINITIONS,
    consultant: { name: input.cfg.consultant.name, email: input.cfg.consultant.email },
    theme: input.theme,
  };
}
