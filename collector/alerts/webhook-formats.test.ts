import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorConfig } from '../config.ts';
import { tempDir, testConfig, testSites } from '../ingest/testing.ts';
import { openStore, type Db } from '../store/db.ts';
import { runAlerts } from './run.ts';
import { jobStatus, reportOf } from './testing.ts';

/*
 * Each webhook format the README names (json, slack, ntfy), as a real HTTP server receives it:
 * what a Slack incoming webhook or an ntfy topic would read. (There is no Teams format.)
 */

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const T0 = new Date('2026-11-24T07:00:00Z');
const later = (h: number) => new Date(T0.getTime() + h * 3_600_000);

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function hookServer(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/secret`, received };
}

function setup(format: 'json' | 'slack' | 'ntfy', url: string): { db: Db; cfg: CollectorConfig } {
  const t = tempDir('syn-webhook-');
  const base = testConfig(t.dir, testSites('fs1'));
  const cfg = { ...base, alerts: { email: false, reminderHours: 24, webhook: { url, format, timeoutSeconds: 10 } } } as unknown as CollectorConfig;
  const db = openStore(cfg.database.path);
  cleanups.push(() => {
    db.close();
    t.cleanup();
  });
  return { db, cfg };
}

describe('webhook formats posted to a real HTTP server', () => {
  it('posts the slack format as a JSON object with only "text", which a Slack incoming webhook shows', async () => {
    const hook = await hookServer();
    const { db, cfg } = setup('slack', hook.url);
    const out = await runAlerts(db, cfg, reportOf([jobStatus('failed')]), { now: T0 });
    expect(out.failed).toBe(0);
    expect(hook.received).toHaveLength(1);
    const [r] = hook.received;
    expect(r).toMatchObject({ method: 'POST', path: '/services/T000/B000/secret' });
    expect(r!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r!.body)).toEqual({ text: '[FAILED] Acme Ltd / fs1 / Nightly since Tue 24 Nov 01:00 (Europe/London): last run failed: disk full' });
  });

  it('posts the recovery in the json format with the RECOVERED state', async () => {
    const hook = await hookServer();
    const { db, cfg } = setup('json', hook.url);
    await runAlerts(db, cfg, reportOf([jobStatus('failed')]), { now: T0 });
    await runAlerts(db, cfg, reportOf([jobStatus('ok')]), { now: later(2) });
    expect(hook.received).toHaveLength(2);
    const [alert, recovery] = hook.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(alert).toMatchObject({ state: 'FAILED', client: 'Acme Ltd', site: 'fs1', job: 'Nightly' });
    expect(recovery).toMatchObject({ state: 'RECOVERED', client: 'Acme Ltd', site: 'fs1', job: 'Nightly', text: expect.stringMatching(/^\[RECOVERED\] Acme Ltd \/ fs1 \/ Nightly/) });
    expect(Object.keys(recovery!).sort()).toEqual(['client', 'job', 'reason', 'since', 'site', 'state', 'text']);
  });

  it('gives ntfy a recovery with a check-mark tag and default priority, and an ASCII-safe title for a non-ASCII name', async () => {
    const hook = await hookServer();
    const { db, cfg } = setup('ntfy', hook.url);
    await runAlerts(db, cfg, reportOf([jobStatus('failed', { jobName: 'Büro täglich' })]), { now: T0 });
    await runAlerts(db, cfg, reportOf([jobStatus('ok', { jobName: 'Büro täglich' })]), { now: later(2) });
    expect(hook.received).toHaveLength(2);
    const [alert, recovery] = hook.received;
    expect(alert!.headers).toMatchObject({ 'content-type': 'text/plain; charset=utf-8', title: '[FAILED] Acme Ltd / fs1 / B?ro t?glich', tags: 'warning', priority: '4' });
    expect(alert!.body).toMatch(/^\[FAILED\] Acme Ltd \/ fs1 \/ Büro täglich since /); // the body keeps the real name (UTF-8)
    expect(recovery!.headers).toMatchObject({ title: '[RECOVERED] Acme Ltd / fs1 / B?ro t?glich', tags: 'white_check_mark', priority: '3' });
  });
});
