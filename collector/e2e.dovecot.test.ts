import { Command, CommanderError } from 'commander';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../agent/testing/smtp.ts';
import { runAgentCli } from '../agent/testing/cli.ts';
import { makeTestSite, type TestSite } from '../agent/testing/site.ts';
import type { CliContext } from '../cli/main.ts';
import { reportError } from '../cli/exit.ts';
import { FakeClock } from '../core/clock.ts';
import { buildRaw, encodeResultEmail } from '../core/email/encode.ts';
import { generateSiteKeyPair } from '../core/result/keys.ts';
import { sampleResult } from '../core/result/testing.ts';
import { collectorCommand } from './cli.ts';
import { collectorCommandDefaults } from './commands/common.ts';
import { startDovecot, type Dovecot } from './testing/dovecot.ts';

/**
 * The "done when", end to end: real agents (the CLI, with a clock that stands at each
 * night's run) send through a real SMTP server; the mail lands in a real Dovecot; the collector
 * reads it over IMAP and `collector status` tells the truth the next morning.
 */
const day = 86_400_000;
let dovecot: Dovecot;
let smtp: TestSmtpServer;
let work: string;
const sites: TestSite[] = [];

beforeAll(async () => {
  dovecot = await startDovecot();
  smtp = await startSmtpServer();
  work = mkdtempSync(join(tmpdir(), 'syn-e2e-'));
});
afterAll(async () => {
  await smtp?.close();
  await dovecot?.stop();
  for (const s of sites) s.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function copyJob(id: string, source: string) {
  return { id, name: `Copy ${id}`, plugin: 'copy', options: { source, destination: join(work, `${id}-dst`) }, schedule: '0 2 * * *' };
}

function site(id: string, client: string, jobs: unknown[]): TestSite {
  const s = makeTestSite(smtp.port, jobs, { site: { id, client, timeZone: 'Europe/Berlin' } });
  s.write({ site: { id, client, timeZone: 'Europe/Berlin' } });
  sites.push(s);
  return s;
}

async function runJob(s: TestSite, job: string, at: string): Promise<void> {
  const r = await runAgentCli(['run-job', job, '-c', s.configPath, '--log-level', 'silent'], { clock: new FakeClock(at) });
  expect(r.code, r.stdout + r.stderr).toBeLessThanOrEqual(1);
}

async function collector(args: string[], at: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const ctx: CliContext = { env, stdout: out, stderr: out, exitCode: 0 };
  const program = new Command('synecdoche').exitOverride();
  program.addCommand(collectorCommand(ctx, { ...collectorCommandDefaults, clock: new FakeClock(at) }));
  for (const c of program.commands) for (const sub of [c, ...c.commands]) sub.exitOverride();
  let code = 0;
  try {
    await program.parseAsync(['node', 'synecdoche', 'collector', ...args]);
    code = ctx.exitCode;
  } catch (e) {
    code = e instanceof CommanderError ? e.exitCode : reportError(e, out);
  }
  return { code, out: Buffer.concat(chunks).toString('utf8') };
}

describe('agents to Dovecot to collector status', () => {
  it('tells the truth about a stopped agent, a forged success and a success with zero files', async () => {
    const docs = join(work, 'docs');
    const projects = join(work, 'projects');
    for (const [dir, n] of [[docs, 5], [projects, 8]] as const) {
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < n; i++) writeFileSync(join(dir, `f${i}.txt`), `file ${i}`);
    }
    const stopped = site('office-a', 'Acme', [copyJob('docs', docs)]);
    const emptied = site('office-b', 'Baker', [copyJob('projects', projects)]);
    const forgedFor = site('office-c', 'Cole', [copyJob('ledger', docs)]);

    // Night 1 (20 Nov): every job runs. Afterwards office-a's agent is stopped for good.
    await runJob(stopped, 'docs', '2026-11-20T01:00:00Z');
    await runJob(emptied, 'projects', '2026-11-20T01:00:00Z');
    await runJob(forgedFor, 'ledger', '2026-11-20T01:00:00Z');
    // Night 2: office-b's share is empty, its copy "succeeds"; office-c does not run, but a
    // forged success for its job arrives, signed by a key the collector does not know.
    await runJob(emptied, 'projects', '2026-11-21T01:00:00Z');
    for (const f of ['f0.txt', 'f1.txt', 'f2.txt', 'f3.txt', 'f4.txt', 'f5.txt', 'f6.txt', 'f7.txt']) rmSync(join(projects, f));
    await runJob(emptied, 'projects', '2026-11-22T01:00:00Z');
    const forged = sampleResult({
      siteId: 'office-c',
      jobId: 'ledger',
      site: { id: 'office-c', client: 'Cole' },
      job: { id: 'ledger', name: 'Copy ledger', plugin: 'copy', schedule: '0 2 * * *', nextRunAt: '2026-11-23T01:00:00.000Z' },
      sequence: 2,
      startedAt: '2026-11-21T01:00:00.000Z',
    });
    const { message } = encodeResultEmail(forged, { from: 'agent@office-c.example', to: 'backups@collector.example', ...generateSiteKeyPair() });

    // The mail server delivers what the agents sent (and the forgery) into the IMAP mailbox.
    expect(smtp.messages.length).toBe(5);
    await dovecot.deliver([...smtp.messages, await buildRaw(message)]);

    const cfg = join(work, 'collector.yaml');
    writeFileSync(
      cfg,
      stringify({
        database: { path: join(work, 'collector.db') },
        archive: { folder: join(work, 'reports') },
        mailboxes: [{ name: 'backups', type: 'imap', host: dovecot.host, port: dovecot.imapPort, tls: 'none', user: dovecot.user, auth: { password: { env: 'IMAP_PASSWORD' } } }],
        consultant: { name: 'Pat', email: 'pat@consultant.example', timeZone: 'Europe/Berlin' },
        clients: ['Acme', 'Baker', 'Cole'].map((c) => ({ id: c.toLowerCase(), name: c, timeZone: 'Europe/Berlin' })),
        sites: sites.map((s, i) => ({ id: ['office-a', 'office-b', 'office-c'][i], client: ['acme', 'baker', 'cole'][i], publicKeys: [s.publicLine], heartbeatExpected: false })),
      }),
    );
    const poll = await collector(['poll', '-c', cfg, '--log-level', 'silent'], '2026-11-22T08:00:00Z', { IMAP_PASSWORD: dovecot.pass });
    expect(poll.code, poll.out).toBe(0);
    expect(poll.out).toContain('5 accepted, 1 quarantined (unknown-key)');

    const status = await collector(['status', '-c', cfg, '--json'], '2026-11-22T08:00:00Z');
    expect(status.code, status.out).toBe(0);
    const jobs = (JSON.parse(status.out) as { jobs: { siteId: string; jobId: string; state: string; anomalies: { kind: string }[] }[] }).jobs;
    const of = (siteId: string) => jobs.find((j) => j.siteId === siteId)!;
    expect(of('office-a')).toMatchObject({ jobId: 'docs', state: 'missing' });
    expect(of('office-c')).toMatchObject({ jobId: 'ledger', state: 'missing' });
    expect(of('office-b')).toMatchObject({ jobId: 'projects', state: 'ok' });
    expect(of('office-b').anomalies.map((a) => a.kind)).toContain('zero-files');

    const quarantine = await collector(['quarantine', '-c', cfg, '--json'], '2026-11-22T08:00:00Z');
    expect(quarantine.out).toContain('unknown-key');
  });
});
