import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A running in-process SMTP server for tests. */
export interface TestSmtpServer {
  port: number;
  /** Raw bytes of every accepted message, in order of arrival. */
  messages: Buffer[];
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
}

/**
 * Starts a real SMTP server (the `smtp-server` package) on 127.0.0.1 without TLS, so that
 * tests deliver through a genuine SMTP dialogue. Use `tls: none` in the client config.
 */
export async function startSmtpServer(opts: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const messages: Buffer[] = [];
  const waiters: (() => void)[] = [];
  const options: SMTPServerOptions = {
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    disableReverseLookup: true,
    onAuth(auth, _session, cb) {
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
