import type { KeyObject } from 'node:crypto';
import { buildRaw, encodeResultEmail } from '../../core/email/encode.ts';
import { generateSiteKeyPair, publicKeyLine, type SiteKeyPair } from '../../core/result/keys.ts';
import type { Payload } from '../../core/result/schema.ts';
import { sampleHeartbeat, sampleResult } from '../../core/result/testing.ts';

/**
 * Builders of real result emails for the collector's tests and benchmark: signed by real site
 * keys through the agent's own encoder, so what the collector reads is what an agent sends.
 */
export interface TestSite {
  id: string;
  keys: SiteKeyPair;
  /** The `ed25519:...` line for `sites[].publicKeys` in the collector config. */
  publicKey: string;
}

export function testSite(id: string): TestSite {
  const keys = generateSiteKeyPair();
  return { id, keys, publicKey: publicKeyLine(keys.publicKey) };
}

/** A `keysFor` for decodeEmail over some test sites. */
export function keysOf(sites: readonly TestSite[]): (siteId: string) => KeyObject[] | undefined {
  const map = new Map(sites.map((s) => [s.id, [s.keys.publicKey]]));
  return (id) => map.get(id);
}

/** The raw bytes of a signed result or heartbeat email from `site`. */
export async function signedEmail(site: TestSite, payload: Payload, keys: SiteKeyPair = site.keys): Promise<Buffer> {
  const { message } = encodeResultEmail(payload, { from: `agent@${site.id}.example`, to: 'backups@example.com', privateKey: keys.privateKey, publicKey: keys.publicKey });
  return buildRaw(message);
}

/** A signed result of job `jobId`, run number `sequence`, from `site`. */
export function signedResult(site: TestSite, jobId: string, sequence: number, over: Parameters<typeof sampleResult>[0] = {}): Promise<Buffer> {
  const startedAt = new Date(Date.UTC(2026, 10, 1) + sequence * 86_400_000).toISOString();
  return signedEmail(site, sampleResult({ siteId: site.id, jobId, sequence, startedAt, ...over }));
}

/** A signed heartbeat from `site`. */
export function signedHeartbeat(site: TestSite, over: Parameters<typeof sampleHeartbeat>[0] = {}): Promise<Buffer> {
  return signedEmail(site, sampleHeartbeat({ siteId: site.id, ...over }));
}

/** A plain text email that is not a Synecdoche report at all. */
export function plainEmail(subject: string, body = 'hello'): Buffer {
  return Buffer.from(`From: someone@example.com\r\nTo: backups@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W+/g, '-')}.${Math.random().toString(36).slice(2)}@example.com>\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`);
}
