import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { stringify } from 'yaml';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliContext } from '../../cli/main.ts';
import { reportError } from '../../cli/exit.ts';
import { FakeClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/log.ts';
import { collectorCommand } from '../cli.ts';
import { collectorCommandDefaults } from '../commands/common.ts';
import { collectorConfigFrom } from '../config.ts';
import { tempDir } from '../ingest/testing.ts';
import { openStore } from '../store/db.ts';
import { addUser } from './accounts.ts';
import { startWebServer } from './server.ts';

/** How the dashboard is served: HTTPS, its cookies, the consultant's templates, inside `collector run`. */
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(web: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const t = tempDir('syn-serve-');
  cleanups.push(t.cleanup);
  const raw = { database: { path: join(t.dir, 'c.db') }, consultant: { name: 'Pat IT', email: 'pat@example.com', timeZone: 'UTC' }, clients: [{ id: 'acme', name: 'Acme', timeZone: 'UTC' }], web, ...extra };
  const cfg = collectorConfigFrom(raw, t.dir);
  const db = openStore(cfg.database.path);
  cleanups.push(() => db.close());
  return { dir: t.dir, raw, cfg, db };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

describe('serving the dashboard', () => {
  it('serves HTTPS with the configured certificate and key, with Secure, HttpOnly, SameSite=Strict session cookies', async () => {
    const { dir, db, cfg } = setup();
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const tlsCfg = { ...cfg, web: { ...cfg.web!, tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } } };
    await addUser(db, { name: 'pat', clientId: null, readOnly: false }, 'consultant password', Date.now());
    const web = await startWebServer({ db, cfg: tlsCfg, clock: new FakeClock(new Date()), log: silentLogger, env: {} }, { port: 0 });
    cleanups.push(() => web.close());
    expect(web.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
      const body = new URLSearchParams({ name: 'pat', password: 'consultant password' }).toString();
      const req = request(`${web.url}login`, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web.url.replace(/\/$/, ''), 'content-length': Buffer.byteLength(body) } }, (r) => {
        r.resume();
        resolve({ status: r.statusCode ?? 0, cookie: String(r.headers['set-cookie'] ?? '') });
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status).toBe(303);
    expect(res.cookie).toMatch(/^syn_session=/);
    for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) expect(res.cookie).toContain(flag);
  });

  it('renders the consultant\'s own templates over the built-in ones', async () => {
    const { dir, raw } = setup();
    mkdirSync(join(dir, 'brand', 'web'), { recursive: true });
    writeFileSync(join(dir, 'brand', 'web', 'login.html.hbs'), '<h1>Welcome to Pat IT backups</h1><form method="post" action="/login"><input name="name"><input name="password"></form>');
    const cfg = collectorConfigFrom({ ...raw, templates: join(dir, 'brand') }, dir);
    const db = openStore(cfg.database.path);
    cleanups.push(() => db.close());
    const web = await startWebServer({ db, cfg, clock: new FakeClock(new Date()), log: silentLogger, env: {} }, { port: 0 });
    cleanups.push(() => web.close());
    expect(await (await fetch(`${web.url}login`)).text()).toContain('<h1>Welcome to Pat IT backups</h1>');
  });

  it('is served by collector run when web: is set, and stops with it', async () => {
    const port = await freePort();
    const { dir, raw } = setup({ port }, { mailboxes: [{ name: 'local', type: 'maildir', path: 'Maildir' }] });
    for (const s of ['new', 'cur', 'tmp']) mkdirSync(join(dir, 'Maildir', s), { recursive: true });
    const cfgFile = join(dir, 'collector.yaml');
    writeFileSync(cfgFile, stringify(raw));
    const stop = new AbortController();
    const out = new PassThrough();
    const ctx: CliContext = { env: {}, stdout: out, stderr: out, exitCode: 0 };
    const program = new Command('synecdoche').exitOverride();
    program.addCommand(collectorCommand(ctx, { ...collectorCommandDefaults, stopSignal: stop.signal }));
    const running = program.parseAsync(['node', 'synecdoche', 'collector', 'run', '-c', cfgFile, '--log-level', 'silent']).catch((e: unknown) => (e instanceof CommanderError ? e.exitCode : reportError(e, out)));
    let login: Response | null = null;
    for (let i = 0; i < 100 && !login; i++) {
      await new Promise((r) => setTimeout(r, 100));
      login = await fetch(`http://127.0.0.1:${port}/login`).catch(() => null);
    }
    expect(login?.status).toBe(200);
    stop.abort();
    await running;
    await expect(fetch(`http://127.0.0.1:${port}/login`)).rejects.toThrow();
  });
});
