import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { SendMailOptions } from 'nodemailer';
import { buildRaw, encodeResultEmail } from '../../core/email/encode.ts';
import { publicKeyLine } from '../../core/result/keys.ts';
import type { Payload } from '../../core/result/schema.ts';
import { signPayload } from '../../core/result/sign.ts';
import type { TestSite } from './messages.ts';

/**
 * Determinism for generated corpora: a seeded PRNG (mulberry32), UUIDs and Ed25519 keys drawn
 * from it, and MIME boundaries fixed, so the same seed gives the same messages every run.
 */
export class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  hex(n: number): string {
    return this.bytes(n).toString('hex');
  }
  uuid(): string {
    const h = this.hex(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.int(4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A site whose key pair comes from the PRNG. */
export function seededSite(id: string, rng: Rng): TestSite {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, rng.bytes(32)]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return { id, keys: { privateKey, publicKey }, publicKey: publicKeyLine(publicKey) };
}

/** The agent's own email for a payload, with a seeded MIME boundary. */
export async function agentEmail(site: TestSite, payload: Payload, rng: Rng, over: Partial<SendMailOptions> = {}): Promise<Buffer> {
  const { message } = encodeResultEmail(payload, { from: `agent@${site.id}.example`, to: 'backups@example.com', privateKey: site.keys.privateKey, publicKey: site.keys.publicKey });
  return buildRaw({ ...message, ...over, baseBoundary: rng.hex(8) } as SendMailOptions);
}

/** Signs anything shaped like a payload (also deliberately broken ones) with a site's key. */
export function signAny(obj: object, site: TestSite): Record<string, unknown> {
  return signPayload(obj as Payload, site.keys.privateKey, site.keys.publicKey) as unknown as Record<string, unknown>;
}

/**
 * A report-shaped email carrying `json` (any text or bytes) as the attachment, with the format
 * header, so the collector treats it as a Synecdoche report.
 */
export async function reportEmail(json: string | Buffer, rng: Rng, over: Partial<SendMailOptions> & { attachment?: Record<string, unknown> } = {}): Promise<Buffer> {
  const { attachment, ...rest } = over;
  const id = rng.hex(8);
  return buildRaw({
    from: 'agent@site.example',
    to: 'backups@example.com',
    subject: '[OK] Acme / site-a / Nightly',
    text: 'report',
    messageId: `<${id}@hostile.example>`,
    date: new Date(Date.UTC(2026, 10, 23, 8, 0, rng.int(60))),
    headers: { 'X-Synecdoche-Format': 'synecdoche-result/1' },
    attachments: [{ filename: 'synecdoche-result.json', content: json, contentType: 'application/json; charset=utf-8', ...attachment }],
    baseBoundary: rng.hex(8),
    ...rest,
  } as SendMailOptions);
}

/** Hand-written raw text (CRLF line ends) for shapes no composer would produce. */
export function rawText(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'), 'binary');
}
