import { createInterface } from 'node:readline';
import { SynError } from '../../core/errors.ts';
import { addLink, addUser, listLinks, listUsers, removeUser, revokeLink } from '../web/accounts.ts';
import { startWebServer } from '../web/server.ts';
import type { CollectorCliDeps, Loaded } from './common.ts';

/**
 * `collector serve`, `collector user ...` and `collector link ...`: the dashboard and its
 * accounts. A password is read from the terminal (not echoed, asked twice) or, when stdin is not
 * a terminal, from its first line; never from the command line, where `ps` and shell history see it.
 */
export async function serveCommand(l: Loaded, deps: CollectorCliDeps, env: NodeJS.ProcessEnv, o: { port?: number; host?: string }, stop: AbortSignal): Promise<void> {
  const web = await startWebServer({ db: l.db, cfg: l.cfg, clock: l.clock, log: l.log, env, cliDeps: deps }, o);
  l.out(`Dashboard on ${web.url} (Ctrl-C stops it)`);
  if (listUsers(l.db).length === 0) l.out('No accounts yet: collector user add NAME -c CONFIG');
  await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })));
  await web.close();
}

export async function readPassword(input: NodeJS.ReadableStream & { isTTY?: boolean }, output: NodeJS.WritableStream, prompt: string): Promise<string> {
  if (!input.isTTY) {
    const rl = createInterface({ input, terminal: false });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    throw new SynError('USAGE', 'no password on stdin (give it as the first line, or run this in a terminal)');
  }
  const ask = (q: string) =>
    new Promise<string>((resolve) => {
      const muted = { write: (s: string) => (s.includes(q) ? output.write(s) : true) } as unknown as NodeJS.WritableStream;
      const rl = createInterface({ input, output: muted, terminal: true });
      rl.question(q, (answer) => {
        rl.close();
        output.write('\n');
        resolve(answer);
      });
    });
  const first = await ask(prompt);
  const again = await ask('Again: ');
  if (first !== again) throw new SynError('USAGE', 'the two passwords differ');
  return first;
}

export async function userAddCommand(l: Loaded, name: string, o: { client?: string; readOnly?: boolean }, io: { stdin: NodeJS.ReadableStream & { isTTY?: boolean }; stderr: NodeJS.WritableStream }): Promise<void> {
  if (!/^[\w.@-]{1,100}$/.test(name)) throw new SynError('USAGE', `"${name}" is not a usable account name (letters, digits, . _ - @)`);
  if (o.client !== undefined && !l.cfg.clients.some((c) => c.id === o.client)) {
    throw new SynError('NOT_FOUND', `no client "${o.client}" in the config (clients: ${l.cfg.clients.map((c) => c.id).join(', ') || 'none'})`);
  }
  const password = await readPassword(io.stdin, io.stderr, `Password for ${name}: `);
  await addUser(l.db, { name, clientId: o.client ?? null, readOnly: o.readOnly ?? false }, password, l.clock.now().getTime());
  l.out(`account ${name} saved${o.client ? ` (client ${o.client} only)` : ' (consultant)'}${o.readOnly ? ', read-only' : ''}`);
}

export function userListCommand(l: Loaded): void {
  const users = listUsers(l.db);
  if (!users.length) return l.out('No accounts.');
  for (const u of users) l.out(`${u.name}\t${u.clientId ? `client ${u.clientId}` : 'consultant'}${u.readOnly ? '\tread-only' : ''}`);
}

export function userRemoveCommand(l: Loaded, name: string): void {
  if (!removeUser(l.db, name)) throw new SynError('NOT_FOUND', `no account "${name}"`);
  l.out(`account ${name} removed; its sessions are closed`);
}

export function linkAddCommand(l: Loaded, client: string, o: { base?: string }): void {
  if (!l.cfg.clients.some((c) => c.id === client)) throw new SynError('NOT_FOUND', `no client "${client}" in the config (clients: ${l.cfg.clients.map((c) => c.id).join(', ') || 'none'})`);
  const { id, token } = addLink(l.db, client, l.clock.now().getTime());
  const base = o.base ?? `http://${l.cfg.web?.host ?? '127.0.0.1'}:${l.cfg.web?.port ?? 8470}/`;
  l.out(`link ${id} for client ${client} (read-only; shown once, stored only as a hash):`);
  l.out(`${base.replace(/\/?$/, '/')}l/${token}`);
  l.out(`revoke with: collector link revoke ${id}`);
}

export function linkListCommand(l: Loaded): void {
  const links = listLinks(l.db);
  if (!links.length) return l.out('No links.');
  for (const k of links) l.out(`${k.id}\tclient ${k.clientId}\tmade ${k.createdAt.toISOString()}${k.revoked ? '\trevoked' : ''}`);
}

export function linkRevokeCommand(l: Loaded, id: string): void {
  if (!revokeLink(l.db, id, l.clock.now().getTime())) throw new SynError('NOT_FOUND', `no active link "${id}" (see collector link list)`);
  l.out(`link ${id} revoked`);
}
