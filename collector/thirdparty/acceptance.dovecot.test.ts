import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command, CommanderError } from 'commander';
import type { CliContext } from '../../cli/main.ts';
import { reportError } from '../../cli/exit.ts';
import { FakeClock } from '../../core/clock.ts';
import { collectorCommand } from '../cli.ts';
import { collectorCommandDefaults } from '../commands/common.ts';
import { reportCommand, reportCommandDefaults } from '../report/cli.ts';
import { tempDir } from '../ingest/testing.ts';
import { slug } from '../ingest/third-party.ts';
import { startDovecot, type Dovecot } from '../testing/dovecot.ts';
import { thirdPartyParsers } from './index.ts';
import { notificationFromRaw } from './notification.ts';
import { readdress } from './testing.ts';

/**
 * Issue 9's "done when", against a real Dovecot: a mailbox holding the real-format mails of every
 * parser for three clients, a Veeam job whose mails stopped, a Veeam mail that says Success over
 * a failed VM, notifications no rule maps and malformed mail is polled over IMAP; status, the
 * unmapped list, the quarantine and the digest tell the truth about each, and nothing crashes.
 */
const here = import.meta.dirname;
const NOW = '2026-12-08T08:00:00Z';
/** Which client each parser's mails belong to (several clients, one mailbox). */
const CLIENT_OF: Record<string, string> = {
  duplicati: 'acme', veeam: 'acme', keywords: 'acme',
  'proxmox-ve': 'baker', 'proxmox-backup-server': 'baker', bacula: 'baker',
  synology: 'cole', 'windows-server-backup': 'cole', 'rsync-log': 'cole', 'robocopy-log': 'cole', 'restic-log': 'cole',
};
const KEYWORDS = { success: ['exit 0', 'Archive fingerprint'], failure: ['Exiting with failure status'] };

let dovecot: Dovecot;
let tmp: ReturnType<typeof tempDir>;
beforeAll(async () => {
  dovecot = await startDovecot();
  tmp = tempDir('syn-tp-accept-');
});
afterAll(async () => {
  await dovecot?.stop();
  tmp?.cleanup();
});

const DUTCH_DAYS = ['zondag', 'maandag', 'dinsdag', 'woensdag', 'donderdag', 'vrijdag', 'zaterdag'];
const DUTCH_MONTHS = ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'];
const veeamReal = readFileSync(join(here, 'veeam/fixtures/br-vcloud-vapp-retry3-error-nl-2020.eml'));

/** The real Veeam mail moved to another night (Amsterdam, 01:00), its result and VM rows as given. */
function veeamMail(day: string, result: 'Success' | 'Warning', rows: Record<string, string>, from: string, n: number): Buffer {
  const d = new Date(`${day}T00:10:15Z`);
  let html = veeamReal.toString('utf8');
  html = html.replace('zaterdag 1 februari 2020', `${DUTCH_DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${DUTCH_MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`);
  html = html.replace(/<td>Error\n/, `<td>${result}\n`).replace(/^Subject: .*$/m, `Subject: [${result}] Bjork IAAS server (2 VMs)`);
  const statuses = Object.values(rows);
  html = html.replace(/(<b>Success<\/b>\s*<\/td>\s*<td nowrap="nowrap">)0/, `$1${statuses.filter((s) => s === 'Success').length}`);
  html = html.replace(/(<b>Error<\/b>\s*<\/td>\s*<td>)4/, `$1${statuses.filter((s) => s === 'Failed').length}`);
  for (const [vm, status] of Object.entries(rows)) {
    html = html.replace(new RegExp(`(>${vm.replace(/[()]/g, '\\$&')}</td>\\s*<td nowrap="nowrap">\\s*<span>)\\w+(</span>)`), `$1${status}$2`);
  }
  return readdress(Buffer.from(html), { from, id: `veeam-${day}-${n}`, date: d.toUTCString().replace('GMT', '+0000') });
}
const ALL_OK = { '(vApp) Servers': 'Success', BITDC01: 'Success', '(vApp) Firewall': 'Success', Firewall: 'Success' };

/** The collector and report commands as a user types them, with the clock standing at NOW. */
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const ctx: CliContext = { env: { IMAP_PASSWORD: dovecot.pass }, stdout: out, stderr: out, exitCode: 0 };
  const clock = new FakeClock(NOW);
  const program = new Command('synecdoche').exitOverride();
  program.addCommand(collectorCommand(ctx, { ...collectorCommandDefaults, clock }));
  program.addCommand(reportCommand(ctx, { ...reportCommandDefaults, clock }));
  for (const c of program.commands) for (const sub of [c, ...c.commands]) sub.exitOverride();
  let code = 0;
  try {
    await program.parseAsync(['node', 'synecdoche', ...args]);
    code = ctx.exitCode;
  } catch (e) {
    code = e instanceof CommanderError ? e.exitCode : reportError(e, out);
  }
  return { code, out: Buffer.concat(chunks).toString('utf8') };
}

describe('a real mailbox of every tool\'s notifications', () => {
  it('files every mapped job with the right state, lists the unmapped with a rule, quarantines the malformed', async () => {
    const mails: Buffer[] = [];
    /** The job every fixture should be filed under: site of its parser's rule, the job the parser names. */
    const expected = new Set<string>();
    let n = 0;
    for (const parser of thirdPartyParsers.values()) {
      const folder = join(here, parser.name, 'fixtures');
      for (const f of readdirSync(folder).filter((x) => x.endsWith('.eml')).sort()) {
        const raw = readdress(readFileSync(join(folder, f)), { from: `${parser.name}@${CLIENT_OF[parser.name]}.example`, id: `fx-${++n}` });
        mails.push(raw);
        const report = parser.parse(await notificationFromRaw(raw), { keywords: KEYWORDS });
        expect(report, `${parser.name}/${f}`).not.toBeNull();
        expected.add(`${CLIENT_OF[parser.name]}-${parser.name}/${slug(report!.job)}`);
      }
    }
    // A Veeam job that mailed three nights running, then stopped; and one whose mail says Success over a failed VM.
    for (const day of ['2026-12-03', '2026-12-04', '2026-12-05']) mails.push(veeamMail(day, 'Success', ALL_OK, 'veeam@acme-hq.example', ++n));
    mails.push(veeamMail('2026-12-07', 'Success', { ...ALL_OK, Firewall: 'Failed' }, 'veeam@baker-vc.example', ++n));
    // Not mapped: a Duplicati mail from a sender no rule names, and a Bacula report sent to a client that does not exist.
    const duplicati = readFileSync(join(here, 'duplicati/fixtures/text-success-epoch-2.0.4.5.eml'));
    mails.push(readdress(duplicati, { from: 'duplicati@stranger.example', id: 'unmapped-1' }));
    mails.push(readdress(readFileSync(join(here, 'bacula/fixtures/bacula-9.6.7-backup-ok-full-upgraded.eml')), { from: 'bacula@unknown-client.example', to: 'backups+nobody@consultant.example', id: 'unmapped-2' }));
    // Malformed: a mail from a mapped sender whose parser cannot read it, and one that is not MIME at all.
    mails.push(readdress(Buffer.from('Subject: Duplicati Backup report for Docs\r\n\r\nhello\r\n'), { from: 'duplicati@acme.example', id: 'bad-1' }));
    mails.push(Buffer.from('\u0000\u0001 this is not a mail\r\n'));
    await dovecot.deliver(mails);

    const rules = Object.entries(CLIENT_OF).map(([parser, client]) => ({
      name: `${client}-${parser}`, from: `${parser}@${client}.example`, parser, client, site: `${client}-${parser}`,
      ...(parser === 'keywords' ? { keywords: KEYWORDS } : {}),
    }));
    rules.unshift(
      { name: 'acme-hq-veeam', from: 'veeam@acme-hq.example', parser: 'veeam', client: 'acme', site: 'acme-hq', schedule: { cron: '0 1 * * *', timeZone: 'Europe/Amsterdam', graceMinutes: 120 } } as (typeof rules)[number],
      { name: 'baker-vc-veeam', from: 'veeam@baker-vc.example', parser: 'veeam', client: 'baker', site: 'baker-vc' } as (typeof rules)[number],
    );
    const cfg = join(tmp.dir, 'collector.yaml');
    writeFileSync(cfg, stringify({
      database: { path: join(tmp.dir, 'collector.db') },
      archive: { folder: join(tmp.dir, 'reports') },
      retention: { rawDays: 10_000, runsDays: 10_000 },
      mailboxes: [{ name: 'backups', type: 'imap', host: dovecot.host, port: dovecot.imapPort, tls: 'none', user: dovecot.user, auth: { password: { env: 'IMAP_PASSWORD' } } }],
      consultant: { name: 'Pat', email: 'pat@consultant.example', timeZone: 'Europe/Berlin' },
      clients: ['acme', 'baker', 'cole'].map((id) => ({ id, name: `${id[0]!.toUpperCase()}${id.slice(1)} Ltd`, timeZone: 'Europe/Berlin' })),
      thirdParty: { rules },
    }));

    const poll = await cli('collector', 'poll', '-c', cfg, '--log-level', 'silent');
    expect(poll.code, poll.out).toBe(0);
    const fixtureCount = mails.length - 4 - 4; // the Veeam night mails, and the four bad ones
    expect(poll.out).toMatch(new RegExp(`, ${fixtureCount + 4} third-party`));

    const status = await cli('collector', 'status', '-c', cfg, '--json');
    expect(status.code, status.out).toBeLessThanOrEqual(1);
    const jobs = (JSON.parse(status.out) as { jobs: { clientId: string; siteId: string; jobId: string; state: string; source: string }[] }).jobs;
    const byKey = new Map(jobs.map((j) => [`${j.siteId}/${j.jobId}`, j]));
    for (const key of expected) expect(byKey.has(key), `${key} in status`).toBe(true);
    for (const j of jobs) expect(j.source, `${j.siteId}/${j.jobId}`).toBe('third-party');
    for (const parser of thirdPartyParsers.keys()) expect(jobs.some((j) => j.siteId === `${CLIENT_OF[parser]}-${parser}`), parser).toBe(true);
    expect(new Set(jobs.map((j) => j.clientId))).toEqual(new Set(['acme', 'baker', 'cole']));

    // The Veeam job whose mails stopped after the 5th: missing after its 01:00 schedule and grace.
    expect(byKey.get('acme-hq/bjork-iaas-server')).toMatchObject({ clientId: 'acme', state: 'missing' });
    for (const vm of ['vapp-servers', 'bitdc01', 'firewall']) expect(byKey.get(`acme-hq/bjork-iaas-server.${vm}`)?.state, vm).toBe('missing');
    // Success in the header, one failed VM: the job and that VM are failed, the other VMs ok.
    expect(byKey.get('baker-vc/bjork-iaas-server')).toMatchObject({ clientId: 'baker', state: 'failed' });
    expect(byKey.get('baker-vc/bjork-iaas-server.firewall')?.state).toBe('failed');
    expect(byKey.get('baker-vc/bjork-iaas-server.bitdc01')?.state).toBe('ok');
    // A few whose verdict the mails state plainly.
    expect(byKey.get('acme-duplicati/testing')?.state).toMatch(/^(failed|warning)$/); // a fatal run and a success the same day
    expect(byKey.get('cole-restic-log/restic-backup-files')?.state).toMatch(/^(failed|warning)$/);
    expect(byKey.get('acme-keywords/cron-root-nas-borg-create-stats-progress')?.state).toBe('ok');

    const unmapped = await cli('collector', 'unmapped', '-c', cfg, '--json');
    const list = JSON.parse(unmapped.out) as { from: string; parser: string; suggestion: string }[];
    expect(list.map((u) => [u.from, u.parser]).sort()).toEqual([['bacula@unknown-client.example', 'bacula'], ['duplicati@stranger.example', 'duplicati']]);
    expect(list.find((u) => u.parser === 'duplicati')!.suggestion).toContain('from: duplicati@stranger.example\n  parser: duplicati\n  client: CLIENT');

    const quarantine = await cli('collector', 'quarantine', '-c', cfg, '--json');
    const held = JSON.parse(quarantine.out) as { from: string | null; reason: string; detail: string }[];
    const bad = held.filter((q) => q.reason !== 'unmapped');
    expect(bad).toHaveLength(2);
    expect(bad.find((q) => q.from === 'duplicati@acme.example')).toMatchObject({ detail: expect.stringContaining('could not read the message as a Duplicati report') });

    const digest = await cli('report', 'digest', '-c', cfg, '--date', '2026-12-08');
    expect(digest.code, digest.out).toBe(0);
    const file = /wrote (\S+\.html)/.exec(digest.out)![1]!;
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('Bjork IAAS server');
    expect(html).toMatch(/Unmapped notifications<\/td><td[^>]*><b>2<\/b>/);
    expect(html).toContain('unsigned');
  });
});
