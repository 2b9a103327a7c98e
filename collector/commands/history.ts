import { SynError } from '../../core/errors.ts';
import { formatBytes, formatDuration } from '../../core/templates.ts';
import { toStatusParams } from '../config.ts';
import { detectAnomalies, type RunCounts } from '../status/anomalies.ts';
import { alignColumns } from '../status/format.ts';
import { localTimeWords } from '../status/clock-words.ts';
import { provenanceNotes } from '../status/provenance.ts';
import type { Anomaly } from '../status/types.ts';
import { recentRunsFor } from '../store/facts.ts';
import { jobHistory, jobsOfSite, type HistoryRun, type JobHistory } from '../store/history.ts';
import { restoresOf, type RestoreRow } from '../store/restores.ts';
import { printJson, type Loaded } from './common.ts';

/** A job's history as the command shows it: each run with the anomalies the status engine finds in it. */
export type ShownHistory = Omit<JobHistory, 'runs'> & { runs: (HistoryRun & { anomalies: Anomaly[] })[]; restores: RestoreRow[] };

/**
 * `collector history SITE/JOB [--json]`: a job's runs, newest first, each with its anomalies, the
 * reports that never arrived, and its restores and drills (issue 11). A job known only from a
 * restore report (its runs never reached this collector) shows that restore.
 */
export function historyCommand(l: Loaded, target: string, o: { json?: boolean; limit: number }): ShownHistory {
  const m = /^([^/]+)\/([^/]+)$/.exec(target);
  if (!m) throw new SynError('USAGE', `"${target}" is not SITE/JOB (e.g. "office-fs/nightly")`);
  const [, siteId, jobId] = m as unknown as [string, string, string];
  // Sites of third-party jobs are not in `sites:` (their rules name them): the database knows them.
  if (!l.cfg.sites.some((s) => s.id === siteId) && jobsOfSite(l.db, siteId).length === 0) {
    throw new SynError('NOT_FOUND', `no site "${siteId}" in the config or in any rule's jobs (sites: ${l.cfg.sites.map((s) => s.id).join(', ') || 'none'})`);
  }
  const window = recentRunsFor(l.cfg);
  // The runs before the oldest shown one are read too: they are its anomaly baseline.
  const restores = restoresOf(l.db, siteId, jobId, { limit: o.limit });
  const stored =
    jobHistory(l.db, siteId, jobId, o.limit + window - 1) ??
    (restores.length > 0
      ? { siteId, jobId, name: restores[0]!.jobName, plugin: null, source: 'agent' as const, signed: true, schedule: null, nextRunAt: null, runs: [], gaps: [] }
      : undefined);
  if (!stored) throw new SynError('NOT_FOUND', `site "${siteId}" has not reported a job "${jobId}" (jobs heard of: ${jobsOfSite(l.db, siteId).join(', ') || 'none'})`);
  const h: ShownHistory = { ...stored, runs: withAnomalies(stored.runs, o.limit, window, toStatusParams(l.cfg)), restores };
  if (o.json) {
    printJson(l, h);
    return h;
  }
  const now = l.clock.now();
  const zone = l.cfg.consultant.timeZone;
  l.out(`${siteId}/${jobId}: ${h.name}${h.plugin ? ` (${h.plugin})` : ''}${h.schedule ? `, schedule "${h.schedule}"` : ''}${h.nextRunAt ? `, next run ${localTimeWords(h.nextRunAt, zone, now)}` : ''}`);
  for (const note of provenanceNotes({ source: h.source, dueFrom: null })) l.out(`Every run below is ${note}.`);
  if (h.runs.length === 0) l.out('No runs have been reported yet.');
  else {
    const rows = h.runs.map((r) => [
      String(r.sequence),
      localTimeWords(r.startedAt, zone, now),
      r.status.toUpperCase(),
      formatDuration(r.endedAt.getTime() - r.startedAt.getTime()),
      `${r.files.copied}/${r.files.examined}`,
      formatBytes(r.bytes.examined),
      [
        r.files.failed ? `${r.files.failed} failed` : '',
        r.verificationMismatches ? `${r.verificationMismatches} verification mismatches` : '',
        r.firstError ?? '',
        ...r.anomalies.map((a) => `anomaly: ${a.message}`),
      ].filter(Boolean).join('; '),
    ]);
    for (const line of alignColumns([['SEQ', 'STARTED', 'STATUS', 'TOOK', 'COPIED/FILES', 'SIZE', 'NOTE'], ...rows])) l.out(line);
  }
  const missing = h.gaps.reduce((n, g) => n + g.to - g.from + 1, 0);
  if (missing > 0) {
    const ranges = h.gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(', ');
    l.out(`${missing} report${missing === 1 ? '' : 's'} never arrived (sequence ${ranges})`);
  }
  if (restores.length > 0) {
    l.out('');
    l.out('Restores and drills:');
    const rows = restores.map((r) => [
      r.kind.toUpperCase(),
      localTimeWords(r.startedAt, zone, now),
      `${r.status.toUpperCase()}${r.incomplete ? ' INCOMPLETE' : ''}`,
      `${r.files.restored}${r.files.failed ? ` (+${r.files.failed} failed)` : ''}`,
      formatBytes(r.bytesRestored),
      r.mismatches ? `${r.mismatches} of ${r.checked}` : `0 of ${r.checked}`,
      [r.fromAt ? `backup of ${localTimeWords(r.fromAt, zone, now)}` : 'newest backup', `into ${r.target}`, r.commandId ? `command ${r.commandId}` : '', r.status !== 'ok' ? (r.firstError ?? '') : '']
        .filter(Boolean)
        .join('; '),
    ]);
    for (const line of alignColumns([['KIND', 'STARTED', 'STATUS', 'FILES', 'SIZE', 'MISMATCHES', 'NOTE'], ...rows])) l.out(line);
  }
  return h;
}

/**
 * The first `limit` runs, each with the anomalies the status engine would have reported had the
 * run been the latest: detectAnomalies over it and the `window` runs the engine reads (as
 * collector status does, recentRunsFor).
 */
function withAnomalies(runs: readonly HistoryRun[], limit: number, window: number, params: ReturnType<typeof toStatusParams>): ShownHistory['runs'] {
  const counts: RunCounts[] = runs.map((r) => ({
    status: r.status,
    filesExamined: r.files.examined,
    filesCopied: r.files.copied,
    bytesExamined: r.bytes.examined,
    bytesCopied: r.bytes.copied,
    verificationMismatches: r.verificationMismatches,
  }));
  return runs.slice(0, limit).map((r, i) => ({ ...r, anomalies: detectAnomalies(counts.slice(i, i + window), params) }));
}
