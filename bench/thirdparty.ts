import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { startDovecot, type Dovecot } from '../collector/testing/dovecot.ts';
import { Rng } from '../collector/testing/seeded.ts';
import { thirdPartyParsers } from '../collector/thirdparty/index.ts';
import { readdress } from '../collector/thirdparty/testing.ts';
import { toNotification } from '../collector/thirdparty/notification.ts';
import { decodeEmail } from '../core/email/decode.ts';
import { classifyNotification, compileRules } from '../collector/ingest/third-party.ts';
import { collectorConfigFrom } from '../collector/config.ts';
import { buildDist, ROOT as root } from './build.ts';
import { child, cpuPerMessage, FLAGS, rawFetch, type ChildResult } from './collector.ts';

/**
 * The third-party benchmark (issue 9, item 7): `pollSource` end to end (IMAP fetch, MIME,
 * rule, parser, store, UID MOVE) over a real Dovecot mailbox of (1) 10,000 Duplicati text
 * reports, 5% of them failed, for 100 NAS of 10 clients, and (2) 10,000 mixed mails: the real
 * fixtures of every parser in turn, each under a sender its rule names. Each poll runs in a
 * child process with the program's node flags (bench/collector.ts), so its peak RSS is the
 * collector's alone; the raw FETCH of the same mailbox is measured beside it as the limit.
 */
const FIXTURES = join(root, 'collector/thirdparty');
const KEYWORDS = { success: ['exit 0', 'Archive fingerprint'], failure: ['Exiting with failure status'] };

export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<Record<string, number | string>> {
  const n = opts.quick ? 1_000 : 10_000;
  const compiled = process.env.BENCH_COLLECTOR_TSX !== '1';
  if (compiled) buildDist(opts.log, 'dist/collector/testing/poll-child.js');
  const dir = mkdtempSync(join(tmpdir(), 'syn-bench-thirdparty-'));
  const out: Record<string, number | string> = { messages: n, nodeFlags: FLAGS };
  try {
    const rng = new Rng(9);
    const duplicati = await measure('duplicati', duplicatiMails(n, rng), duplicatiConfig(dir), dir, compiled, opts.log);
    const mixed = await measure('mixed', mixedMails(n), mixedConfig(dir), dir, compiled, opts.log);
    for (const [k, r] of [['duplicati', duplicati], ['mixed', mixed]] as const) {
      out[`${k}RawFetchPerSec`] = Math.round(r.rawRate);
      out[`${k}FetchAndParsePerSec`] = Math.round(r.floorRate);
      out[`${k}PollPerSec`] = Math.round(r.poll.messages / r.poll.seconds);
      out[`${k}PollPeakRssMB`] = Math.round(r.poll.maxRssMB);
      out[`${k}CpuUsPerMsg`] = Number(cpuPerMessage(r.poll));
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(label: string, raws: Buffer[], config: Record<string, unknown>, dir: string, compiled: boolean, log: (l: string) => void): Promise<{ rawRate: number; floorRate: number; poll: ChildResult }> {
  const d: Dovecot = await startDovecot();
  try {
    const bytes = raws.reduce((s, r) => s + r.length, 0);
    d.writeMaildir(raws);
    const warm = new ImapFlow({ host: d.host, port: d.imapPort, secure: false, doSTARTTLS: false, auth: { user: d.user, pass: d.pass }, logger: false });
    await warm.connect();
    const box = await warm.mailboxOpen('INBOX');
    await warm.logout();
    log(`${label}: ${box.exists} mails (${(bytes / raws.length / 1024).toFixed(1)} KB each) in Dovecot`);
    const raw = await rawFetch(d.host, d.imapPort, d.user, d.pass);
    const rawRate = raw.count / raw.seconds;
    log(`${label}: (a) imapflow alone, one FETCH of every source: ${rawRate.toFixed(0)} msg/s`);
    const floor = await fetchAndParse(d, config);
    const floorRate = floor.count / floor.seconds;
    log(`${label}: (a2) the same FETCH, each mail decoded as the poll does and read by its rule's parser, nothing stored: ${floorRate.toFixed(0)} msg/s (${((100 * floorRate) / rawRate).toFixed(0)}% of raw fetch)`);
    const imap = { cfg: { host: d.host, port: d.imapPort, tls: 'none', rejectUnauthorized: true, user: d.user, folder: 'INBOX', processedFolder: 'Synecdoche/Processed', quarantineFolder: 'Synecdoche/Quarantine' }, password: d.pass };
    const poll = child({ config: { ...config, database: { path: join(dir, `${label}.db`) } }, dir, batchSize: 250, imap }, label, compiled, FLAGS);
    const rate = poll.messages / poll.seconds;
    log(`${label}: (b) collector poll over IMAP: ${poll.messages} in ${poll.seconds.toFixed(2)} s = ${rate.toFixed(0)} msg/s (${((100 * rate) / rawRate).toFixed(0)}% of raw fetch), CPU ${cpuPerMessage(poll)} µs/msg, peak RSS ${poll.maxRssMB.toFixed(0)} MB (near its peak: ${JSON.stringify(poll.atPeakMB)}), ${JSON.stringify(poll.summary)}`);
    if (poll.messages !== raws.length) throw new Error(`${label}: polled ${poll.messages} of ${raws.length}`);
    return { rawRate, floorRate, poll };
  } finally {
    await d.stop();
  }
}

/**
 * The floor under the poll for notifications: the raw FETCH, and for each mail the decoding the
 * poll does (decodeEmail: the lean path or mailparser) and its rule and parser; no store, no move.
 */
async function fetchAndParse(d: Dovecot, config: Record<string, unknown>): Promise<{ count: number; seconds: number }> {
  const cfg = collectorConfigFrom({ ...config, database: { path: ':memory:' } }, tmpdir());
  const rules = compileRules(cfg.thirdParty.rules);
  const ctx = { clients: new Set(cfg.clients.map((c) => c.id)) };
  const client = new ImapFlow({ host: d.host, port: d.imapPort, secure: false, doSTARTTLS: false, auth: { user: d.user, pass: d.pass }, logger: false, disableCompression: true });
  await client.connect();
  await client.mailboxOpen('INBOX');
  const t0 = process.hrtime.bigint();
  const pending: Promise<boolean>[] = [];
  for await (const m of client.fetch('1:*', { uid: true, source: true }, { uid: true })) {
    if (!m.source) continue;
    pending.push(decodeEmail(m.source, { keysFor: () => undefined }).then((d) => d.outcome === 'foreign' && classifyNotification(toNotification(d.parsed), rules, thirdPartyParsers, ctx).outcome === 'third-party'));
  }
  const mapped = (await Promise.all(pending)).filter(Boolean).length;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await client.logout();
  if (mapped !== pending.length) throw new Error(`${pending.length - mapped} of ${pending.length} mails were not mapped`);
  return { count: pending.length, seconds };
}

const JOBS = ['Documents', 'Mail archive', 'Photos', 'Accounts', 'Home folders'];

/** Duplicati 2.0.4.5 text reports (the layout of the real fixtures), 5% of them the real fatal report. */
function duplicatiMails(n: number, rng: Rng): Buffer[] {
  const fatal = readFileSync(join(FIXTURES, 'duplicati/fixtures/text-fatal-missing-remote-files-2.0.4.5.eml'), 'latin1');
  const fatalBody = fatal.slice(/\r?\n\r?\n/.exec(fatal)!.index).trimStart();
  const out: Buffer[] = [];
  const t0 = Date.UTC(2026, 8, 1, 1, 0, 0) / 1000;
  for (let i = 0; i < n; i++) {
    const nas = i % 100;
    const job = JOBS[Math.floor(i / 100) % JOBS.length]!;
    const end = t0 + Math.floor(i / 500) * 86_400 + nas * 30 + 754;
    const failed = rng.int(100) < 5;
    const examined = 5_000 + rng.int(50_000);
    const body = failed
      ? fatalBody
      : [
          `DeletedFiles: ${rng.int(20)}`, 'DeletedFolders: 0', `ModifiedFiles: ${rng.int(200)}`, `ExaminedFiles: ${examined}`, `OpenedFiles: ${rng.int(300)}`, `AddedFiles: ${rng.int(100)}`,
          `SizeOfModifiedFiles: ${rng.int(2 ** 30)}`, `SizeOfAddedFiles: ${rng.int(2 ** 28)}`, `SizeOfExaminedFiles: ${examined * 900_000}`, `SizeOfOpenedFiles: ${rng.int(2 ** 30)}`,
          'NotProcessedFiles: 0', 'AddedFolders: 0', 'TooLargeFiles: 0', 'FilesWithError: 0', 'ModifiedFolders: 0', 'ModifiedSymlinks: 0', 'AddedSymlinks: 0', 'DeletedSymlinks: 0',
          'PartialBackup: False', 'Dryrun: False', 'MainOperation: Backup', 'ParsedResult: Success', 'Version: 2.0.4.5 (2.0.4.5_beta_2018-11-28)',
          `EndTime: ${new Date(end * 1000).toLocaleString('en-US', { timeZone: 'UTC' }).replace(',', '')} (${end})`,
          `BeginTime: ${new Date((end - 754) * 1000).toLocaleString('en-US', { timeZone: 'UTC' }).replace(',', '')} (${end - 754})`, 'Duration: 00:12:34.0431211', '',
        ].join('\r\n');
    const head = [
      `From: Duplicati <duplicati@nas-${nas}.example>`, `To: backups+client-${nas % 10}@consultant.example`, `Subject: Duplicati Backup report for nas-${nas} ${job}`,
      `Date: ${new Date((end + 1) * 1000).toUTCString().replace('GMT', '+0000')}`, `Message-ID: <dup-${i}-${rng.hex(6)}@nas-${nas}.example>`,
      'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit',
    ];
    out.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`));
  }
  return out;
}

function duplicatiConfig(_dir: string): Record<string, unknown> {
  return {
    consultant: { name: 'Bench', email: 'bench@example.com', timeZone: 'UTC' },
    clients: Array.from({ length: 10 }, (_, i) => ({ id: `client-${i}`, name: `Client ${i}`, timeZone: 'UTC' })),
    thirdParty: { rules: [{ name: 'nas', from: '/^duplicati@nas-\\d+\\.example$/', subject: '^Duplicati \\w+ report for (?<host>nas-\\d+) (?<job>.+)$', parser: 'duplicati' }] },
  };
}

/** Every parser's real fixtures in turn, each with its own Message-ID, under the sender of its parser's rule. */
function mixedMails(n: number): Buffer[] {
  const fixtures: Buffer[] = [];
  for (const p of thirdPartyParsers.keys()) {
    const folder = join(FIXTURES, p, 'fixtures');
    for (const f of readdirSync(folder).filter((x) => x.endsWith('.eml')).sort()) fixtures.push(readdress(readFileSync(join(folder, f)), { from: `${p}@mixed.example`, id: `${p}-${f}` }));
  }
  return Array.from({ length: n }, (_, i) => {
    const f = fixtures[i % fixtures.length]!;
    return Buffer.concat([Buffer.from(`X-Bench-Copy: ${i}\r\n`), f]);
  });
}

function mixedConfig(_dir: string): Record<string, unknown> {
  return {
    consultant: { name: 'Bench', email: 'bench@example.com', timeZone: 'UTC' },
    clients: [{ id: 'acme', name: 'Acme', timeZone: 'UTC' }],
    retention: { rawDays: 10_000, runsDays: 10_000 },
    thirdParty: { rules: [...thirdPartyParsers.keys()].map((p) => ({ name: p, from: `${p}@mixed.example`, parser: p, client: 'acme', site: `mixed-${p}`, ...(p === 'keywords' ? { keywords: KEYWORDS } : {}) })) },
  };
}
