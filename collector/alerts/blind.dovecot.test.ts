import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpServer } from '../../agent/testing/smtp.ts';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { publicKeyLine } from '../../core/result/keys.ts';
import { collectorCommandDefaults, type Loaded } from '../commands/common.ts';
import { runCollector } from '../commands/run.ts';
import { tempDir, testConfig, testSites } from '../ingest/testing.ts';
import { startCollectorServices } from '../schedule/service.ts';
import { openStore } from '../store/db.ts';
import { startDovecot } from '../testing/dovecot.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('monitoring blind alert', () => {
  it('goes out through the collector\'s own SMTP server while the IMAP mailbox cannot be reached', async () => {
    const dovecot = await startDovecot();
    let dovecotUp = true;
    const smtp = await startSmtpServer();
    const t = tempDir('syn-blind-');
    const [site] = testSites('fs1');
    const cfg = testConfig(t.dir, [site!], {
      mailboxes: [{ name: 'main', type: 'imap', host: '127.0.0.1', port: dovecot.imapPort, tls: 'none', user: dovecot.user, auth: { password: { env: 'IMAP_PW' } }, idle: false, pollSeconds: 5 }],
      smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none', timeoutSeconds: 5 },
      // The site sends no heartbeats: only the mailbox is under test.
      sites: [{ id: 'fs1', client: 'acme', publicKeys: [publicKeyLine(site!.keys.publicKey)], heartbeatExpected: false }],
      alerts: { kinds: { blind: { graceMinutes: 30 } } },
    });
    const db = openStore(cfg.database.path);
    // 04:00: before the digest and the client summary are due, so only alerts are mailed.
    const clock = new FakeClock('2026-11-24T04:00:00Z');
    const l: Loaded = { cfg, db, log: silentLogger, clock, out: () => {} };
    const env = { IMAP_PW: dovecot.pass };
    const services = startCollectorServices(l, env, { alertCheckMs: 100, firstPollWaitMs: 50, pdf: false });
    const stop = new AbortController();
    const running = runCollector(l, { ...collectorCommandDefaults, backoffMinMs: 50, onAfterPoll: () => services.onAfterPoll() }, env, stop.signal);
    cleanups.push(async () => {
      stop.abort();
      await running;
      await services.stop();
      db.close();
      await smtp.close();
      if (dovecotUp) await dovecot.stop();
      t.cleanup();
    });
    const poll = () => db.prepare(`SELECT last_good_at, last_error FROM mailbox_polls WHERE mailbox = 'main'`).get() as { last_good_at: number | null; last_error: string | null } | undefined;

    await until('a good read', () => poll()?.last_good_at === clock.now().getTime());
    await dovecot.stop();
    dovecotUp = false;
    clock.advance(10 * 60_000);
    await until('a failed read', () => poll()?.last_error != null);
    // Blind, but for less than the grace: nothing yet.
    await new Promise((r) => setTimeout(r, 400));
    expect(smtp.messages.filter((m) => m.toString('utf8').includes('X-Synecdoche-Problem: blind'))).toHaveLength(0);

    clock.advance(25 * 60_000);
    const [raw] = await smtp.waitFor(1, 15_000);
    const mail = await simpleParser(raw!);
    expect(mail.subject).toBe('[MONITORING BLIND] mailbox main');
    expect(mail.headers.get('x-synecdoche-problem')).toBe('blind');
    expect(mail.text).toContain('This mailbox cannot be read');
    expect(mail.text).toMatch(/Reason: +not read successfully since Tue 24 Nov 04:00 \(Europe\/London\); last error: /);
    expect(mail.text).not.toContain(dovecot.pass);
    // Once only: more failed reads and timer ticks send nothing more.
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.messages).toHaveLength(1);
  }, 60_000);
});
