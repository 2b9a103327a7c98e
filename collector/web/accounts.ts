import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { SynError } from '../../core/errors.ts';
import type { Db } from '../store/db.ts';

/**
 * Dashboard accounts, sessions and client link tokens, in tables of their own. Passwords are
 * hashed with scrypt (node:crypto; N=2^15, r=8, p=1, a 16-byte salt); session ids and link
 * tokens are random 32-byte values stored only as SHA-256 hashes, so a copy of the database
 * opens no session and no link.
 */
const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;
const PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export interface WebUser {
  name: string;
  /** A client account sees only this client's jobs; null for the consultant's accounts. */
  clientId: string | null;
  readOnly: boolean;
}

const ready = new WeakSet<Db>();
/** Creates the dashboard's tables on first use (they concern the web side only). */
export function ensureWebTables(db: Db): void {
  if (ready.has(db)) return;
  db.exec(`
    CREATE TABLE IF NOT EXISTS web_users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, client_id TEXT, read_only INTEGER NOT NULL, created_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS web_sessions (id_hash TEXT PRIMARY KEY, user_name TEXT, client_id TEXT, read_only INTEGER NOT NULL, csrf TEXT NOT NULL, expires_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS web_links (token_hash TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER);
    CREATE TABLE IF NOT EXISTS web_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `);
  ready.add(db);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = await scrypt(password, Buffer.from(salt, 'base64'), want.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: PARAMS.maxmem });
  return got.length === want.length && timingSafeEqual(got, want);
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
export const randomToken = () => randomBytes(32).toString('base64url');

export async function addUser(db: Db, user: WebUser, password: string, now: number): Promise<void> {
  ensureWebTables(db);
  if (password.length < 10) throw new SynError('USAGE', 'the password must be at least 10 characters long');
  const hash = await hashPassword(password);
  db.prepare('INSERT INTO web_users (name, password_hash, client_id, read_only, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, client_id = excluded.client_id, read_only = excluded.read_only')
    .run(user.name, hash, user.clientId, user.readOnly ? 1 : 0, now);
}

export function listUsers(db: Db): WebUser[] {
  ensureWebTables(db);
  return db.prepare<[], { name: string; client_id: string | null; read_only: number }>('SELECT name, client_id, read_only FROM web_users ORDER BY name').all().map((r) => ({ name: r.name, clientId: r.client_id, readOnly: r.read_only === 1 }));
}

export function removeUser(db: Db, name: string): boolean {
  ensureWebTables(db);
  db.prepare('DELETE FROM web_sessions WHERE user_name = ?').run(name);
  return db.prepare('DELETE FROM web_users WHERE name = ?').run(name).changes > 0;
}

/** The account for a name and password, or null (also for an unknown name: no hint which). */
export async function checkLogin(db: Db, name: string, password: string): Promise<WebUser | null> {
  ensureWebTables(db);
  const row = db.prepare<[string], { name: string; password_hash: string; client_id: string | null; read_only: number }>('SELECT * FROM web_users WHERE name = ?').get(name);
  // An unknown name costs the same scrypt as a known one.
  const ok = await verifyPassword(password, row?.password_hash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
  return row && ok ? { name: row.name, clientId: row.client_id, readOnly: row.read_only === 1 } : null;
}

/** Who a session is: an account, or a client link (read-only, one client). */
export interface Session {
  user: string | null;
  clientId: string | null;
  readOnly: boolean;
  csrf: string;
}

export function openSession(db: Db, who: { user: string | null; clientId: string | null; readOnly: boolean }, now: number, hours: number): string {
  ensureWebTables(db);
  const id = randomToken();
  db.prepare('DELETE FROM web_sessions WHERE expires_at < ?').run(now);
  db.prepare('INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?, ?)').run(sha(id), who.user, who.clientId, who.readOnly ? 1 : 0, randomToken(), now + hours * 3_600_000);
  return id;
}

export function sessionOf(db: Db, id: string, now: number): Session | null {
  ensureWebTables(db);
  const r = db.prepare<[string, number], { user_name: string | null; client_id: string | null; read_only: number; csrf: string }>('SELECT * FROM web_sessions WHERE id_hash = ? AND expires_at >= ?').get(sha(id), now);
  if (!r) return null;
  // A removed account's sessions end with it.
  if (r.user_name !== null && !db.prepare('SELECT 1 FROM web_users WHERE name = ?').get(r.user_name)) return null;
  return { user: r.user_name, clientId: r.client_id, readOnly: r.read_only === 1, csrf: r.csrf };
}

export function closeSession(db: Db, id: string): void {
  ensureWebTables(db);
  db.prepare('DELETE FROM web_sessions WHERE id_hash = ?').run(sha(id));
}

/** A read-only link for one client; returns its id (to revoke it) and the token (shown once). */
export function addLink(db: Db, clientId: string, now: number): { id: string; token: string } {
  ensureWebTables(db);
  const token = randomToken();
  const id = randomBytes(4).toString('hex');
  db.prepare('INSERT INTO web_links VALUES (?, ?, ?, ?, NULL)').run(sha(token), id, clientId, now);
  return { id, token };
}

export function linkClient(db: Db, token: string): string | null {
  ensureWebTables(db);
  return db.prepare<[string], { client_id: string }>('SELECT client_id FROM web_links WHERE token_hash = ? AND revoked_at IS NULL').get(sha(token))?.client_id ?? null;
}

export function revokeLink(db: Db, id: string, now: number): boolean {
  ensureWebTables(db);
  return db.prepare('UPDATE web_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0;
}

export function listLinks(db: Db): { id: string; clientId: string; createdAt: Date; revoked: boolean }[] {
  ensureWebTables(db);
  return db.prepare<[], { id: string; client_id: string; created_at: number; revoked_at: number | null }>('SELECT id, client_id, created_at, revoked_at FROM web_links ORDER BY created_at').all()
    .map((r) => ({ id: r.id, clientId: r.client_id, createdAt: new Date(r.created_at), revoked: r.revoked_at !== null }));
}

/**
 * Failed logins per account and per address: after `limit` failures within `windowMs`, further
 * attempts are refused until the window passes. In memory: a restart forgets it, which is fine
 * for a brute-force brake.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly limit = 5, private readonly windowMs = 15 * 60_000) {}
  blocked(keys: readonly string[], now: number): boolean {
    return keys.some((k) => this.recent(k, now).length >= this.limit);
  }
  fail(keys: readonly string[], now: number): void {
    for (const k of keys) this.failures.set(k, [...this.recent(k, now), now]);
  }
  succeed(keys: readonly string[]): void {
    for (const k of keys) this.failures.delete(k);
  }
  private recent(k: string, now: number): number[] {
    return (this.failures.get(k) ?? []).filter((t) => now - t < this.windowMs);
  }
}
