import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { decodeEmail } from '../../core/email/decode.ts';
import { parsePublicKeyLine } from '../../core/result/keys.ts';
import type { SignedPayload } from '../../core/result/schema.ts';
import { getPlugin } from '../../plugins/index.ts';
import { acquireJobLock } from '../lock.ts';
import type { Scheduler } from '../schedule.ts';
import { AgentService } from '../service.ts';
import { testDeps } from '../testing/deps.ts';
import { makeTestSite, type TestSite } from '../testing/site.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';

let smtp: TestSmtpServer | undefined;
let site: TestSite | undefined;
let service: AgentService | undefined;
let scratch: string;
afterEach(async () => {
  await service?.stop();
  service = undefined;
  await smtp?.close();
  smtp = undefined;
  site?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

function manualScheduler() {
  const scheduled: { cron: string; fire: () => void }[] = [];
  const scheduler: Scheduler = (cron, _tz, fire) => {
    scheduled.push({ cron, fire });
    return { cancel: () => undefined };
  };
  return { scheduler, scheduled };
}

async function payloads(raws: Buffer[]): Promise<SignedPayload[]> {
  const key = parsePublicKeyLine(site!.publicLine);
  return Promise.all(
    raws.map(async (raw) => {
      const d = await decodeEmail(raw, { keysFor: () => [key] });
      if (d.outcome !== 'verified') throw new Error(d.outcome);
      return d.payload;
    }),
  );
}

function start(drillSchedule: string, scheduler?: Scheduler) {
  scratch = mkdtempSync(join(tmpdir(), 'syn-drill-service-'));
  const src = join(scratch, 'src');
  mkdirSync(src);
  for (let i = 0; i < 30; i++) writeFileSync(join(src, `file-${i}.txt`), `content ${i}\n`.repeat(i + 1));
  const job = { id: 'files', plugin: 'copy', schedule: '0 1 * * *', options: { source: src, destination: join(scratch, 'dst') }, drill: { schedule: drillSchedule, sample: 5 } };
  site = makeTestSite(smtp!.port, [job], { retry: { initialSeconds: 0.2, maxSeconds: 0.4 } });
  const deps = testDeps(site.configPath, getPlugin, systemClock);
  service = new AgentService({ ...deps, send: deps.send!, ...(scheduler ? { scheduler } : {}) });
  return { deps, service };
}

describe('drills in agent run', () => {
  it("schedules each job's drill on its own cron, and a drill due while the job runs waits for the run", async () => {
    smtp = await startSmtpServer();
    const { scheduler, scheduled } = manualScheduler();
    const { service } = start('30 4 * * 0', scheduler);
    await service.start();
    expect(scheduled.map((s) => s.cron)).toEqual(['0 1 * * *', '30 4 * * 0', '0 8 * * *']);
    scheduled[0]!.fire(); // the backup
    scheduled[1]!.fire(); // the drill, due at the same moment: it must not run before the backup ended
    await smtp.waitFor(3, 10_000);
    const kinds = (await payloads(smtp.messages)).map((p) => [p.kind, 'status' in p ? p.status : null]);
    expect(kinds).toEqual([
      ['heartbeat', null],
      ['result', 'ok'],
      ['drill', 'ok'],
    ]);
  });

  it('skips a drill, logging why, while another process holds the job', async () => {
    smtp = await startSmtpServer();
    const { scheduler, scheduled } = manualScheduler();
    const { service, deps } = start('30 4 * * 0', scheduler);
    await service.start();
    const release = acquireJobLock(deps.config.stateDir, 'files');
    try {
      await service.drill(deps.config.jobs[0]!);
    } finally {
      release();
    }
    expect(scheduled).toHaveLength(3);
    expect((await payloads(smtp.messages)).map((p) => p.kind)).toEqual(['heartbeat']);
  });

  it('runs a drill on a real one-second schedule and sends its signed report', async () => {
    smtp = await startSmtpServer();
    const { service } = start('* * * * * *');
    await service.start();
    await smtp.waitFor(2, 5000);
    const drill = (await payloads(smtp.messages)).find((p) => p.kind === 'drill');
    expect(drill).toMatchObject({ kind: 'drill', status: 'failed', errors: [{ message: 'no backup manifest yet: run the job first' }] });
  });
});
