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

/** What the lean path found: the envelope facts, the decoded bytes of the one result attachment, and any manifest parts (issue 11). */
export interface LeanParts {
  facts: MessageFacts;
  content: Buffer;
  manifest: { filename: string; content: Buffer }[];
}

type Node = mailsplit.MimeNode & { messageNode?: boolean };

interface Capture {
  node: Node;
  decoder: NodeJS.ReadWriteStream;
  chunks: Buffer[];
}

/**
 * The fast path of decodeEmail for messages that look like ours. It runs mailparser's own MIME
 * splitter (mailsplit) but decodes only the synecdoche-result.json part (and the manifest
 * parts beside it) and the four envelope headers (with libmime and nodemailer's address
 * parser, as simpleParser does), skipping the text and HTML bodies, charset conversion and the
 * per-chunk event-loop turns of MailParser; mailparser itself (and its HTML libraries) is then
 * never loaded for a mailbox of reports.
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
    let active: Capture | null = null;
    let result: Capture | null = null;
    const manifest: Capture[] = [];
    const capture = (node: Node): Capture => {
      const c: Capture = { node, decoder: node.getDecoder(), chunks: [] };
      c.decoder.on('data', (chunk: Buffer) => c.chunks.push(chunk));
      c.decoder.on('error', () => finish(null));
      return c;
    };
    splitter.on('data', (data: Node | { type: 'data' | 'body'; value: Buffer }) => {
      if (settled) return;
      if (data.type === 'node') {
        current = data as Node;
        if (current.root) root = current;
        if (isAttachmentNamed(current, RESULT_ATTACHMENT)) {
          if (result) return finish(null);
          active = result = capture(current);
        } else if (isManifestAttachment(current)) {
          active = capture(current);
          manifest.push(active);
        }
      } else if (data.type === 'body') {
        if (active && current === active.node && active.decoder.writable) active.decoder.write(data.value);
      } else if (active?.decoder.writable) {
        // mailparser ends the current part's decoder at the next piece of MIME structure
        active.decoder.end();
      }
    });
    // mailsplit declares only its 'data' event; it is a Transform stream and emits the others too
    const events = splitter as unknown as NodeJS.EventEmitter;
    events.on('error', () => finish(null));
    events.on('end', () => {
      if (settled) return;
      if (!result || !root) return finish(null);
      const all = [result, ...manifest];
      let waiting = all.length;
      const done = () => {
        if (--waiting > 0) return;
        const facts = factsOf(root!);
        const parts = manifest.map((c) => ({ filename: String(c.node.filename), content: Buffer.concat(c.chunks) }));
        finish(facts ? { facts, content: Buffer.concat(result!.chunks), manifest: parts } : null);
      };
      for (const c of all) afterDecoder(c.decoder, done);
    });
    feed(splitter, raw, () => finish(null));
  });
}

/** Calls `done` once the part's decoder has given all it will (ending it if need be). */
function afterDecoder(decoder: NodeJS.ReadWriteStream, done: () => void): void {
  const d = decoder as NodeJS.ReadWriteStream & { readableEnded?: boolean };
  if (d.readableEnded) return done();
  d.once('end', done);
  if (d.writable) d.end();
}

/** Feeds the whole message to the splitter; a throw is the caller's `failed`. */
function feed(splitter: InstanceType<typeof Splitter>, raw: Buffer, failed: () => void): void {
  try {
    splitter.end(raw);
  } catch {
    failed();
  }
}

/**
 * The parts of a mail the notification parsers read, in the shape of mailparser's ParsedMail
 * (which satisfies it): what a foreign message is handed on as, from either path.
 */
export interface ForeignMail {
  headers: ReadonlyMap<string, unknown>;
  from?: AddressList | undefined;
  to?: AddressList | AddressList[] | undefined;
  cc?: AddressList | AddressList[] | undefined;
  subject?: string | undefined;
  date?: Date | undefined;
  text?: string | undefined;
  html?: string | false | undefined;
  attachments: readonly { filename?: string | undefined; contentType: string; content: Buffer }[];
}
interface AddressList {
  value: { address?: string | undefined; name: string }[];
}

const UTF8ISH = new Set(['', 'utf8', 'ascii', 'usascii']);
/** Headers whose values mailparser turns into something other than a plain string. */
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/**
 * The lean path for the commonest notification: one text/plain or text/html part in UTF-8 or
 * ASCII (any transfer encoding, which mailsplit decodes), plain addresses, no attachments. It
 * reads what simpleParser would (text with CRLF as LF, HTML kept, no text made from HTML with
 * the poll's options) at a fraction of the cost: no MailParser streams, no charset converters,
 * no HTML libraries. Anything else (multipart, another charset, format=flowed, encoded or
 * grouped addresses, our own headers) is null, and the full parser reads it.
 */
export function leanText(raw: Buffer): Promise<{ facts: MessageFacts; mail: ForeignMail } | null> {
  if (raw.indexOf(MARKER) >= 0 || /^x-synecdoche-/im.test(raw.subarray(0, headerEnd(raw)).toString('latin1'))) return Promise.resolve(null);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (v: { facts: MessageFacts; mail: ForeignMail } | null) => {
      if (!settled) {
        settled = true;
        resolve(v);
      }
    };
    const splitter = new Splitter();
    let root: Node | null = null;
    let decoder: NodeJS.ReadWriteStream | null = null;
    const chunks: Buffer[] = [];
    splitter.on('data', (data: Node | { type: 'data' | 'body'; value: Buffer }) => {
      if (settled) return;
      if (data.type === 'node') {
        if (root) return finish(null); // a second part: not a single-part mail
        root = data as Node;
        if (!isLeanTextPart(root)) return finish(null);
        decoder = root.getDecoder();
        decoder.on('data', (c: Buffer) => chunks.push(c));
        decoder.on('error', () => finish(null));
      } else if (data.type === 'body' && decoder?.writable) decoder.write(data.value);
    });
    const events = splitter as unknown as NodeJS.EventEmitter;
    events.on('error', () => finish(null));
    events.on('end', () => {
      if (settled || !root || !decoder) return finish(null);
      const node = root as Node;
      const done = () => finish(leanMail(node, Buffer.concat(chunks).toString().replace(/\r?\n/g, '\n')));
      afterDecoder(decoder, done);
    });
    feed(splitter, raw, () => finish(null));
  });
}

function headerEnd(raw: Buffer): number {
  const i = raw.indexOf('\r\n\r\n');
  const j = raw.indexOf('\n\n');
  return Math.max(0, Math.min(i < 0 ? raw.length : i, j < 0 ? raw.length : j));
}

function isLeanTextPart(n: Node): boolean {
  const type = n.contentType || 'text/plain';
  if (type !== 'text/plain' && type !== 'text/html') return false;
  if (n.multipart || n.filename || (n.disposition && n.disposition !== 'inline') || (n as Node & { flowed?: boolean }).flowed) return false;
  return UTF8ISH.has(String(n.charset || '').toLowerCase().replace(/[^a-z0-9]+/g, ''));
}

/** The ForeignMail of a single text part, or null where mailparser would read a header differently. */
function leanMail(root: Node, content: string): { facts: MessageFacts; mail: ForeignMail } | null {
  const facts = factsOf(root);
  if (!facts || !root.headers) return null;
  const first = new Map<string, string>();
  const delivered: string[] = [];
  for (const { key, line } of root.headers.getList()) {
    const value = Buffer.from(String(libmime.decodeHeader(line)?.value ?? '').trim(), 'binary').toString();
    if (key === 'delivered-to') delivered.push(value);
    else if (!first.has(key)) first.set(key, value);
  }
  const addresses = (key: string): AddressList | undefined | null => {
    const v = first.get(key);
    if (v === undefined) return undefined;
    if (!PLAIN_ASCII.test(v)) return null;
    const list = addressparser(v);
    if (list.some((a) => a.group !== undefined || !a.address || !PLAIN_ADDRESS.test(a.address))) return null;
    return { value: list.map((a) => ({ address: a.address, name: a.name })) };
  };
  const to = addresses('to');
  const cc = addresses('cc');
  if (to === null || cc === null) return null;
  // mailparser reads Delivered-To as an address header too
  const deliveredTo: AddressList = { value: [] };
  for (const d of delivered) {
    const list = PLAIN_ASCII.test(d) ? addressparser(d) : [];
    if (!list.length || list.some((a) => a.group !== undefined || !a.address || !PLAIN_ADDRESS.test(a.address))) return null;
    deliveredTo.value.push(...list.map((a) => ({ address: a.address, name: a.name })));
  }
  const html = (root.contentType || 'text/plain') === 'text/html';
  const headers = new Map<string, unknown>();
  if (delivered.length) headers.set('delivered-to', deliveredTo);
  // What tells an automatic reply (out of office) from a person's (collector/requests/intake.ts).
  for (const key of ['auto-submitted', 'precedence', 'x-autoreply', 'x-autorespond']) if (first.has(key)) headers.set(key, first.get(key));
  return {
    facts,
    mail: {
      headers,
      from: facts.from === null ? undefined : { value: [{ address: facts.from, name: '' }] },
      to,
      cc,
      subject: facts.subject ?? undefined,
      date: facts.date ?? undefined,
      text: html ? '' : content,
      html: html ? content : false,
      attachments: [],
    },
  };
}

/** A part named like a manifest part (synecdoche-manifest-N.ndjson.gz) that mailparser would take as an attachment. */
function isManifestAttachment(n: Node): boolean {
  return /^synecdoche-manifest-\d+\.ndjson\.gz$/.test(String(n.filename || '')) && isAttachmentNamed(n, String(n.filename));
}

/** mailparser's attachment rule (createNode/processChunk) for a part of the given file name. */
function isAttachmentNamed(n: Node, filename: string): boolean {
  if (n.filename !== filename) return false;
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
