import { Command, Option } from 'commander';
import type { CliContext } from '../../cli/main.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { SynError } from '../../core/errors.ts';
import { smtpSender, type MailSender, type SmtpConfig } from '../../core/mail/smtp.ts';
import { localDate } from '../../core/time.ts';
import { loadCollectorConfig, type CollectorConfig } from '../config.ts';
import { readRecordedHead } from '../store/archive-head.ts';
import { openStore } from '../store/db.ts';
import { formatVerifyResult, verifyArchive, type ArchivedFile } from './archive.ts';
import type { ExpectedHead } from './verify.ts';
import { isCalendarDate, localMidnight } from './digest/days.ts';
import { chooseMonth } from './monthly/month.ts';
import { produceReport, recipientsOf, sendReport, type ReportRequest } from './produce.ts';

/** The seams of the report commands; tests replace the clock. */
export interface ReportCliDeps {
  clock: Clock;
  sender: (cfg: SmtpConfig, env: NodeJS.ProcessEnv) => MailSender;
}

export const reportCommandDefaults: ReportCliDeps = { clock: systemClock, sender: smtpSender };

/** The default config path: `collector.yaml` in the current folder (override with -c). */
export const DEFAULT_CONFIG = 'collector.yaml';

interface MonthlyOptions {
  config: string;
  all?: boolean;
  month?: string;
  pdf?: boolean;
  send?: boolean;
}

interface MakeOptions {
  config: string;
  date?: string;
  pdf?: boolean;
  send?: boolean;
}

/**
 * The instant a report for `date` describes: now for today; for an earlier date, that
 * morning's send time in the reader's zone (the report as it would have been sent then).
 */
export function instantFor(date: string | undefined, zone: string, sendTime: string, now: Date): { date: string; now: Date } {
  const today = localDate(now, zone);
  if (date === undefined || date === today) return { date: today, now };
  if (!isCalendarDate(date)) throw new SynError('USAGE', `--date: "${date}" is not a date; expected YYYY-MM-DD, e.g. ${today}`);
  if (date > today) throw new SynError('USAGE', `--date: ${date} is in the future (today is ${today} in ${zone})`);
  const [h, m] = sendTime.split(':').map(Number);
  return { date, now: new Date(localMidnight(date, zone) + (h! * 60 + m!) * 60_000) };
}

/** `pdf.browser` when the config has it (the key is optional and may not exist yet). */
function configuredBrowser(cfg: CollectorConfig): string | undefined {
  return cfg.pdf.browser;
}

/** "wrote PATH", saying when a file was already archived or is a revision of the date's report. */
export function archivedLine(e: ArchivedFile, path: string): string {
  if (e.reused) return `unchanged ${path} (identical to the archived file: nothing added)`;
  const rev = /-rev(\d+)\.[^./]+$/.exec(e.path)?.[1];
  return rev ? `wrote ${path} (revision ${rev} for ${e.date}: the archive is append-only, earlier ones are kept)` : `wrote ${path}`;
}

/** The archive head recorded in the collector's database, as verifyArchive takes it. */
function headInDatabase(cfg: CollectorConfig): ExpectedHead | string {
  const head = readRecordedHead(cfg.database.path, cfg.archive.folder);
  return typeof head === 'string' ? head : { seq: head.seq, entryHash: head.entryHash, source: 'the database' };
}

/** `synecdoche report ...`: digest, client, monthly, verify-archive. */
export function reportCommand(ctx: CliContext, deps: ReportCliDeps = reportCommandDefaults): Command {
  const out = (line: string) => ctx.stdout.write(`${line}\n`);
  const withConfig = (c: Command) => c.addOption(new Option('-c, --config <file>', 'collector config file').default(DEFAULT_CONFIG));
  const withMake = (c: Command) =>
    withConfig(c)
      .option('--date <YYYY-MM-DD>', 'the report of that day (default: today in the reader\'s zone)')
      .option('--pdf', 'also render a PDF (needs Chrome, Chromium or Edge)')
      .option('--send', 'send it by email through the configured SMTP server');

  const make = async (req: ReportRequest, o: MakeOptions): Promise<void> => {
    const cfg = loadCollectorConfig(o.config);
    const client = req.kind === 'client' ? cfg.clients.find((c) => c.id === req.clientId) : undefined;
    if (req.kind === 'client' && !client) {
      throw new SynError('NOT_FOUND', `no client "${req.clientId}" in ${o.config} (clients: ${cfg.clients.map((c) => c.id).join(', ') || 'none'})`);
    }
    const zone = client?.timeZone ?? cfg.consultant.timeZone;
    const when = instantFor(o.date, zone, client?.summaryTime ?? cfg.consultant.digestTime, deps.clock.now());
    await deliver(cfg, req, o, when.now, req.kind === 'client' ? `client summary ${req.clientId}` : 'digest', when.date);
  };

  const monthly = async (clientArg: string | undefined, o: MonthlyOptions): Promise<void> => {
    const cfg = loadCollectorConfig(o.config);
    // "all" names every client, unless a client is called that (then --all is the way to say it).
    const all = o.all === true || (clientArg === 'all' && !cfg.clients.some((c) => c.id === 'all'));
    if (all && clientArg !== undefined && clientArg !== 'all') throw new SynError('USAGE', `report monthly: give a client id or --all, not both ("${clientArg}" and --all)`);
    if (!all && clientArg === undefined) throw new SynError('USAGE', `report monthly: which client? Give a client id (${cfg.clients.map((c) => c.id).join(', ') || 'none configured'}) or --all`);
    const client = all ? undefined : cfg.clients.find((c) => c.id === clientArg);
    if (!all && !client) throw new SynError('NOT_FOUND', `no client "${clientArg}" in ${o.config} (clients: ${cfg.clients.map((c) => c.id).join(', ') || 'none'})`);
    const now = deps.clock.now();
    const zone = client?.timeZone ?? cfg.consultant.timeZone;
    const req: ReportRequest = { kind: 'monthly', clientId: client?.id ?? null, month: chooseMonth(o.month, now, zone) };
    await deliver(cfg, req, { config: o.config, pdf: o.pdf, send: o.send }, now, all ? 'monthly report of all clients' : `monthly report ${client!.id}`);
  };

  /**
   * Produces, archives and (with --send) mails one report, printing what was written. Everything
   * sending needs is checked before the work, so a config mistake costs nothing.
   */
  const deliver = async (cfg: CollectorConfig, req: ReportRequest, o: Omit<MakeOptions, 'date'>, now: Date, label: string, date?: string): Promise<void> => {
    const to = o.send ? recipientsOf(cfg, req) : [];
    if (o.send && !cfg.smtp) throw new SynError('CONFIG_INVALID', `smtp: missing in ${o.config}; expected the SMTP server to send reports through (host, port, tls, user, password)`);
    const db = openStore(cfg.database.path, { mapped: true });
    try {
      const r = await produceReport(db, cfg, req, {
        date, now, pdf: o.pdf ?? false, clock: deps.clock, env: ctx.env, browser: configuredBrowser(cfg),
      });
      out(`${label}: ${r.subject}`);
      r.archived.forEach((e, i) => out(archivedLine(e, r.paths[i]!)));
      if (r.pdfMissing) out(r.pdfMissing);
      if (o.send) {
        const sender = deps.sender(cfg.smtp!, ctx.env);
        try {
          const { messageId } = await sendReport(sender, cfg, r, to);
          out(`sent to ${to.join(', ')}${messageId ? ` (${messageId})` : ''}`);
        } finally {
          sender.close();
        }
      }
    } finally {
      db.close();
    }
  };

  const report = new Command('report').description('the consultant digest, client summaries and the audit archive');
  withMake(report.command('digest').description('make the consultant\'s digest (HTML, optional PDF) and archive it'))
    .action((o: MakeOptions) => make({ kind: 'digest' }, o));
  withMake(report.command('client').description('make one client\'s summary (HTML, optional PDF) and archive it').argument('<client>', 'the client id'))
    .action((clientId: string, o: MakeOptions) => make({ kind: 'client', clientId }, o));
  withConfig(report.command('monthly').description('make the monthly compliance report of one client, or of all clients for the consultant (HTML, optional PDF) and archive it'))
    .argument('[client]', 'the client id, or "all" for every client')
    .option('--all', 'every client, in one report for the consultant')
    .option('--month <YYYY-MM>', 'the month (default: the last complete month in the reader\'s zone)')
    .option('--pdf', 'also render a PDF (needs Chrome, Chromium or Edge)')
    .option('--send', 'send it by email: to the client\'s contacts, or to the consultant for all clients')
    .action((clientArg: string | undefined, o: MonthlyOptions) => monthly(clientArg, o));
  withConfig(report.command('verify-archive').description('check every archived report against the hash-chained manifest'))
    .action((o: { config: string }) => {
      const cfg = loadCollectorConfig(o.config);
      // The recorded head is read before the manifest: a report archived meanwhile is then
      // simply beyond it, never a false "cut short".
      const result = verifyArchive(cfg.archive.folder, { expectedHead: headInDatabase(cfg) });
      ctx.stdout.write(formatVerifyResult(result));
      if (!result.ok) {
        throw new SynError('ARCHIVE_TAMPERED', `the archive ${cfg.archive.folder} does not verify (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'})`);
      }
    });
  return report;
}
