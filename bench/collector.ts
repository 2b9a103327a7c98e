import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { startDovecot } from '../collector/testing/dovecot.ts';
import { Rng, agentEmail, seededSite } from '../collector/testing/seeded.ts';
import { sampleResult } from '../core/result/testing.ts';
import { signedBytes, signPayload } from '../core/result/sign.ts';
import { buildDist, ROOT as root } from './build.ts';

/**
 * The collector benchmark (issue 3, item 9): N signed results in a real Dovecot mailbox, then in
 * the same run (a) imapflow alone fetching every source (the limit), (b) `pollSource` end to end
 * into a fresh SQLite in a child process (rate and peak RSS), (c) the same N from a Maildir.
 * The children run the compiled tree (dist/, built here first with tsc), as `collector poll`
 * runs after `npm run build`; BENCH_COLLECTOR_TSX=1 runs the TypeScript sources through tsx instead.
 * The children run with the node flags of the program's shebang line (bin/synecdoche.js, the
 * same as the service unit's NODE_OPTIONS); (b2) polls the same mailbox again (moved back into
 * the inbox) with Node's defaults, as `node bin/synecdoche.js collector poll` would run.
 * Knobs: BENCH_CPU_PROF=DIR writes V8 CPU profiles of the child runs there; BENCH_COLLECTOR_BATCH
 * sets the batch size (default 250, the config default for IMAP); BENCH_NODE_FLAGS replaces the
 * program's flags, e.g. "--max-old-space-size=48" to see lazy GC; BENCH_SHOW_STDERR=1 passes the
 * children's stderr on, and TRACE_MEM=1 makes them write their memory every 20 ms there.
 */
const PROGRAM_NODE_FLAGS = shebangFlags(join(root, 'bin/synecdoche.js'));
export const FLAGS = process.env.BENCH_NODE_FLAGS ?? PROGRAM_NODE_FLAGS;
export async function run(opts: { quick: boolean; log: (line: string) => void }): Promise<Record<string, number | string>> {
  const n = opts.quick ? 1_000 : 10_000;
  const rng = new Rng(42);
  const sites = Array.from({ length: 10 }, (_, i) => seededSite(`site-${i}`, rng));
  const dir = mkdtempSync(join(tmpdir(), 'syn-bench-collector-'));
  const compiled = process.env.BENCH_COLLECTOR_TSX !== '1';
  if (compiled) buildDist(opts.log, 'dist/collector/testing/poll-child.js');
  const d = await startDovecot();
  try {
    let t = Date.now();
    const raws: Buffer[] = [];
    const checks: SignatureCheck[] = [];
    for (let i = 0; i < n; i++) {
      const site = sites[i % sites.length]!;
      const seq = Math.floor(i / 100) + 1;
      const payload = sampleResult({ siteId: site.id, jobId: `job-${Math.floor(i / 10) % 10}`, sequence: seq, runId: rng.uuid(), startedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString() });
      raws.push(await agentEmail(site, payload, rng));
      const signed = signPayload(payload, site.keys.privateKey, site.keys.publicKey);
      checks.push({ bytes: signedBytes(signed), sig: Buffer.from(signed.signature.value, 'base64'), key: site.keys.publicKey });
    }
    const bytes = raws.reduce((s, r) => s + r.length, 0);
    opts.log(`built ${n} signed results (${(bytes / n / 1024).toFixed(1)} KB each) in ${Date.now() - t} ms`);
    t = Date.now();
    d.writeMaildir(raws);
    const maildir = join(dir, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    raws.forEach((r, i) => writeFileSync(join(maildir, 'new', `${1_700_000_000 + i}.M${i}P1.bench`), r));
    raws.length = 0;
    // The first SELECT makes Dovecot index the new files; do it before timing anything.
    const warm = new ImapFlow({ host: d.host, port: d.imapPort, secure: false, doSTARTTLS: false, auth: { user: d.user, pass: d.pass }, logger: false });
    await warm.connect();
    const box = await warm.mailboxOpen('INBOX');
    await warm.logout();
    opts.log(`delivered into Maildir/new and indexed by Dovecot (${box.exists} messages) in ${Date.now() - t} ms`);

    const raw = await rawFetch(d.host, d.imapPort, d.user, d.pass);
    const rawRate = raw.count / raw.seconds;
    opts.log(`(a) imapflow alone, one FETCH of every source: ${raw.count} in ${raw.seconds.toFixed(2)} s = ${rawRate.toFixed(0)} msg/s`);

    const floor = await fetchAndVerify(d.host, d.imapPort, d.user, d.pass, checks);
    const floorRate = floor.count / floor.seconds;
    opts.log(`(a2) the same FETCH, each message's Ed25519 signature checked in the thread pool as the poll does (no MIME, no store): ${floorRate.toFixed(0)} msg/s (${((100 * floorRate) / rawRate).toFixed(0)}% of raw fetch)`);
    checks.length = 0;

    const config = (name: string) => ({
      database: { path: join(dir, `${name}.db`) },
      consultant: { name: 'Bench', email: 'bench@example.com', timeZone: 'UTC' },
      clients: [{ id: 'acme', name: 'Acme', timeZone: 'UTC' }],
      sites: sites.map((s) => ({ id: s.id, client: 'acme', publicKeys: [s.publicKey] })),
    });
    const imap = { cfg: { host: d.host, port: d.imapPort, tls: 'none', rejectUnauthorized: true, user: d.user, folder: 'INBOX', processedFolder: 'Synecdoche/Processed', quarantineFolder: 'Synecdoche/Quarantine' }, password: d.pass };
    const batchSize = Number(process.env.BENCH_COLLECTOR_BATCH ?? 250);
    opts.log(`poll children run with node flags "${FLAGS}"${process.env.BENCH_NODE_FLAGS === undefined ? " (those of bin/synecdoche.js's shebang line)" : ''}`);
    const described = (r: ChildResult) => {
      const rate = r.messages / r.seconds;
      return `${r.messages} in ${r.seconds.toFixed(2)} s = ${rate.toFixed(0)} msg/s (${((100 * rate) / rawRate).toFixed(0)}% of raw fetch), CPU ${cpuPerMessage(r)} µs/msg (all threads), peak RSS ${r.maxRssMB.toFixed(0)} MB (sampled near its peak: ${JSON.stringify(r.atPeakMB)})`;
    };
    const poll = child({ config: config('imap'), dir, batchSize, imap }, 'imap', compiled, FLAGS);
    const pollRate = poll.messages / poll.seconds;
    opts.log(`(b) pollSource over IMAP into SQLite: ${described(poll)}, ${JSON.stringify(poll.summary)}`);
    await moveBack(d.host, d.imapPort, d.user, d.pass, imap.cfg.processedFolder, n);
    const plain = child({ config: config('imap-node-defaults'), dir, batchSize, imap }, 'imap-node-defaults', compiled, '');
    opts.log(`(b2) the same with Node's default flags: ${described(plain)}`);
    const md = child({ config: config('maildir'), dir, batchSize, maildir }, 'maildir', compiled, FLAGS);
    const mdRate = md.messages / md.seconds;
    opts.log(`(c) pollSource over a Maildir into SQLite: ${described(md).replace(/ \(\d+% of raw fetch\)/, '')}`);
    for (const [label, r] of [['IMAP', poll], ['IMAP with Node defaults', plain], ['Maildir', md]] as const) {
      if (r.summary.accepted !== n) throw new Error(`expected ${n} accepted, got ${r.summary.accepted} (${label})`);
    }
    return {
      messages: n,
      runtime: compiled ? 'compiled (dist/)' : 'tsx',
      nodeFlags: FLAGS,
      rawFetchPerSec: Math.round(rawRate),
      fetchAndVerifyPerSec: Math.round(floorRate),
      fetchAndVerifyVsRawPercent: Math.round((100 * floorRate) / rawRate),
      pollImapPerSec: Math.round(pollRate),
      pollVsRawPercent: Math.round((100 * pollRate) / rawRate),
      pollImapPeakRssMB: Math.round(poll.maxRssMB),
      pollImapNodeDefaultsPerSec: Math.round(plain.messages / plain.seconds),
      pollImapNodeDefaultsPeakRssMB: Math.round(plain.maxRssMB),
      pollMaildirPerSec: Math.round(mdRate),
      pollMaildirPeakRssMB: Math.round(md.maxRssMB),
    };
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function rawFetch(host: string, port: number, user: string, pass: string): Promise<{ count: number; seconds: number }> {
  const client = new ImapFlow({ host, port, secure: false, doSTARTTLS: false, auth: { user, pass }, logger: false, disableCompression: true });
  await client.connect();
  await client.mailboxOpen('INBOX');
  const t0 = process.hrtime.bigint();
  let count = 0;
  for await (const m of client.fetch('1:*', { uid: true, source: true, internalDate: true }, { uid: true })) if (m.source) count++;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await client.logout();
  return { count, seconds };
}

export const cpuPerMessage = (r: ChildResult) => ((r.cpuSeconds * 1e6) / r.messages).toFixed(0);

/** The node flags of a `#!/usr/bin/env -S node FLAGS` line. */
function shebangFlags(file: string): string {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S node(?: (.*))?$/.exec(first);
  if (!m) throw new Error(`${file}: expected a first line "#!/usr/bin/env -S node [flags]", found ${JSON.stringify(first)}`);
  return m[1] ?? '';
}

/** Moves the `n` messages a poll put into `folder` back into the inbox, for another poll. */
async function moveBack(host: string, port: number, user: string, pass: string, folder: string, n: number): Promise<void> {
  const client = new ImapFlow({ host, port, secure: false, doSTARTTLS: false, auth: { user, pass }, logger: false });
  await client.connect();
  const box = await client.mailboxOpen(folder.split('/'));
  if (box.exists !== n) throw new Error(`${folder} holds ${box.exists} messages, expected ${n}`);
  await client.messageMove('1:*', 'INBOX');
  await client.mailboxOpen('INBOX'); // Dovecot indexes the moved messages here, before the next poll's timing
  await client.logout();
}

interface SignatureCheck { bytes: Buffer; sig: Buffer; key: KeyObject }

/**
 * The floor under any poll that verifies what it reads: the raw FETCH with, for each message, the
 * Ed25519 check of its signature (bytes prepared beforehand: no MIME, JSON or store) in libuv's
 * thread pool, as decode.ts runs it. On a machine with few cores the signature checks alone set
 * the pace; the poll cannot be faster than this.
 */
async function fetchAndVerify(host: string, port: number, user: string, pass: string, checks: readonly SignatureCheck[]): Promise<{ count: number; seconds: number }> {
  const client = new ImapFlow({ host, port, secure: false, doSTARTTLS: false, auth: { user, pass }, logger: false, disableCompression: true });
  await client.connect();
  await client.mailboxOpen('INBOX');
  const t0 = process.hrtime.bigint();
  const pending: Promise<boolean>[] = [];
  let count = 0;
  for await (const m of client.fetch('1:*', { uid: true, source: true, internalDate: true }, { uid: true })) {
    if (!m.source) continue;
    const c = checks[count++ % checks.length]!;
    pending.push(new Promise((resolve) => cryptoVerify(null, c.bytes, c.key, c.sig, (err, ok) => resolve(!err && ok))));
  }
  const ok = (await Promise.all(pending)).filter(Boolean).length;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await client.logout();
  if (ok !== count) throw new Error(`${count - ok} of ${count} signature checks failed`);
  return { count, seconds };
}

export interface ChildResult { messages: number; seconds: number; cpuSeconds: number; maxRssMB: number; atPeakMB: Record<string, number>; summary: { accepted: number } }

export function child(arg: Record<string, unknown>, label: string, compiled: boolean, nodeFlags: string): ChildResult {
  const prof = process.env.BENCH_CPU_PROF;
  const flags = nodeFlags.split(' ').filter(Boolean);
  if (prof) flags.push('--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=collector-${label}.cpuprofile`);
  const entry = compiled ? [join(root, 'dist/collector/testing/poll-child.js')] : ['--import', 'tsx', join(root, 'collector/testing/poll-child.ts')];
  const r = spawnSync(process.execPath, [...flags, ...entry, JSON.stringify(arg)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${label} poll child exited ${r.status}: ${r.stderr}`);
  if (process.env.BENCH_SHOW_STDERR) process.stderr.write(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

