import { SynError } from '../../core/errors.ts';
import { smtpSender } from '../../core/mail/smtp.ts';
import { localDate } from '../../core/time.ts';
import { issueCommand, type Issued } from './issue.ts';
import { printJson, type Loaded } from './common.ts';

export interface RequestOptions {
  to?: string;
  path?: string[];
  at?: string;
  by?: string;
  json?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `collector request SITE JOB run-now|restore [--to DIR] [--path P ...] [--at DATE|RUN]`: sends
 * one signed command to a site's agent (issueCommand) and prints its id.
 */
export async function requestCommand(l: Loaded, env: NodeJS.ProcessEnv, site: string, job: string, action: string, o: RequestOptions): Promise<Issued> {
  if (action !== 'run-now' && action !== 'restore') throw new SynError('USAGE', `"${action}" is not an action (expected run-now or restore)`);
  if (action === 'run-now' && (o.to || o.path?.length || o.at)) throw new SynError('USAGE', 'run-now takes no --to, --path or --at (those are for restore)');
  if (action === 'restore' && !o.to) throw new SynError('USAGE', 'restore needs --to DIR: the new folder at the site to restore into');
  if (!l.cfg.smtp) throw new SynError('CONFIG_INVALID', 'smtp: is not set in the collector config: commands are sent by email');
  const restore = action === 'restore' ? { to: o.to!, paths: o.path ?? [], at: o.at === undefined ? null : backupAt(o.at, l.cfg.consultant.timeZone, l.clock.now()) } : undefined;
  const sender = smtpSender(l.cfg.smtp, env);
  let issued: Issued;
  try {
    issued = await issueCommand({ db: l.db, cfg: l.cfg, clock: l.clock, sender }, { siteId: site, jobId: job, action, ...(restore ? { restore } : {}), requestedBy: o.by ?? 'consultant' });
  } finally {
    sender.close();
  }
  const c = issued.command;
  if (o.json) printJson(l, { id: c.id, to: issued.to, command: c });
  else {
    l.out(`command ${c.id} sent to ${issued.to}: ${c.action} ${c.site.id}/${c.job.id}${c.restore ? ` into ${c.restore.to}${c.restore.paths.length ? ` (${c.restore.paths.join(', ')})` : ''}${c.restore.at ? ` as of ${c.restore.at}` : ''}` : ''}`);
    l.out(`valid until ${c.expiresAt}; follow it with "synecdoche collector requests"`);
  }
  return issued;
}

/**
 * --at as the command carries it: a run id as given; a day (YYYY-MM-DD, "today", "yesterday")
 * as the end of that day in the consultant's zone (the newest backup of that day); an ISO time
 * as that instant.
 */
export function backupAt(v: string, zone: string, now: Date): string {
  if (UUID.test(v)) return v.toLowerCase();
  const day = v === 'today' ? localDate(now, zone) : v === 'yesterday' ? localDate(now.getTime() - 86_400_000, zone) : v;
  if (/^\d{4}-\d\d-\d\d$/.test(day)) return endOfLocalDay(day, zone).toISOString();
  const t = new Date(v);
  if (!/^\d{4}-\d\d-\d\dT/.test(v) || Number.isNaN(t.getTime())) throw new SynError('USAGE', `--at: "${v}" is not a run id, a day (YYYY-MM-DD, today, yesterday) or an ISO 8601 time`);
  return t.toISOString();
}

/** The last millisecond of a calendar day in a zone. */
function endOfLocalDay(day: string, zone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, 23, 59, 59, 999);
  if (Number.isNaN(wall) || localDate(wall, 'UTC') !== day) throw new SynError('USAGE', `--at: "${day}" is not a calendar day`);
  // Two passes settle the zone offset (it may differ at the guess and at the answer around DST).
  let t = wall;
  for (let i = 0; i < 2; i++) t = wall - offsetOf(t, zone);
  return new Date(t);
}

function offsetOf(t: number, zone: string): number {
  const p: Record<string, number> = {};
  const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  for (const part of f.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(t / 1000) * 1000;
}
