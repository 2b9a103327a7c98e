import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import { decodeEmail } from '../core/email/decode.ts';
import { parsePublicKeyLine } from '../core/result/keys.ts';
import type { SignedPayload } from '../core/result/schema.ts';
import type { JobConfig } from './config.ts';
import { acquireJobLock } from './lock.ts';
import { AgentService } from './service.ts';
import type { Scheduler } from './schedule.ts';
import { testDeps } from './testing/deps.ts';
import { fakeLookup } from './testing/plugins.ts';
import { makeTestSite, type TestSite } from './testing/site.ts';
import { startSmtpServer, type TestSmtpServer } from './testing/smtp.ts';

let smtp: TestSmtpServer | undefined;
let site: TestSite;
let service: AgentService | undefined;
afterEach(async () => {
  await service?.stop();
  service = undefined;
  await smtp?.close();
  smtp = undefined;
  site?.cleanup();
});

/** A scheduler that records what was scheduled and fires only when the test says so. */
function manualScheduler() {
  const scheduled: { cron: string; tz: string; fire: () => void; cancelled: boolean }[] = [];
  const scheduler: Scheduler = (cron, tz, fire) => {
    const entry = { cron, tz, fire, cancelled: false };
    scheduled.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  };
  return { scheduler, scheduled };
}

async function payloads(raws: Buffer[]): Promise<SignedPayload[]> {
  const key = parsePublicKeyLine(site.publicLine);
  return Promise.all(
    raws.map(async (raw) => {
      const d = await decodeEmail(raw, { keysFor: () => [key] });
      if (d.outcome !== 'verified') throw new Error(d.outcome);
      return d.payload;
    }),
  );
}

const jobs = [
  { id: 'slow', plugin: 'fake', schedule: '0 1 * * *', timeoutMinutes: 0.005, options: { sleepMs: 30_000 } },
  { id: 'fast', plugin: 'fake', schedule: '0 2 * * *', options: { copied: 7 } },
  { id: 'ext', plugin: 'fake', schedule: '0 3 * * *', external: true },
];

function start(port: number) {
  site = makeTestSite(port, jobs, { retry: { initialSeconds: 0.2, maxSeconds: 0.4 } });
  const { scheduler, scheduled } = manualScheduler();
  const deps = { ...testDeps(site.configPath, fakeLookup(), systemClock), scheduler };
  service = new AgentService({ ...deps, send: deps.send! });
  return { scheduled, deps, service };
}

describe('agent service', () => {
  it('schedules jobs and the heartbeat in the site zone, external jobs excepted, and sends a heartbeat at start', async () => {
    smtp = await startSmtpServer();
    const { scheduled, service } = start(smtp.port);
    await service.start();
    expect(scheduled.map((s) => [s.cron, s.tz])).toEqual([
      ['0 1 * * *', 'Europe/Berlin'],
      ['0 2 * * *', 'Europe/Berlin'],
      ['0 8 * * *', 'Europe/Berlin'],
    ]);
    const [hb] = await payloads(smtp.messages);
    expect(hb!.kind).toBe('heartbeat');
    if (hb!.kind !== 'heartbeat') return;
    expect(hb.jobs.map((j) => j.id)).toEqual(['slow', 'fast', 'ext']);
    expect(hb.jobs.every((j) => j.nextRunAt !== null)).toBe(true);
    expect(hb.outboxPending).toBe(0);
    await service.stop();
    expect(scheduled.every((s) => s.cancelled)).toBe(true);
  });

  it('keeps the other jobs running when one times out, and refuses and reports a start while the job still runs', async () => {
    smtp = await startSmtpServer();
    const { scheduled, service } = start(smtp.port);
    await service.start();
    scheduled[0]!.fire(); // slow: times out after 0.3 s
    scheduled[0]!.fire(); // refused: still running
    scheduled[1]!.fire(); // fast
    await smtp.waitFor(4, 5000);
    scheduled[1]!.fire(); // fast again, while slow may still be ending
    await smtp.waitFor(5, 5000);
    const results = (await payloads(smtp.messages)).filter((p) => p.kind === 'result');
    const byJob = (id: string) => results.filter((p) => p.kind === 'result' && p.job.id === id);
    const slow = byJob('slow').sort((a, b) => (a.kind === 'result' && b.kind === 'result' ? a.sequence - b.sequence : 0));
    expect(slow).toHaveLength(2);
    expect(slow[0]).toMatchObject({ status: 'failed', sequence: 1, files: { copied: 0 }, errors: [{ message: 'this scheduled start was refused: the run started 0 min ago is still going' }] });
    expect(slow[1]).toMatchObject({ status: 'failed', sequence: 2, errors: [{ message: 'timed out after 0.3 seconds' }] });
    expect(byJob('fast').map((p) => p.kind === 'result' && [p.status, p.files.copied, p.sequence])).toEqual([
      ['ok', 7, 1],
      ['ok', 7, 2],
    ]);
  });

  it('refuses and reports a start while another process holds the job', async () => {
    smtp = await startSmtpServer();
    const { scheduled, service, deps } = start(smtp.port);
    await service.start();
    const release = acquireJobLock(deps.config.stateDir, 'fast', new Date());
    try {
      await scheduled[1]!.fire();
    } finally {
      release();
    }
    await smtp.waitFor(2, 5000);
    const [result] = (await payloads(smtp.messages)).filter((p) => p.kind === 'result');
    expect(result).toMatchObject({ status: 'failed', job: { id: 'fast' }, files: { copied: 0 } });
    expect(result!.kind === 'result' && result!.errors[0]!.message).toMatch(/^this scheduled start was refused: another process is running it/);
    expect(service.runningJobs()).toEqual([]);
  });

  it('retries the outbox with backoff until SMTP comes back', async () => {
    const port = await deadPort();
    const { service, deps } = start(port);
    await service.start(); // the heartbeat cannot be sent
    expect(deps.outbox.pending()).toHaveLength(1);
    smtp = await startSmtpServer({ port });
    await smtp.waitFor(1, 3000);
    await new Promise((r) => setTimeout(r, 100));
    expect(deps.outbox.pending()).toHaveLength(0);
    expect((await payloads(smtp.messages))[0]!.kind).toBe('heartbeat');
  });

  it('aborts a running job on stop and records that it was stopped', async () => {
    smtp = await startSmtpServer();
    const { scheduled, service, deps } = start(smtp.port);
    await service.start();
    const slow = deps.config.jobs.find((j) => j.id === 'slow') as JobConfig;
    (slow as { timeoutMinutes?: number }).timeoutMinutes = undefined; // only the stop ends it
    scheduled[0]!.fire();
    await new Promise((r) => setTimeout(r, 100));
    expect(service.runningJobs()).toEqual(['slow']);
    const t0 = Date.now();
    await service.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    const files = deps.outbox.pending();
    expect(files).toHaveLength(1);
    const { readFileSync } = await import('node:fs');
    const p = JSON.parse(readFileSync(`${deps.outbox.dir}/${files[0]}`, 'utf8'));
    expect(p.errors[0].message).toBe('stopped: the agent was shut down during the run');
  });
});

async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
