import { afterEach, describe, expect, it } from 'vitest';
import { decodeEmail } from '../core/email/decode.ts';
import { parsePublicKeyLine } from '../core/result/keys.ts';
import type { SignedPayload } from '../core/result/schema.ts';
import { makeTestSite, type TestSite } from './testing/site.ts';
import { startSmtpServer, type TestSmtpServer } from './testing/smtp.ts';
import { spawnCli, until, type Spawned } from './testing/spawn.ts';

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

describe('agent run, the service', () => {
  it('sends a heartbeat at start, runs jobs on their schedule while another keeps failing, and exits 0 on SIGTERM', async () => {
    smtp = await startSmtpServer();
    site = makeTestSite(smtp.port, [
      { id: 'every-second', plugin: 'command', schedule: '*/1 * * * * *', options: { command: 'echo', args: ['fine'] } },
      { id: 'broken', plugin: 'command', schedule: '*/1 * * * * *', options: { command: 'sh', args: ['-c', 'exit 2'] } },
    ]);
    running = spawnCli(['agent', 'run', '-c', site.configPath]);
    const key = parsePublicKeyLine(site.publicLine);
    const decoded: SignedPayload[] = [];
    const count = (pred: (p: SignedPayload) => boolean) => decoded.filter(pred).length;
    const ofJob = (id: string) => (p: SignedPayload) => p.kind === 'result' && p.job.id === id;
    await until(
      async () => {
        for (const raw of smtp!.messages.slice(decoded.length)) {
          const d = await decodeEmail(raw, { keysFor: () => [key] });
          if (d.outcome !== 'verified') throw new Error(`not verified: ${d.outcome}`);
          decoded.push(d.payload);
        }
        return count((p) => p.kind === 'heartbeat') >= 1 && count(ofJob('every-second')) >= 2 && count(ofJob('broken')) >= 2;
      },
      15_000,
      'a heartbeat and two results of each job',
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; stderr: ${running!.stderr().slice(-2000)}`);
    });
    running.child.kill('SIGTERM');
    const t0 = Date.now();
    const exit = await running.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(decoded[0]!.kind).toBe('heartbeat');
    const statuses = decoded.filter((p) => p.kind === 'result').map((p) => p.kind === 'result' && `${p.job.id}:${p.status}`);
    expect(new Set(statuses)).toEqual(new Set(['every-second:ok', 'broken:failed']));
  }, 30_000);
});
