import type { SendMailOptions } from 'nodemailer';
import { COMMAND_ATTACHMENT, type SignedCommand } from './schema.ts';

/** Header that marks an email as a Synecdoche command (informative only: the signed JSON is trusted). */
export const COMMAND_HEADER = 'X-Synecdoche-Command';

/** The subject a person reads in the site's command mailbox: what, where, who asked. */
export function commandSubject(c: SignedCommand): string {
  return `[SYNECDOCHE COMMAND] ${c.action} ${c.site.id} / ${c.job.id} - requested by ${c.requestedBy}`;
}

/** The plain body: the same facts in words. The agent reads only the attachment. */
function commandText(c: SignedCommand): string {
  const lines = [
    `Synecdoche command ${c.id}`,
    `Action: ${c.action} of job ${c.job.id} at site ${c.site.id}`,
    ...(c.restore
      ? [`Restore into: ${c.restore.to}`, `Paths: ${c.restore.paths.length ? c.restore.paths.join(', ') : 'everything'}`, `From the backup: ${c.restore.at ?? 'newest'}`]
      : []),
    `Requested by: ${c.requestedBy}`,
    `Issued: ${c.issuedAt}; valid until ${c.expiresAt}`,
    '',
    'The agent of that site acts on the signed attachment synecdoche-command.json, only if it verifies',
    "against the collector's public key, is addressed to it, unexpired and never seen before.",
  ];
  return `${lines.join('\n')}\n`;
}

/** The email of a signed command: readable subject and body, the signed JSON attached. */
export function encodeCommandEmail(c: SignedCommand, opts: { from: string; to: string }): SendMailOptions {
  return {
    from: opts.from,
    to: opts.to,
    subject: commandSubject(c),
    text: commandText(c),
    messageId: `<${c.id}@synecdoche.command>`,
    date: new Date(c.issuedAt),
    headers: { [COMMAND_HEADER]: `${c.action}/${c.id}` },
    attachments: [{ filename: COMMAND_ATTACHMENT, content: JSON.stringify(c, null, 2), contentType: 'application/json; charset=utf-8' }],
  };
}

/** What a command email held: the attachment's text, or why there is none to read. */
export type CommandMail = { text: string; subject: string | null } | { problem: string; subject: string | null };

/** Largest command attachment read (a real one is under 2 KB). */
const MAX_ATTACHMENT = 64 * 1024;

/** Finds the one `synecdoche-command.json` attachment of a raw email (mailparser). Never throws on bad mail. */
export async function readCommandMail(raw: Buffer): Promise<CommandMail> {
  const { simpleParser } = await import('mailparser');
  let parsed;
  try {
    parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  } catch (e) {
    return { problem: `malformed: the email cannot be parsed (${(e as Error).message})`, subject: null };
  }
  const subject = parsed.subject ?? null;
  const found = parsed.attachments.filter((a) => a.filename === COMMAND_ATTACHMENT);
  if (found.length !== 1) return { problem: `malformed: ${found.length} ${COMMAND_ATTACHMENT} attachments, expected one`, subject };
  const content = found[0]!.content;
  if (content.length > MAX_ATTACHMENT) return { problem: `malformed: the attachment is ${content.length} bytes, limit ${MAX_ATTACHMENT}`, subject };
  return { text: content.toString('utf8'), subject };
}
