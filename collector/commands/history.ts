import { SynError } from '../../core/errors.ts';
import { formatBytes, formatDuration } from '../../core/templates.ts';
import { alignColumns } from '../status/format.ts';
import { localTimeWords } from '../status/clock-words.ts';
import { jobHistory, jobsOfSite, type JobHistory } from '../store/history.ts';
import { printJson, type Loaded } from './common.ts';

/** `collector history SITE/JOB [--json]`: a job's runs, newest first, and the reports that never arrived. */
export function historyCommand(l: Loaded, target: string, o: { json?: boolean; limit: number }): JobHistory {
  const m = /^([^/]+)\/([^/]+)$/.exec(target);
  if (!m) throw new SynError('USAGE', `"${target}" is not SITE/JOB (e.g. "office-fs/nightly")`);
  const [, siteId, jobId] = m as unknown as [string, string, string];
  if (!l.cfg.sites.some((s) => s.id === siteId)) {
    throw new SynError('NOT_FOUND', `no site "${siteId}" in the config (sites: ${l.cfg.sites.map((s) => s.id).join(', ') || 'none'})`);
  }
  const h = jobHistory(l.db, siteId, jobId, o.limit);
  if (!h) throw new SynError('NOT_FOUND', `site "${siteId}" has not reported a job "${jobId}" (jobs heard of: ${jobsOfSite(l.db, siteId).join(', ') || 'none'})`);
  if (o.json) {
    printJson(l, h);
    return h;
  }
  const now = l.clock.now();
  const zone = l.cfg.consultant.timeZone;
  l.out(`${siteId}/${jobId}: ${h.name}${h.plugin ? ` (${h.plugin})` : ''}${h.schedule ? `, schedule "${h.schedule}"` : ''}${h.nextRunAt ? `, next run ${localTimeWords(h.nextRunAt, zone, now)}` : ''}`);
  if (h.runs.length === 0) l.out('No runs have been reported yet.');
  else {
    const rows = h.runs.map((r) => [
      String(r.sequence),
      localTimeWords(r.startedAt, zone, now),
      r.status.toUpperCase(),
      formatDuration(r.endedAt.getTime() - r.startedAt.getTime()),
      `${r.files.copied}/${r.files.examined}`,
      formatBytes(r.bytes.examined),
      [r.files.failed ? `${r.files.failed} failed` : '', r.verificationMismatches ? `${r.verificationMismatches} verification mismatches` : '', r.firstError ?? ''].filter(Boolean).join('; '),
    ]);
    for (const line of alignColumns([['SEQ', 'STARTED', 'STATUS', 'TOOK', 'COPIED/FILES', 'SIZE', 'NOTE'], ...rows])) l.out(line);
  }
  const missing = h.gaps.reduce((n, g) => n + g.to - g.from + 1, 0);
  if (missing > 0) {
    const ranges = h.gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(', ');
    l.out(`${missing} report${missing === 1 ? '' : 's'} never arrived (sequence ${ranges})`);
  }
  return h;
}
