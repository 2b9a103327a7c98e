import { join } from 'node:path';
import type { SendMailOptions } from 'nodemailer';
import type { Clock } from '../../core/clock.ts';
import { SynError } from '../../core/errors.ts';
import type { MailSender } from '../../core/mail/smtp.ts';
import type { TemplateSet } from '../../core/templates.ts';
import type { CollectorConfig } from '../config.ts';
import { recordArchiveHead } from '../store/archive-head.ts';
import { summaryReplyTo } from '../requests/config.ts';
import type { Db } from '../store/db.ts';
import { archivedTwin, archiveReport, type ArchivedFile } from './archive.ts';
import { findBrowser, HOW_TO_GET_PDFS } from './browser.ts';
import { buildClientSummary } from './client/build.ts';
import { buildDigest } from './digest/build.ts';
import { buildMonthly } from './monthly/build.ts';
import { PdfRenderer } from './pdf.ts';

/**
 * Which report: the consultant's digest, one client's summary, or the monthly compliance report
 * of a month (YYYY-MM) for one client or, with clientId null, every client (to the consultant).
 */
export type ReportRequest = { kind: 'digest' } | { kind: 'client'; clientId: string } | { kind: 'monthly'; clientId: string | null; month: string };

export interface ProduceOptions {
  /** The reader's local date (YYYY-MM-DD); default: today in their zone at `now`. */
  date?: string;
  /** The instant the report describes. */
  now: Date;
  /** Also render a PDF (when a browser is found). */
  pdf: boolean;
  /** For the archive's createdAt. */
  clock: Clock;
  env: NodeJS.ProcessEnv;
  /** The configured browser path (`pdf.browser`), if any. */
  browser?: string;
  /** Where to look for a browser instead of the usual places (tests). */
  browserCandidates?: readonly string[];
  /** A running renderer to reuse (the scheduler makes many PDFs); this call does not close it. */
  renderer?: PdfRenderer;
  templates?: TemplateSet;
}

export interface ProducedReport {
  kind: ReportRequest['kind'];
  /** The file name without extension: "digest-2026-11-24", "monthly-acme-2026-11" (the PDF attachment's name). */
  stem: string;
  /** "consultant" or the client id (the archive key). */
  key: string;
  date: string;
  subject: string;
  html: string;
  text: string;
  title: string;
  pdf: Buffer | null;
  /** Why there is no PDF although one was asked for, with how to get one; null otherwise. */
  pdfMissing: string | null;
  /** Archive entries of the files (HTML, then PDF); `reused` when identical bytes were archived before. */
  archived: ArchivedFile[];
  /** Absolute paths of the archived files. */
  paths: string[];
}

/**
 * Makes one report the way every caller needs it: HTML (always), the PDF when asked and a
 * browser is found, and both archived under reports/YYYY/MM in the hash-chained manifest.
 * Without a browser the HTML is still produced and archived, and `pdfMissing` says how to get
 * PDFs. Sending is separate (`sendReport`), so a scheduler can archive first and send after.
 */
export async function produceReport(db: Db, cfg: CollectorConfig, req: ReportRequest, opts: ProduceOptions): Promise<ProducedReport> {
  const build = { date: opts.date, now: opts.now, print: opts.pdf, templates: opts.templates };
  const { built, key, zone, stem } = buildRequested(db, cfg, req, build);
  const { model } = built;

  const html = Buffer.from(built.html, 'utf8');
  // The same report made again (same HTML): the archived PDF is it, nothing new is archived.
  const twin = opts.pdf ? archivedTwin(cfg.archive.folder, model.date, `${stem}.html`, html, '.pdf') : null;
  if (twin) {
    const archived = [{ ...twin.entry, reused: true }, { ...twin.sibling, reused: true }];
    return {
      kind: req.kind, stem, key, date: model.date, subject: built.subject, html: built.html, text: built.text, title: model.title,
      pdf: twin.siblingBytes, pdfMissing: null, archived, paths: archived.map((e) => join(cfg.archive.folder, e.path)),
    };
  }

  let pdf: Buffer | null = null;
  let pdfMissing: string | null = null;
  if (opts.pdf) {
    let renderer = opts.renderer;
    if (!renderer) {
      const path = findBrowser({ configured: opts.browser, env: opts.env, candidates: opts.browserCandidates });
      if (path === null) pdfMissing = `no PDF: no Chrome, Chromium or Edge was found; to get PDFs, ${HOW_TO_GET_PDFS}`;
      else renderer = await PdfRenderer.launch(path);
    }
    if (renderer) {
      try {
        pdf = await renderer.render(built.html, { title: model.title, period: model.period, generatedAt: opts.now, timeZone: zone });
      } finally {
        if (renderer !== opts.renderer) await renderer.close();
      }
    }
  }

  const files: { name: string; bytes: Buffer }[] = [{ name: `${stem}.html`, bytes: html }];
  if (pdf) files.push({ name: `${stem}.pdf`, bytes: pdf });
  const archived = await archiveReport(cfg.archive.folder, { kind: req.kind, key, date: model.date, files }, opts.clock, {
    onAppended: (head) => recordArchiveHead(db, cfg.archive.folder, head, opts.clock.now()),
  });
  return {
    kind: req.kind, stem, key, date: model.date, subject: built.subject, html: built.html, text: built.text, title: model.title,
    pdf, pdfMissing, archived, paths: archived.map((e) => join(cfg.archive.folder, e.path)),
  };
}

/**
 * The built report, its archive key ("consultant" or the client id), the reader's zone and the
 * file stem. The archive date of a monthly report is the first day of its month.
 */
function buildRequested(db: Db, cfg: CollectorConfig, req: ReportRequest, build: { date?: string; now: Date; print: boolean; templates?: TemplateSet }) {
  const zoneOf = (clientId: string | null) => (clientId === null ? cfg.consultant.timeZone : cfg.clients.find((c) => c.id === clientId)?.timeZone ?? cfg.consultant.timeZone);
  if (req.kind === 'digest') {
    const built = buildDigest(db, cfg, build);
    return { built, key: 'consultant', zone: zoneOf(null), stem: `digest-${built.model.date}` };
  }
  if (req.kind === 'client') {
    const built = buildClientSummary(db, cfg, req.clientId, build);
    return { built, key: req.clientId, zone: zoneOf(req.clientId), stem: `client-${req.clientId}-${built.model.date}` };
  }
  const built = buildMonthly(db, cfg, { clientId: req.clientId, month: req.month, now: build.now, print: build.print, templates: build.templates });
  return { built, key: req.clientId ?? 'consultant', zone: zoneOf(req.clientId), stem: `monthly-${req.clientId ?? 'all-clients'}-${req.month}` };
}

/** Who receives a report: the consultant for the digest and all clients' monthly report, the client's contacts otherwise. */
export function recipientsOf(cfg: CollectorConfig, req: ReportRequest): string[] {
  if (req.kind === 'digest' || (req.kind === 'monthly' && req.clientId === null)) return [cfg.consultant.email];
  const i = cfg.clients.findIndex((c) => c.id === req.clientId);
  const contacts = cfg.clients[i]?.contacts ?? [];
  if (contacts.length === 0) {
    throw new SynError('CONFIG_INVALID', `clients[${i}].contacts: empty; expected at least one address to send the summary of "${req.clientId}" to`);
  }
  return contacts;
}

/**
 * Sends a produced report: HTML with the plain-text alternative, the PDF attached when there is
 * one. An embedded logo (data: URI) becomes an inline attachment, since many mail clients
 * block data: images. The sender is the consultant, so replies reach a person.
 */
export async function sendReport(sender: MailSender, cfg: CollectorConfig, report: ProducedReport, to: readonly string[]): Promise<{ messageId: string }> {
  const message: SendMailOptions = {
    from: { name: cfg.consultant.name, address: cfg.consultant.email },
    to: [...to],
    subject: report.subject,
    text: report.text,
    html: report.html,
    attachDataUrls: true,
    // Marks our own mail, so a copy landing in a watched mailbox is recognised and not quarantined.
    headers: { 'X-Synecdoche-Report': `${report.kind}/${report.key}/${report.date}` },
    // Clients may answer their summary with a request (collector/requests).
    ...summaryReplyTo(cfg, report.key === 'consultant' ? 'digest' : report.kind),
    attachments: report.pdf ? [{ filename: `${report.stem}.pdf`, content: report.pdf, contentType: 'application/pdf' }] : [],
  };
  const { messageId } = await sender.send(message);
  return { messageId };
}
