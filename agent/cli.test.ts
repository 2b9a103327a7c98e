import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.ts';
import { decodeEmail } from '../core/email/decode.ts';
import { parsePublicKeyLine } from '../core/result/keys.ts';
import type { SignedPayload } from '../core/result/schema.ts';
import { formatInZone } from '../core/time.ts';
import { runAgentCli } from './testing/cli.ts';
import { startSmtpServer, type TestSmtpServer } from './testing/smtp.ts';

let dir: string;
let smtp: TestSmtpServer | undefined;
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A site folder made the way a new user would: keygen, then an agent.yaml beside the key. */
async function setUpSite(port: number, jobs: unknown[], over: Record<string, unknown> = {}) {
  dir = mkdtempSync(join(tmpdir(), 'syn-cli-'));
  const keygen = await runAgentCli(['keygen', '--site', 'site-a', '--out', join(dir, 'site.key')]);
  expect(keygen.code).toBe(0);
  const line = /^site site-a (ed25519:\S+)$/m.exec(keygen.stdout)![1]!;
  const config = join(dir, 'agent.yaml');
  const write = (o: Record<string, unknown> = over) =>
    writeFileSync(
      config,
      stringify({
        site: { id: 'site-a', client: 'Acme Ltd', timeZone: 'Europe/Berlin' },
        keyFile: 'site.key',
        smtp: { host: '127.0.0.1', port, tls: 'none', timeoutSeconds: 5 },
        mail: { from: 'agent@site-a.example', to: 'backups@collector.example' },
        outbox: 'outbox',
        stateDir: 'state',
        jobs,
        ...o,
      }),
    );
  write();
  return { config, line, write };
}

async function verified(raw: Buffer, line: string): Promise<SignedPayload> {
  const d = await decodeEmail(raw, { keysFor: (id) => (id === 'site-a' ? [parsePublicKeyLine(line)] : undefined) });
  if (d.outcome !== 'verified') throw new Error(`not verified: ${JSON.stringify(d)}`);
  return d.payload;
}

async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('agent keygen', () => {
  it('writes the private key with mode 0600 and refuses to overwrite it without --force', async () => {
    const { line } = await setUpSite(25, []);
    const key = join(dir, 'site.key');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(line).toMatch(/^ed25519:[A-Za-z0-9+/]{43}=$/);
    const again = await runAgentCli(['keygen', '--site', 'site-a', '--out', key]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists.*--force/);
    const forced = await runAgentCli(['keygen', '--site', 'site-a', '--out', key, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).not.toContain(line);
    expect(statSync(key).mode & 0o777).toBe(0o600);
  });
});

describe('agent run-job', () => {
  it('delivers one signed email of a copy job that verifies with the printed key and counts the files copied', async () => {
    smtp = await startSmtpServer();
    const src = join(tmpdir(), `syn-src-${process.pid}-${Date.now()}`);
    const { config, line } = await setUpSite(smtp.port, [{ id: 'docs', name: 'Documents', plugin: 'copy', schedule: '0 2 * * *', options: { source: src, destination: join(src, '..', `${src.split('/').pop()}-dst`) } }]);
    mkdirSync(join(src, 'sub'), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(src, 'sub', `f${i}.txt`), `file ${i}\n`.repeat(i + 1));
    try {
      const r = await runAgentCli(['run-job', 'docs', '-c', config]);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, 'job docs: ok, 5 copied, report sent\n', '']);
      expect(smtp.messages).toHaveLength(1);
      const p = await verified(smtp.messages[0]!, line);
      expect(p.kind === 'result' && [p.status, p.files.copied, p.sequence, p.job.name]).toEqual(['ok', 5, 1, 'Documents']);
    } finally {
      rmSync(src, { recursive: true, force: true });
      rmSync(`${src}-dst`, { recursive: true, force: true });
    }
  });

  it('exits 1 for a failed command job and still sends its report', async () => {
    smtp = await startSmtpServer();
    const { config, line } = await setUpSite(smtp.port, [{ id: 'script', plugin: 'command', options: { command: 'sh', args: ['-c', 'echo disk full >&2; exit 3'] } }]);
    const r = await runAgentCli(['run-job', 'script', '-c', config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^job script: failed .*report sent\n$/);
    const p = await verified(smtp.messages[0]!, line);
    expect(p.kind === 'result' && p.logTail).toContain('disk full');
  });

  it('keeps the report while SMTP is down, exits by the job status, and a later flush delivers it exactly once', async () => {
    const port = await deadPort();
    const { config, line } = await setUpSite(port, [{ id: 'script', plugin: 'command', options: { command: 'true' } }]);
    const r = await runAgentCli(['run-job', 'script', '-c', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^job script: ok, 0 copied, report kept in outbox: SMTP down \(.*ECONNREFUSED.*\); run `synecdoche agent flush` later\n$/);
    expect(readdirSync(join(dir, 'outbox')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    const down = await runAgentCli(['flush', '-c', config]);
    expect(down.code).toBe(5);
    smtp = await startSmtpServer({ port });
    const up = await runAgentCli(['flush', '-c', config]);
    expect([up.code, up.stdout]).toEqual([0, 'sent 1 report\n']);
    const again = await runAgentCli(['flush', '-c', config]);
    expect([again.code, again.stdout]).toEqual([0, 'sent 0 reports\n']);
    expect(smtp.messages).toHaveLength(1);
    expect((await verified(smtp.messages[0]!, line)).kind).toBe('result');
  });

  it('exits 3 when the tool is not installed, and still sends the failed report carrying the code', async () => {
    smtp = await startSmtpServer();
    const jobs = [
      { id: 'mirror', plugin: 'rsync', options: { source: '/srv/data/', destination: '/mnt/backup/', binary: 'rsync-nope' } },
      ...(process.platform === 'win32' ? [] : [{ id: 'win', plugin: 'robocopy', options: { source: 'C:\\Data', destination: 'E:\\Backup' } }]),
    ];
    const { config, line } = await setUpSite(smtp.port, jobs);
    for (const [i, job] of jobs.entries()) {
      const r = await runAgentCli(['run-job', job.id, '-c', config]);
      expect([r.code, r.stdout]).toEqual([3, expect.stringMatching(new RegExp(`^job ${job.id}: failed .*report sent\n$`))]);
      const p = await verified(smtp.messages[i]!, line);
      expect(p.kind === 'result' && [p.status, p.errors[0]?.code]).toEqual(['failed', 'PLUGIN_UNAVAILABLE']);
    }
  });

  it('exits 2 naming the job when it is not in the config', async () => {
    const { config } = await setUpSite(25, [{ id: 'script', plugin: 'command', options: { command: 'true' } }]);
    const r = await runAgentCli(['run-job', 'nope', '-c', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no job "nope".*\(jobs: script\)/);
  });
});

describe('relative paths in job options', () => {
  it("are read from the config file's folder, not from the folder the agent was started in", async () => {
    smtp = await startSmtpServer();
    const copy = `syn-test-copy-${process.pid}`;
    const { config } = await setUpSite(smtp.port, [{ id: 'docs', plugin: 'copy', options: { source: 'data', destination: copy } }]);
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'a.txt'), 'a\n');
    expect(process.cwd()).not.toBe(dir);
    try {
      const r = await runAgentCli(['run-job', 'docs', '-c', config]);
      expect([r.code, r.stdout]).toEqual([0, 'job docs: ok, 1 copied, report sent\n']);
      expect(existsSync(join(dir, copy, 'a.txt'))).toBe(true);
      expect(existsSync(join(process.cwd(), copy))).toBe(false);
    } finally {
      rmSync(join(process.cwd(), copy), { recursive: true, force: true });
    }
  });
});

describe('agent submit', () => {
  it("turns an existing script's log and exit code into a signed report with the log's time", async () => {
    smtp = await startSmtpServer();
    const { config, line } = await setUpSite(smtp.port, [{ id: 'legacy', plugin: 'command', external: true, schedule: '0 3 * * *', options: { command: 'unused' } }]);
    const log = join(dir, 'backup.log');
    writeFileSync(log, 'starting\ncopied everything\n');
    const r = await runAgentCli(['submit', 'legacy', '-c', config, '--log', log, '--exit-code', '0', '--started', '2026-11-23T02:00:00Z']);
    const end = formatInZone(statSync(log).mtime, 'Europe/Berlin');
    expect([r.code, r.stdout]).toEqual([0, `times: started 2026-11-23 03:00 (Europe/Berlin, +01:00) (--started), ended ${end} (the log file's modification time)\njob legacy: ok, 0 copied, report sent\n`]);
    const p = await verified(smtp.messages[0]!, line);
    if (p.kind !== 'result') throw new Error('not a result');
    expect(p.startedAt).toBe('2026-11-23T02:00:00.000Z');
    expect(p.endedAt).toBe(statSync(log).mtime.toISOString());
    expect(p.logTail).toContain('copied everything');
    expect(p.job.nextRunAt).not.toBeNull();
  });
});

describe('agent submit without --exit-code', () => {
  const robocopyLog = join(import.meta.dirname, '..', 'plugins', 'robocopy', 'fixtures', 'robocopy_01_en_extra_success.txt');
  const jobs = [
    { id: 'server-copy', plugin: 'robocopy', external: true, options: { source: 'D:\\Shares', destination: '\\\\nas\\backup' } },
    { id: 'legacy', plugin: 'command', external: true, options: { command: 'unused' } },
  ];

  it("reads a robocopy run's status from the log's summary table, and says which times it used", async () => {
    smtp = await startSmtpServer();
    const { config, line } = await setUpSite(smtp.port, jobs);
    const r = await runAgentCli(['submit', 'server-copy', '-c', config, '--log', robocopyLog, '--started', '2026-11-23T23:00:00+01:00', '--ended', '2026-11-23T23:40:00+01:00']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe('times: started 2026-11-23 23:00 (Europe/Berlin, +01:00) (--started), ended 2026-11-23 23:40 (Europe/Berlin, +01:00) (--ended)\njob server-copy: ok, 2 copied, report sent\n');
    const p = await verified(smtp.messages[0]!, line);
    expect(p.kind === 'result' && [p.status, p.exitCode, p.files.extra, p.startedAt, p.endedAt]).toEqual(['ok', null, 1, '2026-11-23T22:00:00.000Z', '2026-11-23T22:40:00.000Z']);
  });

  it('says so when both times are the modification time of the log', async () => {
    smtp = await startSmtpServer();
    const { config } = await setUpSite(smtp.port, jobs);
    const r = await runAgentCli(['submit', 'server-copy', '-c', config, '--log', robocopyLog]);
    expect(r.stdout).toContain(`times: started and ended ${formatInZone(statSync(robocopyLog).mtime, 'Europe/Berlin')} (the log file's modification time; give --started and --ended for the real times)\n`);
  });

  it('exits 2 naming --exit-code for a plugin whose log does not tell the status, before writing a report', async () => {
    const { config } = await setUpSite(25, jobs);
    const r = await runAgentCli(['submit', 'legacy', '-c', config, '--log', robocopyLog]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^synecdoche: --exit-code is required with plugin "command": its log does not tell whether the run worked/);
    expect(readdirSync(join(dir, 'outbox'))).toEqual([]);
  });

  it('exits 2 when --started is after the end', async () => {
    const { config } = await setUpSite(25, jobs);
    const r = await runAgentCli(['submit', 'server-copy', '-c', config, '--log', robocopyLog, '--started', '2026-11-23T23:00:00Z', '--ended', '2026-11-23T22:00:00Z']);
    expect([r.code, r.stderr]).toEqual([2, 'synecdoche: --started: the start 2026-11-24 00:00 (Europe/Berlin, +01:00) (--started) is after the end 2026-11-23 23:00 (Europe/Berlin, +01:00) (--ended)\n']);
  });
});

describe('agent check', () => {
  it('lists jobs with next run times and reports a working SMTP login', async () => {
    smtp = await startSmtpServer({ auth: { user: 'agent', pass: 's3cret' } });
    const { config, write } = await setUpSite(smtp.port, [{ id: 'nightly', plugin: 'command', schedule: '30 2 * * *', options: { command: 'true' } }]);
    writeFileSync(join(dir, 'smtp.pw'), 's3cret\n');
    write({ smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none', user: 'agent', password: { file: 'smtp.pw' } } });
    const ok = await runAgentCli(['check', '-c', config], { clock: new FakeClock('2026-03-27T12:00:00Z') });
    expect(ok.code).toBe(0);
    // In the site zone, with its offset: the third run is after the switch to summer time.
    expect(ok.stdout).toContain(
      'job nightly (command): 30 2 * * *; next: 2026-03-28 02:30 (Europe/Berlin, +01:00), 2026-03-29 03:30 (Europe/Berlin, +02:00), 2026-03-30 02:30 (Europe/Berlin, +02:00)\n',
    );
    expect(ok.stdout).toContain('heartbeat 0 8 * * *; next: 2026-03-28 08:00 (Europe/Berlin, +01:00)\n');
    expect(ok.stdout).toMatch(/SMTP 127.0.0.1: password sign-in as agent ok/);
    writeFileSync(join(dir, 'smtp.pw'), 'wrong\n');
    const bad = await runAgentCli(['check', '-c', config]);
    expect(bad.code).toBe(5);
    expect(bad.stderr).toMatch(/Invalid username or password|535/);
    expect(bad.stderr).not.toContain('wrong');
  });
});

describe('agent check of a restic job', () => {
  it('names a passwordFile that does not exist, and exits 2 after the other checks', async () => {
    smtp = await startSmtpServer();
    const { config } = await setUpSite(smtp.port, [{ id: 'vault', plugin: 'restic', options: { repository: 'sftp:backup@nas:/srv/restic', passwordFile: 'restic.pw', paths: ['/srv'] } }]);
    const r = await runAgentCli(['check', '-c', config]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`job vault (restic): -; next: no schedule (run-job or submit only)\n  problem: jobs[0].options.passwordFile: ${dir}/restic.pw does not exist (expected the file holding the repository password)\n`);
    expect(r.stdout).toMatch(/SMTP 127\.0\.0\.1: connection ok \(no sign-in configured\)/);
    expect(r.stderr).toMatch(/^synecdoche: 1 problem with the jobs above \(checked as user /);
    writeFileSync(join(dir, 'restic.pw'), 'secret\n');
    const fixed = await runAgentCli(['check', '-c', config]);
    expect([fixed.code, fixed.stderr]).toEqual([0, '']);
  });

  it('exits 2 naming passwordEnv when its variable is not set', async () => {
    const { config } = await setUpSite(25, [{ id: 'vault', plugin: 'restic', options: { repository: 'sftp:backup@nas:/srv/restic', passwordEnv: 'SYN_TEST_UNSET_PW', paths: ['/srv'] } }]);
    const r = await runAgentCli(['check', '-c', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('jobs[0].options.passwordEnv: environment variable "SYN_TEST_UNSET_PW" is not set or empty (expected the repository password in it)');
  });
});

describe('agent check of jobs certain to fail', () => {
  it('lists a problem under each copy, rsync, command and robocopy job, leaves external jobs alone, and exits 2', async () => {
    smtp = await startSmtpServer();
    const jobs = [
      { id: 'docs', plugin: 'copy', options: { source: 'no-such-folder', destination: 'dst' } },
      { id: 'mirror', plugin: 'rsync', options: { source: 'nas:/srv/data/', destination: 'backup/', binary: 'rsync-nope' } },
      { id: 'dump', plugin: 'command', options: { command: 'pg_dump-nope' } },
      { id: 'win', plugin: 'robocopy', options: { source: 'C:\\Data', destination: 'E:\\Backup' } },
      { id: 'legacy', plugin: 'robocopy', external: true, schedule: '0 2 * * *', options: { source: 'C:\\Data', destination: 'E:\\Backup' } },
    ];
    const { config } = await setUpSite(smtp.port, jobs);
    const r = await runAgentCli(['check', '-c', config]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`job docs (copy): -; next: no schedule (run-job or submit only)\n  problem: jobs[0].options.source: ${dir}/no-such-folder does not exist\n`);
    expect(r.stdout).toMatch(/job mirror \(rsync\): .*\n  problem: jobs\[1\]\.options\.binary: rsync-nope is not installed or not on PATH.*\n/);
    expect(r.stdout).toMatch(/job dump \(command\): .*\n  problem: jobs\[2\]\.options\.command: pg_dump-nope is not installed or not on PATH.*\n/);
    if (process.platform !== 'win32') expect(r.stdout).toMatch(/job win \(robocopy\): .*\n  problem: jobs\[3\]\.plugin: robocopy runs on Windows only/);
    expect(r.stdout).toMatch(/job legacy \(robocopy, external\): [^\n]*\nheartbeat/);
    expect(r.stderr).toMatch(new RegExp(`^synecdoche: ${process.platform === 'win32' ? 3 : 4} problems with the jobs above`));
  });
});

describe('config errors at the command line', () => {
  const job = { id: 'nightly', plugin: 'command', schedule: '30 2 * * *', options: { command: 'true' } };
  it.each([
    ['an unknown key', { jobz: [] }, /unknown key "jobz"/],
    ['a bad time zone', { site: { id: 'site-a', timeZone: 'Europe/Berlinn' } }, /site\.timeZone: got "Europe\/Berlinn"/],
    ['a bad cron expression', { jobs: [{ ...job, schedule: '30 25 * * *' }] }, /jobs\[0\]\.schedule: got "30 25 \* \* \*"/],
    ['bad plugin options', { jobs: [{ ...job, options: { command: 'true', shell: 'yes' } }] }, /jobs\[0\]\.options\.shell: got "yes"/],
  ])('exits 2 before running anything when the config has %s', async (_what, over, pattern) => {
    const { config, write } = await setUpSite(25, [job]);
    write(over as Record<string, unknown>);
    const r = await runAgentCli(['run-job', 'nightly', '-c', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(existsSync(join(dir, 'outbox'))).toBe(false);
  });
});

describe('outbox and stateDir that are not folders', () => {
  const job = { id: 'script', plugin: 'command', options: { command: 'true' } };
  it.each([
    ['outbox', 'run-job'],
    ['stateDir', 'run-job'],
    ['outbox', 'check'],
    ['stateDir', 'check'],
  ])('exits 2 with one line naming %s when it is a file (agent %s)', async (key, command) => {
    const { config, write } = await setUpSite(25, [job]);
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, '');
    write({ [key]: 'not-a-folder' });
    const r = await runAgentCli(command === 'run-job' ? ['run-job', 'script', '-c', config] : ['check', '-c', config]);
    expect([r.code, r.stderr]).toEqual([2, `synecdoche: ${key}: ${file} is a file, expected a folder\n`]);
  });

  it('exits 2 naming the file that blocks the stateDir path', async () => {
    const { config, write } = await setUpSite(25, [job]);
    writeFileSync(join(dir, 'blocker'), '');
    write({ stateDir: 'blocker/state' });
    const r = await runAgentCli(['run-job', 'script', '-c', config]);
    expect([r.code, r.stderr]).toEqual([2, `synecdoche: stateDir: cannot create the folder ${dir}/blocker/state: ${dir}/blocker is a file, not a folder\n`]);
  });
});

describe('messages that name what to fix', () => {
  const job = { id: 'legacy', plugin: 'command', external: true, options: { command: 'unused' } };
  it('names keyFile, as written in the YAML, when the key file is missing', async () => {
    const { config, write } = await setUpSite(25, [job]);
    write({ keyFile: 'missing.key' });
    const r = await runAgentCli(['check', '-c', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^synecdoche: keyFile: cannot read the site key file ${dir}/missing\\.key`));
  });

  it('names --exit-code when its value is not an integer', async () => {
    const { config } = await setUpSite(25, [job]);
    writeFileSync(join(dir, 'x.log'), 'log\n');
    const r = await runAgentCli(['submit', 'legacy', '-c', config, '--log', join(dir, 'x.log'), '--exit-code', 'abc']);
    expect([r.code, r.stderr]).toEqual([2, 'synecdoche: --exit-code: "abc" is not an integer\n']);
  });
});

describe('a second start of a running job', () => {
  it('is refused with exit code 4 while another live process holds the job lock', async () => {
    const { config } = await setUpSite(25, [{ id: 'script', plugin: 'command', options: { command: 'true' } }]);
    const { spawn } = await import('node:child_process');
    const { hostname } = await import('node:os');
    const other = spawn('sleep', ['30']);
    try {
      mkdirSync(join(dir, 'state', 'locks'), { recursive: true });
      writeFileSync(join(dir, 'state', 'locks', 'script.lock'), JSON.stringify({ pid: other.pid, host: hostname(), startedAt: '2026-11-23T02:00:00.000Z' }));
      const r = await runAgentCli(['run-job', 'script', '-c', config]);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(new RegExp(`job "script" is already running \\(pid ${other.pid} since 2026-11-23T02:00:00.000Z`));
      expect(existsSync(join(dir, 'outbox'))).toBe(true);
      expect(readdirSync(join(dir, 'outbox'))).toEqual([]);
    } finally {
      other.kill('SIGKILL');
    }
  });
});
