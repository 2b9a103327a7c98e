import { Command, CommanderError } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { stringify } from 'yaml';
import { runAgentCli, type CliRun } from '../../agent/testing/cli.ts';
import { makeTestSite, type TestSite } from '../../agent/testing/site.ts';
import { startSmtpServer, type TestSmtpServer } from '../../agent/testing/smtp.ts';
import type { CliContext } from '../../cli/main.ts';
import { reportError } from '../../cli/exit.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import { COMMAND_HEADER } from '../../core/command/email.ts';
import { collectorCommand } from '../cli.ts';
import { collectorCommandDefaults } from '../commands/common.ts';
import { collectorKeygen } from '../commands/keygen.ts';
import { startDovecot, type Dovecot } from './dovecot.ts';

/**
 * The whole command loop for tests, with real parts only: one real SMTP server (smtp-server)
 * that every program sends through, and one real Dovecot holding the collector's result mailbox
 * (user "collector") and each site's command mailbox (user = site id). `route()` plays the mail
 * system: it delivers what was sent since the last call, commands to the mailbox of the site
 * named in their To address, everything else to the collector.
 */
export interface CommandLoop {
  dovecot: Dovecot;
  smtp: TestSmtpServer;
  work: string;
  collectorConfig: string;
  /** The collector's public command key line (what sites hold). */
  publicLine: string;
  site(id: string, jobs: unknown[]): TestSite;
  /** Writes collector.yaml for the sites made so far. */
  writeCollectorConfig(): void;
  collector(args: string[], clock?: Clock): Promise<{ code: number; out: string }>;
  agent(site: TestSite, args: string[], clock?: Clock): Promise<CliRun>;
  /** Messages sent since the last take(), without delivering them. */
  take(): Buffer[];
  /** Delivers the given (default: all not yet taken) messages to their mailboxes. */
  route(messages?: Buffer[]): Promise<{ commands: number; reports: number }>;
  stop(): Promise<void>;
}

const SITE_USERS = ['site-a', 'site-b'];

export async function startCommandLoop(): Promise<CommandLoop> {
  const dovecot = await startDovecot({ users: [{ user: 'collector', pass: 'collector-pass' }, ...SITE_USERS.map((u) => ({ user: u, pass: `${u}-pass` }))] });
  const smtp = await startSmtpServer();
  const work = mkdtempSync(join(tmpdir(), 'syn-commands-'));
  const key = collectorKeygen(join(work, 'collector-command.key'));
  const sites: TestSite[] = [];
  const siteIds: string[] = [];
  const collectorConfig = join(work, 'collector.yaml');
  let taken = 0;
  const env = { IMAP_PASSWORD: 'collector-pass' };
  const loop: CommandLoop = {
    dovecot,
    smtp,
    work,
    collectorConfig,
    publicLine: key.publicLine,
    site(id, jobs) {
      const s = makeTestSite(smtp.port, jobs);
      const over = {
        site: { id, client: 'Acme', timeZone: 'Europe/Berlin' },
        mail: { from: `agent@${id}.example`, to: 'backups@collector.example' },
        commands: {
          publicKey: key.publicLine,
          mailbox: { imap: { host: dovecot.host, port: dovecot.imapPort, tls: 'none', user: id, password: { env: 'COMMAND_PASSWORD' } } },
        },
      };
      s.write(over);
      sites.push(s);
      siteIds.push(id);
      return Object.assign(s, { id });
    },
    writeCollectorConfig() {
      writeFileSync(
        collectorConfig,
        stringify({
          database: { path: join(work, 'collector.db') },
          archive: { folder: join(work, 'reports') },
          mailboxes: [{ name: 'backups', type: 'imap', host: dovecot.host, port: dovecot.imapPort, tls: 'none', user: 'collector', auth: { password: { env: 'IMAP_PASSWORD' } } }],
          consultant: { name: 'Pat', email: 'pat@consultant.example', timeZone: 'Europe/Berlin' },
          clients: [{ id: 'acme', name: 'Acme', timeZone: 'Europe/Berlin' }],
          sites: sites.map((s, i) => ({ id: siteIds[i], client: 'acme', publicKeys: [s.publicLine], heartbeatExpected: false, commandAddress: `${siteIds[i]}@commands.example` })),
          smtp: { host: '127.0.0.1', port: smtp.port, tls: 'none', timeoutSeconds: 5 },
          commands: { keyFile: key.keyFile },
        }),
      );
    },
    async collector(args, clock = systemClock) {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      const ctx: CliContext = { env, stdout: out, stderr: out, exitCode: 0 };
      const program = new Command('synecdoche').exitOverride();
      program.addCommand(collectorCommand(ctx, { ...collectorCommandDefaults, clock }));
      const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
      for (const c of all(program)) c.exitOverride();
      let code = 0;
      try {
        await program.parseAsync(['node', 'synecdoche', 'collector', ...args, '-c', collectorConfig]);
        code = ctx.exitCode;
      } catch (e) {
        code = e instanceof CommanderError ? e.exitCode : reportError(e, out);
      }
      return { code, out: Buffer.concat(chunks).toString('utf8') };
    },
    agent(site, args, clock) {
      return runAgentCli([...args, '-c', site.configPath, '--log-level', 'silent'], clock ? { clock } : {}, { COMMAND_PASSWORD: `${(site as TestSite & { id: string }).id}-pass` });
    },
    take() {
      const fresh = smtp.messages.slice(taken);
      taken = smtp.messages.length;
      return fresh;
    },
    async route(messages = loop.take()) {
      let commands = 0;
      let reports = 0;
      for (const raw of messages) {
        const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('utf8');
        if (head.includes(`${COMMAND_HEADER}:`)) {
          const user = /^To: ([^@\s<]+)@/im.exec(head)?.[1];
          if (!user || !SITE_USERS.includes(user)) throw new Error(`a command to an unknown mailbox: ${head}`);
          await dovecot.deliver(raw, { user });
          commands++;
        } else {
          await dovecot.deliver(raw, { user: 'collector' });
          reports++;
        }
      }
      return { commands, reports };
    },
    async stop() {
      await smtp.close();
      await dovecot.stop();
      for (const s of sites) s.cleanup();
      rmSync(work, { recursive: true, force: true });
    },
  };
  return loop;
}
