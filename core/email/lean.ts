import mailsplit from '@zone-eu/mailsplit';
import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser';
import type { MessageFacts } from './decode.ts';
import { RESULT_ATTACHMENT } from './encode.ts';

const { Splitter } = mailsplit;
/** The types mailparser keeps as text when not marked as attachments (mail-parser.js, textTypes). */
const TEXT_TYPES: readonly (string | false)[] = ['text/plain', 'text/html', 'message/delivery-status'];
const MARKER = Buffer.from(RESULT_ATTACHMENT);
/** A From whose address needs none of mailparser's address decoding (encoded words, punycode). */
const PLAIN_ADDRESS = /^[^\s@"<>()[\],;:\\=?]+@(?!xn--)[^\s@"<>()[\],;:\\=?]+$/i;

/** What the lean path found: the envelope facts and the decoded bytes of the one result attachment. */
export interface LeanParts {
  facts: MessageFacts;
  content: Buffer;
}

type Node = mailsplit.MimeNode & { messageNode?: boolean };

/**
 * The fast path of decodeEmail for messages that look like ours. It runs mailparser's own MIME
 * splitter (mailsplit) but decodes only the synecdoche-result.json part and the four envelope
 * headers (with libmime and nodemailer's address parser, as simpleParser does), skipping the
 * text and HTML bodies, charset conversion and the per-chunk event-loop turns of MailParser;
 * mailparser itself (and its HTML libraries) is then never loaded for a mailbox of reports.
 *
 * It answers null whenever it is not sure it sees what simpleParser would see (no or several
 * such attachments, a splitter error, an odd header): the caller then takes the full path, so
 * a message's outcome never depends on which path read it.
 */
export function leanSplit(raw: Buffer): Promise<LeanParts | null> {
  if (raw.indexOf(MARKER) < 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (v: LeanParts | null) => {
      if (settled) return;
      settled = true;
      resolve(v);
    };
    const splitter = new Splitter();
    let root: Node | null = null;
    let current: Node | null = null;
    let target: Node | null = null;
    let decoder: NodeJS.ReadWriteStream | null = null;
    let found = 0;
    const chunks: Buffer[] = [];
    splitter.on('data', (data: Node | { type: 'data' | 'body'; value: Buffer }) => {
      if (settled) return;
      if (data.type === 'node') {
        current = data as Node;
        if (current.root) root = current;
        if (isResultAttachment(current)) {
          if (++found > 1) return finish(null);
          target = current;
          decoder = current.getDecoder();
          decoder.on('data', (c: Buffer) => chunks.push(c));
          decoder.on('error', () => finish(null));
        }
      } else if (data.type === 'body') {
        if (current === target && decoder?.writable) decoder.write(data.value);
      } else if (decoder?.writable) {
        // mailparser ends the current part's decoder at the next piece of MIME structure
        decoder.end();
      }
    });
    // mailsplit declares only its 'data' event; it is a Transform stream and emits the others too
    const events = splitter as unknown as NodeJS.EventEmitter;
    events.on('error', () => finish(null));
    events.on('end', () => {
      if (settled) return;
      if (!target || !decoder || !root) return finish(null);
      const done = () => {
        const facts = factsOf(root!);
        finish(facts ? { facts, content: Buffer.concat(chunks) } : null);
      };
      const d = decoder as NodeJS.ReadWriteStream & { readableEnded?: boolean };
      if (d.readableEnded) done();
      else {
        d.once('end', done);
        if (d.writable) d.end();
      }
    });
    try {
      splitter.end(raw);
    } catch {
      finish(null);
    }
  });
}

/** mailparser's attachment rule (createNode/processChunk) for a part named synecdoche-result.json. */
function isResultAttachment(n: Node): boolean {
  if (n.filename !== RESULT_ATTACHMENT) return false;
  const type = !n.contentType && n.root ? 'text/plain' : n.contentType;
  if (/^multipart\//i.test(String(type))) return false;
  if (type === 'message/rfc822' && n.messageNode) return false;
  let disposition = n.disposition;
  if (disposition && disposition !== 'attachment' && disposition !== 'inline') disposition = 'attachment';
  const finalDisposition = !disposition && !TEXT_TYPES.includes(type) ? 'attachment' : disposition || 'inline';
  return !TEXT_TYPES.includes(type) || finalDisposition !== 'inline';
}

/**
 * Message-ID, From, Subject and Date of the root part, decoded as mailparser's processHeaders
 * does (first occurrence with a value). Null when a value would need mailparser's fallbacks
 * (an unparsable date, a From without an address): the full path handles those.
 */
function factsOf(root: Node): MessageFacts | null {
  const headers = root.headers;
  if (!headers) return null;
  const facts: MessageFacts = { messageId: null, from: null, subject: null, date: null };
  const seen = new Set<string>();
  for (const { key, line } of headers.getList()) {
    if (seen.has(key) || (key !== 'message-id' && key !== 'from' && key !== 'subject' && key !== 'date')) continue;
    let value = String(libmime.decodeHeader(line)?.value ?? '').trim();
    value = Buffer.from(value, 'binary').toString();
    if (key === 'date') {
      const d = new Date(value);
      if (Number.isNaN(d.getTime())) return null;
      facts.date = d;
    } else if (key === 'from') {
      // Only a single plain printable-ASCII mailbox, on which mailparser (with its own copy of
      // nodemailer's parser) cannot read anything else; any other From takes the full path.
      const list = /^[\x20-\x7e]*$/.test(value) ? addressparser(value) : [];
      const first = list.length === 1 ? list[0] : undefined;
      const address = first && first.group === undefined ? first.address : '';
      if (!address || !PLAIN_ADDRESS.test(address)) return null;
      facts.from = address;
    } else {
      const decoded = decodeWords(value);
      if (!decoded) continue; // mailparser ignores an empty value and takes the next header of that name
      facts[key === 'subject' ? 'subject' : 'messageId'] = key === 'subject' ? decoded : messageIdFormat(decoded);
    }
    seen.add(key);
  }
  return facts;
}

function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

/** mailparser's ensureMessageIDFormat: angle brackets added where missing. */
function messageIdFormat(v: string): string {
  return `${v.startsWith('<') ? '' : '<'}${v}${v.endsWith('>') ? '' : '>'}`;
}
