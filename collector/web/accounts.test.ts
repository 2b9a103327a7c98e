import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Command, CommanderError } from 'commander';
import type { CliContext } from '../../cli/main.ts';
import { reportError } from '../../cli/exit.ts';
import { FakeClock } from '../../core/clock.ts';
import { collectorCommand } from '../cli.ts';
import { collectorCommandDefaults } from '../commands/common.ts';
import { tempDir } from '../ingest/testing.ts';
import { openStore } from '../store/db.ts';
import { checkLogin, hashPassword, linkClient, openSession, sessionOf, verifyPassword } from './accounts.ts';

/** Dashboard accounts and links as the CLI makes them: passwords from stdin, never argv; hashes only. */
let dir: string, cleanup: () => void, cfg: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('syn-accounts-'));
  cfg = join(dir, 'collector.yaml');
  writeFileSync(cfg, stringify({ database: { path: join(dir, 'c.db') }, consultant: { name: 'Pat', email: 'pat@example.com', timeZone: 'UTC' }, clients: [{ id: 'acme', name: 'Acme', timeZone: 'UTC' }] }));
});
afterEach(() => cleanup());

async function cli(args: string[], stdinText = ''): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const ctx: CliContext = { env: {}, stdout: out, stderr: out, exitCode: 0 };
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const program = new Command('synecdoche').exitOverride();
  program.addCommand(collectorCommand(ctx, { ...collectorCommandDefaults, clock: new FakeClock('2026-12-04T12:00:00Z'), stdin }));
  for (const c of program.commands) for (const sub of [c, ...c.commands, ...c.commands.flatMap((x) => x.commands)]) sub.exitOverride();
  let code = 0;
  try {
    await program.parseAsync(['node', 'synecdoche', 'collector', ...args]);
    code = ctx.exitCode;
  } catch (e) {
    code = e instanceof CommanderError ? e.exitCode : reportError(e, out as unknown as Writable);
  }
  return { code, out: Buffer.concat(chunks).toString('utf8') };
}

describe('dashboard accounts', () => {
  it('hashes passwords with scrypt, salted: the same password gives another hash, and only it verifies', async () => {
    const [a, b] = [await hashPassword('correct horse'), await hashPassword('correct horse')];
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
  });

  it('adds an account with the password read from stdin, stores no plain password, and signs it in', async () => {
    const r = await cli(['user', 'add', 'office', '--client', 'acme', '--read-only', '-c', cfg], 'office password 1\n');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('account office saved (client acme only), read-only');
    const db = openStore(join(dir, 'c.db'));
    try {
      const stored = db.prepare<[], { password_hash: string }>('SELECT password_hash FROM web_users').get()!.password_hash;
      expect(stored).not.toContain('office password 1');
      expect(await checkLogin(db, 'office', 'office password 1')).toEqual({ name: 'office', clientId: 'acme', readOnly: true });
      expect(await checkLogin(db, 'office', 'wrong')).toBeNull();
    } finally {
      db.close();
    }
    expect((await cli(['user', 'list', '-c', cfg])).out).toContain('office\tclient acme\tread-only');
  });

  it('refuses a short password, an unknown client, and a password on the command line', async () => {
    expect((await cli(['user', 'add', 'pat', '-c', cfg], 'short\n')).out).toMatch(/at least 10 characters/);
    expect((await cli(['user', 'add', 'pat', '--client', 'nobody', '-c', cfg], 'long enough pass\n')).out).toMatch(/no client "nobody"/);
    const argv = await cli(['user', 'add', 'pat', '--password', 'long enough pass', '-c', cfg]);
    expect(argv.code).not.toBe(0); // commander: unknown option '--password'
    expect((await cli(['user', 'list', '-c', cfg])).out).toContain('No accounts.');
  });

  it('ends the sessions of a removed account, and a revoked link opens nothing', async () => {
    await cli(['user', 'add', 'pat', '-c', cfg], 'consultant pass 1\n');
    const link = await cli(['link', 'add', 'acme', '--base', 'https://backups.example/', '-c', cfg]);
    const token = /https:\/\/backups\.example\/l\/(\S+)/.exec(link.out)![1]!;
    const id = /revoke with: collector link revoke (\S+)/.exec(link.out)![1]!;
    const db = openStore(join(dir, 'c.db'));
    try {
      expect(linkClient(db, token)).toBe('acme');
      const sid = openSession(db, { user: 'pat', clientId: null, readOnly: false }, Date.now(), 1);
      expect(sessionOf(db, sid, Date.now())).not.toBeNull();
      expect(sessionOf(db, sid, Date.now() + 2 * 3_600_000)).toBeNull(); // expired
      expect((await cli(['user', 'remove', 'pat', '-c', cfg])).code).toBe(0);
      expect(sessionOf(db, sid, Date.now())).toBeNull();
      expect((await cli(['link', 'revoke', id, '-c', cfg])).out).toContain(`link ${id} revoked`);
      expect(linkClient(db, token)).toBeNull();
      expect(db.prepare('SELECT count(*) AS n FROM web_links WHERE token_hash = ?').get(token)).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});
