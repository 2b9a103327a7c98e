import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.ts';
import { decodeEmail } from '../core/email/decode.ts';
import { silentLogger } from '../core/log.ts';
import { smtpSender } from '../core/mail/smtp.ts';
import { generateSiteKeyPair, parsePublicKeyLine, publicKeyLine } from '../core/result/keys.ts';
import { sampleResult } from '../core/result/testing.ts';
import { Outbox, type SendDeps } from './outbox.ts';
import { startSmtpServer, type TestSmtpServer } from './testing/smtp.ts';

const keys = generateSiteKeyPair();
let dir: string;
let smtp: TestSmtpServer | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function outbox(clock = new FakeClock('2026-11-23T02:00:00Z')) {
  dir = mkdtempSync(join(tmpdir(), 'syn-outbox-'));
  return new Outbox(join(dir, 'outbox'), clock, silentLogger);
}

function sendTo(port: number): SendDeps {
  return { sender: smtpSender({ host: '127.0.0.1', port, tls: 'none', rejectUnauthorized: true, timeoutSeconds: 5 }, {}), keys, from: 'a@site.example', to: 'c@collector.example' };
}

/** A port on which nothing listens: bind one, then close it. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function runIdOf(raw: Buffer): Promise<string> {
  const d = await decodeEmail(raw, { keysFor: () => [parsePublicKeyLine(publicKeyLine(keys.publicKey))] });
  if (d.outcome !== 'verified') throw new Error(d.outcome);
  return d.payload.runId;
}

describe('the outbox', () => {
  it('keeps reports while SMTP is down and delivers each exactly once when it is back', async () => {
    const box = outbox();
    const a = sampleResult();
    const b = sampleResult();
    box.put(a);
    box.put(b);
    const down = await box.flush(sendTo(await deadPort()));
    expect(down.sent).toBe(0);
    expect(down.pending).toBe(2);
    expect(down.stoppedBy).toMatch(/ECONNREFUSED/);
    expect(down.failures).toHaveLength(1); // stops at the first transient error
    smtp = await startSmtpServer();
    const up = await box.flush(sendTo(smtp.port));
    expect(up).toMatchObject({ sent: 2, pending: 0, failures: [] });
    expect(await Promise.all(smtp.messages.map(runIdOf))).toEqual([a.runId, b.runId]);
    expect(await box.flush(sendTo(smtp.port))).toMatchObject({ sent: 0, pending: 0 });
    expect(smtp.messages).toHaveLength(2);
  });

  it('sets sentAt at send time and signs over it', async () => {
    const clock = new FakeClock('2026-11-23T02:00:00Z');
    const box = outbox(clock);
    box.put(sampleResult({ sentAt: '2026-11-23T01:00:00.000Z' }));
    clock.set('2026-11-23T05:00:00Z');
    smtp = await startSmtpServer();
    await box.flush(sendTo(smtp.port));
    const d = await decodeEmail(smtp.messages[0]!, { keysFor: () => [keys.publicKey] });
    expect(d.outcome === 'verified' && d.payload.sentAt).toBe('2026-11-23T05:00:00.000Z');
  });

  it('keeps a report the server refuses permanently and goes on with the next', async () => {
    const box = outbox();
    const refused = sampleResult({ logTail: 'REFUSE-ME' });
    box.put(refused);
    box.put(sampleResult());
    smtp = await startSmtpServer({ reject: (raw) => (raw.toString().includes('REFUSE-ME') ? { code: 554, message: 'policy says no' } : undefined) });
    const r = await box.flush(sendTo(smtp.port));
    expect(r.sent).toBe(1);
    expect(r.pending).toBe(1);
    expect(r.failures[0]).toMatchObject({ permanent: true });
    expect(r.failures[0]!.message).toMatch(/policy says no/);
    expect(box.pending()[0]).toContain(refused.runId);
  });

  it('moves an unreadable file to bad/ instead of sending or deleting it', async () => {
    const box = outbox();
    writeFileSync(join(box.dir, '00000000-broken.json'), '{"kind": "result", truncated');
    box.put(sampleResult());
    smtp = await startSmtpServer();
    const r = await box.flush(sendTo(smtp.port));
    expect(r).toMatchObject({ sent: 1, bad: 1, pending: 0 });
    expect(existsSync(join(box.dir, 'bad', '00000000-broken.json'))).toBe(true);
    expect(readdirSync(box.dir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('sends in order of creation even when the clock stands still', async () => {
    const box = outbox();
    for (let i = 0; i < 5; i++) box.put(sampleResult());
    const names = box.pending();
    expect(names).toHaveLength(5);
    expect([...names].sort()).toEqual(names);
    smtp = await startSmtpServer();
    await box.flush(sendTo(smtp.port));
    const sent = await Promise.all(smtp.messages.map(runIdOf));
    expect(sent).toEqual(names.map((n) => /-result-(.+)\.json$/.exec(n)![1]));
  });

  it('removes temp files of a write interrupted by a crash, and only those', async () => {
    const box = outbox();
    const dead = join(box.dir, `.x.json.${2 ** 22 + 4321}.1.tmp`);
    const live = join(box.dir, `.y.json.${process.pid}.1.tmp`);
    writeFileSync(dead, '{"half":');
    writeFileSync(live, '{"half":');
    new Outbox(box.dir, new FakeClock('2026-11-23T02:00:00Z'), silentLogger);
    expect([existsSync(dead), existsSync(live)]).toEqual([false, true]);
  });
});
