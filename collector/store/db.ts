import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SynError } from '../../core/errors.ts';
import { MIGRATIONS } from './migrations.ts';

/** How much of the database file a `mapped` handle maps for reading; pages beyond it are read() as before. */
const MMAP_BYTES = 256 * 2 ** 20;

/** The collector's SQLite database handle (better-sqlite3, synchronous). */
export type Db = Database.Database;

/**
 * Opens (creating when missing) the collector database: WAL for readers beside the writing
 * service, foreign keys on, and every pending migration applied in one transaction. Any failure
 * is STORE_FAILED (exit 7).
 */
export function openStore(path: string, options: { readonly?: boolean; mapped?: boolean } = {}): Db {
  let db: Db;
  try {
    if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    db.pragma('busy_timeout = 5000');
    // A `mapped` handle (the reading commands: status, history, reports) reads through a memory
    // map instead of read() calls into SQLite's 2 MB page cache: `collector status` reads every
    // job's run summary (11 MB for 3,000 jobs), ~5 ms less. The writers (poll, run, import) do
    // not map: every page they touch would stay in their resident memory (+40 MB over a
    // 10,000-message poll). The database is a local file; an I/O error on a mapped page kills
    // the process (SIGBUS) instead of failing one query, an accepted cost for a short command
    // on the collector's own disk.
    if (options.mapped) db.pragma(`mmap_size = ${MMAP_BYTES}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
  } catch (e) {
    throw new SynError('STORE_FAILED', `cannot open the database ${path}`, { cause: e });
  }
  try {
    if (!options.readonly) migrate(db);
    else if (schemaVersion(db) !== MIGRATIONS.length) throw new Error(`schema version ${schemaVersion(db)}, expected ${MIGRATIONS.length}`);
  } catch (e) {
    db.close();
    throw new SynError('STORE_FAILED', `cannot bring the database ${path} up to date`, { cause: e });
  }
  return db;
}

/** The applied schema version (`PRAGMA user_version`). */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies migrations after the current `user_version`, all in one transaction. */
export function migrate(db: Db): void {
  const from = schemaVersion(db);
  if (from > MIGRATIONS.length) throw new Error(`the database has schema version ${from}, newer than this program (${MIGRATIONS.length}): upgrade Synecdoche`);
  if (from === MIGRATIONS.length) return;
  db.transaction(() => {
    for (let v = from; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** Runs `fn` inside a write transaction; a failure is STORE_FAILED unless it already is a SynError. */
export function inTransaction<T>(db: Db, fn: () => T): T {
  try {
    return db.transaction(fn).immediate();
  } catch (e) {
    if (e instanceof SynError) throw e;
    throw new SynError('STORE_FAILED', 'a database write failed', { cause: e, permanent: false });
  }
}

/**
 * A module's prepared statements, made once per database connection (a better-sqlite3
 * statement belongs to the connection that prepared it) and reused on every call after.
 */
export function statementsOf<T>(prepare: (db: Db) => T): (db: Db) => T {
  const cache = new WeakMap<Db, T>();
  return (db) => {
    let s = cache.get(db);
    if (!s) cache.set(db, (s = prepare(db)));
    return s;
  };
}
