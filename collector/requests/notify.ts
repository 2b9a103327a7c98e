import { describeError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { MailSender } from '../../core/mail/smtp.ts';
import { TemplateSet } from '../../core/templates.ts';
import type { CollectorConfig } from '../config.ts';
import { markTold, untoldRequests, type ClientRequest } from '../store/client-requests.ts';
import type { Db } from '../store/db.ts';
import { jobsOfSites } from './intake.ts';
import { requestWords } from './words.ts';

/** The header that marks a notice as the collector's own mail (so a copy in a watched mailbox is not read as a request). */
export const NOTICE_HEADER = 'X-Synecdoche-Report';

/** What a notice says, by the request's state: the template's `kind`. */
const KINDS = { pending: 'received', approved: 'approved', declined: 'declined', refused: 'refused', done: 'done', failed: 'failed' } as const;

/** How many "could not act on your email" answers one address gets in a day at most. */
export const REFUSALS_PER_DAY = 3;

function refusalsToldSince(db: Db, from: string, since: number): number {
  return db.prepare<[string, number], { n: number }>("SELECT count(*) AS n FROM client_requests WHERE from_addr = ? AND told_state = 'refused' AND told_at >= ?").get(from, since)!.n;
}

/** The data of `client-request.{text,html}.hbs`: plain words only, no ids a client cannot use. */
export function noticeModel(db: Db, cfg: CollectorConfig, r: ClientRequest) {
  const client = cfg.clients.find((c) => c.id === r.clientId);
  const words = requestWords(db, r);
  const kind = KINDS[r.state];
  const jobs = client ? jobsOfSites(db, cfg.sites.filter((s) => s.client === client.id).map((s) => s.id)).map((j) => j.name) : [];
  const example = jobs[0] ?? 'documents';
  const subjects = {
    received: `We received your request: ${words.short}`,
    approved: `Your request was approved: ${words.short}`,
    declined: `Your request was declined: ${words.short}`,
    refused: 'We could not act on your email',
    done: `Your ${words.short} is finished`,
    failed: `Your ${words.short} did not finish`,
  };
  const result = r.args.result;
  return {
    kind,
    subject: subjects[kind],
    clientName: client?.name ?? '',
    consultant: { name: cfg.consultant.name, email: cfg.consultant.email },
    what: words.long,
    restore: r.action === 'restore',
    line: r.rawLine,
    reason: r.state === 'declined' || r.state === 'failed' ? r.note : null,
    problem: r.args.problem ?? null,
    folder: result?.target ?? r.args.to ?? null,
    files: result?.files ?? null,
    bytes: result?.bytes ?? null,
    jobs,
    examples: [`BACKUP ${example} NOW`, `RESTORE ${example} /Invoices/2026`, `RESTORE ${example} /Invoices/2026 as of yesterday`, `RESTORE ${example} "/Letters/Offer 12.docx" as of 2 days ago`],
  };
}

/**
 * Tells clients what became of their requests: one email for each state they have not been told
 * of yet (received, approved, declined, not understood, finished, failed), to the address that
 * asked (a dashboard request: the client's contacts). Sent as the summaries are, from the
 * consultant, in reply to the request's email. A request is marked told only once the SMTP
 * server took the notice; a failure is logged and tried again on the next pass. Strangers are
 * never answered. Never throws.
 */
export async function sendRequestNotices(db: Db, cfg: CollectorConfig, sender: MailSender, opts: { now: Date; log: Logger; templates?: TemplateSet }): Promise<{ sent: number; failed: number }> {
  const templates = opts.templates ?? new TemplateSet(cfg.templates);
  let sent = 0;
  let failed = 0;
  let pending: ClientRequest[];
  try {
    pending = untoldRequests(db);
  } catch (e) {
    opts.log.error({ err: describeError(e) }, 'client requests could not be read');
    return { sent, failed: 1 };
  }
  for (const r of pending) {
    const client = cfg.clients.find((c) => c.id === r.clientId);
    const to = r.via === 'email' ? [r.from] : (client?.contacts ?? []);
    // Not understood: answered at most REFUSALS_PER_DAY times a day per address, so that mail
    // programs (or people) answering each other cannot keep a loop going.
    if (!client || to.length === 0 || (r.state === 'refused' && refusalsToldSince(db, r.from, opts.now.getTime() - 86_400_000) >= REFUSALS_PER_DAY)) {
      markTold(db, r.id, r.state, opts.now.getTime());
      continue;
    }
    try {
      const model = noticeModel(db, cfg, r);
      await sender.send({
        from: { name: cfg.consultant.name, address: cfg.consultant.email },
        to,
        ...(cfg.requests.address ? { replyTo: cfg.requests.address } : {}),
        subject: model.subject,
        text: templates.render('client-request.text.hbs', model),
        html: templates.render('client-request.html.hbs', model),
        ...(r.messageId ? { inReplyTo: r.messageId, references: [r.messageId] } : {}),
        headers: { [NOTICE_HEADER]: `request/${client.id}/${r.id}/${model.kind}`, 'Auto-Submitted': 'auto-replied' },
      });
      markTold(db, r.id, r.state, opts.now.getTime());
      sent++;
    } catch (e) {
      failed++;
      opts.log.warn({ request: r.id, err: describeError(e) }, 'client request notice not sent; trying again on the next pass');
    }
  }
  return { sent, failed };
}
