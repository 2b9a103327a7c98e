import { describe, expect, it } from 'vitest';
import { generateSiteKeyPair, parsePublicKeyLine, publicKeyLine } from '../result/keys.ts';
import { sampleHeartbeat, sampleResult } from '../result/testing.ts';
import { decodeEmail } from './decode.ts';
import { buildRaw, encodeResultEmail } from './encode.ts';

const site = generateSiteKeyPair();
const other = generateSiteKeyPair();
const keysFor = (id: string) => (id === 'site-a' ? [parsePublicKeyLine(publicKeyLine(site.publicKey))] : undefined);

async function rawOf(payload = sampleResult(), key = site) {
  const { message } = encodeResultEmail(payload, { from: 'agent@a.example', to: 'backups@c.example', ...key });
  return buildRaw(message);
}

describe('result email', () => {
  it('decodes and verifies an email the encoder made', async () => {
    const payload = sampleResult({ status: 'warning' });
    const decoded = await decodeEmail(await rawOf(payload), { keysFor });
    expect(decoded.outcome).toBe('verified');
    if (decoded.outcome !== 'verified') return;
    expect(decoded.payload.runId).toBe(payload.runId);
    expect(decoded.payload.files).toEqual(payload.files);
    expect(decoded.facts.subject).toBe('[WARNING] Acme Ltd / site-a / Nightly documents - 2026-11-23');
  });

  it('dates the subject at the site: a run at 00:30 in Berlin is that day\'s run, not the day before in UTC', async () => {
    const payload = sampleResult({ startedAt: '2026-11-22T23:30:00.000Z', endedAt: '2026-11-22T23:40:00.000Z' });
    payload.agent.timeZone = 'Europe/Berlin';
    const decoded = await decodeEmail(await rawOf(payload), { keysFor });
    expect(decoded.facts.subject).toMatch(/ - 2026-11-23$/);
  });

  it('verifies heartbeats', async () => {
    const decoded = await decodeEmail(await rawOf(sampleHeartbeat() as never), { keysFor });
    expect(decoded.outcome).toBe('verified');
  });

  it('rejects a result whose JSON was changed by one byte', async () => {
    const raw = (await rawOf(sampleResult())).toString('utf8');
    // The attachment is base64; decode it, change a count, re-encode in place.
    const m = /filename=synecdoche-result\.json[\s\S]*?\r\n\r\n([A-Za-z0-9+/=\r\n]+)/.exec(raw)!;
    const json = Buffer.from(m[1]!.replace(/\r\n/g, ''), 'base64').toString('utf8');
    const tampered = json.replace('"copied": 12', '"copied": 13');
    expect(tampered).not.toBe(json);
    const b64 = Buffer.from(tampered).toString('base64').replace(/.{76}/g, '$&\r\n');
    const decoded = await decodeEmail(Buffer.from(raw.replace(m[1]!, `${b64}\r\n`)), { keysFor });
    expect(decoded).toMatchObject({ outcome: 'rejected', reason: 'bad-signature' });
  });

  it('rejects a result signed by a key the site does not have', async () => {
    const decoded = await decodeEmail(await rawOf(sampleResult(), other), { keysFor });
    expect(decoded).toMatchObject({ outcome: 'rejected', reason: 'unknown-key' });
  });

  it('rejects a result from an unregistered site', async () => {
    const decoded = await decodeEmail(await rawOf(sampleResult({ siteId: 'elsewhere' })), { keysFor });
    expect(decoded).toMatchObject({ outcome: 'rejected', reason: 'unknown-site' });
  });

  it('treats an email without the attachment or header as foreign', async () => {
    const raw = Buffer.from('From: veeam@x.example\r\nSubject: [Success] Job\r\nMessage-ID: <1@x>\r\n\r\nAll good\r\n');
    expect((await decodeEmail(raw, { keysFor })).outcome).toBe('foreign');
  });

  it('rejects a message over the size limit before parsing it', async () => {
    const decoded = await decodeEmail(await rawOf(), { keysFor, maxMessageBytes: 100 });
    expect(decoded).toMatchObject({ outcome: 'rejected', reason: 'too-large' });
  });

  it('escapes markup from the payload in the HTML body', async () => {
    const payload = sampleResult({ errors: [{ message: '<script>alert(1)</script>' }] });
    const { message } = encodeResultEmail(payload, { from: 'a@a', to: 'b@b', ...site });
    expect(String(message.html)).not.toContain('<script>alert(1)</script>');
    expect(String(message.html)).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(String(message.text)).toContain('<script>alert(1)</script>');
  });

  it('counts verified files and mismatches in the singular and the plural', () => {
    const one = sampleResult({ verification: { mode: 'copied', algorithm: 'sha256', checked: 1, mismatches: 1, mismatchedPaths: ['a.txt'] } });
    const many = sampleResult({ verification: { mode: 'all', algorithm: 'sha256', checked: 12, mismatches: 0, mismatchedPaths: [] } });
    for (const [payload, words] of [[one, '1 file by sha256, 1 mismatch'], [many, '12 files by sha256, 0 mismatches']] as const) {
      const { message } = encodeResultEmail(payload, { from: 'a@a', to: 'b@b', ...site });
      expect(String(message.text)).toContain(`Verified:  ${words}`);
      expect(String(message.html)).toContain(words);
    }
  });

  it("shows times in the agent's zone with the offset in both bodies, and keeps UTC in the JSON", async () => {
    const payload = sampleResult({ startedAt: '2026-11-23T01:30:00.000Z', endedAt: '2026-11-23T01:31:05.000Z' });
    const { message, signed } = encodeResultEmail(payload, { from: 'a@a', to: 'b@b', ...site });
    for (const body of [String(message.text), String(message.html)]) {
      expect(body).toContain('2026-11-23 02:30 (Europe/Berlin, +01:00)');
      expect(body).toContain('2026-11-23 02:31 (Europe/Berlin, +01:00)');
      expect(body).toContain('2026-11-24 02:00 (Europe/Berlin, +01:00)');
      expect(body).not.toContain('2026-11-23T01:30:00.000Z');
    }
    expect(signed).toMatchObject({ startedAt: '2026-11-23T01:30:00.000Z', job: { nextRunAt: '2026-11-24T01:00:00.000Z' } });
    const heartbeat = encodeResultEmail(sampleHeartbeat() as never, { from: 'a@a', to: 'b@b', ...site }).message;
    expect(String(heartbeat.text)).toContain('Next heartbeat due: 2026-11-24 09:00 (Europe/Berlin, +01:00).');
  });
});
