import { convert } from 'html-to-text';

/**
 * The part of a client's reply that they wrote themselves: the plain-text body (or the HTML body
 * as text when there is none), cut before the quoted summary and the signature. Mail programs
 * quote in many ways; the cuts below are the ones Outlook, Gmail, Apple Mail and phones use.
 * Never throws.
 */
export function freshText(mail: { text?: string | undefined; html?: string | false | undefined }): string {
  const text = mail.text && mail.text.trim() !== '' ? mail.text : mail.html ? htmlText(mail.html) : '';
  const out: string[] = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.replace(/\u00a0/g, ' ').trimEnd();
    if (ENDS_FRESH_TEXT.some((re) => re.test(line))) break;
    if (/^\s*>/.test(line)) continue;
    out.push(line);
  }
  return out.join('\n').trim();
}

/**
 * A line where the client's own words end: the quote header of a reply ("On ... wrote:", Outlook's
 * "-----Original Message-----" or "From: ..." block and its underscore rule), a signature
 * delimiter, or a phone's "Sent from my ...".
 */
const ENDS_FRESH_TEXT: readonly RegExp[] = [
  /^\s*-{2,}\s*(original message|urspr.ngliche nachricht|message d'origine|forwarded message)\s*-{2,}/i,
  /^\s*[_-]{10,}\s*$/,
  /^\s*(from|von|de|van):\s.+/i,
  /^\s*on\s.+\swrote:\s*$/i,
  /^\s*am\s.+\sschrieb\s.*:\s*$/i,
  /^\s*le\s.+\sa\s.crit\s*:\s*$/i,
  /^-- ?$/,
  /^\s*sent from my\s/i,
  /^\s*get outlook for\s/i,
  /^\s*(envoy. de mon|von meinem)\s.+\s(gesendet)?/i,
];

/**
 * HTML as text, without the quoted parts that mail programs mark (Gmail, Apple Mail, Thunderbird).
 * Outlook marks none: its "From: ... Sent: ..." block (and the rule above it) ends the fresh text.
 */
function htmlText(html: string): string {
  try {
    return convert(html, {
      wordwrap: false,
      selectors: [
        { selector: 'a', options: { ignoreHref: true } },
        { selector: 'img', format: 'skip' },
        { selector: 'style', format: 'skip' },
        { selector: 'script', format: 'skip' },
        { selector: 'blockquote', format: 'skip' },
        { selector: 'div.gmail_quote', format: 'skip' },
        { selector: 'div.gmail_signature', format: 'skip' },
        { selector: 'div.moz-cite-prefix', format: 'skip' },
        { selector: 'div.moz-signature', format: 'skip' },
      ],
    });
  } catch {
    return '';
  }
}
