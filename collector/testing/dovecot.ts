import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { runProcess } from '../../core/process.ts';

/**
 * A private Dovecot (IMAP + LMTP) for tests and the benchmark: its own config file, ports,
 * sockets, logs and mail in one temp dir, never /etc/dovecot. Runs as root, mail owned by `mail`.
 */
export interface Dovecot {
  host: '127.0.0.1';
  imapPort: number;
  lmtpPort: number;
  /** The first user and its password. */
  user: string;
  pass: string;
  dir: string;
  configPath: string;
  /** Path of a user's Maildir (created on first login or by `writeMaildir`). */
  maildir(user?: string): string;
  /** Appends one raw message to a user's folder over IMAP (default INBOX of the first user). */
  deliver(raw: Buffer | Buffer[], options?: { user?: string; folder?: string }): Promise<void>;
  /** Writes messages straight into `Maildir/new/` (fastest for bulk); Dovecot indexes them on SELECT. */
  writeMaildir(raws: Iterable<Buffer>, options?: { user?: string }): number;
  /** Runs `doveadm` against this instance (e.g. `kick user`). */
  doveadm(...args: string[]): Promise<string>;
  /** Kills the master and waits for it to exit; removes the temp dir. */
  stop(): Promise<void>;
}

export interface DovecotOptions {
  users?: { user: string; pass: string }[];
  /** Serve STARTTLS with a fresh self-signed certificate (`ssl = yes`). */
  tls?: boolean;
  /**
   * Also accept OAuth2 access tokens (an `oauth2` passdb): Dovecot asks `introspectionUrl` (RFC
   * 7662, POST `token=...`) and signs in the `username` of an answer with `active: true`.
   * `mechanisms` are the SASL mechanisms offered for it (default both; imapflow prefers
   * OAUTHBEARER). Passwords keep working beside it (`deliver` uses them).
   */
  oauth2?: { introspectionUrl: string; mechanisms?: ('xoauth2' | 'oauthbearer')[] };
}

const MAIL_UID = 8;
const MAIL_GID = 8;

export async function startDovecot(options: DovecotOptions = {}): Promise<Dovecot> {
  const users = options.users ?? [{ user: 'collector', pass: 'secret-pass' }];
  const dir = mkdtempSync(join(tmpdir(), 'syn-dovecot-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'home'), { mode: 0o755 });
  writeFileSync(join(dir, 'passwd'), users.map((u) => `${u.user}:{PLAIN}${u.pass}::::::\n`).join(''));
  for (const u of users) {
    const home = join(dir, 'home', u.user);
    mkdirSync(home);
    chownSync(home, MAIL_UID, MAIL_GID);
  }
  if (options.tls) await makeCertificate(dir);
  if (options.oauth2) {
    // force_introspection: with active_attribute set, Dovecot must ask the endpoint, not trust a local token check.
    const lines = [`introspection_url = ${options.oauth2.introspectionUrl}`, 'introspection_mode = post', 'force_introspection = yes', 'username_attribute = username', 'active_attribute = active', 'active_value = true'];
    writeFileSync(join(dir, 'dovecot-oauth2.conf.ext'), `${lines.join('\n')}\n`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [imapPort, lmtpPort] = await freePorts(2);
    const configPath = join(dir, 'dovecot.conf');
    writeFileSync(configPath, configText(dir, imapPort!, lmtpPort!, options.tls ?? false, options.oauth2));
    const master = spawn('dovecot', ['-F', '-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    master.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await waitForPort(imapPort!, master, () => stderr + safeRead(join(dir, 'dovecot.log')));
      return handle(dir, configPath, master, imapPort!, lmtpPort!, users);
    } catch (e) {
      lastError = e;
      await killAndWait(master);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

function configText(dir: string, imapPort: number, lmtpPort: number, tls: boolean, oauth2?: DovecotOptions['oauth2']): string {
  const mechanisms = (oauth2?.mechanisms ?? ['xoauth2', 'oauthbearer']).join(' ');
  // Without the per-IP penalty: token tests refuse on purpose, and each refusal would slow the next sign-in by seconds.
  const oauth2Passdb = oauth2
    ? `passdb {\n  driver = oauth2\n  mechanisms = ${mechanisms}\n  args = ${dir}/dovecot-oauth2.conf.ext\n}\nservice anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}\n`
    : '';
  return `
protocols = imap lmtp
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
instance_name = syn-${imapPort}
${tls ? `ssl = yes\nssl_cert = <${dir}/cert.pem\nssl_key = <${dir}/key.pem` : 'ssl = no'}
disable_plaintext_auth = no
auth_mechanisms = plain login${oauth2 ? ` ${mechanisms}` : ''}
auth_failure_delay = 0
first_valid_uid = ${MAIL_UID}
mail_location = maildir:~/Maildir
${oauth2Passdb}passdb {
  driver = passwd-file${oauth2 ? '\n  mechanisms = plain login' : ''}
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=mail gid=mail home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${lmtpPort}
  }
}
`;
}

function handle(dir: string, configPath: string, master: ChildProcess, imapPort: number, lmtpPort: number, users: { user: string; pass: string }[]): Dovecot {
  const first = users[0]!;
  const passOf = (user: string) => users.find((u) => u.user === user)?.pass ?? first.pass;
  const maildir = (user = first.user) => join(dir, 'home', user, 'Maildir');
  let counter = 0;
  return {
    host: '127.0.0.1',
    imapPort,
    lmtpPort,
    user: first.user,
    pass: first.pass,
    dir,
    configPath,
    maildir,
    async deliver(raw, opts = {}) {
      const user = opts.user ?? first.user;
      const client = new ImapFlow({ host: '127.0.0.1', port: imapPort, secure: false, doSTARTTLS: false, auth: { user, pass: passOf(user) }, logger: false, tls: { rejectUnauthorized: false } });
      await client.connect();
      try {
        for (const r of Array.isArray(raw) ? raw : [raw]) {
          const res = await client.append(opts.folder ?? 'INBOX', r);
          if (res === false) throw new Error(`APPEND to ${opts.folder ?? 'INBOX'} failed`);
        }
      } finally {
        await client.logout().catch(() => client.close());
      }
    },
    writeMaildir(raws, opts = {}) {
      const root = maildir(opts.user);
      for (const sub of ['', 'new', 'cur', 'tmp']) {
        mkdirSync(join(root, sub), { recursive: true });
        chownSync(join(root, sub), MAIL_UID, MAIL_GID);
      }
      chownSync(join(root, '..'), MAIL_UID, MAIL_GID);
      let n = 0;
      const stamp = Math.floor(Date.now() / 1000);
      for (const raw of raws) {
        // Names sort by time then counter, so Dovecot assigns UIDs in delivery order.
        const name = `${stamp}.M${String(++counter).padStart(7, '0')}P${process.pid}.synecdoche-test`;
        const file = join(root, 'new', name);
        writeFileSync(file, raw);
        chownSync(file, MAIL_UID, MAIL_GID);
        n++;
      }
      return n;
    },
    async doveadm(...args) {
      const r = await runProcess('doveadm', ['-c', configPath, ...args]);
      if (r.exitCode !== 0) throw new Error(`doveadm ${args.join(' ')} exited ${r.exitCode}: ${r.stderr.toString().trim()}`);
      return r.stdout.toString();
    },
    async stop() {
      await killAndWait(master);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ports that were free a moment ago (listen on 0, close); Dovecot binds them next. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => res(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function waitForPort(port: number, master: ChildProcess, diagnostics: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (master.exitCode !== null || master.signalCode !== null) throw new Error(`dovecot exited at start: ${diagnostics()}`);
    const ok = await new Promise<boolean>((res) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('data', () => (sock.destroy(), res(true)));
      sock.once('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`dovecot did not accept IMAP connections on ${port} within 10 s: ${diagnostics()}`);
}

async function killAndWait(master: ChildProcess): Promise<void> {
  if (master.exitCode !== null || master.signalCode !== null) return;
  const exited = new Promise((r) => master.once('exit', r));
  master.kill('SIGTERM');
  const timer = setTimeout(() => master.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function makeCertificate(dir: string): Promise<void> {
  const r = await runProcess('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  if (r.exitCode !== 0) throw new Error(`openssl req failed: ${r.stderr.toString()}`);
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-2000);
  } catch {
    return '';
  }
}
