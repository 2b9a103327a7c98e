import { dayLabel } from '../report/digest/days.ts';
import type { ClientRequest } from '../store/client-requests.ts';
import type { Db } from '../store/db.ts';

/** A request in the client's words: 'a restore of /Invoices/2026 from your "Documents" backup, as it was on Thu 3 Dec 2026'. */
export function requestWords(db: Db, r: ClientRequest): { short: string; long: string } {
  if (r.action === 'unknown' || r.jobId === null || r.siteId === null) return { short: 'your request', long: r.rawLine ? `"${r.rawLine}"` : 'your request' };
  const name = jobName(db, r.siteId, r.jobId);
  if (r.action === 'backup') return { short: `backup of ${name}`, long: `an extra run of your "${name}" backup, now` };
  const paths = r.args.paths ?? [];
  const what = paths.length === 0 ? 'everything' : paths.join(', ');
  const when = r.args.asOf ? `, as it was on ${dayLabel(r.args.asOf, true)}` : ', from the newest backup';
  return { short: `restore of ${what}`, long: `a restore of ${what} from your "${name}" backup${when}` };
}

/** A job's display name, or its id when the store does not know it (any more). */
export function jobName(db: Db, siteId: string, jobId: string): string {
  return db.prepare<[string, string], { name: string }>('SELECT name FROM jobs WHERE site_id = ? AND job_id = ?').get(siteId, jobId)?.name ?? jobId;
}
