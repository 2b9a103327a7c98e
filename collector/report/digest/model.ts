import { provenanceNotes } from '../../status/provenance.ts';
import type { CollectorConfig } from '../../config.ts';
import { localTimeWords } from '../../status/clock-words.ts';
import { SHOWN_DRIFT_MINUTES } from '../../status/format.ts';
import type { JobStatus, StatusReport } from '../../status/types.ts';
import { plural, relativeWords } from '../../status/words.ts';
import { formatGeneratedAt } from '../furniture.ts';
import { attentionItems, colourOfKind, type AttentionItem } from './attention.ts';
import { dayLabel, dayWindows } from './days.ts';
import { jobKey, type GapRow, type JobHistory, type QuarantineSummary, type UnmappedRow } from './history.ts';
import { jobDays, type JobDays } from './strips.ts';
import { CATEGORY_ORDER, categoryOf, countCategories, digestSubject, digestSummary, type Category } from './subject.ts';
import type { Theme } from './theme.ts';
import type { RestoreRow } from '../../store/restores.ts';
import { restoreLines, type RestoreLine } from './restores.ts';
import { drillKey, type DrillState } from '../drills.ts';
import { requestsSection, type RequestsFacts, type RequestsSection } from './requests.ts';

/** Days in a strip. */
export const STRIP_DAYS = 14;
/** Up to this many jobs, every job in the full list gets its chart; beyond, only attention items do. */
export const CHARTS_IN_LIST_MAX_JOBS = 60;
/**
 * Attention items beyond this many show their strip but no chart. A PDF costs about 40 ms a
 * page in Chromium; a bad night at 3,000 jobs (250 items) would otherwise add 25 pages.
 */
export const ATTENTION_CHARTS_MAX = 40;

export interface DigestInput {
  report: StatusReport;
  history: JobHistory;
  quarantine: QuarantineSummary;
  /** Notifications of known tools that no rule maps (collector unmapped); none when absent. */
  unmapped?: { count: number; newest: readonly UnmappedRow[] };
  gaps: readonly GapRow[];
  /** Alert and report deliveries that failed since the last digest (alert_failures). */
  deliveryFailures?: readonly { channel: string; at: Date; error: string }[];
  /** The maintenance note of a client's site (alerts.maintenance; see alerts/maintenance.ts), or null; none when absent. */
  maintenance?: (clientId: string, siteId: string | null) => string | null;
  /** Restores reported in the digest's period (issue 11), oldest first; none when absent. */
  restores?: readonly RestoreRow[];
  /** Each job's restore drills (report/drills.ts), keyed by drillKey; none when absent. */
  drills?: ReadonlyMap<string, DrillState>;
  /** Pending client requests, commands of the period, incomplete file catalogues (requests.ts); none when absent. */
  requests?: RequestsFacts;
  cfg: Pick<CollectorConfig, 'clients' | 'sites' | 'consultant'>;
  theme: Theme;
  /** The consultant's local date of the digest, YYYY-MM-DD. */
  date: string;
  now: Date;
}

export interface JobRow {
  siteId: string;
  jobId: string;
  jobName: string;
  /** Where the facts come from, when not a signed agent report ('unsigned: ...'), else ''. */
  trust: string;
  state: string;
  colour: string;
  lastRun: string;
  lastGood: string;
  nextDue: string;
  note: string;
  /** "maintenance: server move, ..." when a maintenance window covered the job, else ''. */
  maintenance: string;
  /** "last proven restorable: 3 days ago", "never proven restorable", or '' (a job that cannot be drilled). */
  proven: string;
  /** True when the drill state is a warning (report/drills.ts). */
  provenWarn: boolean;
  days: JobDays;
  showChart: boolean;
}

export interface ClientBlock {
  id: string;
  name: string;
  summary: string;
  jobs: JobRow[];
}

/** The consultant's digest as plain data: what the templates render, nothing they compute. */
export interface DigestModel {
  subject: string;
  summary: string;
  tone: 'ok' | 'bad' | 'blind';
  title: string;
  date: string;
  dateLabel: string;
  period: string;
  generatedAt: string;
  theme: Theme;
  counts: { label: string; n: number; colour: string }[];
  attention: (AttentionItem & { showChart: boolean })[];
  days: { label: string; short: string }[];
  pipeline: {
    mailboxes: { name: string; ok: boolean; lastGoodPoll: string; lastError: string | null }[];
    quarantine: { count: number; newest: { received: string; from: string; subject: string; reason: string }[] };
    unmapped: { count: number; newest: { received: string; from: string; parser: string; job: string }[] };
    gaps: { where: string; text: string }[];
    drift: string[];
    deliveryFailures: { channel: string; when: string; error: string }[];
  };
  clients: ClientBlock[];
  /** Restores of the period, as the "Restores" section lists them. */
  restores: RestoreLine[];
  /** "Requests and commands": pending client requests, commands of the period, incomplete file catalogues. */
  requests: RequestsSection;
  /** Many jobs: one line per job in the full list, notes only in the attention list. */
  compact: boolean;
  totals: { clients: number; sites: number; jobs: number };
  /** The print CSS, set by the renderer when the HTML is for a PDF. */
  printCss?: string;
}

const COUNT_LABELS: Record<Category, string> = { failed: 'Failed', missing: 'Missing', late: 'Late', warning: 'Warnings', anomaly: 'Anomalies', new: 'New', ok: 'OK' };
const ONE_LABELS: Record<Category, string> = { failed: 'failed', missing: 'missing', late: 'late', warning: 'warning', anomaly: 'anomaly', new: 'new', ok: 'ok' };
const STATE_LABELS: Record<Category, string> = { failed: 'FAILED', missing: 'MISSING', late: 'LATE', warning: 'WARNING', anomaly: 'ANOMALY', new: 'NEW', ok: 'OK' };

/** Builds the digest model. Pure: the same input gives the same model, no I/O, no clock. */
export function digestModel(input: DigestInput): DigestModel {
  const { report, theme, now } = input;
  const zone = input.cfg.consultant.timeZone;
  const c = theme.colours;
  const windows = dayWindows(input.date, STRIP_DAYS, zone);
  const clientNames = new Map(input.cfg.clients.map((x) => [x.id, x.name]));
  const clientName = (id: string) => clientNames.get(id) ?? id;
  const daysCache = new Map<JobStatus, JobDays>();
  const daysOf = (j: JobStatus) => {
    let d = daysCache.get(j);
    if (!d) {
      d = jobDays(input.history.get(jobKey(j.siteId, j.jobId)), windows, c);
      // Two empty boxes say nothing: a job that never reported has no history yet.
      if (d.chart.note !== null && j.lastRun === null) d = { ...d, chart: { ...d.chart, note: 'no history yet' } };
      daysCache.set(j, d);
    }
    return d;
  };
  const counts = countCategories(report.jobs);
  const when = (d: Date | null) => (d ? localTimeWords(d, zone, now) : '-');
  const jobName = new Map(report.jobs.map((j) => [jobKey(j.siteId, j.jobId), j.jobName]));
  const siteClient = new Map(input.cfg.sites.map((s) => [s.id, s.client]));
  const requests = requestsSection(input.requests, {
    colours: c, clientName, when, clientOfSite: (id) => clientName(siteClient.get(id) ?? id), jobName: (siteId, jobId) => jobName.get(jobKey(siteId, jobId)) ?? jobId,
  });
  const drillOf = (j: JobStatus) => input.drills?.get(drillKey(j.siteId, j.jobId));
  const extras = {
    blindMailboxes: report.mailboxes.filter((m) => m.blind).length,
    silentAgents: report.sites.filter((s) => s.agentSilent).length,
    quarantined: input.quarantine.count,
    notProven: report.jobs.filter((j) => drillOf(j)?.warning).length,
    ...requests.counts,
  };
  const attention = attentionItems(report.jobs, report.sites, report.mailboxes, input.quarantine, {
    now, zone, colours: c, clientName, daysOf, maintenance: input.maintenance, drillWarning: (j) => drillOf(j)?.warning ?? null, extra: requests.attention,
  });
  const label = dayLabel(input.date);
  const t = now.getTime();
  const chartsInList = report.jobs.length <= CHARTS_IN_LIST_MAX_JOBS;

  const byClient = new Map<string, JobStatus[]>();
  for (const j of report.jobs) {
    const list = byClient.get(j.clientId);
    if (list) list.push(j);
    else byClient.set(j.clientId, [j]);
  }
  const clients: ClientBlock[] = input.cfg.clients.map((cl) => {
    const jobs = byClient.get(cl.id) ?? [];
    const cc = countCategories(jobs);
    return {
      id: cl.id,
      name: cl.name,
      summary: jobs.length === 0 ? 'no jobs reported yet' : `${plural(jobs.length, 'job')}: ${CATEGORY_ORDER.filter((k) => cc[k] > 0).map((k) => `${cc[k]} ${cc[k] === 1 ? ONE_LABELS[k] : COUNT_LABELS[k].toLowerCase()}`).join(', ')}`,
      jobs: jobs.map((j) => {
        const cat = categoryOf(j);
        return {
          siteId: j.siteId,
          jobId: j.jobId,
          jobName: j.jobName,
          trust: provenanceNotes(j).join('; '),
          state: STATE_LABELS[cat],
          colour: colourOfKind(cat, c),
          lastRun: j.lastRun ? when(j.lastRun.startedAt) : 'never',
          lastGood: j.lastGoodAgeMs === null ? 'never' : relativeWords(j.lastGoodAgeMs),
          nextDue: when(j.nextDueAt),
          note: cat === 'ok' || !chartsInList ? '' : cat === 'anomaly' ? j.anomalies.map((a) => a.message).join('; ') : j.reason,
          maintenance: input.maintenance?.(j.clientId, j.siteId) ?? '',
          proven: drillOf(j)?.words ?? '',
          provenWarn: Boolean(drillOf(j)?.warning),
          days: daysOf(j),
          showChart: chartsInList,
        };
      }),
    };
  });

  return {
    subject: digestSubject(counts, extras, label),
    summary: digestSummary(counts, extras),
    tone: extras.blindMailboxes > 0 ? 'blind' : attention.length > 0 ? 'bad' : 'ok',
    title: 'Backup digest',
    date: input.date,
    dateLabel: dayLabel(input.date, true),
    period: `${dayLabel(input.date, true)} (history from ${windows[0]!.label})`,
    generatedAt: formatGeneratedAt(now, zone),
    theme,
    counts: CATEGORY_ORDER.filter((k) => counts[k] > 0 || k === 'failed' || k === 'missing' || k === 'ok')
      .map((k) => ({ label: COUNT_LABELS[k], n: counts[k], colour: counts[k] === 0 ? c.neutral : colourOfKind(k, c) })),
    attention: attention.map((a, i) => ({ ...a, showChart: a.days !== null && i < ATTENTION_CHARTS_MAX })),
    days: windows.map((w) => ({ label: w.label, short: w.label.split(' ')[1]! })),
    pipeline: {
      mailboxes: report.mailboxes.map((m) => ({
        name: m.name,
        ok: !m.blind,
        lastGoodPoll: m.lastGoodPollAt ? `${when(m.lastGoodPollAt)} (${relativeWords(t - m.lastGoodPollAt.getTime())})` : 'never',
        lastError: m.blind ? m.lastError : null,
      })),
      quarantine: {
        count: input.quarantine.count,
        newest: input.quarantine.newest.map((q) => ({ received: when(q.receivedAt), from: q.from ?? '(no sender)', subject: q.subject ?? '(no subject)', reason: q.reason ?? 'unknown' })),
      },
      unmapped: {
        count: input.unmapped?.count ?? 0,
        newest: (input.unmapped?.newest ?? []).map((u) => ({ received: when(u.receivedAt), from: u.from ?? '(no sender)', parser: u.parser ?? 'unknown tool', job: u.job ?? '(no job name)' })),
      },
      gaps: input.gaps
        .filter((g) => siteClient.has(g.siteId))
        .map((g) => ({
          where: `${clientName(siteClient.get(g.siteId)!)} / ${g.siteId} / ${jobName.get(jobKey(g.siteId, g.jobId)) ?? g.jobId}`,
          text: `${plural(g.missing, 'report')} never arrived (noticed ${relativeWords(t - g.detectedAt.getTime())})`,
        })),
      drift: report.sites
        .filter((s) => s.clockDriftMinutes !== null && Math.abs(s.clockDriftMinutes) >= SHOWN_DRIFT_MINUTES)
        .map((s) => `${clientName(s.clientId)} / ${s.siteId}: the agent's clock is about ${Math.round(Math.abs(s.clockDriftMinutes!))} min ${s.clockDriftMinutes! > 0 ? 'ahead' : 'behind'}`),
      deliveryFailures: (input.deliveryFailures ?? []).map((f) => ({ channel: f.channel, when: when(f.at), error: f.error })),
    },
    clients,
    restores: restoreLines(input.restores ?? [], { clientOfSite: (id) => clientName(siteClient.get(id) ?? id), when, colours: c }),
    requests: requests.section,
    compact: !chartsInList,
    totals: { clients: input.cfg.clients.length, sites: new Set([...input.cfg.sites.map((s) => s.id), ...report.jobs.map((j) => j.siteId)]).size, jobs: report.jobs.length },
  };
}
