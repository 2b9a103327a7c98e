import { sha256Hex } from '../../core/hash.ts';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { SynError } from '../../core/errors.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import type { ImapMailboxConfig } from '../config.ts';
import type { CredentialsProvider, ImapCredentials } from './imap-auth.ts';
import type { MailSource, QuarantinedMessage, SourceMessage } from './types.ts';

/** The parts of a configured IMAP mailbox the source uses (see `ImapMailboxConfig`). */
export type ImapSourceConfig = Pick<ImapMailboxConfig, 'host' | 'tls' | 'rejectUnauthorized' | 'user' | 'folder' | 'processedFolder' | 'quarantineFolder'> & { port?: number };

export interface ImapSourceOptions {
  /** Our own events (connect, batches); never given credentials. imapflow itself logs nothing. */
  logger?: Logger;
  /** Idle time before imapflow starts IDLE by itself (default 15 s; tests use less). */
  autoIdleDelay?: number;
  /** Budget for TCP + TLS set-up, ms (default 30 s). */
  connectionTimeout?: number;
}

/**
 * An IMAP mailbox as a MailSource, over imapflow. Reads one folder in UID order, moves what the
 * store committed to the processed or quarantine folder (UID MOVE). Every failure, including
 * the imapflow calls that answer `false`, becomes MAILBOX_FAILED naming the mailbox; after one,
 * `open()` may be called again to reconnect (backoff is the caller's).
 */
export class ImapSource implements MailSource {
  readonly name: string;
  private client: ImapFlow | null = null;
  /** Highest UID handed out in this session (connection), so a batch left in the inbox is not read twice in it. */
  private lastUid = 0;
  /** Set by an EXISTS announcement; cleared when a batch is fetched. */
  private newMail = false;
  private lastImapError: string | null = null;
  private readonly getCredentials: CredentialsProvider;
  private readonly log: Logger;

  constructor(
    private readonly cfg: ImapSourceConfig,
    credentials: ImapCredentials | CredentialsProvider,
    private readonly options: ImapSourceOptions = {},
  ) {
    this.name = `imap:${cfg.user}@${cfg.host}/${cfg.folder}`;
    this.getCredentials = typeof credentials === 'function' ? credentials : async () => credentials;
    this.log = (options.logger ?? silentLogger).child({ mailbox: this.name });
  }

  async open(): Promise<void> {
    await this.close();
    const creds = await this.getCredentials();
    let client: ImapFlow;
    try {
      client = await this.signIn(creds);
    } catch (e) {
      // An access token may have been revoked or expired early: one fresh token, one more try.
      if (!(e instanceof RefusedSignIn) || !('accessToken' in creds)) throw e instanceof RefusedSignIn ? e.error : e;
      const fresh = await this.getCredentials(true);
      if (!('accessToken' in fresh) || fresh.accessToken === creds.accessToken) throw this.refused(e, ' (the token source gave the same token again)');
      try {
        client = await this.signIn(fresh);
      } catch (e2) {
        throw e2 instanceof RefusedSignIn ? this.refused(e2, ' (also with a fresh token)') : e2;
      }
    }
    for (const folder of [this.cfg.processedFolder, this.cfg.quarantineFolder]) {
      await this.call(`cannot create folder "${folder}"`, () => client.mailboxCreate(pathOf(folder)));
    }
    const box = await this.call(`cannot open folder "${this.cfg.folder}"`, () => client.mailboxOpen(pathOf(this.cfg.folder)));
    // A new session starts from the lowest UID: what an earlier session read but did not move
    // (a crash before the move) must be read again; the store recognises it as a duplicate.
    this.lastUid = 0;
    this.newMail = false;
    this.log.debug({ exists: box.exists }, 'IMAP mailbox open');
  }

  /** Connects and signs in; a refused sign-in is a RefusedSignIn (so `open` may retry), anything else MAILBOX_FAILED. */
  private async signIn(creds: ImapCredentials): Promise<ImapFlow> {
    const client = new ImapFlow(this.flowOptions(creds));
    // Without an 'error' listener a dropped socket would crash the whole process.
    client.on('error', (e: Error) => this.log.warn({ err: e.message }, 'IMAP connection error'));
    client.on('close', () => {
      if (this.client === client) this.client = null;
    });
    client.on('exists', (ev: { count: number; prevCount: number }) => {
      if (ev.count > ev.prevCount) this.newMail = true;
    });
    this.client = client;
    try {
      await client.connect();
      return client;
    } catch (e) {
      this.client = null;
      client.close();
      if ((e as { authenticationFailed?: boolean }).authenticationFailed !== true) throw this.fail('cannot connect', e);
      // No cause: imapflow's "Command failed" would only be appended to the server's words.
      throw new RefusedSignIn(new SynError('MAILBOX_FAILED', `${this.name}: ${this.refusal(signInMethod(client, creds), e)}`, { permanent: true }));
    }
  }

  /** "OAUTHBEARER sign-in as x refused: Authentication failed. (invalid_token)": the method, the user and the server's words. */
  private refusal(method: string, e: unknown): string {
    const err = e as { responseText?: string; message?: string; oauthError?: { status?: unknown } | false };
    const status = err.oauthError && typeof err.oauthError.status === 'string' ? ` (${err.oauthError.status})` : '';
    return `${method} sign-in as ${this.cfg.user} refused: ${err.responseText ?? err.message ?? 'no reason given'}${status}`;
  }

  private refused(r: RefusedSignIn, note: string): SynError {
    return new SynError('MAILBOX_FAILED', `${r.error.message}${note}`, { permanent: true });
  }

  async fetchBatch(limit: number): Promise<SourceMessage[]> {
    const client = this.usable();
    this.newMail = false;
    const found = await this.call('UID SEARCH failed', () => client.search({ uid: `${this.lastUid + 1}:*` }, { uid: true }));
    if (found === false || found === undefined) throw this.fail('UID SEARCH failed', this.lastImapError);
    // "N:*" always matches the highest UID, even when it is below N.
    const uids = found.filter((u) => u > this.lastUid).sort((a, b) => a - b).slice(0, Math.max(0, limit));
    if (uids.length === 0) return [];
    // UIDs only grow, so the range first:last holds exactly the messages found (fewer if expunged meanwhile).
    const range = `${uids[0]}:${uids[uids.length - 1]}`;
    const rows = await this.call('UID FETCH failed', () => client.fetchAll(range, { uid: true, source: true, internalDate: true }, { uid: true }));
    const messages: SourceMessage[] = [];
    for (const row of rows.sort((a, b) => a.uid - b.uid)) {
      if (!row.source) continue;
      const date = row.internalDate instanceof Date ? row.internalDate : row.internalDate ? new Date(row.internalDate) : null;
      messages.push({ id: String(row.uid), raw: row.source, receivedAt: date && !Number.isNaN(date.getTime()) ? date : null });
    }
    this.lastUid = uids[uids.length - 1]!;
    return messages;
  }

  markProcessed(ids: readonly string[]): Promise<void> {
    return this.move(ids, this.cfg.processedFolder);
  }

  markQuarantined(ids: readonly string[]): Promise<void> {
    return this.move(ids, this.cfg.quarantineFolder);
  }

  /**
   * Moves a released message from the quarantine folder to the processed folder. Its UID changed
   * with the move into quarantine, so it is found by Message-ID (or among all when it has none)
   * and recognised by its bytes. The inbox folder is selected again afterwards.
   */
  async releaseFromQuarantine(message: QuarantinedMessage): Promise<'moved' | 'not-found'> {
    const client = this.usable();
    const folder = this.cfg.quarantineFolder;
    await this.call(`cannot open folder "${folder}"`, () => client.mailboxOpen(pathOf(folder)));
    try {
      const query = message.messageId ? { header: { 'message-id': message.messageId } } : { all: true };
      const found = await this.call(`UID SEARCH in "${folder}" failed`, () => client.search(query, { uid: true }));
      if (found === false || found === undefined) throw this.fail(`UID SEARCH in "${folder}" failed`, this.lastImapError);
      for (const uid of [...found].sort((a, b) => a - b)) {
        const row = await this.call(`UID FETCH in "${folder}" failed`, () => client.fetchOne(String(uid), { uid: true, source: true }, { uid: true }));
        if (!row || !row.source || sha256Hex(row.source) !== message.sha256) continue;
        const res = await this.call(`cannot move a message from "${folder}" to "${this.cfg.processedFolder}"`, () =>
          client.messageMove(String(uid), pathOf(this.cfg.processedFolder), { uid: true }));
        if (res === false) throw this.fail(`cannot move a message from "${folder}" to "${this.cfg.processedFolder}"`, this.lastImapError);
        return 'moved';
      }
      return 'not-found';
    } finally {
      await this.call(`cannot open folder "${this.cfg.folder}"`, () => client.mailboxOpen(pathOf(this.cfg.folder)));
      this.lastUid = 0;
    }
  }

  /**
   * Waits in IDLE until the server announces new mail, `timeoutMs` passes or `signal` aborts
   * (all resolve); rejects with MAILBOX_FAILED when the connection is lost meanwhile.
   */
  async waitForNew(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const client = this.usable();
    if (this.newMail || signal.aborted) return;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: SynError) => {
        clearTimeout(timer);
        client.off('exists', onExists);
        client.off('close', onClose);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onExists = (ev: { count: number; prevCount: number }) => {
        if (ev.count > ev.prevCount) done();
      };
      const onClose = () => done(this.fail('connection lost while waiting for new mail', null));
      const onAbort = () => done();
      const timer = setTimeout(() => done(), timeoutMs);
      client.on('exists', onExists);
      client.on('close', onClose);
      signal.addEventListener('abort', onAbort);
      client.idle().catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    try {
      await Promise.race([client.logout(), new Promise((r) => setTimeout(r, 2000).unref())]);
    } catch {
      // closing a broken connection: nothing left to tell anyone
    } finally {
      try {
        client.close();
      } catch {
        // already closed
      }
    }
  }

  private async move(ids: readonly string[], folder: string): Promise<void> {
    const uids = ids.map(Number).filter((n) => Number.isInteger(n) && n > 0);
    if (uids.length === 0) return;
    const client = this.usable();
    const res = await this.call(`cannot move ${uids.length} message(s) to "${folder}"`, () => client.messageMove(packRange(uids), pathOf(folder), { uid: true }));
    if (res === false) throw this.fail(`cannot move ${uids.length} message(s) to "${folder}"`, this.lastImapError);
  }

  private flowOptions(creds: ImapCredentials): ImapFlowOptions {
    const tls = this.cfg.tls;
    return {
      host: this.cfg.host,
      port: this.cfg.port ?? (tls === 'implicit' ? 993 : 143),
      secure: tls === 'implicit',
      doSTARTTLS: tls === 'starttls',
      tls: { rejectUnauthorized: this.cfg.rejectUnauthorized },
      auth: 'password' in creds ? { user: this.cfg.user, pass: creds.password } : { user: this.cfg.user, accessToken: creds.accessToken },
      logger: this.capturingLogger(),
      autoIdleDelay: this.options.autoIdleDelay,
      connectionTimeout: this.options.connectionTimeout ?? 30_000,
      disableCompression: true,
    };
  }

  /** imapflow reports the server's answer to a refused command only to its logger: keep the text. */
  private capturingLogger(): NonNullable<ImapFlowOptions['logger']> {
    const keep = (o: unknown) => {
      const err = (o as { err?: { responseText?: string; message?: string } } | undefined)?.err;
      if (err) this.lastImapError = err.responseText || err.message || null;
    };
    const nothing = () => undefined;
    return { debug: nothing, info: nothing, warn: keep, error: keep, trace: nothing, fatal: keep } as unknown as NonNullable<ImapFlowOptions['logger']>;
  }

  private usable(): ImapFlow {
    if (!this.client || !this.client.usable) throw this.fail('not connected (connection lost or open() not called)', null);
    return this.client;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.lastImapError = null;
    try {
      return await fn();
    } catch (e) {
      throw this.fail(what, e);
    }
  }

  /** Network trouble is transient (retry with backoff); a refused login is permanent until fixed. */
  private fail(what: string, cause: unknown, permanent = false): SynError {
    const detail = cause instanceof Error ? ((cause as { responseText?: string }).responseText ?? cause.message) : typeof cause === 'string' ? cause : '';
    return new SynError('MAILBOX_FAILED', `${this.name}: ${what}${detail ? `: ${detail}` : ''}`, { cause: cause ?? undefined, permanent });
  }
}

/** A refused sign-in, apart from other connect failures: only it is worth a fresh token. */
class RefusedSignIn extends Error {
  constructor(readonly error: SynError) {
    super(error.message);
  }
}

/**
 * The SASL mechanism imapflow chose, read from the server's capabilities as imapflow reads them:
 * OAUTHBEARER before XOAUTH2 for a token; AUTHENTICATE PLAIN, LOGIN, or the LOGIN command for a password.
 */
function signInMethod(client: ImapFlow, creds: ImapCredentials): string {
  const caps = (client as unknown as { capabilities?: Map<string, unknown> }).capabilities ?? new Map();
  if ('accessToken' in creds) {
    if (caps.has('AUTH=OAUTHBEARER')) return 'OAUTHBEARER';
    if (caps.has('AUTH=XOAUTH2') || caps.has('AUTH=XOAUTH')) return 'XOAUTH2';
    return 'OAuth2 (the server offers neither OAUTHBEARER nor XOAUTH2)';
  }
  return caps.has('AUTH=PLAIN') ? 'password (AUTHENTICATE PLAIN)' : caps.has('AUTH=LOGIN') ? 'password (AUTHENTICATE LOGIN)' : 'password (LOGIN)';
}

/** "Synecdoche/Processed" as path parts, joined by imapflow with the server's own delimiter. */
function pathOf(folder: string): string | string[] {
  return folder.toUpperCase() === 'INBOX' ? 'INBOX' : folder.split('/').filter(Boolean);
}

/** Sorted UIDs as the shortest IMAP sequence set ("1:5,8,10:12"). */
export function packRange(uids: readonly number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
