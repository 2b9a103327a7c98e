import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Db } from '../store/db.ts';
import { tempDir } from '../ingest/testing.ts';
import { claimSend, interruptedSends, markFailed, markSent, MAX_ATTEMPTS, sendRow, type SendClaim } from './send-once.ts';

const run = promisify(execFile);
const RACER = fileURLToPath(new URL('./testing/claim-race.ts', import.meta.url));

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function store(): { db: Db; path: string } {
  const t = tempDir('syn-sendonce-');
  const path = join(t.dir, 'syn.db');
  const db = openStore(path);
  cleanups.push(() => {
    db.close();
    t.cleanup();
  });
  return { db, path };
}

const claim = (claimant: string, day = '2026-11-24'): SendClaim => ({ kind: 'digest', key: 'consultant', day, claimant });
const at = (iso: string) => new Date(iso);

describe('claimSend', () => {
  it('lets only the first claimant send a day, also after it was sent', () => {
    const { db } = store();
    expect(claimSend(db, claim('a'), { now: at('2026-11-24T07:00:00Z') })).toBe(true);
    expect(claimSend(db, claim('b'), { now: at('2026-11-24T07:00:01Z') })).toBe(false);
    markSent(db, claim('a'), at('2026-11-24T07:00:02Z'));
    expect(claimSend(db, claim('b'), { now: at('2026-11-24T09:00:00Z') })).toBe(false);
    expect(sendRow(db, 'digest', 'consultant', '2026-11-24')).toMatchObject({ state: 'sent', claimedBy: 'a', attempts: 1 });
    expect(claimSend(db, claim('b', '2026-11-25'), { now: at('2026-11-25T07:00:00Z') })).toBe(true);
  });

  it('allows a failed send to be retried the same day, up to the attempt limit', () => {
    const { db } = store();
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      expect(claimSend(db, claim(`p${i}`), { now: at('2026-11-24T07:00:00Z') })).toBe(true);
      markFailed(db, claim(`p${i}`), 'SMTP 127.0.0.1:1: connect ECONNREFUSED');
    }
    expect(claimSend(db, claim('late'), { now: at('2026-11-24T08:00:00Z') })).toBe(false);
    expect(sendRow(db, 'digest', 'consultant', '2026-11-24')).toMatchObject({ state: 'failed', attempts: MAX_ATTEMPTS, error: expect.stringContaining('ECONNREFUSED') });
  });

  it('does not take over a claim of a process that died mid-send, and reports it once as interrupted', () => {
    const { db } = store();
    expect(claimSend(db, claim('crashed'), { now: at('2026-11-24T07:00:00Z') })).toBe(true);
    expect(claimSend(db, claim('restarted'), { now: at('2026-11-24T09:00:00Z') })).toBe(false);
    expect(interruptedSends(db, at('2026-11-24T07:05:00Z'), 30)).toEqual([]);
    const found = interruptedSends(db, at('2026-11-24T09:00:00Z'), 30);
    expect(found).toMatchObject([{ kind: 'digest', key: 'consultant', day: '2026-11-24', state: 'interrupted', claimedBy: 'crashed' }]);
    expect(interruptedSends(db, at('2026-11-24T10:00:00Z'), 30)).toEqual([]);
    expect(claimSend(db, claim('restarted'), { now: at('2026-11-24T10:00:00Z') })).toBe(false);
  });

  it('takes over a stale claim only when the caller opts into at-least-once', () => {
    const { db } = store();
    claimSend(db, claim('crashed'), { now: at('2026-11-24T07:00:00Z') });
    expect(claimSend(db, claim('b'), { now: at('2026-11-24T07:10:00Z'), takeOverStaleAfterMinutes: 30 })).toBe(false);
    expect(claimSend(db, claim('b'), { now: at('2026-11-24T07:31:00Z'), takeOverStaleAfterMinutes: 30 })).toBe(true);
    expect(sendRow(db, 'digest', 'consultant', '2026-11-24')).toMatchObject({ state: 'sending', claimedBy: 'b', attempts: 2 });
  });

  it('keeps the claim across closing and reopening the database', () => {
    const { db, path } = store();
    claimSend(db, claim('a'));
    markSent(db, claim('a'), new Date());
    const again = openStore(path);
    try {
      expect(claimSend(again, claim('b'))).toBe(false);
    } finally {
      again.close();
    }
  });

  it('gives each day to exactly one of two collector processes racing on one database', async () => {
    const { path } = store();
    const startAt = String(Date.now() + 1500);
    const days = 300;
    const racers = ['one', 'two'].map((name) => run(process.execPath, ['--import', 'tsx', RACER, path, name, startAt, String(days)], { cwd: process.cwd() }));
    const [a, b] = (await Promise.all(racers)).map((r) => JSON.parse(r.stdout) as string[]);
    expect(a!.length + b!.length).toBe(days);
    expect(new Set([...a!, ...b!]).size).toBe(days);
  }, 20_000);
});
