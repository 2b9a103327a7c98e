import { Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { SynError } from '../core/errors.ts';
import { ensureFolder } from '../core/folder.ts';
import { buildRaw, encodeResultEmail } from '../core/email/encode.ts';
import { generateSiteKeyPair, loadPrivateKey, publicKeyLine } from '../core/result/keys.ts';
import { sampleResult } from '../core/result/testing.ts';
import { deliverToMaildir, startDemoMailServer } from './demo-mailserver.ts';
import { agentYaml, collectorYaml, demoSites, DUPLICATI_SENDER, duplicatiReport, makeSampleData } from './demo-scenario.ts';
import type { CliContext } from './main.ts';
import { integerOption } from './options.ts';

const MARKER = '.synecdoche-demo';

/**
 * `synecdoche demo`: the whole loop on this machine. Two sites' agents run real backup jobs and
 * send signed results over SMTP to an embedded mail server, which delivers into a local Maildir;
 * the collector reads it, works out every job's state, and writes the consultant's digest and a
 * client summary (HTML, and PDF when a Chromium/Chrome/Edge is found) into the demo folder.
 */
export function demoCommand(ctx: CliContext): Command {
  return new Command('demo')
    .description('run the whole loop here: agents -> signed emails -> local mailbox -> collector -> digest')
    .option('--dir <folder>', 'where to put everything (replaced if it holds an earlier demo)', 'synecdoche-demo')
    .option('--no-serve', 'stop after writing the reports instead of serving the dashboard')
    .option('--port <n>', 'port of the dashboard (0 picks a free one)', integerOption('--port'), 8470)
    .action(async (o: { dir: string; serve: boolean; port: number }) => {
      ctx.exitCode = await runDemo(resolve(o.dir), ctx, o);
    });
}

async function runDemo(root: string, ctx: CliContext, o: { serve: boolean; port: number }): Promise<number> {
  const say = (line = '') => ctx.stdout.write(`${line}\n`);
  prepareFolder(root);
  const { main } = await import('./main.ts');
  // Each step goes through the real command line, as a user would type it.
  const step = async (args: string[], show: boolean | ((out: string) => string) = false): Promise<number> => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const code = await main(['node', 'synecdoche', ...args], ctx.env, { stdout: out, stderr: out });
    const text = Buffer.concat(chunks).toString('utf8');
    if (show) say(indent(typeof show === 'function' ? show(text) : text));
    if (code > 1) throw new SynError('INTERNAL', `demo step "synecdoche ${args.join(' ')}" failed (exit ${code}):\n${text}`);
    return code;
  };

  const maildir = join(root, 'mailbox');
  const mail = await startDemoMailServer(maildir);
  try {
    say(`Synecdoche demo in ${root}`);
    say(`1. An embedded SMTP server on 127.0.0.1:${mail.port} delivers into the Maildir ${relative(root, maildir)}/`);
    const sites = demoSites(root);
    const publicKeys: Record<string, string> = {};
    for (const site of sites) {
      mkdirSync(site.dir, { recursive: true });
      await step(['agent', 'keygen', '--site', site.id, '--out', join(site.dir, 'site.key')], (t) => firstLineMatching(t, /^site \S+ ed25519:/));
      publicKeys[site.id] = publicKeyOf(join(site.dir, 'site.key'));
      writeFileSync(join(site.dir, 'agent.yaml'), agentYaml(site, mail.port));
    }
    makeSampleData(join(sites[0]!.dir, 'data', 'documents'), 60);
    makeSampleData(join(sites[0]!.dir, 'data', 'xrays'), 12);
    makeSampleData(join(sites[1]!.dir, 'data', 'projects'), 30);
    writeFileSync(join(root, 'collector.yaml'), collectorYaml(sites, publicKeys, maildir));
    say('2. Site keys made; agent configs and the collector config written (public keys registered).');

    say('3. The agents run their jobs and send signed results:');
    const acme = (job: string) => ['agent', 'run-job', job, '-c', join(sites[0]!.dir, 'agent.yaml'), '--log-level', 'silent'];
    const baker = (job: string) => ['agent', 'run-job', job, '-c', join(sites[1]!.dir, 'agent.yaml'), '--log-level', 'silent'];
    await step(acme('documents'), true);
    await step(acme('xrays'), true);
    await step(acme('database'), true);
    await step(baker('projects'), true);
    // The share behind Baker's job is emptied (a failed mount, say): the copy "succeeds" with 0 files.
    rmSync(join(sites[1]!.dir, 'data', 'projects'), { recursive: true, force: true });
    mkdirSync(join(sites[1]!.dir, 'data', 'projects'));
    await step(baker('projects'), true);

    // A job whose agent stopped reporting three days ago: its last signed result, sent back then.
    await deliverOldResult(maildir, sites[1]!, join(sites[1]!.dir, 'site.key'));
    // A forged "success" for Acme's database job, signed with a key the collector does not know.
    await deliverForgery(maildir, sites[0]!);
    // Acme's NAS has no agent: Duplicati mails its own report over SMTP, as it would in the field.
    await sendDuplicatiReport(mail.port);
    say(`   ... plus a result from Baker's offsite job three days ago (it has been silent since), a forged success,`);
    say(`   and Duplicati's own report mail from Acme's NAS (no agent there; a rule maps it, marked unsigned).`);
    say(`   The mailbox now holds ${readdirSync(join(maildir, 'new')).length} messages.`);

    const cfg = join(root, 'collector.yaml');
    say('4. The collector reads the mailbox:');
    await step(['collector', 'poll', '-c', cfg], true);
    say('5. The state of every job:');
    await step(['collector', 'status', '-c', cfg], true);
    say('6. The morning digest and a client summary:');
    await step(['report', 'digest', '-c', cfg, '--pdf'], true);
    await step(['report', 'client', 'acme', '-c', cfg, '--pdf'], true);
    const outputs = listReports(join(root, 'reports'));
    say();
    say(`Done. Open these in a browser or PDF viewer (folder ${join(root, 'reports')}):`);
    for (const f of outputs) say(`  ${f}`);
    if (!outputs.some((f) => f.endsWith('.pdf'))) say('  (no PDF: install chromium, or set PUPPETEER_EXECUTABLE_PATH to a Chrome or Edge)');
    if (o.serve) await serveDashboard(cfg, o.port, say);
    return 0;
  } finally {
    await mail.close();
  }
}

/**
 * The dashboard over the demo's database until Ctrl-C: a consultant account with a fresh random
 * password (printed once), and a read-only link for Acme's office.
 */
async function serveDashboard(cfgPath: string, port: number, say: (line?: string) => void): Promise<void> {
  const [{ loadCollectorConfig }, { openStore }, { addLink, addUser, randomToken }, { startWebServer }, { systemClock }, { createLogger }] = await Promise.all([
    import('../collector/config.ts'),
    import('../collector/store/db.ts'),
    import('../collector/web/accounts.ts'),
    import('../collector/web/server.ts'),
    import('../core/clock.ts'),
    import('../core/log.ts'),
  ]);
  const cfg = loadCollectorConfig(cfgPath);
  const db = openStore(cfg.database.path);
  try {
    const password = randomToken().slice(0, 16);
    await addUser(db, { name: 'consultant', clientId: null, readOnly: false }, password, Date.now());
    const { token } = addLink(db, 'acme', Date.now());
    const web = await startWebServer({ db, cfg, clock: systemClock, log: createLogger({ level: 'warn' }), env: process.env }, { port }).catch(async (e: unknown) => {
      // The usual port is taken (an earlier demo still running?): take any free one.
      if (port === 0) throw e;
      return startWebServer({ db, cfg, clock: systemClock, log: createLogger({ level: 'warn' }), env: process.env }, { port: 0 });
    });
    say();
    say(`7. The dashboard: ${web.url}`);
    say(`   sign in as "consultant" with password ${password}`);
    say(`   Acme Dental's read-only view (no password): ${web.url}l/${token}`);
    say('   Serving until Ctrl-C (run with --no-serve to skip this step).');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await web.close();
    say('Dashboard stopped.');
  } finally {
    db.close();
  }
}

function prepareFolder(root: string): void {
  ensureFolder(root, '--dir', 'USAGE');
  const entries = readdirSync(root);
  if (entries.length > 0 && !entries.includes(MARKER)) {
    throw new SynError('USAGE', `${root} exists and is not an earlier demo folder; choose another with --dir`);
  }
  for (const e of entries) rmSync(join(root, e), { recursive: true, force: true });
  writeFileSync(join(root, MARKER), 'made by synecdoche demo; removed by the next run\n');
}

function publicKeyOf(keyFile: string): string {
  return publicKeyLine(loadPrivateKey(keyFile).publicKey);
}

async function deliverOldResult(maildir: string, site: ReturnType<typeof demoSites>[number], keyFile: string): Promise<void> {
  const keys = loadPrivateKey(keyFile);
  const day = 86_400_000;
  const started = new Date(Date.now() - 3 * day);
  const payload = sampleResult({
    siteId: site.id,
    jobId: 'offsite',
    site: { id: site.id, client: site.clientName },
    agent: { host: 'baker-nas', version: '0.1.0', timeZone: site.timeZone },
    job: { id: 'offsite', name: 'Offsite copy', plugin: 'rsync', schedule: '0 4 * * *', nextRunAt: new Date(started.getTime() + day).toISOString() },
    startedAt: started.toISOString(),
    endedAt: new Date(started.getTime() + 20 * 60_000).toISOString(),
    sentAt: new Date(started.getTime() + 21 * 60_000).toISOString(),
    exitCode: 0,
  });
  const { message } = encodeResultEmail(payload, { from: 'agent@baker-nas.example', to: 'backups@consultant.example', ...keys });
  deliverToMaildir(maildir, await buildRaw(message));
}

async function deliverForgery(maildir: string, site: ReturnType<typeof demoSites>[number]): Promise<void> {
  const forger = generateSiteKeyPair();
  const payload = sampleResult({
    siteId: site.id,
    jobId: 'database',
    site: { id: site.id, client: site.clientName },
    job: { id: 'database', name: 'Patient database dump', plugin: 'command', schedule: '0 3 * * *', nextRunAt: new Date(Date.now() + 86_400_000).toISOString() },
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    endedAt: new Date().toISOString(),
    sentAt: new Date().toISOString(),
  });
  const { message } = encodeResultEmail(payload, { from: 'agent@acme-fs1.example', to: 'backups@consultant.example', ...forger });
  deliverToMaildir(maildir, await buildRaw(message));
}

async function sendDuplicatiReport(port: number): Promise<void> {
  const { createTransport } = await import('nodemailer');
  const { subject, text } = duplicatiReport('Cloud copy', new Date(Date.now() - 5 * 60_000));
  const transport = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ from: `Duplicati <${DUPLICATI_SENDER}>`, to: 'backups@consultant.example', subject, text });
  } finally {
    transport.close();
  }
}

function listReports(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(html|pdf)$/.test(e)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');
}

function firstLineMatching(text: string, re: RegExp): string {
  return text.split('\n').find((l) => re.test(l)) ?? text.split('\n')[0] ?? '';
}
