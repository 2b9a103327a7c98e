import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.ts';
import { decodeEmail } from '../core/email/decode.ts';
import { isSynError } from '../core/errors.ts';
import { parsePublicKeyLine } from '../core/result/keys.ts';
import { acquireJobLock } from './lock.ts';
import { runJob } from './runner.ts';
import { startSmtpServer, type TestSmtpServer } from './testing/smtp.ts';
import { testDeps } from './testing/deps.ts';
import { fakeLookup } from './testing/plugins.ts';
import { makeTestSite, type TestSite } from './testing/site.ts';

let smtp: TestSmtpServer;
let site: TestSite;
beforeEach(async () => {
  smtp = await startSmtpServer();
});
afterEach(async () => {
  await smtp.close();
  site?.cleanup();
});

const job = (over: Record<string, unknown> = {}) => ({ id: 'nightly', name: 'Nightly', plugin: 'fake', options: { copied: 12 }, schedule: '30 2 * * *', ...over });

async function decoded(raw: Buffer) {
  const key = parsePublicKeyLine(site.publicLine);
  const d = await decodeEmail(raw, { keysFor: (id) => (id === 'site-a' ? [key] : undefined) });
  if (d.outcome !== 'verified') throw new Error(`not verified: ${JSON.stringify(d)}`);
  return d.payload;
}

describe('running a job', () => {
  it('sends one signed report whose counts and times come from the run', async () => {
    site = makeTestSite(smtp.port, [job()]);
    const clock = new FakeClock('2026-11-23T01:30:00Z');
    const deps = testDeps(site.configPath, fakeLookup(), clock);
    const run = await runJob(deps.config.jobs[0]!, deps);
    expect(run.flush).toMatchObject({ sent: 1, pending: 0 });
    expect(smtp.messages).toHaveLength(1);
    const p = await decoded(smtp.messages[0]!);
    expect(p.kind).toBe('result');
    if (p.kind !== 'result') return;
    expect(p.files.copied).toBe(12);
    expect(p.sequence).toBe(1);
    expect(p.startedAt).toBe('2026-11-23T01:30:00.000Z');
    // 02:30 in Berlin (UTC+1 in November) is 01:30 UTC: the next run is tomorrow's.
    expect(p.job.nextRunAt).toBe('2026-11-24T01:30:00.000Z');
    expect(p.agent.timeZone).toBe('Europe/Berlin');
    expect(readdirSync(deps.config.outbox).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('numbers reports 1, 2 and, after a restart with fresh state objects, 3', async () => {
    site = makeTestSite(smtp.port, [job()]);
    for (let i = 0; i < 2; i++) {
      const deps = testDeps(site.configPath, fakeLookup());
      await runJob(deps.config.jobs[0]!, deps);
    }
    const deps = testDeps(site.configPath, fakeLookup());
    await runJob(deps.config.jobs[0]!, deps);
    const seqs = await Promise.all(smtp.messages.map(async (m) => ((await decoded(m)) as { sequence: number }).sequence));
    expect(seqs).toEqual([1, 2, 3]);
  });

  it('reports a plugin that throws as a failed run carrying the message', async () => {
    site = makeTestSite(smtp.port, [job({ options: { throws: 'unavailable' } }), job({ id: 'b', options: { throws: 'bug' } })]);
    const deps = testDeps(site.configPath, fakeLookup());
    const a = await runJob(deps.config.jobs[0]!, deps);
    const b = await runJob(deps.config.jobs[1]!, deps);
    expect(a.payload.status).toBe('failed');
    expect(a.payload.errors[0]!.message).toBe('fake: tool not installed');
    expect(b.payload.errors[0]!.message).toBe('cannot read properties of undefined');
    expect(smtp.messages).toHaveLength(2);
  });

  it('fails a run that exceeds its timeout, saying so', async () => {
    site = makeTestSite(smtp.port, [job({ timeoutMinutes: 0.005, options: { sleepMs: 20_000 } })]);
    const deps = testDeps(site.configPath, fakeLookup());
    const t0 = Date.now();
    const run = await runJob(deps.config.jobs[0]!, deps);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(run.payload.status).toBe('failed');
    expect(run.payload.errors[0]!.message).toBe('timed out after 0.3 seconds');
  });

  it('gives up on a plugin that ignores its abort signal after the grace time', async () => {
    site = makeTestSite(smtp.port, [job({ timeoutMinutes: 0.005, options: { sleepMs: 5000, ignoreAbort: true } })]);
    const deps = testDeps(site.configPath, fakeLookup());
    const run = await runJob(deps.config.jobs[0]!, deps);
    expect(run.payload.errors.map((e) => e.message)).toEqual(['timed out after 0.3 seconds', 'the plugin did not stop within 1 s of being told to']);
  });

  it('refuses a second start of a running job with JOB_ALREADY_RUNNING', async () => {
    site = makeTestSite(smtp.port, [job({ options: { sleepMs: 400 } })]);
    const deps = testDeps(site.configPath, fakeLookup());
    const first = runJob(deps.config.jobs[0]!, deps);
    await expect(runJob(deps.config.jobs[0]!, deps)).rejects.toSatisfy((e) => isSynError(e, 'JOB_ALREADY_RUNNING'));
    await first;
    // Once the first run ended, the lock is free again.
    await expect(runJob(deps.config.jobs[0]!, deps)).resolves.toBeDefined();
  });

  it('takes over the lock of a process that no longer exists', async () => {
    site = makeTestSite(smtp.port, [job()]);
    const deps = testDeps(site.configPath, fakeLookup());
    const lockDir = join(deps.config.stateDir, 'locks');
    acquireJobLock(deps.config.stateDir, 'other')(); // creates the folder
    writeFileSync(join(lockDir, 'nightly.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), startedAt: 'x' }));
    await expect(runJob(deps.config.jobs[0]!, deps)).resolves.toBeDefined();
    expect(existsSync(join(lockDir, 'nightly.lock'))).toBe(false);
  });
});
