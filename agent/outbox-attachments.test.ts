import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.ts';
import { decodeEmail } from '../core/email/decode.ts';
import { silentLogger } from '../core/log.ts';
import { smtpSender } from '../core/mail/smtp.ts';
import { generateSiteKeyPair } from '../core/result/keys.ts';
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

const sendTo = (port: number): SendDeps => ({ sender: smtpSender({ host: '127.0.0.1', port, tls: 'none', rejectUnauthorized: true, timeoutSeconds: 5 }, {}), keys, from: 'a@site.example', to: 'c@collector.example' });

async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('attachments kept in the outbox with their report', () => {
  it('stay while SMTP is down, go out with the report, and are removed only once it was accepted', async () => {
    dir = mkdtempSync(join(tmpdir(), 'syn-outbox-att-'));
    const clock = new FakeClock('2026-12-04T02:00:00Z');
    const box = new Outbox(join(dir, 'outbox'), clock, silentLogger);
    const part = Buffer.from('gzip bytes of part 1');
    box.put(sampleResult(), [{ filename: 'synecdoche-manifest-1.ndjson.gz', content: part }]);
    const down = await box.flush(sendTo(await deadPort()));
    expect(down).toMatchObject({ sent: 0, pending: 1 });
    expect(readdirSync(box.dir).filter((n) => n.includes('~synecdoche-manifest-1.ndjson.gz'))).toHaveLength(1);

    smtp = await startSmtpServer();
    expect(await box.flush(sendTo(smtp.port))).toMatchObject({ sent: 1, pending: 0 });
    expect(readdirSync(box.dir)).toEqual([]);
    const d = await decodeEmail(smtp.messages[0]!, { keysFor: () => [keys.publicKey] });
    expect(d.outcome === 'verified' && d.manifestParts).toEqual([expect.objectContaining({ part: 1, content: part })]);
  });

  it('are removed at start when their report is long gone (a crash between the two deletions), not while a put may still be writing them', () => {
    dir = mkdtempSync(join(tmpdir(), 'syn-outbox-att-'));
    const folder = join(dir, 'outbox');
    const clock = new FakeClock('2026-12-04T02:00:00Z');
    new Outbox(folder, clock, silentLogger);
    const old = join(folder, '20261203T010000000Z-0000001-000001-result-x~synecdoche-manifest-1.ndjson.gz');
    const fresh = join(folder, '20261204T015959000Z-0000001-000002-result-y~synecdoche-manifest-1.ndjson.gz');
    writeFileSync(old, 'a');
    writeFileSync(fresh, 'b');
    utimesSync(old, new Date('2026-12-03T01:00:00Z'), new Date('2026-12-03T01:00:00Z'));
    utimesSync(fresh, new Date('2026-12-04T01:59:59Z'), new Date('2026-12-04T01:59:59Z'));
    new Outbox(folder, clock, silentLogger);
    expect(readdirSync(folder)).toEqual([fresh.slice(folder.length + 1)]);
  });
});
