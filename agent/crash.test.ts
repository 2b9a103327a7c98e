import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeEmail } from '../core/email/decode.ts';
import { parsePublicKeyLine } from '../core/result/keys.ts';
import { makeTestSite, type TestSite } from './testing/site.ts';
import { startSmtpServer, type TestSmtpServer } from './testing/smtp.ts';
import { expectExit, spawnCli, until, type Spawned } from './testing/spawn.ts';

let smtp: TestSmtpServer | undefined;
let site: TestSite;
let running: Spawned | undefined;
afterEach(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) process.kill(-running.child.pid!, 'SIGKILL');
  running = undefined;
  await smtp?.close();
  smtp = undefined;
  site?.cleanup();
});

const jobs = [
  { id: 'slow', plugin: 'command', options: { command: 'sleep', args: ['30'] } },
  { id: 'quick', plugin: 'command', options: { command: 'echo', args: ['done'] } },
];

async function sequences(): Promise<[string, number][]> {
  const key = parsePublicKeyLine(site.publicLine);
  return Promise.all(
    smtp!.messages.map(async (raw) => {
      const d = await decodeEmail(raw, { keysFor: () => [key] });
      if (d.outcome !== 'verified' || d.payload.kind !== 'result') throw new Error('not a verified result');
      return [d.payload.job.id, d.payload.sequence] as [string, number];
    }),
  );
}

/** kill -9 of the whole process group: the agent and the tool it runs. */
function killHard(s: Spawned) {
  process.kill(-s.child.pid!, 'SIGKILL');
  return s.exited;
}

describe('the agent killed with kill -9', () => {
  it('leaves a stale lock that does not block the next run, and sequence numbers go on from where they were', async () => {
    smtp = await startSmtpServer();
    site = makeTestSite(smtp.port, jobs);
    const c = ['-c', site.configPath];
    for (let i = 0; i < 2; i++) await expectExit(spawnCli(['agent', 'run-job', 'quick', ...c]), 0);

    running = spawnCli(['agent', 'run-job', 'slow', ...c]);
    const lock = join(site.dir, 'state', 'locks', 'slow.lock');
    await until(() => existsSync(lock), 10_000, 'the job lock');
    const holder = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number };
    expect(holder.pid).toBe(running.child.pid);
    expect((await killHard(running)).signal).toBe('SIGKILL');
    expect(existsSync(lock)).toBe(true); // nobody cleaned up: the next run must see it is stale

    await expectExit(spawnCli(['agent', 'run-job', 'quick', ...c]), 0);
    site.write({ jobs: [{ ...jobs[0], options: { command: 'true' } }, jobs[1]] });
    const next = spawnCli(['agent', 'run-job', 'slow', ...c]);
    await expectExit(next, 0);
    expect(next.stdout()).toBe('job slow: ok, 0 copied, report sent\n');
    expect(await sequences()).toEqual([
      ['quick', 1],
      ['quick', 2],
      ['quick', 3],
      ['slow', 1],
    ]);
  }, 30_000);

  it('delivers, exactly once, a report that was in the outbox when the agent died mid-send', async () => {
    const hanging = await startSmtpServer({ hang: true });
    site = makeTestSite(hanging.port, jobs);
    running = spawnCli(['agent', 'run-job', 'quick', '-c', site.configPath]);
    const outbox = join(site.dir, 'outbox');
    await until(() => existsSync(outbox) && readdirSync(outbox).some((f) => f.endsWith('.json')), 10_000, 'the report in the outbox');
    await new Promise((r) => setTimeout(r, 300)); // the send is under way: the server holds the DATA reply
    await killHard(running);
    await hanging.close().catch(() => undefined);
    expect(hanging.messages).toHaveLength(0);
    expect(readdirSync(outbox).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    smtp = await startSmtpServer({ port: hanging.port });
    const flush = spawnCli(['agent', 'flush', '-c', site.configPath]);
    await expectExit(flush, 0);
    expect(flush.stdout()).toBe('sent 1 report\n');
    await expectExit(spawnCli(['agent', 'flush', '-c', site.configPath]), 0);
    expect(smtp.messages).toHaveLength(1);
    expect(await sequences()).toEqual([['quick', 1]]);
  }, 30_000);

  it('records and sends a failed report when run-job is interrupted with SIGTERM instead', async () => {
    smtp = await startSmtpServer();
    site = makeTestSite(smtp.port, jobs);
    running = spawnCli(['agent', 'run-job', 'slow', '-c', site.configPath]);
    await until(() => existsSync(join(site.dir, 'state', 'locks', 'slow.lock')), 10_000, 'the job lock');
    await new Promise((r) => setTimeout(r, 200)); // the tool has started
    running.child.kill('SIGTERM');
    const exit = await running.exited;
    expect([exit.code, running.stdout()]).toEqual([1, 'job slow: failed (stopped: interrupted by SIGTERM), 0 copied, report sent\n']);
    expect(existsSync(join(site.dir, 'state', 'locks', 'slow.lock'))).toBe(false);
    expect(await sequences()).toEqual([['slow', 1]]);
  }, 30_000);
});
