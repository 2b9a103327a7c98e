import type { ForeignMail } from '../../core/email/lean.ts';
import type { Notification } from './types.ts';

const addressesOf = (a: ForeignMail['to']): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.flatMap((v) => (v.address ? [v.address.toLowerCase()] : [])));

/** The parsers' view of a parsed email (see Notification), from either decoding path. */
export function toNotification(mail: ForeignMail): Notification {
  // mailparser reads Delivered-To as an address header (an address object, or a list of them).
  const delivered = mail.headers.get('delivered-to');
  const deliveredTo = (Array.isArray(delivered) ? delivered : delivered ? [delivered] : []).flatMap((d: unknown) =>
    typeof d === 'string' ? [d.toLowerCase().trim()] : d && typeof d === 'object' && 'value' in d ? addressesOf(d as NonNullable<ForeignMail['from']>) : [],
  );
  return {
    from: addressesOf(mail.from)[0] ?? null,
    to: [...new Set([...addressesOf(mail.to), ...addressesOf(mail.cc), ...deliveredTo])],
    subject: (mail.subject ?? '').trim(),
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : null,
    text: mail.text ?? '',
    html: typeof mail.html === 'string' ? mail.html : '',
    attachments: mail.attachments.map((a) => ({ filename: a.filename ?? null, contentType: a.contentType, content: a.content })),
  };
}

/** A raw message read the way the collector reads a mailbox message (core/email/decode.ts). */
export async function notificationFromRaw(raw: Buffer | string): Promise<Notification> {
  const { simpleParser } = await import('mailparser');
  const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
  return toNotification(await simpleParser(bytes, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, maxHtmlLengthToParse: 1_000_000 }));
}
