import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A running in-process SMTP server for tests. */
export interface TestSmtpServer {
  port: number;
  /** Raw bytes of every accepted message, in order of arrival. */
  messages: Buffer[];
  /** Every XOAUTH2 access token a client signed in with, accepted or not, in order (with `oauth2`). */
  tokensSeen: string[];
  /** Resolves once at least `n` messages arrived; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs?: number): Promise<Buffer[]>;
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Require AUTH PLAIN/LOGIN with these credentials (over plain text: tests only). */
  auth?: { user: string; pass: string };
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Returns a reply to refuse a message with (e.g. `{ code: 554, message: 'no' }`), or undefined to accept. */
  reject?: (raw: Buffer) => { code: number; message: string } | undefined;
  /** When true, the server takes the message data but never replies: a send cut off mid-way. */
  hang?: boolean;
  /**
   * Offer and accept only AUTH XOAUTH2, for `user` with a token `accept` approves. A refused token
   * gets Gmail's answer (a 334 challenge with a JSON error, then 535) or, with `refusal: 'reject'`,
   * Microsoft 365's (535 at once).
   */
  oauth2?: { user: string; accept: (accessToken: string) => boolean; refusal?: 'challenge' | 'reject' };
}

/**
 * Starts a real SMTP server (the `smtp-server` package) on 127.0.0.1 without TLS, so that
 * tests deliver through a genuine SMTP dialogue. Use `tls: none` in the client config.
 */
export async function startSmtpServer(opts: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const messages: Buffer[] = [];
  const tokensSeen: string[] = [];
  const waiters: (() => void)[] = [];
  const oauth2 = opts.oauth2;
  const options: SMTPServerOptions = {
    disabledCommands: opts.auth || oauth2 ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth && !oauth2,
    ...(oauth2 ? { authMethods: ['XOAUTH2'] } : {}),
    allowInsecureAuth: true,
    logger: false,
    disableReverseLookup: true,
    onAuth(auth, _session, cb) {
      if (oauth2) {
        if (auth.method !== 'XOAUTH2') return cb(Object.assign(new Error('5.7.8 only XOAUTH2 is accepted here'), { responseCode: 535 }));
        tokensSeen.push(auth.accessToken ?? '');
        if (auth.username === oauth2.user && oauth2.accept(auth.accessToken ?? '')) return cb(null, { user: auth.username });
        if (oauth2.refusal === 'reject') return cb(Object.assign(new Error('5.7.3 Authentication unsuccessful'), { responseCode: 535 }));
        return cb(null, { data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' } });
      }
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return cb(null, { user: auth.username });
      cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (opts.hang) return;
        const raw = Buffer.concat(chunks);
        const refusal = opts.reject?.(raw);
        if (refusal) return cb(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
        messages.push(raw);
        for (const w of waiters.splice(0)) w();
        cb();
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    messages,
    tokensSeen,
    async waitFor(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${n} messages, got ${messages.length} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
