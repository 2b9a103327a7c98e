import type { KeyObject } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { SendMailOptions } from 'nodemailer';
import { signPayload } from '../result/sign.ts';
import type { Payload, SignedPayload } from '../result/schema.ts';
import { formatBytes, formatDuration, TemplateSet } from '../templates.ts';
import { formatInZone, isValidTimeZone } from '../time.ts';

/** File name of the signed JSON attachment; the collector looks for exactly this name. */
export const RESULT_ATTACHMENT = 'synecdoche-result.json';
/** Header that marks an email as a Synecdoche report (informative only: the JSON is trusted). */
export const FORMAT_HEADER = 'X-Synecdoche-Format';

const STATUS_WORDS = { ok: 'OK', warning: 'WARNING', failed: 'FAILED' } as const;
const STATUS_COLOURS = { ok: '#2e7d32', warning: '#b26a00', failed: '#c62828' } as const;

export interface EncodeOptions {
  from: string;
  to: string | string[];
  privateKey: KeyObject;
  publicKey: KeyObject;
  templates?: TemplateSet;
}

/** The inbox-readable subject: status first, then client, site, job, and the date at the site. */
export function subjectOf(p: Payload): string {
  const where = [p.site.client, p.site.id].filter(Boolean).join(' / ');
  const day = (iso: string) => siteDate(iso, p.agent.timeZone);
  switch (p.kind) {
    case 'heartbeat':
      return `[HEARTBEAT] ${where} - agent alive - ${day(p.sentAt)}`;
    case 'result':
      return `[${STATUS_WORDS[p.status]}] ${where} / ${p.job.name} - ${day(p.startedAt)}`;
    case 'restore':
      return `[RESTORE ${STATUS_WORDS[p.status]}] ${where} / ${p.job.name} - ${day(p.startedAt)}`;
    case 'drill':
      return `[DRILL ${STATUS_WORDS[p.status]}] ${where} / ${p.job.name} - ${day(p.startedAt)}`;
    case 'command-receipt':
      return `[COMMAND ${p.state.toUpperCase()}] ${where} / ${p.action}${p.jobId ? ` ${p.jobId}` : ''} - ${day(p.sentAt)}`;
    case 'manifest-part':
      return `[MANIFEST] ${where} / ${p.job.id} - part ${p.part} of ${p.parts}`;
  }
}

/** YYYY-MM-DD of an ISO time in the site's zone (a run at 00:30 in Berlin is that day's run). */
function siteDate(iso: string, zone: string): string {
  return isValidTimeZone(zone) ? formatInZone(new Date(iso), zone).slice(0, 10) : iso.slice(0, 10);
}

/**
 * Signs a payload and turns it into nodemailer message options: subject, text and HTML bodies
 * rendered from the templates, and the signed JSON as the `synecdoche-result.json` attachment.
 */
export function encodeResultEmail(
  payload: Payload,
  opts: EncodeOptions,
  /** Further attachments (manifest parts), whose hashes the payload lists. */
  extra: NonNullable<SendMailOptions['attachments']> = [],
): { message: SendMailOptions; signed: SignedPayload } {
  const signed = signPayload(payload, opts.privateKey, opts.publicKey) as SignedPayload;
  const templates = opts.templates ?? defaultTemplates();
  const subject = subjectOf(payload);
  const view = viewOf(payload, subject);
  const message: SendMailOptions = {
    from: opts.from,
    to: opts.to,
    subject,
    text: templates.render('result-email.text.hbs', view),
    html: templates.render('result-email.html.hbs', view),
    messageId: `<${payload.runId}.${Date.parse(payload.sentAt)}@synecdoche.${payload.site.id}>`,
    date: new Date(payload.sentAt),
    headers: { [FORMAT_HEADER]: `synecdoche-result/${payload.version}`, 'X-Synecdoche-Run': payload.runId },
    attachments: [{ filename: RESULT_ATTACHMENT, content: JSON.stringify(signed, null, 2), contentType: 'application/json; charset=utf-8' }, ...extra],
  };
  return { message, signed };
}

/** The raw RFC 5322 bytes of a message (for Maildir delivery, .eml files and tests). */
export async function buildRaw(message: SendMailOptions): Promise<Buffer> {
  return new MailComposer(message).compile().build();
}

let shared: TemplateSet | undefined;
function defaultTemplates(): TemplateSet {
  shared ??= new TemplateSet();
  return shared;
}

/**
 * The template view: the payload, plus its times as the site reads them ("2026-11-23 02:30
 * (Europe/Berlin, +01:00)") for the bodies, which are for people; the JSON keeps UTC.
 */
function viewOf(p: Payload, subject: string): Record<string, unknown> {
  const zone = isValidTimeZone(p.agent.timeZone) ? p.agent.timeZone : 'UTC';
  const local = (iso: string | null) => (iso ? formatInZone(new Date(iso), zone) : null);
  if (p.kind === 'heartbeat') return { ...p, subject, isHeartbeat: true, nextHeartbeatLocal: local(p.nextHeartbeatAt), sentLocal: local(p.sentAt) };
  if (p.kind !== 'result') return { ...p, subject, isHeartbeat: false, isResult: false, isOther: true, summaryLines: otherSummary(p), sentLocal: local(p.sentAt) };
  return {
    ...p,
    subject,
    isHeartbeat: false,
    isResult: true,
    startedLocal: local(p.startedAt),
    endedLocal: local(p.endedAt),
    nextRunLocal: local(p.job.nextRunAt),
    sentLocal: local(p.sentAt),
    statusWord: STATUS_WORDS[p.status],
    statusColour: STATUS_COLOURS[p.status],
    hasExitCode: p.exitCode !== null,
    durationText: formatDuration(Date.parse(p.endedAt) - Date.parse(p.startedAt)),
    bytesExamined: formatBytes(p.bytes.examined),
    bytesCopied: formatBytes(p.bytes.copied),
  };
}

/** The plain lines that restore, drill, receipt and manifest-part emails show (the JSON is the record). */
function otherSummary(p: Exclude<Payload, { kind: 'result' | 'heartbeat' }>): string[] {
  switch (p.kind) {
    case 'restore':
    case 'drill':
      return [
        `${p.kind === 'drill' ? 'Restore drill' : 'Restore'} ${STATUS_WORDS[p.status]}: ${p.job.name} (${p.job.id})${p.incomplete ? ', INCOMPLETE' : ''}`,
        `Restored into: ${p.target}${p.inPlace ? ' (in place, over the source)' : ''}`,
        `Files: ${p.files.restored} restored, ${p.files.failed} failed; ${formatBytes(p.bytes.restored)}`,
        ...(p.verification ? [`Verified: ${p.verification.checked} by ${p.verification.algorithm}, ${p.verification.mismatches} mismatches`] : []),
        ...(p.kind === 'drill'
          ? [`Sample: ${p.sample.files} of ${p.sample.ofFiles} files (${formatBytes(p.sample.bytes)} of ${formatBytes(p.sample.ofBytes)}); compared with the unchanged source: ${p.sourceCompared.checked}, ${p.sourceCompared.mismatches} differed`]
          : []),
        ...p.errors.slice(0, 20).map((e) => `Error: ${e.message}${e.path ? ` (${e.path})` : ''}`),
      ];
    case 'command-receipt':
      return [`Command ${p.command.id} (${p.action}${p.jobId ? ` ${p.jobId}` : ''}): ${p.state}${p.reason ? `: ${p.reason}` : ''}`];
    case 'manifest-part':
      return [`Part ${p.part} of ${p.parts} of the file manifest of run ${p.resultRunId} (job ${p.job.id}).`];
  }
}
