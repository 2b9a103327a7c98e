import { existsSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpServer } from '../../agent/testing/smtp.ts';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { tempDir } from '../ingest/testing.ts';
import { seedScenario } from '../report/digest/testing.ts';
import { startCollectorServices } from './service.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('startCollectorServices', () => {
  it('sends the due digest and summary with the PDF archived and attached, then alerts after a poll', async () => {
    const server = await startSmtpServer();
    const t = tempDir('syn-services-');
    const s = seedScenario(t.dir, { smtp: { host: '127.0.0.1', port: server.port, tls: 'none', timeoutSeconds: 5 } });
    cleanups.push(async () => {
      s.db.close();
      await server.close();
      t.cleanup();
    });
    // 07:05 in London: the 07:00 digest and Acme's 07:30 Berlin summary are due; Bolt's 07:30 London one is not.
    const clock = new FakeClock('2026-11-24T07:05:00Z');
    const services = startCollectorServices({ db: s.db, cfg: s.cfg, clock, log: silentLogger }, {});
    cleanups.push(() => services.stop());
    // Nothing is sent before the first pass over the mailboxes.
    await new Promise((r) => setTimeout(r, 300));
    expect(server.messages).toHaveLength(0);
    // The scenario has two mailboxes: the digest waits for the first pass over both.
    await services.onAfterPoll();
    await new Promise((r) => setTimeout(r, 300));
    expect(server.messages.every((raw) => raw.toString('utf8').includes('Subject: ['))).toBe(true);
    const firstPass = services.onAfterPoll();
    expect((await services.started).map((o) => `${o.kind}:${o.key}:${o.result}`)).toEqual(['digest:consultant:sent', 'client:acme:sent']);
    await firstPass;
    const all = await Promise.all((await server.waitFor(3)).map((raw) => simpleParser(raw)));
    const digest = all.find((m) => (m.to as { text: string }).text === 'pat@example.com' && !m.subject?.startsWith('['))!;
    const summary = all.find((m) => (m.to as { text: string }).text === 'office@acme.example')!;
    expect(digest.subject).toMatch(/failed/);
    expect(digest.attachments.map((a) => [a.filename, a.contentType])).toEqual([['digest-2026-11-24.pdf', 'application/pdf']]);
    expect(existsSync(`${s.cfg.archive.folder}/2026/11/digest-2026-11-24.html`)).toBe(true);
    expect(summary).toBeDefined();

    const alerts = all.filter((m) => m.subject?.startsWith('[')).map((m) => m.subject);
    expect(alerts).toContain('[FAILED] Acme Ltd / acme-office / Mail archive');
    const count = server.messages.length;
    await services.onAfterPoll();
    expect(server.messages.length).toBe(count);
  }, 30_000);
});
