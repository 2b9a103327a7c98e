import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, type CliContext } from '../cli/main.ts';
import { FakeClock } from '../core/clock.ts';
import { publicKeyLine } from '../core/result/keys.ts';
import { sampleResult } from '../core/result/testing.ts';
import { collectorCommand } from './cli.ts';
import { collectorCommandDefaults } from './commands/common.ts';
import { signedRaw, tempDir, testSites } from './ingest/testing.ts';

const [siteA, siteB] = testSites('site-a', 'site-b');

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
  return Object.assign(w, { text: () => chunks.join('') });
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(['node', 'synecdoche', 'collector', ...args], {}, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('collector commands', () => {
  let dir: string, cleanup: () => void, maildir: string, config: string;
  let n = 0;
  const deliver = (raw: Buffer) => writeFileSync(join(maildir, 'new', `${1763900000 + ++n}.M${n}.host`), raw);
  const writeConfig = (sites: typeof siteA[], extra: Record<string, unknown> = {}) =>
    writeFileSync(
      config,
      stringify({
        database: { path: 'data/synecdoche.db' },
        mailboxes: [{ name: 'local', type: 'maildir', path: 'Maildir' }],
        consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'UTC' },
        clients: [{ id: 'acme', name: 'Acme Ltd', timeZone: 'Europe/Berlin' }],
        sites: sites.map((s) => ({ id: s!.id, client: 'acme', publicKeys: [publicKeyLine(s!.keys.publicKey)] })),
        ...extra,
      }),
    );
  const run = (seq: number, over: Parameters<typeof sampleResult>[0] = {}) =>
    sampleResult({ siteId: 'site-a', sequence: seq, startedAt: `2026-11-${10 + seq}T01:00:00.000Z`, ...over });

  beforeEach(() => {
    ({ dir, cleanup } = tempDir('syn-collector-cli-'));
    maildir = join(dir, 'Maildir');
    for (const s of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, s), { recursive: true });
    config = join(dir, 'collector.yaml');
    writeConfig([siteA]);
  });
  afterEach(() => cleanup());

  it('polls the Maildir, prints counts per mailbox, and moves every message', async () => {
    for (const seq of [1, 2, 5]) deliver(await signedRaw(run(seq), siteA!));
    deliver(await signedRaw(run(6), { privateKey: siteB!.keys.privateKey, publicKey: siteA!.keys.publicKey }));
    const r = await cli('poll', '-c', config);
    expect(r).toMatchObject({ code: 0, stdout: `maildir:${maildir}: 3 accepted, 1 quarantined (bad-signature), 0 duplicates\n` });
    expect(readdirSync(join(maildir, 'new'))).toEqual([]);
    const again = await cli('poll', '-c', config);
    expect(again.stdout).toBe(`maildir:${maildir}: 0 accepted, 0 quarantined, 0 duplicates\n`);
  });

  it('shows the progress of a pass on a terminal, in one line that the summary replaces', async () => {
    writeConfig([siteA], { mailboxes: [{ name: 'local', type: 'maildir', path: 'Maildir', batchSize: 10 }] });
    for (let seq = 1; seq <= 25; seq++) deliver(await signedRaw(run(seq, { startedAt: new Date(Date.UTC(2026, 9, seq, 1)).toISOString() }), siteA!));
    const stdout = Object.assign(sink(), { isTTY: true });
    const code = await main(['node', 'synecdoche', 'collector', 'poll', '-c', config], {}, { stdout, stderr: sink() });
    expect(code).toBe(0);
    const out = stdout.text();
    // the first batch is shown at once; the line is cleared before the summary is printed
    expect(out.startsWith(`\r\x1b[Kmaildir:${maildir}: 10 read so far (10 accepted, 0 quarantined)`)).toBe(true);
    expect(out.endsWith(`\r\x1b[Kmaildir:${maildir}: 25 accepted, 0 quarantined, 0 duplicates\n`)).toBe(true);
    // with --json a terminal gets JSON only
    const json = Object.assign(sink(), { isTTY: true });
    await main(['node', 'synecdoche', 'collector', 'poll', '-c', config, '--json'], {}, { stdout: json, stderr: sink() });
    expect(json.text()).not.toContain('\x1b');
  });

  it('exits 6 when one mailbox fails, after reading the others', async () => {
    writeConfig([siteA], { mailboxes: [{ name: 'gone', type: 'maildir', path: 'nowhere' }, { name: 'local', type: 'maildir', path: 'Maildir' }] });
    deliver(await signedRaw(run(1), siteA!));
    const r = await cli('poll', '-c', config);
    expect(r.code).toBe(6);
    expect(r.stdout).toContain(`maildir:${join(dir, 'nowhere')}: FAILED: `);
    expect(r.stdout).toContain(`maildir:${maildir}: 1 accepted, 0 quarantined, 0 duplicates`);
    expect(r.stderr).toMatch(/1 of 2 mailboxes could not be read: gone/);
    deliver(await signedRaw(run(2), siteA!));
    const json = await cli('poll', '-c', config, '--json');
    expect(json.code).toBe(6);
    expect(JSON.parse(json.stdout)).toEqual([
      { source: `maildir:${join(dir, 'nowhere')}`, mailbox: 'gone', error: expect.stringMatching(/not a Maildir/) },
      { source: `maildir:${maildir}`, mailbox: 'local', accepted: 1, duplicates: 0, thirdParty: 0, ownReports: 0, quarantined: 0, reasons: {} },
    ]);
    const status = await cli('status', '-c', config);
    expect(status.stdout).toMatch(/MONITORING BLIND: gone never polled successfully: .*not a Maildir/);
  });

  it('shows status as a table and as JSON, for one client or an unknown one', async () => {
    deliver(await signedRaw(run(1), siteA!));
    deliver(await signedRaw(run(2, { status: 'failed', errors: [{ message: 'disk full' }] }), siteA!));
    await cli('poll', '-c', config);
    const table = await cli('status', '-c', config);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^CLIENT\s+SITE\s+JOB\s+STATE/);
    expect(table.stdout).toMatch(/acme\s+site-a\s+nightly\s+(FAILED|MISSING|LATE)/);
    const json = await cli('status', '-c', config, '--json', '--client', 'acme');
    const report = JSON.parse(json.stdout);
    expect(report.jobs).toHaveLength(1);
    expect(report.jobs[0]).toMatchObject({ siteId: 'site-a', jobId: 'nightly', lastRun: { sequence: 2, status: 'failed', firstError: 'disk full' } });
    const unknown = await cli('status', '-c', config, '--client', 'nobody');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no client "nobody" in the config \(clients: acme\)/);
  });

  it('shows a job history with the reports that never arrived', async () => {
    for (const seq of [1, 2, 5]) deliver(await signedRaw(run(seq), siteA!));
    await cli('poll', '-c', config);
    const r = await cli('history', 'site-a/nightly', '-c', config);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^site-a\/nightly: Nightly documents \(copy\), schedule "0 2 \* \* \*"/);
    expect(lines[1]).toMatch(/^SEQ\s+STARTED\s+STATUS/);
    expect(lines.slice(2, 5).map((l) => l.split(/\s+/)[0])).toEqual(['5', '2', '1']);
    expect(lines[5]).toBe('2 reports never arrived (sequence 3-4)');
    const json = JSON.parse((await cli('history', 'site-a/nightly', '-c', config, '--json')).stdout);
    expect(json.runs.map((x: { sequence: number }) => x.sequence)).toEqual([5, 2, 1]);
    expect(json.gaps).toEqual([{ from: 3, to: 4 }]);
    expect((await cli('history', 'site-a/weekly', '-c', config)).stderr).toMatch(/has not reported a job "weekly" \(jobs heard of: nightly\)/);
    expect((await cli('history', 'nonsense', '-c', config)).code).toBe(2);
  });

  it('notes in the history the runs whose numbers the status engine flags as anomalies', async () => {
    const empty = { files: { examined: 0, copied: 0, skipped: 0, failed: 0, extra: 0 }, bytes: { examined: 0, copied: 0, skipped: 0, failed: 0, extra: 0 } };
    // Sizes differ from day to day, as on a live file server (identical totals are an anomaly too).
    const live = (seq: number) => ({ bytes: { examined: 50_000_000 + seq * 1_000_000, copied: 4_000_000, skipped: 0, failed: 0, extra: 0 } });
    for (const seq of [1, 2, 3, 4]) deliver(await signedRaw(run(seq, seq === 4 ? empty : live(seq)), siteA!));
    await cli('poll', '-c', config);
    const lines = (await cli('history', 'site-a/nightly', '-c', config)).stdout.trimEnd().split('\n');
    expect(lines[2]).toMatch(/^4 .*anomaly: examined 0 files where recent runs examined a median of 120: is the source empty or not mounted\?$/);
    expect(lines.slice(3).join('\n')).not.toContain('anomaly');
    const json = JSON.parse((await cli('history', 'site-a/nightly', '-c', config, '--json')).stdout);
    expect(json.runs.map((x: { anomalies: { kind: string }[] }) => x.anomalies.map((a) => a.kind))).toEqual([['zero-files'], [], [], []]);
    // Only the runs asked for are shown, though earlier ones form the baseline.
    const one = JSON.parse((await cli('history', 'site-a/nightly', '-c', config, '--json', '--limit', '1')).stdout);
    expect(one.runs).toHaveLength(1);
    expect(one.runs[0].anomalies.map((a: { kind: string }) => a.kind)).toEqual(['zero-files']);
  });

  it('lists the quarantine and releases a message once its site key is registered', async () => {
    deliver(await signedRaw(sampleResult({ siteId: 'site-b' }), siteB!));
    await cli('poll', '-c', config);
    const list = await cli('quarantine', '-c', config);
    expect(list.stdout).toMatch(/^ID\s+RECEIVED\s+FROM\s+SUBJECT\s+REASON\s+DETAIL\n1\s+.*agent@site\.example\s+\[OK\] Acme Ltd \/ site-b .*unknown-site\s+site "site-b" has no registered public key\n$/);
    const [held] = JSON.parse((await cli('quarantine', '-c', config, '--json')).stdout);
    expect(held).toMatchObject({ id: 1, reason: 'unknown-site', siteId: 'site-b', disposition: 'quarantined' });

    const early = await cli('quarantine', 'release', '1', '-c', config);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/message 1 still fails: unknown-site/);

    // A mail client has read it in the quarantine folder since: its flags changed its file name.
    const [name] = readdirSync(join(maildir, '.Quarantine', 'cur'));
    renameSync(join(maildir, '.Quarantine', 'cur', name!), join(maildir, '.Quarantine', 'cur', `${name}S`));
    const held1 = readdirSync(join(maildir, '.Quarantine', 'cur'));
    writeConfig([siteA, siteB]);
    const released = await cli('quarantine', 'release', '1', '-c', config);
    expect(released).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^message 1 released: run \S+ of site site-b stored\nmailbox maildir:\S+: moved from the quarantine folder to the processed folder\n$/),
    });
    expect(readdirSync(join(maildir, '.Quarantine', 'cur'))).toEqual([]);
    expect(readdirSync(join(maildir, '.Processed', 'cur'))).toEqual(held1);
    expect((await cli('quarantine', '-c', config)).stdout).toBe('The quarantine is empty.\n');
    expect((await cli('history', 'site-b/nightly', '-c', config, '--json')).stdout).toContain('"sequence": 1');
    expect((await cli('quarantine', 'release', '1', '-c', config)).stderr).toMatch(/not in quarantine \(it is released\)/);
    expect((await cli('quarantine', 'release', '99', '-c', config)).code).toBe(2);
  });

  it('imports .eml files and leaves them in place', async () => {
    const file = join(dir, 'report.eml');
    writeFileSync(file, await signedRaw(run(1), siteA!));
    const r = await cli('import', file, file, '-c', config);
    expect(r).toMatchObject({ code: 0, stdout: 'import: 1 accepted, 0 quarantined, 1 duplicate\n' });
    expect((await cli('import', join(dir, 'missing.eml'), '-c', config)).code).toBe(2);
  });

  it('exits 2 naming the key when the config is wrong', async () => {
    writeConfig([siteA], { grace: { lateAfterMinutes: 'soon' } });
    const r = await cli('status', '-c', config);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/grace\.lateAfterMinutes: got "soon"/);
  });

  it('runs as a service: ingests mail as it arrives and stops cleanly when told', async () => {
    const stop = new AbortController();
    const stdout = sink();
    const ctx: CliContext = { env: {}, stdout, stderr: sink(), exitCode: 0 };
    writeConfig([siteA], { mailboxes: [{ name: 'local', type: 'maildir', path: 'Maildir', pollSeconds: 1 }] });
    let passes = 0;
    const cmd = collectorCommand(ctx, { ...collectorCommandDefaults, clock: new FakeClock('2026-11-23T09:00:00Z'), stopSignal: stop.signal, onAfterPoll: async () => void passes++ });
    cmd.exitOverride();
    const running = cmd.parseAsync(['run', '-c', config, '--log-level', 'silent'], { from: 'user' });
    deliver(await signedRaw(run(1), siteA!));
    const deadline = Date.now() + 5000;
    // the folder appears when the service has loaded and opened the Maildir
    const processed = () => (existsSync(join(maildir, '.Processed', 'cur')) ? readdirSync(join(maildir, '.Processed', 'cur')) : []);
    while (processed().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(join(maildir, '.Processed', 'cur'))).toHaveLength(1);
    stop.abort();
    await running;
    expect(passes).toBeGreaterThanOrEqual(1);
    const status = JSON.parse((await cli('status', '-c', config, '--json')).stdout);
    expect(status.mailboxes[0]).toMatchObject({ name: 'local', lastGoodPollAt: '2026-11-23T09:00:00.000Z' });
  });
});
