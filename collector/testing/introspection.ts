import { createServer } from 'node:http';

/** A local OAuth2 token introspection endpoint (RFC 7662) for Dovecot's `oauth2` passdb in tests. */
export interface IntrospectionServer {
  /** `http://127.0.0.1:PORT/introspect`: give it to `startDovecot({ oauth2: { introspectionUrl } })`. */
  url: string;
  /** Every token Dovecot asked about, in order. */
  asked: string[];
  close(): Promise<void>;
}

/**
 * Answers `{ active: true, username }` for a token `userOf` maps to a user, `{ active: false }`
 * for any other: what a real identity provider answers for a valid and a revoked token.
 */
export async function startIntrospection(userOf: (token: string) => string | undefined): Promise<IntrospectionServer> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('token') ?? '';
      asked.push(token);
      const username = req.method === 'POST' && req.url === '/introspect' ? userOf(token) : undefined;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(username ? { active: true, username } : { active: false }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/introspect`,
    asked,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // Dovecot keeps its connection alive
    }),
  };
}
