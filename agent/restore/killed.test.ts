import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAgentCli } from '../testing/cli.ts';
import { makeTestSite, type TestSite } from '../testing/site.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';
import { spawnCli, type Spawned } from '../testing/spawn.ts';
import { KILLED_MESSAGE } from './leftovers.ts';
import { INCOMPLETE_MARKER } from './target.ts';
import { verifiedPayload } from './testing.ts';

let smtp: TestSmtpServer | undefined;
let site: TestSite | undefined;
let running: Spawned | undefined;
afterEach(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) process.kill(-running.child.pid!, 'SIGKILL');
  running = undefined;
  await smtp?.close();
  smtp = undefined;
  site?.cleanup();
});

const FILES = 5_000;

/** A copy job whose mirror is big enough that a restore takes a good second, and a restore of it started in a child process, half-way. */
async function restoreUnderWay(): Promise<{ s: TestSite; to: string; records: string; child: Spawned }> {
  smtp = await startSmtpServer();
  const s = makeTestSite(smtp.port, []);
  site = s;
  const source = join(s.dir, 'src');
  const mirror = join(s.dir, 'mirror');
  mkdirSync(source);
  s.write({ jobs: [{ id: 'docs', name: 'Documents', plugin: 'copy', options: { source, destination: mirror } }] });
  const block = Buffer.alloc(1024, 'x');
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(mirror, `d${d}`), { recursive: true });
    for (let f = 0; f < FILES / 20; f++) writeFileSync(join(mirror, `d${d}`, `f${f}.txt`), block);
  }
  const to = join(s.dir, 'restored');
  const records = join(s.dir, 'state', 'restores');
  const child = spawnCli(['agent', 'restore', 'docs', '-c', s.configPath, '--to', to]);
  running = child;
  const deadline = Date.now() + 20_000;
  // Once the first files are there: half-way through, not before it began.
  while (!(existsSync(records) && readdirSync(records).length > 0 && existsSync(join(to, 'd0')) && readdirSync(join(to, 'd0')).length > 0)) {
    if (Date.now() > deadline || child.child.exitCode !== null) throw new Error(`the restore did not get under way: ${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return { s, to, records, child };
}

describe('an agent stopped during a restore', () => {
  it('by SIGTERM reports the restore at once as failed and incomplete, and leaves the target marked', async () => {
    const { s, to, records, child } = await restoreUnderWay();
    child.child.kill('SIGTERM');
    expect((await child.exited).code).toBe(1);
    expect(child.stdout()).toMatch(/^restore docs: failed \(stopped: interrupted by SIGTERM\), \d+ restored .*; report sent\n$/);
    const p = await verifiedPayload(smtp!.messages[0]!, s.publicLine);
    expect(p).toMatchObject({ kind: 'restore', status: 'failed', incomplete: true, verification: null, errors: [{ message: 'stopped: interrupted by SIGTERM' }] });
    expect(existsSync(join(to, INCOMPLETE_MARKER))).toBe(true);
    expect(readdirSync(records)).toEqual([]); // reported: nothing left for the next start
  }, 60_000);

  it('by kill -9 leaves the target marked incomplete, and the next agent start reports the restore as incomplete and failed', async () => {
    const { s: site, to, records, child } = await restoreUnderWay();
    process.kill(-child.child.pid!, 'SIGKILL'); // the whole process group, as a service manager would
    expect((await child.exited).signal).toBe('SIGKILL');

    const [record] = readdirSync(records);
    const runId = record!.replace(/\.json$/, '');
    const marker = readFileSync(join(to, INCOMPLETE_MARKER), 'utf8');
    expect(marker).toContain('has NOT finished');
    expect(marker).toContain(`restore run id: ${runId}`);
    const restored = readdirSync(to).filter((n) => n !== INCOMPLETE_MARKER).flatMap((d) => readdirSync(join(to, d)));
    expect(restored.length).toBeGreaterThan(0);
    expect(restored.length).toBeLessThan(FILES);
    expect(smtp!.messages).toHaveLength(0); // it died before reporting anything

    // The next start (here: another restore) reports it before doing anything else.
    const next = await runAgentCli(['restore', 'docs', '-c', site.configPath, '--to', join(site.dir, 'again'), '--path', 'd1/f1.txt']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('report sent (with 1 older waiting report)');
    expect(smtp!.messages).toHaveLength(2);
    const p = await verifiedPayload(smtp!.messages[0]!, site.publicLine);
    expect(p).toMatchObject({ kind: 'restore', runId, status: 'failed', incomplete: true, target: to, job: { id: 'docs' }, errors: [{ message: KILLED_MESSAGE }] });
    expect(existsSync(join(to, INCOMPLETE_MARKER))).toBe(true); // the target stays marked
    expect(readdirSync(records)).toEqual([]);
    // Reported once: the next start finds nothing left.
    expect((await runAgentCli(['flush', '-c', site.configPath])).stdout).toBe('sent 0 reports\n');
    expect(smtp!.messages).toHaveLength(2);
  }, 60_000);
});
