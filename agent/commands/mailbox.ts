import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSecret } from '../../core/config.ts';
import { SynError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { AgentConfig } from '../config.ts';

/** One message of the command mailbox. */
export interface CommandMessage {
  /** Where it is (a Maildir file name or an IMAP uid), for `processed`. */
  key: string;
  raw: Buffer;
}

/**
 * The command mailbox seam. `read` lists what waits; `processed` moves a message out of the way
 * so it is not read twice (the seen store refuses a copy anyway). Failures are MAILBOX_FAILED.
 */
export interface CommandMailbox {
  readonly name: string;
  read(): Promise<CommandMessage[]>;
  processed(key: string): Promise<void>;
  close(): Promise<void>;
}

type Commands = NonNullable<AgentConfig['commands']>;

/** Messages read per poll: a flooded mailbox is worked through over several polls, in bounded memory. */
const MAX_PER_POLL = 100;

/** How logs and reports name the configured mailbox (no password). */
export function commandMailboxName(c: Commands): string {
  if ('maildir' in c.mailbox) return `maildir:${c.mailbox.maildir}`;
  const m = c.mailbox.imap;
  return `imap://${m.user}@${m.host}:${m.port ?? (m.tls === 'implicit' ? 993 : 143)}/${m.folder}`;
}

/** The configured mailbox; imapflow loads only when IMAP is used. */
export async function openCommandMailbox(c: Commands, env: NodeJS.ProcessEnv, log: Logger): Promise<CommandMailbox> {
  if ('maildir' in c.mailbox) return maildirMailbox(c.mailbox.maildir, c.processedFolder ?? join(c.mailbox.maildir, '.Processed'));
  return imapMailbox(c.mailbox.imap, c.processedFolder ?? 'Synecdoche/Processed', env, log);
}

function maildirMailbox(root: string, processedDir: string): CommandMailbox {
  const name = `maildir:${root}`;
  const fail = (what: string, e: unknown) => new SynError('MAILBOX_FAILED', `${what}: ${(e as Error).message ?? e}`, { cause: e, permanent: false });
  return {
    name,
    async read() {
      const out: CommandMessage[] = [];
      try {
        for (const sub of ['new', 'cur']) {
          for (const f of readdirSync(join(root, sub)).sort()) {
            if (!f.startsWith('.') && out.length < MAX_PER_POLL) out.push({ key: `${sub}/${f}`, raw: readFileSync(join(root, sub, f)) });
          }
        }
      } catch (e) {
        throw fail('cannot read the Maildir', e);
      }
      return out;
    },
    async processed(key) {
      try {
        for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(processedDir, sub), { recursive: true });
        renameSync(join(root, key), join(processedDir, 'cur', key.slice(key.indexOf('/') + 1)));
      } catch (e) {
        throw fail(`cannot move ${key} to ${processedDir}`, e);
      }
    },
    async close() {},
  };
}

async function imapMailbox(cfg: Extract<Commands['mailbox'], { imap: unknown }>['imap'], processedFolder: string, env: NodeJS.ProcessEnv, log: Logger): Promise<CommandMailbox> {
  const { ImapFlow } = await import('imapflow');
  const port = cfg.port ?? (cfg.tls === 'implicit' ? 993 : 143);
  const name = `imap://${cfg.user}@${cfg.host}:${port}/${cfg.folder}`;
  const fail = (what: string, e: unknown) => new SynError('MAILBOX_FAILED', `${what}: ${(e as Error).message ?? e}`, { cause: e, permanent: false });
  const client = new ImapFlow({
    host: cfg.host,
    port,
    secure: cfg.tls === 'implicit',
    doSTARTTLS: cfg.tls === 'starttls' ? true : cfg.tls === 'none' ? false : undefined,
    auth: { user: cfg.user, pass: resolveSecret(cfg.password, 'commands.mailbox.imap.password', env) },
    tls: { rejectUnauthorized: cfg.rejectUnauthorized },
    logger: false,
    connectionTimeout: 15_000,
  });
  client.on('error', (e: Error) => log.warn({ mailbox: name, err: e.message }, 'command mailbox connection error'));
  try {
    await client.connect();
    await client.mailboxOpen(cfg.folder);
  } catch (e) {
    client.close();
    throw fail('cannot open', e);
  }
  let folderReady = false;
  return {
    name,
    async read() {
      const out: CommandMessage[] = [];
      try {
        const exists = client.mailbox ? client.mailbox.exists : 0;
        if (exists === 0) return out;
        for await (const m of client.fetch(`1:${Math.min(exists, MAX_PER_POLL)}`, { uid: true, source: true })) if (m.source) out.push({ key: String(m.uid), raw: m.source });
      } catch (e) {
        throw fail('cannot fetch', e);
      }
      return out;
    },
    async processed(key) {
      try {
        // "a/b" is a path of folders; imapflow joins it with the server's own delimiter.
        const path = processedFolder.toUpperCase() === 'INBOX' ? 'INBOX' : processedFolder.split('/').filter(Boolean);
        if (!folderReady) {
          await client.mailboxCreate(path).catch(() => undefined); // exists already; a real problem shows in the move
          folderReady = true;
        }
        const moved = await client.messageMove(key, path, { uid: true });
        if (moved === false) throw new Error('MOVE refused');
      } catch (e) {
        throw fail(`cannot move uid ${key} to "${processedFolder}"`, e);
      }
    },
    async close() {
      await client.logout().catch(() => client.close());
    },
  };
}
