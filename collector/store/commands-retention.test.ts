import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Db } from './db.ts';
import { pruneStore } from './retention.ts';

const DAY = 86_400_000;
const now = new Date('2026-12-05T00:00:00Z');
const old = now.getTime() - 200 * DAY;
const recent = now.getTime() - 5 * DAY;
const cfg = { retention: { rawDays: 30, runsDays: 90 } } as Parameters<typeof pruneStore>[1];

describe('retention of commands and client requests', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'syn-cmd-ret-'));
    db = openStore(join(dir, 'c.db'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const command = (id: string, state: string, at: number, expiresAt: number) =>
    db.prepare(`INSERT INTO commands (id, site_id, job_id, action, issued_at, expires_at, state, state_at) VALUES (?, 'site-a', 'docs', 'run-now', ?, ?, ?, ?)`).run(id, at, expiresAt, state, at);
  const receipt = (runId: string, commandId: string, at: number) =>
    db.prepare(`INSERT INTO command_receipts (run_id, command_id, site_id, state, sent_at, received_at) VALUES (?, ?, 'site-a', 'picked-up', ?, ?)`).run(runId, commandId, at, at);
  const request = (state: string, at: number) =>
    db.prepare(`INSERT INTO client_requests (client_id, from_addr, via, received_at, action, raw_line, state, decided_at) VALUES ('acme', 'office@acme.example', 'email', ?, 'backup', 'BACKUP docs NOW', ?, ?)`).run(at, state, at);

  it('drops settled commands, their receipts and decided requests older than runsDays, and keeps the rest', () => {
    command('old-done', 'done', old, old + DAY);
    receipt('r1', 'old-done', old);
    command('old-expired', 'sent', old, old + DAY);
    command('recent-done', 'done', recent, recent + DAY);
    receipt('r2', 'recent-done', recent);
    request('done', old);
    request('declined', old);
    request('pending', old);
    request('done', recent);

    const r = pruneStore(db, cfg, now);

    expect(r.commandsDeleted).toBe(2);
    expect(r.clientRequestsDeleted).toBe(2);
    expect(db.prepare('SELECT id FROM commands').all()).toEqual([{ id: 'recent-done' }]);
    expect(db.prepare('SELECT run_id FROM command_receipts').all()).toEqual([{ run_id: 'r2' }]);
    expect(db.prepare('SELECT state FROM client_requests ORDER BY id').all()).toEqual([{ state: 'pending' }, { state: 'done' }]);
  });
});
