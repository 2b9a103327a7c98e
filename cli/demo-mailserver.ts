import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

/**
 * The demo's embedded mail server: a real SMTP server (the smtp-server package) on a loopback
 * port that delivers every message into a local Maildir, as a mail server would. The agent sends
 * to it over SMTP; the collector reads the Maildir.
 */
export interface DemoMailServer {
  port: number;
  delivered(): number;
  close(): Promise<void>;
}

/** Creates `maildir` (cur/new/tmp) and starts delivering into it. */
export async function startDemoMailServer(maildir: string): Promise<DemoMailServer> {
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        deliverToMaildir(maildir, Buffer.concat(chunks));
        count++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    delivered: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Maildir delivery: write into tmp/, then rename into new/ (atomic for the reader). */
export function deliverToMaildir(maildir: string, raw: Buffer): string {
  const name = `${Date.now()}.${randomUUID()}.synecdoche-demo`;
  writeFileSync(join(maildir, 'tmp', name), raw);
  renameSync(join(maildir, 'tmp', name), join(maildir, 'new', name));
  return name;
}
