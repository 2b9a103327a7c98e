import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { SynError } from '../../core/errors.ts';
import { createWebApp, type WebDeps } from './app.ts';

export interface RunningWeb {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves the dashboard on `web.host:web.port` (HTTPS when `web.tls` is set); port 0 picks a free one. */
export async function startWebServer(deps: WebDeps, override: { port?: number; host?: string } = {}): Promise<RunningWeb> {
  const web = deps.cfg.web ?? { host: '127.0.0.1', port: 8470, trustProxy: false, sessionHours: 12 };
  const app = createWebApp(deps);
  const host = override.host ?? web.host;
  const port = override.port ?? web.port;
  let tls: { key: Buffer; cert: Buffer } | undefined;
  if (web.tls) {
    try {
      tls = { key: readFileSync(web.tls.key), cert: readFileSync(web.tls.cert) };
    } catch (e) {
      throw new SynError('CONFIG_INVALID', `web.tls: cannot read the certificate or key: ${(e as Error).message}`);
    }
  }
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port, ...(tls ? { createServer: createHttpsServer, serverOptions: tls } : {}) }, () => resolve(s));
    s.once('error', (e: NodeJS.ErrnoException) => reject(new SynError('CONFIG_INVALID', `web: cannot listen on ${host}:${port}: ${e.code ?? e.message}`)));
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${tls ? 'https' : 'http'}://${shown}:${bound}/`,
    port: bound,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
