import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import { z } from 'zod';
import { keyIdOf } from '../result/keys.ts';
import { manifestPartNumber } from '../result/manifest.ts';
import { sha256Hex } from '../hash.ts';
import { signedBytes, verifySignature } from '../result/sign.ts';
import { FORMAT_NAME, SignedResult, SUPPORTED_VERSIONS, type SignedPayload } from '../result/schema.ts';
import { FORMAT_HEADER, RESULT_ATTACHMENT } from './encode.ts';
import { leanSplit, leanText, type ForeignMail } from './lean.ts';

/** Why an email was not accepted as a Synecdoche report. Stable strings: stored and shown. */
export const REJECTION_REASONS = {
  'too-large': 'the message is larger than the configured limit',
  'malformed-mime': 'the message could not be parsed as MIME',
  'no-attachment': 'the message says it is a Synecdoche report but has no synecdoche-result.json attachment',
  'attachment-too-large': 'the synecdoche-result.json attachment is larger than the configured limit',
  'malformed-json': 'synecdoche-result.json is not valid JSON',
  'unsupported-version': 'synecdoche-result.json has a format version this collector does not read',
  'schema-violation': 'synecdoche-result.json does not match the result schema',
  unsigned: 'the result carries no signature',
  'unknown-key': 'the result is signed by a key not registered for its site',
  'bad-signature': 'the signature does not match the content (tampered or forged)',
  replay: 'the run was already received under another Message-ID (replayed)',
  'manifest-mismatch': 'a file manifest part whose SHA-256 is not the one its signed result lists (tampered or corrupted)',
  'unknown-site': 'the site is not registered at this collector',
  'third-party-unrecognised': 'a notification no rule or parser recognised',
  unmapped: 'a notification of a known backup tool that no thirdParty rule maps to a client and site (see collector unmapped)',
  'internal-error': 'the collector failed unexpectedly while reading the message (kept for a later retry)',
} as const;
export type RejectionReason = keyof typeof REJECTION_REASONS;

/** Envelope facts of any email, whatever its fate. */
export interface MessageFacts {
  messageId: string | null;
  from: string | null;
  subject: string | null;
  date: Date | null;
}

export type Decoded =
  | { outcome: 'verified'; payload: SignedPayload; facts: MessageFacts; keyId: string; manifestParts?: ManifestAttachment[] }
  | { outcome: 'foreign'; facts: MessageFacts; parsed: ForeignMail }
  | { outcome: 'rejected'; reason: RejectionReason; detail: string; facts: MessageFacts; siteId?: string };

/**
 * A `synecdoche-manifest-N.ndjson.gz` attachment of a verified report (issue 11), with its
 * SHA-256. It is not trusted yet: the catalogue compares `sha256` with the hash the signed
 * result lists for part N (a further part may arrive before the result that lists it).
 */
export interface ManifestAttachment {
  part: number;
  content: Buffer;
  sha256: string;
}

export interface DecodeOptions {
  /** Public keys registered for a site id; undefined when the site is unknown. */
  keysFor: (siteId: string) => readonly KeyObject[] | undefined;
  /** Largest raw message accepted, bytes (default 10 MB). */
  maxMessageBytes?: number;
  /** Largest JSON attachment accepted, bytes (default 1 MB). */
  maxAttachmentBytes?: number;
}

const NO_FACTS: MessageFacts = { messageId: null, from: null, subject: null, date: null };

/**
 * Turns one raw email into a verified Synecdoche payload, a foreign (third-party) message for
 * the notification parsers, or a rejection with its reason. It never throws on bad input:
 * every way an email can be wrong is a `rejected` outcome. Replays are the store's to detect.
 */
export async function decodeEmail(raw: Buffer, opts: DecodeOptions): Promise<Decoded> {
  const maxMessage = opts.maxMessageBytes ?? 10 * 1024 * 1024;
  if (raw.length > maxMessage) return decodeWithParser(raw, opts);
  const maxAttachment = opts.maxAttachmentBytes ?? 1024 * 1024;
  // Our own reports take the lean path (lean.ts); only a verified result is taken from it, so
  // every rejection is decided by the full parser, as before.
  const lean = await leanSplit(raw);
  if (lean && lean.content.length <= maxAttachment) {
    const d = await verifyJsonAsync(lean.content.toString('utf8'), lean.facts, opts);
    if (d.outcome === 'verified') return withManifestParts(d, lean.manifest);
  }
  // The commonest notification (one text part) takes a lean path of its own (lean.ts, leanText);
  // it answers only for mails that can be neither ours nor a rejection.
  if (!lean) {
    const text = await leanText(raw);
    if (text) return { outcome: 'foreign', facts: text.facts, parsed: text.mail };
  }
  return decodeWithParser(raw, opts);
}

/**
 * The full path of decodeEmail: mailparser's simpleParser, for foreign messages (their parsers
 * need the bodies) and for everything the lean path is not sure of. Exported for the test that
 * holds both paths to the same answers.
 */
export async function decodeWithParser(raw: Buffer, opts: DecodeOptions): Promise<Decoded> {
  const maxMessage = opts.maxMessageBytes ?? 10 * 1024 * 1024;
  if (raw.length > maxMessage) {
    return reject('too-large', `${raw.length} bytes, limit ${maxMessage}`, headerFacts(raw));
  }
  const maxAttachment = opts.maxAttachmentBytes ?? 1024 * 1024;
  let parsed: ParsedMail;
  try {
    const { simpleParser } = await loadMailparser();
    parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, maxHtmlLengthToParse: 1_000_000 });
  } catch (e) {
    return reject('malformed-mime', (e as Error).message, headerFacts(raw));
  }
  const facts = factsOf(parsed);
  const attachments = parsed.attachments.filter((a) => a.filename === RESULT_ATTACHMENT);
  if (attachments.length === 0) {
    if (parsed.headers.has(FORMAT_HEADER.toLowerCase())) return reject('no-attachment', 'no attachment named synecdoche-result.json', facts);
    return { outcome: 'foreign', facts, parsed };
  }
  if (attachments.length > 1) return reject('schema-violation', `${attachments.length} synecdoche-result.json attachments, expected one`, facts);
  const content = attachments[0]!.content;
  if (content.length > maxAttachment) return reject('attachment-too-large', `${content.length} bytes, limit ${maxAttachment}`, facts);
  return withManifestParts(await verifyJsonAsync(content.toString('utf8'), facts, opts), parsed.attachments);
}

/** A verified report with its manifest attachments (the first of each part number); other outcomes as they are. */
function withManifestParts(d: Decoded, attachments: readonly { filename?: string | false | undefined; content: Buffer }[]): Decoded {
  if (d.outcome !== 'verified') return d;
  const parts = new Map<number, ManifestAttachment>();
  for (const a of attachments) {
    const part = manifestPartNumber(typeof a.filename === 'string' ? a.filename : undefined);
    if (part !== null && !parts.has(part)) parts.set(part, { part, content: a.content, sha256: sha256Hex(a.content) });
  }
  return parts.size > 0 ? { ...d, manifestParts: [...parts.values()] } : d;
}

let mailparser: Promise<typeof import('mailparser')> | undefined;
/** mailparser and its HTML libraries load on the first message that needs them (~15 MB). */
function loadMailparser(): Promise<typeof import('mailparser')> {
  mailparser ??= import('mailparser');
  return mailparser;
}

/** Checks the JSON text of a result: syntax, version, schema, signature. */
export function verifyJson(text: string, facts: MessageFacts, opts: Pick<DecodeOptions, 'keysFor'>): Decoded {
  const c = checkJson(text, facts, opts);
  return 'outcome' in c ? c : settle(c, c.keys.map((k) => verifySignature(c.payload, k)));
}

/**
 * verifyJson with the Ed25519 checks in libuv's thread pool (crypto.verify with a callback):
 * the most expensive step of ingesting a report then runs beside the main thread's parsing
 * and database writes. Same answers as verifyJson.
 */
async function verifyJsonAsync(text: string, facts: MessageFacts, opts: Pick<DecodeOptions, 'keysFor'>): Promise<Decoded> {
  const c = checkJson(text, facts, opts);
  if ('outcome' in c) return c;
  const sig = Buffer.from(c.payload.signature.value, 'base64');
  if (sig.length !== 64) return settle(c, c.keys.map(() => false));
  const bytes = signedBytes(c.payload);
  return settle(c, await Promise.all(c.keys.map((k) => verifyInPool(bytes, k, sig))));
}

function verifyInPool(bytes: Buffer, key: KeyObject, sig: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      cryptoVerify(null, bytes, key, sig, (err, ok) => resolve(!err && ok));
    } catch {
      resolve(false);
    }
  });
}

interface Checked {
  payload: SignedPayload;
  keys: readonly KeyObject[];
  facts: MessageFacts;
}

/** Everything verifyJson checks before the signature; a rejection, or what to verify. */
function checkJson(text: string, facts: MessageFacts, opts: Pick<DecodeOptions, 'keysFor'>): Decoded | Checked {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return reject('malformed-json', (e as Error).message, facts);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return reject('malformed-json', 'the JSON is not an object', facts);
  const obj = json as Record<string, unknown>;
  const siteId = typeof (obj.site as { id?: unknown } | undefined)?.id === 'string' ? String((obj.site as { id: string }).id) : undefined;
  if (obj.format !== FORMAT_NAME) return reject('schema-violation', `format is ${JSON.stringify(obj.format)}, expected "${FORMAT_NAME}"`, facts, siteId);
  if (typeof obj.version !== 'number' || !SUPPORTED_VERSIONS.includes(obj.version)) {
    return reject('unsupported-version', `version ${JSON.stringify(obj.version)}, this collector reads ${SUPPORTED_VERSIONS.join(', ')}`, facts, siteId);
  }
  if (obj.signature === undefined) return reject('unsigned', 'no "signature" field', facts, siteId);
  const checked = SignedResult.safeParse(obj);
  if (!checked.success) return reject('schema-violation', summariseIssues(checked.error), facts, siteId);
  const payload = checked.data as SignedPayload;
  const keys = opts.keysFor(payload.site.id);
  if (!keys || keys.length === 0) return reject('unknown-site', `site "${payload.site.id}" has no registered public key`, facts, payload.site.id);
  return { payload, keys, facts };
}

/** The outcome once each key's signature check is known (in the order of the keys). */
function settle({ payload, keys, facts }: Checked, verified: readonly boolean[]): Decoded {
  if (verified.includes(true)) return { outcome: 'verified', payload, facts, keyId: payload.signature.keyId };
  const knownIds = new Set(keys.map((k) => keyIdOfSafe(k)));
  if (!knownIds.has(payload.signature.keyId)) {
    return reject('unknown-key', `signed by ${payload.signature.keyId}, site "${payload.site.id}" has ${[...knownIds].join(', ')}`, facts, payload.site.id);
  }
  return reject('bad-signature', `signature by ${payload.signature.keyId} does not verify`, facts, payload.site.id);
}

function reject(reason: RejectionReason, detail: string, facts: MessageFacts, siteId?: string): Decoded {
  return { outcome: 'rejected', reason, detail: detail.slice(0, 500), facts, ...(siteId ? { siteId } : {}) };
}

function factsOf(p: ParsedMail): MessageFacts {
  return {
    messageId: p.messageId ?? null,
    from: p.from?.value[0]?.address ?? p.from?.text ?? null,
    subject: p.subject ?? null,
    date: p.date && !Number.isNaN(p.date.getTime()) ? p.date : null,
  };
}

/** Best-effort Message-ID and subject from the raw header block, for messages too broken to parse. */
function headerFacts(raw: Buffer): MessageFacts {
  const head = raw.subarray(0, 16_384).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const block = end >= 0 ? head.slice(0, end) : head;
  const get = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(block)?.[1]?.trim().slice(0, 300) ?? null;
  return { ...NO_FACTS, messageId: get('Message-ID'), subject: get('Subject'), from: get('From') };
}

function summariseIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

function keyIdOfSafe(k: KeyObject): string {
  try {
    return keyIdOf(k);
  } catch {
    return '?';
  }
}
