import type { CollectorConfig } from '../config.ts';
import { insertRequest } from '../store/client-requests.ts';
import type { Db } from '../store/db.ts';
import { findRequestLine } from './grammar.ts';
import { jobsOfSites, requestIntake, resolveRequest } from './intake.ts';

/** The "Request a restore or a backup" form of the client view: the client's own jobs. */
export function requestFormModel(db: Db, cfg: CollectorConfig, clientId: string, s: { csrf: string; readOnly: boolean }) {
  const jobs = jobsOfSites(db, cfg.sites.filter((x) => x.client === clientId).map((x) => x.id));
  return {
    canRequest: !s.readOnly && jobs.length > 0,
    csrf: s.csrf,
    requestJobs: jobs.map((j) => ({ value: `${j.siteId}/${j.jobId}`, label: jobs.filter((k) => k.name === j.name).length > 1 ? `${j.name} (${j.siteId})` : j.name })),
  };
}

/**
 * A request from the dashboard's form, as the same kind of pending request as a reply by email:
 * the fields become a request line ("RESTORE site/job "/path" as of 2026-12-03") read by the same
 * grammar, so a job that is not the client's, a path with "..", or a future date is refused the
 * same way (and recorded). The answer is one sentence for the page.
 */
export function submitWebRequest(db: Db, cfg: CollectorConfig, clientId: string, user: string, body: Record<string, unknown>, now: Date): { ok: boolean; text: string } {
  const field = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).trim().slice(0, 500) : '');
  const action = field('action') === 'backup' ? 'BACKUP' : 'RESTORE';
  const job = field('job');
  const path = field('path');
  const asOf = field('asOf');
  if (!/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/.test(job)) return { ok: false, text: 'Please choose one of your backups.' };
  if (path.includes('"')) return { ok: false, text: 'A folder or file name cannot contain a double quote (").' };
  if (asOf !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) return { ok: false, text: 'Please give the date as a calendar date.' };
  const words = action === 'BACKUP' ? `BACKUP ${job} NOW` : `RESTORE ${job}${path ? ` "${path.startsWith('/') ? path : `/${path}`}"` : ''}${asOf ? ` as of ${asOf}` : ''}`;
  const line = findRequestLine(words)!;
  const from = `web:${user}`;
  const r = resolveRequest(db, { from, clientIds: [clientId], line }, requestIntake(cfg), now.getTime(), { from, via: 'web', receivedAt: now.getTime(), messageId: null, rawLine: line.line });
  const id = insertRequest(db, r);
  if (r.state === 'pending') return { ok: true, text: `Thank you: your request (number ${id}) is waiting for your consultant, who checks every request before anything happens. You will get an email when it is approved.` };
  return { ok: false, text: r.args.problem ?? 'We could not turn this into a request.' };
}
